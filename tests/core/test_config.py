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


def test_login_limits_and_exempt_networks_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("TREMPLIN_RATE_LIMIT_EXEMPT_NETWORKS", '["127.0.0.0/8", "::1"]')
    monkeypatch.setenv("TREMPLIN_LOGIN_MAX_FAILURES_PER_ADDRESS", "200")
    monkeypatch.setenv("TREMPLIN_LOGIN_MAX_FAILURES_PER_ACCOUNT", "null")
    app = create_app({"ENV": "testing", "SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["RATE_LIMIT_EXEMPT_NETWORKS"] == ["127.0.0.0/8", "::1"]
    assert app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] == 200
    assert app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] is None


def test_no_network_is_exempt_by_default(monkeypatch):
    monkeypatch.delenv("TREMPLIN_RATE_LIMIT_EXEMPT_NETWORKS", raising=False)
    app = create_app({"ENV": "testing", "SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["RATE_LIMIT_EXEMPT_NETWORKS"] == []


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("RATE_LIMIT_EXEMPT_NETWORKS", ["127.0.0.0/8", "localhost"], "'localhost' is not an address or a network"),
        ("RATE_LIMIT_EXEMPT_NETWORKS", 42, "must be a list of networks"),
        ("LOGIN_MAX_FAILURES", 0, "TREMPLIN_LOGIN_MAX_FAILURES must be a whole number above 0, not 0"),
        ("LOGIN_MAX_FAILURES", None, "TREMPLIN_LOGIN_MAX_FAILURES must be a whole number above 0, not None"),
        ("LOGIN_MAX_FAILURES_PER_ADDRESS", "ten", "above 0 or null \\(off\\), not 'ten'"),
        ("LOGIN_DEVICE_COOKIE_DAYS", True, "TREMPLIN_LOGIN_DEVICE_COOKIE_DAYS must be a whole number"),
    ],
)
def test_bad_login_limits_are_refused_with_a_clear_message(key, value, message):
    with pytest.raises(ConfigError, match=message):
        create_app({"ENV": "testing", "SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://", key: value})
