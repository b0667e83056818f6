"""Tremplin's app shell: ``create_app`` is the one composition root."""

from __future__ import annotations

import functools
import os
import uuid
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_babel import lazy_gettext as _l
from werkzeug.middleware.proxy_fix import ProxyFix

from core.config import ROOT
from core.db import db
from core.extensions import compress, csrf, login_manager, migrate
from core.forms import ROLE_LABELS
from core.home import nav_items, register_nav, register_panel
from core.models import OutboxMessage, Role, User, UserRole


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then the environment, then ``config`` (tests pass theirs here)."""
    # The composition root imports the modules it wires in its body, so that importing ``core`` (every
    # module does) does not import them all.
    from core import assets, audit, cli, errors, i18n, logs, security, storage  # why: the composition root
    from core import config as configuration  # why: the composition root
    from core.db import configure_sqlite  # why: the composition root
    from core.security import require_login, security_headers  # why: the composition root

    app = Flask(
        "tremplin",
        root_path=str(ROOT),
        # One folder per app server when several run on one host (scripts/cluster); default: the checkout's.
        instance_path=os.environ.get("TREMPLIN_INSTANCE_PATH") or str(ROOT / "instance"),
        template_folder="templates",
        static_folder="static",
    )
    configuration.load(app, config)
    app.json.ensure_ascii = False  # JSON keeps "Élise" readable
    # First, so that its after_request hook runs last (Flask runs them in reverse): it compresses the final body.
    compress.init_app(app)
    logs.init_app(app)
    assets.init_app(app)

    if app.config["PROXY_COUNT"]:
        count = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    storage.init_app(app)  # refuses a malformed STORAGE_URL at start, before any request
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    from core import pagecache  # why: the composition root

    pagecache.install_hooks()
    app.session_interface = security.CookieSessionInterface()
    csrf.init_app(app)
    from core import api_auth  # why: the composition root

    api_auth.init_app(app)
    i18n.init_app(app)
    audit.init_app(app)
    _init_login(app)
    errors.init_app(app)

    from core import admin, api, auth, job_views, rest, views  # why: the composition root

    app.register_blueprint(auth.bp)
    app.register_blueprint(views.bp)
    app.register_blueprint(admin.bp)
    rest.init_app(app)
    rest.api.register_blueprint(api.bp)
    app.register_blueprint(job_views.bp)
    _register_core_panels()
    from core.privacy import wiring as privacy  # why: the composition root

    privacy.init_app(app)

    import badges  # why: the composition root
    import courses  # why: the composition root

    badges.init_app(app)
    courses.init_app(app)

    app.before_request(require_login)
    app.after_request(security_headers)
    _one_commit_per_request(app)
    cli.init_app(app)
    app.jinja_env.globals.update(
        role_labels=_role_labels,
        nav_items=nav_items,
        attrs_without_none=lambda attrs: {k: v for k, v in attrs.items() if v is not None},
    )
    return app


def _init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.config.setdefault("REMEMBER_COOKIE_DURATION", 30 * 24 * 3600)
    app.config["REMEMBER_COOKIE_HTTPONLY"] = True
    app.config["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    app.config["REMEMBER_COOKIE_NAME"] = "tremplin_remember"

    @login_manager.user_loader
    def load_user(session_id: str):
        public_id, _, version = session_id.partition(":")
        try:
            key = uuid.UUID(public_id)
            version_number = int(version)
        except ValueError:
            return None
        # with the roles in the same statement (every page reads them: menu, checks); the statement built once
        user = db.session.scalars(_user_by_uuid(), {"uuid": key}).unique().first()
        if user is None or not user.active or user.session_version != version_number:
            return None
        return user


@functools.cache
def _user_by_uuid() -> sa.Select:
    return (
        db.select(User)
        .where(User.uuid == sa.bindparam("uuid", type_=User.uuid.type))
        .options(sa.orm.joinedload(User.role_rows))
    )


def _one_commit_per_request(app: Flask) -> None:
    """The request commits once, at the end, if it succeeded; anything else rolls back. What it caused later (mail,
    badges…) are jobs it enqueued in that same transaction: they exist exactly when its changes do."""

    @app.after_request
    def _commit(response):
        # A request that never touched the database has no session to end: don't create one to commit nothing.
        used = db.session.registry.has() and db.session().in_transaction()
        if used:
            if response.status_code < 400:
                db.session.commit()
            else:
                db.session.rollback()
        return response


def _register_core_panels() -> None:
    register_nav("admin.users", _l("People"), [Role.ADMIN], order=80)
    register_nav("admin.outbox", _l("Outbox"), [Role.ADMIN], order=85)
    register_nav("admin.audit_log", _l("Audit log"), [Role.ADMIN], order=90)
    register_nav("jobs.overview", _l("Background tasks"), [Role.ADMIN], order=95)
    register_nav("jobs.mine", _l("My exports"), [Role.ADMIN], order=70)  # only coordinators start jobs today
    register_panel("core/panels/people.html", [Role.ADMIN], order=10, context=_people_panel)
    # what it shows is the person's own fields, part of every kept page's key
    register_panel("core/panels/account.html", list(Role), order=900, version=lambda user: ())


def _people_panel(user) -> dict[str, Any]:
    counts = dict(db.session.execute(db.select(UserRole.role, db.func.count()).group_by(UserRole.role)).all())
    pending = db.session.scalar(db.select(db.func.count()).select_from(User).where(User.password_hash.is_(None)))
    unsent = db.session.scalar(
        db.select(db.func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
    )
    return {"role_counts": counts, "pending_invitations": pending, "unsent_mail": unsent}


def _role_labels() -> dict[str, str]:
    return {value: str(label) for value, label in ROLE_LABELS.items()}
