"""Shared fixtures: ``app``, ``client``, ``runner``, ``login_as(role)`` and factories.

The suite runs on SQLite by default and on PostgreSQL when ``TREMPLIN_TEST_DATABASE_URL`` names a server
(``scripts/test`` does both). Each xdist worker gets its own database, migrated once with Alembic (so the
tests also prove the migrations); after every test all tables are emptied, so each test starts clean.
"""

from __future__ import annotations

import os
import re
import sqlite3
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from badges import services as badge_services
from badges.models import StateVersion
from core import create_app
from core.db import db
from core.models import User
from core.storage import storage
from courses import evidence_store

PASSWORD = "correct horse battery"
SECRET = "test-secret-key-that-is-long-enough-0123456789"
CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def pytest_configure(config) -> None:
    """Compile the translations once, in the controller process (xdist workers would race)."""
    if not hasattr(config, "workerinput"):
        from core.i18n import compile_catalogues

        compile_catalogues()


def _admin_url(url: sa.URL) -> sa.URL:
    return url.set(database="postgres")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id: str) -> Iterator[str]:
    server = os.environ.get("TREMPLIN_TEST_DATABASE_URL")
    if not server:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / f'tremplin-{worker_id}.db'}"
        return
    url = sa.make_url(server)
    name = f"tremplin_test_{worker_id}"
    engine = sa.create_engine(_admin_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


_FILES = tempfile.TemporaryDirectory(prefix="tremplin-test-files-")  # removed when the test process ends


def s3_test_url() -> str | None:
    """The S3 bucket of the test run (``scripts/test`` starts SeaweedFS and sets it), or None."""
    return os.environ.get("TREMPLIN_TEST_STORAGE_URL") or None


def require_s3() -> None:
    """Skip the calling test without an S3 server; fail it where one is required: ``scripts/test``'s PostgreSQL
    pass sets ``TREMPLIN_S3_REQUIRED`` (its SQLite pass keeps files in folders and leaves the S3 tests to it)."""
    if s3_test_url():
        return
    if os.environ.get("TREMPLIN_S3_REQUIRED"):
        pytest.fail("no S3 server (TREMPLIN_TEST_STORAGE_URL): scripts/test starts SeaweedFS")
    pytest.skip("no S3 server: TREMPLIN_TEST_STORAGE_URL is not set (scripts/test starts SeaweedFS)")


def fresh_storage_url(backend: str | None = None) -> str:
    """A storage of its own for one app: a new folder, or a new prefix in the test bucket. ``backend`` "file" or
    "s3"; by default S3 when the run has a bucket (the PostgreSQL pass of ``scripts/test``), else a folder."""
    s3 = s3_test_url()
    if backend == "s3" or (backend is None and s3):
        if not s3:
            raise RuntimeError("no S3 server: TREMPLIN_TEST_STORAGE_URL is not set (scripts/test starts one)")
        base, _, query = s3.partition("?")
        return f"{base.rstrip('/')}/{uuid.uuid4().hex}{'?' + query if query else ''}"
    return Path(tempfile.mkdtemp(dir=_FILES.name)).as_uri()


def make_config(database_url: str, **extra) -> dict:
    config = {
        "ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": SECRET,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "BASE_URL": "http://localhost",
        # A cheap scrypt for tests only: production keeps Werkzeug's default cost.
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        # Every app of the suite keeps its files apart (never in the checkout's instance folder).
        "STORAGE_URL": extra.get("STORAGE_URL") or fresh_storage_url(),
    }
    config.update(extra)
    return config


@pytest.fixture(scope="session")
def _migrated(database_url: str) -> None:
    from flask_migrate import upgrade

    app = create_app(make_config(database_url))
    with app.app_context():
        upgrade()
        db.engine.dispose()


def _empty_all_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.execute(sa.insert(StateVersion).values(id=1, version=0))  # the row migration 0007 seeds
    db.session.commit()


@pytest.fixture(scope="session")
def _demo_template(database_url: str, _migrated, tmp_path_factory) -> Iterator[tuple[str, str]]:
    """The demo (``tremplin demo``), loaded once per worker into a database of its own: ``(url, output)``.

    Loading it takes many seconds (it signs hundreds of badges); tests that only need it to be there get a
    copy through the ``demo`` fixture instead of loading it again."""
    from flask_migrate import upgrade

    server = os.environ.get("TREMPLIN_TEST_DATABASE_URL")
    if server:
        url = sa.make_url(database_url)
        template = f"{url.database}_demo"
        admin = sa.create_engine(_admin_url(url), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{template}"'))
        template_url = url.set(database=template).render_as_string(hide_password=False)
    else:
        template_url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    app = create_app(make_config(template_url))
    with app.app_context():
        upgrade()
        result = app.test_cli_runner().invoke(args=["demo"])
        assert result.exit_code == 0, result.output
        db.session.remove()
        db.engine.dispose()
    yield template_url, result.output
    if server:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def demo(app: Flask, _demo_template: tuple[str, str], database_url: str) -> str:
    """The test's database becomes a copy of the demo (what ``tremplin demo`` loads); returns the command's
    output. Tests may change the copy freely: it is emptied after the test like any other."""
    template_url, output = _demo_template
    db.session.remove()
    db.engine.dispose()
    badge_services.forget_states()  # the same badges (same ids) come back in each copy
    url = sa.make_url(database_url)
    if url.get_backend_name() == "postgresql":
        admin = sa.create_engine(_admin_url(url), isolation_level="AUTOCOMMIT")
        template = sa.make_url(template_url).database
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{url.database}" TEMPLATE "{template}"'))
        admin.dispose()
    else:
        source = sqlite3.connect(sa.make_url(template_url).database)
        target = sqlite3.connect(url.database)
        with target:
            source.backup(target)
        source.close()
        target.close()
    return output


@pytest.fixture
def app_config(database_url: str) -> dict:
    """Override in a test module (or update in a test before using ``app``) to change the configuration."""
    return make_config(database_url)


@pytest.fixture
def app(_migrated, app_config: dict) -> Iterator[Flask]:
    application = create_app(app_config)
    application.test_client_class = CSRFClient
    with application.app_context():
        yield application
        db.session.remove()
        _empty_all_tables()
        db.engine.dispose()
        badge_services.forget_states()


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements sent to the database inside the block (every connection of the engine)."""
    seen: list[str] = []

    def count(_conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


class CSRFClient(FlaskClient):
    """A test client that sends a valid CSRF token with every write unless told ``csrf=False``.

    Each request runs in an app context of its own, as in production (the test's context would otherwise
    share ``g`` and the database session with the request); afterwards the test's session is rolled back
    so that it reads what the request committed.
    """

    def csrf_token(self) -> str:
        page = super().get("/password/forgot")
        match = CSRF_RE.search(page.get_data(as_text=True))
        assert match, "no CSRF token on the page"
        return match.group(1)

    def open(self, *args, csrf: bool = True, **kwargs):
        method = (kwargs.get("method") or "GET").upper()
        if csrf and method in {"POST", "PUT", "PATCH", "DELETE"}:
            if "json" in kwargs:
                headers = dict(kwargs.get("headers") or {})
                headers.setdefault("X-CSRFToken", self.csrf_token())
                kwargs["headers"] = headers
            elif not isinstance(kwargs.get("data"), str | bytes):
                data = dict(kwargs.get("data") or {})
                data.setdefault("csrf_token", self.csrf_token())
                kwargs["data"] = data
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.rollback()
        return response


@pytest.fixture
def client(app: Flask) -> CSRFClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def create_user(app: Flask) -> Callable[..., User]:
    """Factory: ``create_user(roles=("trainer",), email=..., password=..., **fields)``, committed."""
    from core import services

    def make(roles=("trainee",), email: str | None = None, password: str | None = PASSWORD, **fields) -> User:
        email = email or f"person-{uuid.uuid4().hex[:10]}@example.org"
        legal_name = fields.pop("legal_name", "Personne Test")
        user = services.create_user(email, legal_name, roles, password=password, **fields)
        db.session.commit()
        return user

    return make


@pytest.fixture
def login_as(client: CSRFClient, create_user) -> Callable[..., User]:
    """Log the test client in through the real login form as a new user with ``role``."""

    def login(role: str = "trainee", **fields) -> User:
        user = create_user(roles=(role,), **fields)
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return login


class StoredFile:
    """A stored object seen by a test, on whichever backend the app uses: ``exists()``, ``read_bytes()``, and
    ``siblings()`` (the keys beside it: nothing left aside by a move)."""

    def __init__(self, key: str) -> None:
        self.key = key

    def exists(self) -> bool:
        return storage().exists(self.key)

    def read_bytes(self) -> bytes:
        return storage().read_bytes(self.key)

    def siblings(self) -> list[str]:
        return storage().list(self.key.rsplit("/", 1)[0] + "/")


def stored_evidence(sha256: str) -> StoredFile:
    """The stored evidence file of this content hash."""
    return StoredFile(evidence_store.evidence_key(sha256))
