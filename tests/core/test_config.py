"""Configuration: environment, production safety, SQLite settings."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core import create_app
from core.config import ConfigError
from core.db import db


def test_production_refuses_the_default_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="Refusing to start in production"):
        create_app({"ENV": "production", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"ENV": "production", "SECRET_KEY": "dev", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})


def test_production_starts_with_a_real_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "k" * 48)
    monkeypatch.setenv("TREMPLIN_ENV", "production")
    monkeypatch.setenv("TREMPLIN_BASE_URL", "https://formation.example.org/")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/prod.db")
    app = create_app()
    assert app.config["ENV"] == "production"
    assert app.config["BASE_URL"] == "https://formation.example.org"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("prod.db")


def test_unknown_environment_is_refused():
    with pytest.raises(ConfigError):
        create_app({"ENV": "staging"})


def test_postgres_urls_use_psycopg3(tmp_path):
    app = create_app({"ENV": "testing", "SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "postgres://u:p@h/db"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@h/db"


def test_sqlite_has_foreign_keys_and_wal(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite settings")
    with db.engine.connect() as connection:
        assert connection.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"


def test_cookies_are_httponly_and_samesite(client, login_as):
    login_as("trainee")
    cookies = [value for key, value in client.get("/").headers.items() if key == "Set-Cookie"] or []
    response = client.post("/login", data={"email": "x@example.org", "password": "y"})
    cookies += response.headers.getlist("Set-Cookie")
    session_cookies = [c for c in cookies if c.startswith("tremplin_session=")]
    assert session_cookies
    for cookie in session_cookies:
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
