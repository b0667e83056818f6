"""Benchmark (not a test): Tremplin as a cluster (``scripts/cluster start``: PostgreSQL, S3, app servers A and B —
gunicorn, 1 gthread worker × 2 threads each — and two ``tremplin worker`` processes, all on loopback).

1. Verification throughput: ``GET /verify/<uuid>`` with ``Accept: application/json`` (the verdict a verifier holding
   a badge's link asks for), cycling over the demo's valid badges, driven by ``wrk`` (1 thread) with 8 connections
   in all: through A alone (8 connections to A), then through A and B together (4 connections to each, two wrk
   at once, their requests added up). Rounds alternate after a warm-up; the best round of each is kept.
   On this 2-core machine (shared with the database, the S3 server, the workers and wrk itself) the ratio
   A+B / A is not scale: each app server is one Python process (one core at most), so A alone leaves the second
   core to the others and A and B together take it; what the ratio falls short of 2× is the overhead of sharing.
   More app servers add throughput only on cores — machines — of their own.
2. Validation → verifiable badge: a skill badge is due as soon as its competencies are validated. For up to
   ``--samples`` trainees, the coordinator validates (through A) the competencies a skill badge still lacks; the time
   is taken from the start of the last validation's request to the moment B's ``/verify/<uuid>`` says ``valid``
   (a worker issued and signed it meanwhile). Prints p50 and p95 (the target: under 5 s).

Timings are never asserted (this is not a test).

    python bench/cluster.py                      # starts a cluster of its own (in a temporary folder), then stops it
    python bench/cluster.py --duration 5 --samples 10
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "cluster"
PASSWORD = "demo-tremplin"  # noqa: S105 - the demo accounts' published password
COORDINATOR = "coordination@example.org"
CONNECTIONS = 8
CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def _lua(text: str) -> str:
    return json.dumps(text)


# ------------------------------------------------------------------------------------------------ the cluster


class Cluster:
    def __init__(self, run: Path) -> None:
        self.run = run
        self.env = {**os.environ, "TREMPLIN_CLUSTER_DIR": str(run)}
        for key in ("TREMPLIN_TEST_DATABASE_URL", "TREMPLIN_TEST_STORAGE_URL"):
            self.env.pop(key, None)
        self.a = self.b = ""
        self.engine: sa.Engine | None = None

    def start(self) -> None:
        print("Starting the cluster (PostgreSQL, S3, demo, two app servers, two workers)…", flush=True)
        result = subprocess.run(  # noqa: S603 - our own script
            [str(SCRIPT), "start", "TREMPLIN_JOBS_POLL_SECONDS=0.1", "TREMPLIN_JOBS_IDLE_POLL_SECONDS=0.2"],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if result.returncode != 0:
            raise SystemExit(f"scripts/cluster start failed:\n{result.stdout}\n{result.stderr}")
        lines = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
        self.a, self.b = lines["A"], lines["B"]
        env = dict(line.split("=", 1) for line in Path(lines["ENV"]).read_text().splitlines() if "=" in line)
        self.engine = sa.create_engine(env["DATABASE_URL"], poolclass=sa.pool.NullPool)

    def stop(self) -> None:
        if self.engine is not None:
            self.engine.dispose()
        subprocess.run([str(SCRIPT), "stop"], env=self.env, cwd=ROOT, capture_output=True, timeout=120, check=False)  # noqa: S603

    def rows(self, sql: str, **params) -> list:
        assert self.engine is not None
        with self.engine.connect() as connection:
            return list(connection.execute(sa.text(sql), params))


class Browser:
    """A person on one app server: cookies, CSRF tokens from the forms."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str, accept: str | None = None) -> tuple[int, bytes]:
        request = urllib.request.Request(self.base + path, headers={"Accept": accept} if accept else {})  # noqa: S310
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def post(self, path: str, data: dict[str, str], form_page: str) -> int:
        token = CSRF_RE.search(self.get(form_page)[1].decode())
        if token is None:
            raise RuntimeError(f"no CSRF token on {form_page}")
        body = urllib.parse.urlencode({**data, "csrf_token": token.group(1)}).encode()
        try:
            with self.opener.open(self.base + path, data=body, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def login(self, email: str) -> None:
        if self.post("/login", {"email": email, "password": PASSWORD}, form_page="/login") != 200:
            raise RuntimeError(f"cannot log in as {email}")


# ------------------------------------------------------------------------------------------------ 1. throughput


def wrk(base: str, paths: list[str], connections: int, seconds: float, tmp: str) -> tuple[int, float, int]:
    """(requests, seconds, failures) from ``wrk`` against ``base``, cycling through ``paths`` (JSON verdicts)."""
    script = Path(tmp) / f"verify-{uuid.uuid4().hex}.lua"
    script.write_text(
        f"local paths = {{{', '.join(_lua(p) for p in paths)}}}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i % #paths + 1\n"
        '  return wrk.format("GET", paths[i], {["Accept"] = "application/json"}, nil)\n'
        "end\n"
    )
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "30s", "-s", str(script)]
    result = subprocess.run(  # noqa: S603 - wrk with fixed arguments
        [*command, base], capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    done = re.search(r"(\d+) requests in ([\d.]+)(m?s)", result.stdout)
    if result.returncode != 0 or done is None:
        raise RuntimeError(f"wrk failed:\n{result.stdout}\n{result.stderr}")
    elapsed = float(done.group(2)) / (1000 if done.group(3) == "ms" else 1)
    failures = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", result.stdout))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", result.stdout)
    failures += sum(int(n) for n in errors.groups()) if errors else 0
    return int(done.group(1)), elapsed, failures


