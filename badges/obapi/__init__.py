"""The 1EdTech Open Badges 3.0 API, as service provider: OAuth 2.0 (Authlib) and the resource endpoints
(flask-smorest). ``models`` (clients, grants, codes, tokens: hashed), ``server`` (Authlib), ``schemas``
(marshmallow, OpenAPI), ``views`` (routes and the trainee's pages)."""


def init_app(app) -> None:
    # why: a package's __init__ stays light: its modules load Authlib and flask-smorest
    from badges.obapi import privacy, views

    views.init_app(app)
    privacy.init_app()
