"""On a real cluster (``scripts/cluster start``: PostgreSQL, S3, two app servers, two workers, nothing shared on
disk): what one app server or worker does, the other sees. Marked ``cluster``; skipped unless the cluster can be
started here, failed instead when ``TREMPLIN_CLUSTER_REQUIRED=1`` (scripts/test's PostgreSQL pass)."""

from __future__ import annotations

import http.cookiejar
import io
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import CSRF_RE

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "cluster"
PASSWORD = "demo-tremplin"  # the demo accounts' password (tremplin demo)

pytestmark = pytest.mark.cluster


@dataclass
class Cluster:
    a: str
    b: str
    env: dict[str, str]
    run: Path

    def state(self) -> dict[str, str]:
        values = {}
        for line in (self.run / "state").read_text().splitlines():
            key, _, value = line.partition("=")
            values[key] = value
        return values

    def scalar(self, sql: str, **params):
        """One value read from the cluster's database (on a connection closed at once)."""
        engine = sa.create_engine(self.env["DATABASE_URL"], poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as connection:
                return connection.execute(sa.text(sql), params).scalar_one()
        finally:
            engine.dispose()


def _read_env(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


@pytest.fixture(scope="session")
def cluster(tmp_path_factory) -> Cluster:
    required = os.environ.get("TREMPLIN_CLUSTER_REQUIRED") == "1"
    if not required:
        pytest.skip("cluster tests start PostgreSQL, S3 and four processes: TREMPLIN_CLUSTER_REQUIRED=1 runs them")
    run = tmp_path_factory.mktemp("cluster")
    env = {**os.environ, "TREMPLIN_CLUSTER_DIR": str(run)}
    for key in ("TREMPLIN_TEST_DATABASE_URL", "TREMPLIN_TEST_STORAGE_URL"):
        env.pop(key, None)
    result = subprocess.run(  # noqa: S603 - our own script
        [str(SCRIPT), "start"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    if result.returncode != 0:
        pytest.fail(f"scripts/cluster start failed:\n{result.stdout}\n{result.stderr}")
    lines = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    try:
        yield Cluster(a=lines["A"], b=lines["B"], env=_read_env(Path(lines["ENV"])), run=run)
    finally:
        subprocess.run([str(SCRIPT), "stop"], env=env, cwd=ROOT, capture_output=True, timeout=120, check=False)  # noqa: S603


class Browser:
    """A person on one app server: cookies, CSRF tokens from the forms."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, bytes, str]:
        try:
            with self.opener.open(self.base + path, timeout=30) as response:
                return response.status, response.read(), response.url
        except urllib.error.HTTPError as error:
            return error.code, error.read(), path

    def post(self, path: str, data: dict[str, str], form_page: str = "/password/forgot") -> tuple[int, bytes, str]:
        token = CSRF_RE.search(self.get(form_page)[1].decode())
        assert token, "no CSRF token"
        body = urllib.parse.urlencode({**data, "csrf_token": token.group(1)}).encode()
        try:
            with self.opener.open(self.base + path, data=body, timeout=30) as response:
                return response.status, response.read(), response.url
        except urllib.error.HTTPError as error:
            return error.code, error.read(), path

    def login(self, email: str) -> None:
        status, _body, url = self.post("/login", {"email": email, "password": PASSWORD}, form_page="/login")
        assert status == 200 and "/login" not in urllib.parse.urlsplit(url).path, (status, url)


def test_a_certificate_zip_requested_on_a_is_built_by_a_worker_and_downloaded_through_b(cluster):
    cohort = cluster.scalar("SELECT uuid FROM cohort ORDER BY id LIMIT 1")
    a, b = Browser(cluster.a), Browser(cluster.b)
    a.login("coordination@example.org")
    b.login("coordination@example.org")
    status, _body, job_url = a.post(f"/cohorts/{cohort}/certificates/zip", {"lang": "fr"})
    assert status == 200 and "/jobs/" in job_url, (status, job_url)
    job_path = urllib.parse.urlsplit(job_url).path
    deadline = time.monotonic() + 60
    while True:
        state = json.loads(b.get(job_path + "/status")[1])
        if state["status"] in ("done", "failed", "dead") or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert state["status"] == "done", state
    status, data, _ = b.get(urllib.parse.urlsplit(state["download_url"]).path)
    assert status == 200
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert names and all(name.endswith(".pdf") for name in names)
    # Neither app server keeps it on its disk: their instance folders stay empty.
    assert not any((cluster.run / "instance-A").iterdir()) and not any((cluster.run / "instance-B").iterdir())
    worker = cluster.scalar("SELECT worker FROM job WHERE uuid = :u", u=job_path.rstrip("/").split("/")[-1])
    assert worker and worker.startswith("worker-")


def test_sigterm_on_a_worker_is_graceful(cluster):
    """Last: it stops worker 2 (the other goes on)."""
    pid = int(cluster.state()["PID_WORKER_2"])
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail("worker 2 did not stop within 30 s of SIGTERM")
    log = (cluster.run / "worker-2.log").read_text()
    assert "Traceback" not in log, log[-2000:]
    assert "Worker worker-2 stopped." in log, log[-2000:]