def together(bases: list[str], paths: list[str], seconds: float, tmp: str) -> tuple[float, int]:
    """Requests per second (added up) and failures, wrk on each base at once, CONNECTIONS shared between them."""
    results: list[tuple[int, float, int]] = []
    threads = [
        threading.Thread(target=lambda b=b: results.append(wrk(b, paths, CONNECTIONS // len(bases), seconds, tmp)))
        for b in bases
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if len(results) != len(bases):
        raise RuntimeError("a wrk run failed")
    return sum(n / s for n, s, _f in results), sum(f for _n, _s, f in results)


def throughput(cluster: Cluster, args, tmp: str) -> None:
    awards = [
        str(u)
        for (u,) in cluster.rows(
            "SELECT uuid FROM badge_award WHERE revoked_at IS NULL AND visibility <> 'declined' ORDER BY id LIMIT 200"
        )
    ]
    if not awards:
        raise SystemExit("the demo has no badge to verify")
    paths = [f"/verify/{u}" for u in awards]
    status, body = Browser(cluster.a).get(paths[0], accept="application/json")
    if status != 200 or json.loads(body).get("status") != "valid":
        raise SystemExit(f"/verify does not answer as expected: {status} {body[:300]!r}")
    print(f"\n1. GET /verify/<uuid> (JSON), {len(paths)} badges, {CONNECTIONS} connections, wrk 1 thread")
    together([cluster.a, cluster.b], paths, args.warmup, tmp)  # warm-up: both servers' memories filled
    best = {"A": 0.0, "A+B": 0.0}
    failures = 0
    for _round in range(args.rounds):
        rate, failed = together([cluster.a], paths, args.duration, tmp)
        best["A"], failures = max(best["A"], rate), failures + failed
        rate, failed = together([cluster.a, cluster.b], paths, args.duration, tmp)
        best["A+B"], failures = max(best["A+B"], rate), failures + failed
    print(f"   through A alone        {best['A']:8.0f} req/s")
    print(f"   through A and B        {best['A+B']:8.0f} req/s   ({best['A+B'] / best['A']:.2f}× A alone)")
    print(f"   failed requests: {failures}")
    print(
        "   Not scale: on this 2-core machine (shared with PostgreSQL, the S3 server, the workers and wrk) each app\n"
        "   server is one Python process, one core at most; A alone leaves the second core to the others, A and B\n"
        "   take both. What the ratio falls short of 2x is overhead; more app servers need cores of their own."
    )


# ------------------------------------------------------------------------------------------------ 2. badge delay


def _closest(cluster: Cluster, taken: set[tuple[int, str]]) -> tuple[str, int, str, list[str]] | None:
    """(enrolment uuid, trainee id, skill badge key, codes still missing) of a trainee fewest validations away from
    a skill badge they do not hold (every cohort: the coordinator may validate anywhere)."""
    best = None
    enrolments = cluster.rows(
        "SELECT e.id, e.uuid, e.user_id, p.code, p.badges FROM enrolment e JOIN cohort c ON c.id = e.cohort_id "
        "JOIN programme p ON p.id = c.programme_id WHERE e.withdrawn_on IS NULL ORDER BY e.id"
    )
    for enrolment_id, enrolment_uuid, user_id, programme, badges in enrolments:
        skills = (badges or {}).get("skills", [])
        if not skills:
            continue
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
        for skill in skills:
            key = f"{programme}/skill/{skill['code']}"
            missing = [code for code in skill["competencies"] if code not in validated]
            if key in held or not missing or (user_id, key) in taken:
                continue
            if best is None or len(missing) < len(best[3]):
                best = (str(enrolment_uuid), user_id, key, missing)
    return best


def badge_delay(cluster: Cluster, args) -> None:
    a, b = Browser(cluster.a), Browser(cluster.b)
    a.login(COORDINATOR)
    today = time.strftime("%Y-%m-%d")
    delays: list[float] = []
    taken: set[tuple[int, str]] = set()
    print(f"\n2. Last validation saved on A → skill badge verifiable on B (up to {args.samples} trainees)")
    while len(delays) < args.samples:
        target = _closest(cluster, taken)
        if target is None:
            break
        enrolment, trainee, key, missing = target
        taken.add((trainee, key))
        page = f"/enrolments/{enrolment}"
        statuses = []
        for code in missing:
            data = {"competency": code, "evidence_type": "E-OBS", "validated_on": today, "comment": ""}
            started = time.monotonic()  # the last one's start counts
            statuses.append(a.post(page + "/validations", data, form_page=page))
        if any(status != 200 for status in statuses):
            print(f"   (skipped {key}: a validation was refused)")
            continue
        verdict = None
        while time.monotonic() - started < 30:
            found = cluster.rows(
                "SELECT w.uuid FROM badge_award w JOIN badge_achievement a ON a.id = w.achievement_id "
                "WHERE w.recipient_id = :u AND a.key = :k",
                u=trainee,
                k=key,
            )
            if found:
                status, body = b.get(f"/verify/{found[0][0]}", accept="application/json")
                if status == 200 and (verdict := json.loads(body)).get("status") == "valid":
                    break
            time.sleep(0.02)
        if verdict is None or verdict.get("status") != "valid":
            print(f"   (no verifiable {key} badge 30 s after its last validation)")
            continue
        delays.append(time.monotonic() - started)
    if not delays:
        print("   no trainee of the demo is on the way to a skill badge: nothing measured")
        return
    delays.sort()
    p95 = delays[min(len(delays) - 1, round(0.95 * (len(delays) - 1)))]
    print(f"   {len(delays)} badges: p50 {statistics.median(delays):.2f} s, p95 {p95:.2f} s, max {delays[-1]:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=8, help="seconds per wrk round (8)")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of warm-up (3)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of A alone / A and B (3)")
    parser.add_argument("--samples", type=int, default=20, help="badges timed from validation to verification (20)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed (apt-get install wrk)")
    with tempfile.TemporaryDirectory(prefix="tremplin-bench-cluster-") as tmp:
        cluster = Cluster(Path(tmp) / "cluster")
        try:
            cluster.start()
            print(f"A={cluster.a}  B={cluster.b}")
            throughput(cluster, args, tmp)
            badge_delay(cluster, args)
        finally:
            cluster.stop()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
