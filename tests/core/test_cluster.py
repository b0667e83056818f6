"""On a real cluster (``scripts/cluster start``: PostgreSQL, S3, two app servers, two workers, nothing shared on
disk): what one app server or worker does, the other sees. Marked ``cluster``; skipped unless the cluster can be
started here, failed instead when ``TREMPLIN_CLUSTER_REQUIRED=1`` (scripts/test's PostgreSQL pass)."""

from __future__ import annotations

import http.cookiejar
import io
import json
import os
import signal
import socketserver
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.models import Job
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

    def rows(self, sql: str, **params) -> list:
        engine = sa.create_engine(self.env["DATABASE_URL"], poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as connection:
                return list(connection.execute(sa.text(sql), params))
        finally:
            engine.dispose()

    def execute(self, statement) -> None:
        engine = sa.create_engine(self.env["DATABASE_URL"], poolclass=sa.pool.NullPool)
        try:
            with engine.begin() as connection:
                connection.execute(statement)
        finally:
            engine.dispose()


def _read_env(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


class SMTPStub(socketserver.ThreadingTCPServer):
    """An SMTP server on loopback for the whole cluster: answers ``451`` to RCPT TO for an address as many times
    as ``refuse[address]`` says, takes every other message and keeps its recipients in ``received``."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), SMTPStubHandler)
        self.refuse: dict[str, int] = {}
        self.refused: list[str] = []
        self.received: list[str] = []
        self.lock = threading.Lock()


class SMTPStubHandler(socketserver.StreamRequestHandler):
    server: SMTPStub

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self.reply("220 stub ESMTP")
        recipients: list[str] = []
        while line := self.rfile.readline():
            text = line.decode("ascii", "replace").strip()
            verb = text.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 stub")
            elif verb == "RCPT":
                address = text.partition(":")[2].strip().strip("<>").lower()
                with self.server.lock:
                    if self.server.refuse.get(address, 0) > 0:
                        self.server.refuse[address] -= 1
                        self.server.refused.append(address)
                        self.reply("451 4.3.2 busy, try again later")
                        continue
                recipients.append(address)
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 go on")
                while self.rfile.readline() not in (b".\r\n", b""):
                    pass
                with self.server.lock:
                    self.server.received.extend(recipients)
                recipients = []
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:  # MAIL, RSET, NOOP
                self.reply("250 ok")


@pytest.fixture(scope="session")
def smtp(cluster_required) -> SMTPStub:
    server = SMTPStub()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def cluster_required() -> None:
    if os.environ.get("TREMPLIN_CLUSTER_REQUIRED") != "1":
        pytest.skip("cluster tests start PostgreSQL, S3 and four processes: TREMPLIN_CLUSTER_REQUIRED=1 runs them")


@pytest.fixture(scope="session")
def cluster(cluster_required, smtp, tmp_path_factory) -> Cluster:
    run = tmp_path_factory.mktemp("cluster")
    env = {**os.environ, "TREMPLIN_CLUSTER_DIR": str(run)}
    for key in ("TREMPLIN_TEST_DATABASE_URL", "TREMPLIN_TEST_STORAGE_URL"):
        env.pop(key, None)
    settings = {
        # The one SMTP stub of the session; retries, polls and the abandoned-job delay short, for a short file.
        "TREMPLIN_SMTP_HOST": "127.0.0.1",
        "TREMPLIN_SMTP_PORT": str(smtp.server_address[1]),
        "TREMPLIN_SMTP_STARTTLS": "false",
        "TREMPLIN_JOBS_RETRY_SECONDS": "0.2",
        "TREMPLIN_JOBS_POLL_SECONDS": "0.1",
        "TREMPLIN_JOBS_IDLE_POLL_SECONDS": "0.2",
        "TREMPLIN_JOBS_HEARTBEAT_SECONDS": "0.5",
        "TREMPLIN_JOBS_STALE_SECONDS": "3",
        # The workers' app also knows the test-only job kinds (test-slow…).
        "TREMPLIN_CLUSTER_WORKER_APP": "tests.core.worker_kinds:create_app",
    }
    result = subprocess.run(  # noqa: S603 - our own script
        [str(SCRIPT), "start", *(f"{key}={value}" for key, value in settings.items())],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
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

    def get_json(self, path: str) -> dict:
        request = urllib.request.Request(self.base + path, headers={"Accept": "application/json"})  # noqa: S310
        with self.opener.open(request, timeout=30) as response:
            return json.loads(response.read())

    def post_multipart(
        self, path: str, data: dict[str, str], form_page: str, files: dict[str, tuple[str, str, bytes]]
    ) -> tuple[int, bytes, str]:
        """A form with files (``files``: field → file name, type, bytes), as a browser sends it."""
        token = CSRF_RE.search(self.get(form_page)[1].decode())
        assert token, "no CSRF token"
        boundary = uuid.uuid4().hex
        body = b""
        for name, value in {**data, "csrf_token": token.group(1)}.items():
            body += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, (filename, mimetype, content) in files.items():
            body += (
                (
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                    f"Content-Type: {mimetype}\r\n\r\n"
                ).encode()
                + content
                + b"\r\n"
            )
        body += f"--{boundary}--\r\n".encode()
        request = urllib.request.Request(  # noqa: S310 - the cluster's loopback address
            self.base + path, data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )
        try:
            with self.opener.open(request, timeout=30) as response:
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


TRAINER = "formatrice.paire@example.org"
PDF = b"%PDF-1.4\n% evidence sent through A\n" + os.urandom(64).hex().encode() + b"\n%%EOF\n"


@dataclass
class Missing:
    enrolment: str  # its uuid
    trainee: int
    skill_key: str  # the skill badge's achievement key
    codes: list[str]  # the skill's competencies not validated yet


def _closest_skill_badge(cluster: Cluster) -> Missing:
    """The trainee (of a cohort the demo trainer teaches) fewest validations away from a skill badge not held."""
    enrolments = cluster.rows(
        "SELECT e.id, e.uuid, e.user_id, p.code, p.badges FROM enrolment e JOIN cohort c ON c.id = e.cohort_id "
        "JOIN cohort_staff s ON s.cohort_id = c.id JOIN user_account u ON u.id = s.user_id "
        "JOIN programme p ON p.id = c.programme_id WHERE u.email = :email AND e.withdrawn_on IS NULL ORDER BY e.id",
        email=TRAINER,
    )
    best = None
    for enrolment_id, enrolment_uuid, user_id, programme, badges in enrolments:
        validated = {
            code
            for (code,) in cluster.rows(
                "SELECT k.code FROM validation v JOIN competency k ON k.id = v.competency_id "
                "WHERE v.enrolment_id = :e AND v.withdrawn_at IS NULL",
                e=enrolment_id,
            )
        }
        held = {
            key
            for (key,) in cluster.rows(
                "SELECT a.key FROM badge_award w JOIN badge_achievement a ON a.id = w.achievement_id "
                "WHERE w.recipient_id = :u",
                u=user_id,
            )
        }
        for skill in (badges or {}).get("skills", []):
            key = f"{programme}/skill/{skill['code']}"
            missing = [code for code in skill["competencies"] if code not in validated]
            if key not in held and missing and (best is None or len(missing) < len(best.codes)):
                best = Missing(str(enrolment_uuid), user_id, key, missing)
    assert best, "no trainee of the demo trainer is on the way to a skill badge"
    return best


def _validate(browser: Browser, enrolment: str, code: str, file: bytes | None = None) -> None:
    path = f"/enrolments/{enrolment}"
    data = {"competency": code, "evidence_type": "E-OBS", "validated_on": time.strftime("%Y-%m-%d"), "comment": ""}
    files = {"file": ("observation.pdf", "application/pdf", file)} if file is not None else {}
    status, body, url = browser.post_multipart(path + "/validations", data, form_page=path, files=files)
    assert status == 200 and urllib.parse.urlsplit(url).path == path, (status, url, body[-1500:])


def test_evidence_uploaded_through_a_is_downloaded_through_b(cluster):
    missing = _closest_skill_badge(cluster)
    a, b = Browser(cluster.a), Browser(cluster.b)
    a.login(TRAINER)
    b.login(TRAINER)
    _validate(a, missing.enrolment, missing.codes[0], file=PDF)
    file_uuid = cluster.scalar(
        "SELECT f.uuid FROM evidence_file f JOIN validation v ON v.id = f.validation_id "
        "JOIN enrolment e ON e.id = v.enrolment_id JOIN competency k ON k.id = v.competency_id "
        "WHERE e.uuid = :e AND k.code = :c AND v.withdrawn_at IS NULL",
        e=uuid.UUID(missing.enrolment),
        c=missing.codes[0],
    )
    status, data, _ = b.get(f"/evidence/{file_uuid}")
    assert status == 200 and data == PDF
    assert not any((cluster.run / "instance-A").iterdir()) and not any((cluster.run / "instance-B").iterdir())


def test_a_validation_saved_on_a_yields_a_badge_verifiable_on_b_within_5_s(cluster):
    missing = _closest_skill_badge(cluster)
    a, b = Browser(cluster.a), Browser(cluster.b)
    a.login(TRAINER)
    for code in missing.codes[:-1]:
        _validate(a, missing.enrolment, code)
    saved = time.monotonic()  # from the start of the request that saves the last one: the trainee is now eligible
    _validate(a, missing.enrolment, missing.codes[-1])
    verdict = None
    while time.monotonic() - saved < 5:
        found = cluster.rows(
            "SELECT w.uuid FROM badge_award w JOIN badge_achievement a ON a.id = w.achievement_id "
            "WHERE w.recipient_id = :u AND a.key = :k",
            u=missing.trainee,
            k=missing.skill_key,
        )
        if found:
            verdict = b.get_json(f"/verify/{found[0][0]}")
            break
        time.sleep(0.1)
    elapsed = time.monotonic() - saved
    assert verdict is not None, f"no {missing.skill_key} badge 5 s after the validation that earns it"
    assert elapsed < 5 and verdict["status"] == "valid", (elapsed, verdict)


def test_a_revocation_on_b_is_seen_on_a_within_1_s(cluster):
    award = cluster.scalar(
        "SELECT uuid FROM badge_award WHERE revoked_at IS NULL AND visibility <> 'declined' ORDER BY id LIMIT 1"
    )
    a, b = Browser(cluster.a), Browser(cluster.b)
    assert a.get_json(f"/verify/{award}")["status"] == "valid"  # A has it in its memory, as valid
    b.login("coordination@example.org")
    page = f"/admin/badges/{award}"
    status, _body, _url = b.post(
        page, {"revoke-reason": "issued-in-error", "revoke-other": "", "revoke-confirmed": "yes"}, form_page=page
    )
    assert status == 200
    revoked = time.monotonic()
    while (verdict := a.get_json(f"/verify/{award}"))["status"] != "revoked" and time.monotonic() - revoked < 1:
        time.sleep(0.05)
    assert verdict["status"] == "revoked", verdict
    assert time.monotonic() - revoked < 1


def test_a_message_refused_twice_is_sent_on_the_third_try_once(cluster, smtp):
    # A trainee with no message on its way (the demo mailed them all at start): what the stub sees next is ours.
    deadline = time.monotonic() + 30
    while cluster.scalar("SELECT count(*) FROM outbox_message WHERE state <> 'sent'"):
        assert time.monotonic() < deadline, "the demo's messages are still being sent"
        time.sleep(0.1)
    email = cluster.scalar(
        "SELECT u.email FROM user_account u JOIN enrolment e ON e.user_id = u.id WHERE u.active ORDER BY u.id LIMIT 1"
    ).lower()
    with smtp.lock:
        smtp.refuse[email] = 2
        before = smtp.received.count(email)
    a = Browser(cluster.a)
    status, _body, _url = a.post("/password/forgot", {"email": email})
    assert status == 200
    deadline = time.monotonic() + 20
    while smtp.received.count(email) == before and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1)  # long enough for a second sending to show
    assert smtp.refused.count(email) == 2
    assert smtp.received.count(email) == before + 1
    state, attempts = cluster.rows(
        "SELECT state, attempts FROM outbox_message WHERE lower(recipient) = :r ORDER BY id DESC LIMIT 1", r=email
    )[0]
    assert (state, attempts) == ("sent", 3)


def test_a_worker_killed_mid_job_leaves_it_to_the_other_which_finishes_it_once(cluster, tmp_path):
    log = tmp_path / "slow.log"
    job_uuid = uuid.uuid4()
    cluster.execute(
        sa.insert(Job.__table__).values(
            uuid=job_uuid, kind="test-slow", params={"log": str(log), "seconds": 60, "n": "slow"}, max_attempts=5
        )
    )

    def events() -> list[list[str]]:
        return [line.split() for line in log.read_text().splitlines()] if log.exists() else []

    deadline = time.monotonic() + 20
    while not events() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert events(), "no worker took the job"
    first_pid = int(events()[0][2])
    state = cluster.state()
    workers = {int(state["PID_WORKER_1"]): "worker-1", int(state["PID_WORKER_2"]): "worker-2"}
    assert first_pid in workers
    os.kill(first_pid, signal.SIGKILL)
    # Its heartbeat stops: after JOBS_STALE_SECONDS (3 s here) the other worker takes the job.
    deadline = time.monotonic() + 30
    while len(events()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    Path(str(log) + ".fast").touch()  # the second run need not last a minute
    deadline = time.monotonic() + 30
    while cluster.scalar("SELECT status FROM job WHERE uuid = :u", u=job_uuid) != "done":
        assert time.monotonic() < deadline, events()
        time.sleep(0.1)
    time.sleep(1)
    runs = events()
    assert [event for event, *_ in runs] == ["start", "start", "end"], runs
    second_pid = int(runs[1][2])
    assert second_pid != first_pid and second_pid in workers and int(runs[2][2]) == second_pid
    worker = cluster.scalar("SELECT worker FROM job WHERE uuid = :u", u=job_uuid)
    assert worker.startswith(workers[second_pid])


def test_sigterm_on_a_worker_is_graceful(cluster):
    """Last: it stops the worker still running (the SIGKILL test ended the other one)."""
    state = cluster.state()
    names = [n for n in ("1", "2") if _alive(int(state[f"PID_WORKER_{n}"]))]
    assert names, "no worker left"
    name = names[-1]
    pid = int(state[f"PID_WORKER_{name}"])
    path = cluster.run / f"worker-{name}.log"
    before = len(path.read_text())  # what it logged earlier (a mail job refused on purpose logs its traceback)
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
    log = path.read_text()[before:]  # from SIGTERM on
    assert "Traceback" not in log, log[-2000:]
    assert f"Worker worker-{name} stopped." in log, log[-2000:]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
