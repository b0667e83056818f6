"""A self-contained Open Badges engine (OB 2.0 and 3.0) that knows nothing of programmes.

Pure modules: ``openbadges`` (documents), ``signing`` (Data Integrity, VC-JWT, JWS), ``jsonld`` (offline
contexts), ``baking`` (PNG/SVG), ``images`` (badge artwork). With the database: ``models``, ``keys``.
"""


def init_app(app) -> None:
    """Called by ``core.create_app``: public documents, commands and demo data."""
    # why: a package's __init__ stays light: importing one of its modules (a pure one) must not load them all
    from badges import (  # noqa: F401
        backpack_views,
        cli,
        demo,
        extensions,
        holder_views,
        linkedin,
        obapi,
        oid4vci_views,
        privacy,
        resolver,
        verify_views,
        views,
    )
    from badges.presenters import criteria_html
    from core import backup
    from core.rest import api as rest_api

    resolver.check_config(app.config)
    linkedin.check_config(app.config)
    app.register_blueprint(views.bp)
    rest_api.register_blueprint(verify_views.api_bp)
    obapi.init_app(app)
    app.jinja_env.filters["criteria_html"] = criteria_html
    app.jinja_env.globals["holder_links"] = extensions.holder_links
    cli.init_app(app)
    demo.connect()
    privacy.init_app()
    backup.database_restored.connect(_on_database_restored)
    _navigation()


def _on_database_restored(sender, app) -> str | None:
    """After ``tremplin restore``: forget the badge states cached from the old database, and say so if the
    restored private keys cannot be opened with this instance's passphrase (badges verify, none can be issued)."""
    # why: a package's __init__ stays light: importing one of its modules (a pure one) must not load them all
    from badges import keys, services
    from badges.models import SigningKey
    from core.db import db

    services.forget_states()
    with app.app_context():
        active = db.session.scalars(db.select(SigningKey).where(SigningKey.retired_at.is_(None))).all()
        try:
            for key in active:
                keys.private_key(key)
        except Exception:  # noqa: BLE001 - any failure to decrypt means the passphrase differs
            return (
                "the restored signing keys cannot be opened with this instance's SECRET_KEY / "
                "TREMPLIN_BADGES_KEY_PASSPHRASE: issued badges still verify, but no new badge can be signed until "
                "the passphrase of the backed-up instance is set."
            )
        finally:
            db.session.remove()
    return None


def _navigation() -> None:
    # why: a package's __init__ stays light: importing one of its modules (a pure one) must not load them all
    from flask_babel import lazy_gettext as _l

    from badges.extensions import badge_on_the_way
    from badges.services import awards_of
    from badges.services import holder_version as badges_version
    from core.home import register_nav, register_panel
    from core.models import Role

    def holder_panel(user) -> dict:
        awards = awards_of(user, include_declined=False)
        return {
            "awards": awards,
            "new": [a for a in awards if a.seen_at is None],
            "on_the_way": badge_on_the_way(user),
        }

    def holder_version(user):
        # a badge on its way shows a message until it arrives: such a page is not kept
        return None if badge_on_the_way(user) else badges_version(user)

    register_panel("badges/panels/holder.html", [Role.TRAINEE], order=15, context=holder_panel, version=holder_version)
    register_nav("badges.my_badges", _l("My badges"), [Role.TRAINEE], order=40)
    register_nav("badges.register", _l("Badges"), [Role.ADMIN], order=60)
