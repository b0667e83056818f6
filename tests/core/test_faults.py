"""Faults: the database goes away (before or in the middle of a request) → a clear 503, in the visitor's language,
HTML or JSON, with ``Retry-After``, ``/healthz`` says so, and nothing is half-written."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from core import create_app, services
from core.db import db
from core.models import User
from core.security import public
from tests.conftest import PASSWORD, CSRFClient, make_config


def dead_url(database_url: str) -> str:
    """A database of the same kind as the suite's that cannot be reached: a SQLite file in a directory that does
    not exist, or a PostgreSQL server on a port where nothing listens."""
    url = sa.make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return "sqlite:////nonexistent-directory-for-tremplin-tests/gone.db"
    return url.set(host="127.0.0.1", port=9).render_as_string(hide_password=False)


@pytest.fixture
def dead_app(database_url: str) -> Iterator[Flask]:
    application = create_app(make_config(dead_url(database_url)))
    application.config["PROPAGATE_EXCEPTIONS"] = False
    application.test_client_class = DeadClient
    yield application


class DeadClient(CSRFClient):
    """The CSRF-aware client, each request (and the rollback after it) in the dead app's own context."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def test_healthz_reports_an_unreachable_database(dead_app):
    response = dead_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "unavailable"}
    assert response.headers["Retry-After"].isdigit()
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_reports_a_reachable_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


@pytest.mark.parametrize(
    ("language", "title", "text"),
    [
        ("fr", "La plateforme est momentanément indisponible", "Rien n'a été enregistré"),
        ("en", "The platform is briefly unavailable", "Nothing was saved"),
    ],
)
def test_a_page_that_needs_the_database_says_503_in_the_visitors_language(dead_app, language, title, text):
    response = dead_app.test_client().get(
        "/verify/0b3d4c6e-3c0f-4a7b-9c52-1b2c3d4e5f60", headers={"Accept-Language": language}
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert title in page.replace("&#39;", "'") and text in page.replace("&#39;", "'")
    assert f'lang="{language}"' in page


def test_the_api_and_json_clients_get_json(dead_app, create_user):
    client = dead_app.test_client()
    for path, headers in [
        ("/verify/0b3d4c6e-3c0f-4a7b-9c52-1b2c3d4e5f60", {"Accept": "application/json"}),
        ("/api/v1/me", {"Authorization": "Bearer tpl_0123456789abcdef0123456789abcdef0123456789a"}),
    ]:
        response = client.get(path, headers=headers)
        assert response.status_code == 503, path
        assert response.json["status"] == 503 and response.json["error"]
        assert response.headers["Retry-After"].isdigit()


def test_a_logged_in_person_gets_the_503_page_not_a_crash(client, create_user, dead_app):
    """The session cookie names a user the dead database cannot load: the error page must not try again."""
    user = create_user(roles=("trainee",))
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    cookie = client.get_cookie("session") or client.get_cookie("tremplin_session")
    assert cookie is not None
    dead = dead_app.test_client()
    dead.set_cookie(cookie.key, cookie.value)
    for path in ("/", "/me", "/account"):
        response = dead.get(path)
        assert response.status_code == 503, path
        assert "La plateforme est momentanément indisponible" in response.get_data(as_text=True)


def test_a_form_sent_while_the_database_is_down_is_refused_with_503(dead_app):
    client = dead_app.test_client()
    token = client.csrf_token()
    response = client.post("/login", data={"email": "a@example.org", "password": "x", "csrf_token": token}, csrf=False)
    assert response.status_code == 503
    assert "Rien n'a été enregistré" in response.get_data(as_text=True).replace("&#39;", "'")


# ------------------------------------------------------------------------------------- failing in the middle


def _count_users() -> int:
    db.session.rollback()
    return db.session.scalar(db.select(db.func.count()).select_from(User))


def _lose_the_connection() -> None:
    """What a database that goes away mid-transaction does to the request's connection."""
    if db.engine.dialect.name == "postgresql":
        # The server ends this very session (as a restart or a failover would): the next statement fails.
        db.session.execute(sa.text("SELECT pg_terminate_backend(pg_backend_pid())"))
    else:
        # SQLite is a file: what fails is I/O. The connection's next statement raises what sqlite3 raises then.
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("disk I/O error"))


@pytest.fixture
def app_that_loses_the_database(app):
    @app.route("/_test/write-then-lose-db", methods=["POST"])
    @public
    def write_then_lose():
        services.create_user("half@example.org", "Half Written", ["trainee"])
        db.session.flush()
        _lose_the_connection()
        db.session.execute(sa.text("SELECT 1"))
        return "not reached"

    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def test_losing_the_database_mid_request_writes_nothing(app_that_loses_the_database, client):
    response = client.post("/_test/write-then-lose-db")
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert "Rien n'a été enregistré" in response.get_data(as_text=True).replace("&#39;", "'")
    db.session.remove()
    assert _count_users() == 0
    # …and the next request, on a new connection, works.
    assert client.get("/healthz").status_code == 200


def test_a_logged_in_person_losing_the_database_mid_request_gets_the_503_page(app, client, login_as):
    """The person was loaded, then the connection went: the page must not try to read their name or roles."""

    @app.route("/_test/logged-in-then-lose-db", methods=["POST"])
    def logged_in_then_lose():
        services.create_user("half@example.org", "Half Written", ["trainee"])
        db.session.flush()
        db.session.expire_all()  # whatever the page would show of the person must be read again
        _lose_the_connection()
        db.session.execute(sa.text("SELECT 1"))
        return "not reached"

    app.config["PROPAGATE_EXCEPTIONS"] = False
    login_as("trainer")
    response = client.post("/_test/logged-in-then-lose-db")
    assert response.status_code == 503
    assert "La plateforme est momentanément indisponible" in response.get_data(as_text=True)
    db.session.remove()
    assert db.session.scalar(db.select(User).where(User.email == "half@example.org")) is None
    assert client.get("/account").status_code == 200  # still logged in: the cookie was left alone


def test_a_failure_at_commit_time_is_a_503_and_nothing_is_written(app, client, monkeypatch):
    """The database goes away between the view and the commit (the request's one commit fails)."""

    @app.route("/_test/write-fails-at-commit", methods=["POST"])
    @public
    def write_fails_at_commit():
        services.create_user("half@example.org", "Half Written", ["trainee"])
        db.session.flush()

        def broken_commit(*_args, **_kwargs):
            raise sa.exc.OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

        monkeypatch.setattr(db.session(), "commit", broken_commit)
        return "written?"

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.post("/_test/write-fails-at-commit")
    assert response.status_code == 503
    assert "Rien n'a été enregistré" in response.get_data(as_text=True).replace("&#39;", "'")
    monkeypatch.undo()
    db.session.remove()
    assert _count_users() == 0


def test_a_savepoint_does_not_commit_what_came_before_it(app, client):
    """On SQLite too: a service that reads, then writes in a savepoint (``begin_nested``, as badge issuance and
    certificates do), then fails later in the request, leaves nothing behind (sqlite3 used to let the savepoint
    open — and its release commit — the transaction)."""

    @app.route("/_test/savepoint-then-fail", methods=["POST"])
    @public
    def savepoint_then_fail():
        db.session.scalar(db.select(db.func.count()).select_from(User))
        with db.session.begin_nested():
            services.create_user("half@example.org", "Half Written", ["trainee"])
        raise RuntimeError("boom after the savepoint")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.post("/_test/savepoint-then-fail").status_code == 500
    assert _count_users() == 0
