"""Plugging privacy into the app (called by ``core.create_app``): its tables, pages, commands, file hooks and core's
own provider. Kept apart from the registry (``core.privacy``) that every package imports, so that the registry
imports none of the modules built on it."""

from __future__ import annotations

from flask import Flask

from core.privacy import cli, models, register_provider, register_retention, services, views  # noqa: F401 - models register their tables


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    cli.init_app(app)
    services.install_file_hooks()
    register_provider(services.CORE_PROVIDER)
    register_retention("refused login attempts", services.purge_login_failures)
