"""Browser fixtures: Debian's Chromium driven by Playwright against the real app, served on a loopback port.

- ``live``: one app per test module (and xdist worker), on its own copy of the demo database (the ``demo``
  fixture's per-worker template: SQLite file or PostgreSQL ``TEMPLATE``), served by Werkzeug in a thread, with
  ``BASE_URL`` set to its own address so that every link it mails or prints (invitations, referent links, QR
  codes) points to it; and, as in production, a ``tremplin worker`` process on the same database that runs
  the jobs the pages enqueue (web processes never run jobs).
- ``browser``: Chromium from the system (``/usr/bin/chromium``, headless, ``--no-sandbox``), never a browser
  downloaded by Playwright. Missing Chromium skips these tests on a developer's machine and fails them in CI
  (``CI`` or ``TREMPLIN_E2E_REQUIRED`` set; ``scripts/test`` sets the latter and installs Chromium).
- ``Pages.check(page, "NN-role-step")``: saves ``build/screenshots/e2e/NN-role-step.png`` and runs axe-core
  (bundled by ``axe-playwright-python``, injected from disk: nothing is fetched) on the page; a serious or
  critical violation fails the test with every node listed.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa

from badges import services as badge_services
from core import create_app
from core.db import db
from tests.conftest import SECRET, _admin_url, make_config

CHROMIUM = Path(os.environ.get("TREMPLIN_CHROMIUM", "/usr/bin/chromium"))
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "screenshots" / "e2e"
DEMO_PASSWORD = "demo-tremplin"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _required() -> bool:
    return bool(os.environ.get("CI") or os.environ.get("TREMPLIN_E2E_REQUIRED"))


@pytest.fixture(scope="session")
def playwright_sync():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: install Debian's chromium (scripts/lib.sh ensure_system_packages does)"
        if _required():
            pytest.fail(message)
        pytest.skip(message)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the dev extra installs it
        if _required():
            raise
        pytest.skip("playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright_sync):
    chromium = playwright_sync.chromium.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=["--no-sandbox", "--disable-dev-shm-usage", "--lang=fr-BE"],
        env={**os.environ, "LANGUAGE": "fr_BE:fr", "LANG": "fr_BE.UTF-8"},  # the browser's own words (date fields)
    )
    yield chromium
    chromium.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Live:
    app: object
    url: str
    tmp: Path

    def cli(self, *args: str) -> str:
        """Run a ``tremplin`` command on the live database (for what only the command line does)."""
        with self.app.app_context():
            result = self.app.test_cli_runner().invoke(args=list(args))
            db.session.remove()
        assert result.exit_code == 0, result.output
        return result.output


def _copy_database(template_url: str, database_url: str) -> tuple[str, Callable[[], None]]:
    """A copy of the demo template for this module's server: its URL and how to drop it."""
    url = sa.make_url(database_url)
    if url.get_backend_name() == "postgresql":
        name = f"{url.database}_e2e"
        admin = sa.create_engine(_admin_url(url), isolation_level="AUTOCOMMIT")
        template = sa.make_url(template_url).database
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))

        def drop() -> None:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

        return url.set(database=name).render_as_string(hide_password=False), drop
    path = Path(url.database).with_name(f"{Path(url.database).stem}-e2e.db")
    source = sqlite3.connect(sa.make_url(template_url).database)
    target = sqlite3.connect(path)
    with target:
        source.backup(target)
    source.close()
    target.close()
    return f"sqlite:///{path}", lambda: path.unlink(missing_ok=True)


def _start_worker(database_url: str, base_url: str, storage_url: str, tmp: Path) -> subprocess.Popen:
    """``tremplin worker`` on the live app's database, with the same settings as the app (make_config)."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TREMPLIN_") and k != "DATABASE_URL"},
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "TREMPLIN_ENV": "testing",
        "TREMPLIN_BASE_URL": base_url,
        "TREMPLIN_STORAGE_URL": storage_url,  # the app's own: what the worker stores, the app serves
        "TREMPLIN_JOBS_IDLE_POLL_SECONDS": "0.5",
        "PYTHONPATH": str(ROOT),
    }
    with (tmp / "worker.log").open("w") as log:  # the child keeps its own copy of the file descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--grace", "5"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _stop_worker(worker: subprocess.Popen) -> None:
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(30)


@pytest.fixture(scope="module")
def live(_demo_template, database_url: str, tmp_path_factory) -> Iterator[Live]:
    """The app with the demo data, served on 127.0.0.1:<free port>; ``BASE_URL`` is that address."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args, **kwargs) -> None:  # the app logs what matters; not every static file
            pass

    template_url, _output = _demo_template
    url, drop = _copy_database(template_url, database_url)
    tmp = tmp_path_factory.mktemp("e2e")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    badge_services.forget_states()  # the demo copy brings back badges other tests saw
    app = create_app(make_config(url, BASE_URL=base))
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    worker = _start_worker(url, base, app.config["STORAGE_URL"], tmp)
    try:
        yield Live(app=app, url=base, tmp=tmp)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        _stop_worker(worker)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        badge_services.forget_states()
        drop()


# --- pages: screenshots and axe-core --------------------------------------------------------------------------

SEVERE = ("serious", "critical")


def axe_violations(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now (WCAG 2.x A/AA and best practices)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [v for v in results.response["violations"] if v.get("impact") in SEVERE]


def describe(violations: list[dict], url: str) -> str:
    lines = [f"{len(violations)} serious/critical accessibility violation(s) on {url}:"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} — {v['helpUrl']}")
        for node in v["nodes"][:10]:
            lines.append(f"    at {', '.join(map(str, node['target']))}: {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


@dataclass
class Pages:
    """Screenshots of every step and axe-core on every page the journeys visit."""

    directory: Path
    visited: list[str] = field(default_factory=list)

    def check(self, page, name: str, *, axe: bool = True) -> Path:
        path = self.directory / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        self.visited.append(page.url)
        if axe:
            violations = axe_violations(page)
            assert not violations, describe(violations, page.url)
        return path


@pytest.fixture(scope="session")
def pages() -> Pages:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    return Pages(SCREENSHOTS)


def new_context(browser, base_url: str, **options):
    """A fresh, French-speaking browser context (its own cookies: one person)."""
    options.setdefault("viewport", DESKTOP)
    context = browser.new_context(base_url=base_url, locale="fr-BE", accept_downloads=True, **options)
    context.set_default_timeout(15_000)
    return context


def log_in(page, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(lambda url: "/login" not in url)
