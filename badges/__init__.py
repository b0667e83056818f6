"""A self-contained Open Badges engine (OB 2.0 and 3.0) that knows nothing of programmes.

Pure modules: ``openbadges`` (documents), ``signing`` (Data Integrity, VC-JWT, JWS), ``jsonld`` (offline
contexts), ``baking`` (PNG/SVG), ``images`` (badge artwork). With the database: ``models``, ``keys``.
"""


def init_app(app) -> None:
    """Called by ``core.create_app``: public documents, commands and demo data."""
    from badges import cli, demo, holder_views, verify_views, views  # noqa: F401 - they register routes
    from badges.presenters import criteria_html

    app.register_blueprint(views.bp)
    app.jinja_env.filters["criteria_html"] = criteria_html
    cli.init_app(app)
    demo.connect()
