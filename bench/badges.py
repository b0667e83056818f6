"""Benchmark (not a test): Open Badges issuance and the verification endpoint, each against a floor of the same run.

1. Issuance: 1,000 OB 3.0 badges issued through ``badges.services.issue_many`` (one achievement, 1,000 holders
   inserted in bulk beforehand, one commit per batch of 100). Each badge is two Data Integrity credentials (fr,
   en, embedded ``eddsa-rdfc-2022`` proof), their VC-JWTs, and the OB 2.0 hosted assertion and its RS256 JWS.
   Floor: the work that ``signing.add_proof`` cannot avoid for the same 2,000 proofs — RDFC-1.0 canonicalisation
   (``badges.jsonld.canonize``) of each unsigned credential and of its proof configuration, the two SHA-256 and
   the Ed25519 signature — redone on the documents just issued (each floor signature must equal the issued one).
   Issuance and floor alternate batch by batch, so that both see the same load from the rest of the machine.
2. Verification throughput: the app (``wsgi:app``, production configuration) and a bare Flask app returning a
   small JSON document, each served by gunicorn with the same settings (2 gthread workers × 4 threads) on a free
   loopback port, driven by ``wrk`` (or, without wrk, a keep-alive load generator in Python threads) with 8
   connections. The target: ``GET /verify/<uuid>`` with ``Accept: application/json``, the verification JSON
   endpoint (what a verifier holding a badge's link asks for: the verdict with every check; the signature checked
   once per process, the status and dates at each request). For reference: ``POST /api/v1/verify`` with
   ``{"url": "<BASE_URL>/verify/<uuid>"}`` (the general verifier, fed a link), ``GET /verify/<uuid>`` (the HTML
   page), ``GET /badges/credentials/<uuid>`` (the stored credential) and ``GET /healthz`` (the request cycle and
   one ``SELECT 1``). Targets are measured in alternating rounds, for the same reason, after a warm-up.

It prints each figure and its ratio to the floor. Timings are never asserted (this is not a test).

    python bench/badges.py                                 # SQLite in a temporary file
    python bench/badges.py --database-url postgresql+psycopg://user@127.0.0.1:5432/postgres
    python bench/badges.py --badges 200 --duration 4       # quicker
    python bench/badges.py --profile                       # also print where the time goes (cProfile)
    bench/run                                              # both databases, with a throw-away PostgreSQL
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import hashlib
import http.client
import io
import json
import os
import pstats
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET_KEY = "bench-badges-" * 4  # ≥ 32 characters, so production accepts it; the servers get the same value
KEY_PASSPHRASE = "bench-badges-key-passphrase"  # noqa: S105 - throw-away keys; encrypts the keys made here; the server decrypts them with it
WORKERS, THREADS, CONNECTIONS = 2, 4, 8
#: The public verification JSON endpoint of issue 4's target: what a verifier holding a badge's link asks for.
VERDICT = "GET /verify/<uuid> JSON verdict"


def bare_app():
    """The floor of the HTTP figures: Flask and nothing else (served as ``bench.badges:bare_app()``)."""
    from flask import Flask, jsonify

    app = Flask("bare")

    @app.post("/api/v1/verify")
    @app.get("/")
    def verdict():
        return jsonify(valid=True, format="ob3", checks=[{"code": "signature", "outcome": "passed"}])

    return app


# ------------------------------------------------------------------------------------------------ setup


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup(count: int):
    """Issuer, keys, one achievement and ``count`` holders; returns (achievement, holders)."""
    from badges import keys, services
    from badges.models import KeyKind
    from core.db import db

    issuer = keys.ensure_issuer("Institut de formation Bench", "https://formation.example.org", "f@example.org")
    for kind in KeyKind:
        keys.generate(issuer, kind)
    spec = services.AchievementSpec(
        key="bench/module/M2",
        kind="module",
        code="M2",
        name={"fr": "Accompagnement et compétences relationnelles", "en": "Accompaniment and relational skills"},
        description={"fr": "Module M2 : huit compétences validées.", "en": "Module M2: eight competencies validated."},
        criteria={"fr": "Avoir fait valider :\n\n- Créer le lien", "en": "Have validated:\n\n- Build a relationship"},
        tags=("travail pair", "M2"),
        alignments=(
            {
                "code": "C-M2-03",
                "name": {"fr": "Créer le lien", "en": "Build a relationship"},
                "url": "http://localhost/referentiel/bench#C-M2-03",
            },
        ),
    )
    achievement = services.sync_achievement(spec, issuer)
    db.session.commit()
    return achievement, add_holders(count, "holder")


def add_holders(count: int, prefix: str) -> list:
    """``count`` people written with one bulk INSERT (the services' per-person checks are not what is measured)."""
    import uuid

    import sqlalchemy as sa

    from core.db import db, utcnow
    from core.models import User

    now = utcnow()
    rows = [
        {
            "uuid": uuid.uuid4(),
            "email": f"{prefix}{i:05d}@bench.example",
            "legal_name": f"Holder {i}",
            "language": "fr" if i % 3 else "en",
            "active": True,
            "session_version": 1,
            "created_at": now,
        }
        for i in range(count)
    ]
    db.session.execute(sa.insert(User), rows)
    db.session.commit()
    query = sa.select(User).where(User.email.like(f"{prefix}%@bench.example")).order_by(User.id)
    return list(db.session.scalars(query))


# ------------------------------------------------------------------------------------------------ issuance


def issue_batch(achievement, holders, first: int) -> list:
    """Issue to each of ``holders`` through the service (``issue_many``, as ``courses.awarding.issue_due`` does),
    then commit: the award UUIDs."""
    from badges import services
    from core.db import db

    due = [(achievement, holder, f"bench:{i}") for i, holder in enumerate(holders, first)]
    uuids = []
    for (award, created), holder in zip(services.issue_many(due), holders, strict=True):
        if not created:
            raise RuntimeError(f"{holder.email} already had the badge")
        uuids.append(award.uuid)
    db.session.commit()
    return uuids


def floor_inputs(award_uuids) -> list[tuple[dict, dict, str]]:
    """(unsigned credential, proof configuration, issued proofValue) of each Data Integrity proof of these awards,
    read back from the database: the documents ``add_proof`` canonicalised and signed."""
    import sqlalchemy as sa

    from badges.models import Award
    from core.db import db

    inputs = []
    for documents in db.session.scalars(sa.select(Award.documents).where(Award.uuid.in_(award_uuids))):
        for credential in documents["ob3"].values():
            (proof,) = credential["proof"]
            document = {key: value for key, value in credential.items() if key != "proof"}
            config = {"@context": document["@context"], **{k: v for k, v in proof.items() if k != "proofValue"}}
            inputs.append((document, config, proof["proofValue"]))
    db.session.rollback()
    return inputs


def canonicalise_and_sign(inputs, private_key) -> list[bytes]:
    """``signing._di_hash`` + Ed25519, the irreducible work of ``add_proof`` for each proof."""
    from badges import jsonld

    signatures = []
    for document, config, _issued in inputs:
        data = (
            hashlib.sha256(jsonld.canonize(config).encode("utf-8")).digest()
            + hashlib.sha256(jsonld.canonize(document).encode("utf-8")).digest()
        )
        signatures.append(private_key.sign(data))
    return signatures


def issuance_figure(achievement, holders, batch: int) -> list:
    from badges import keys
    from badges.models import KeyKind
    from badges.signing import _b58encode

    private_key = keys.private_key(keys.active_key(achievement.issuer, KeyKind.ED25519))
    award_uuids: list = []
    issue_s = floor_s = 0.0
    proofs = 0
    for start in range(0, len(holders), batch):
        started = time.perf_counter()
        uuids = issue_batch(achievement, holders[start : start + batch], start)
        issue_s += time.perf_counter() - started
        award_uuids += uuids

        inputs = floor_inputs(uuids)
        started = time.perf_counter()
        signatures = canonicalise_and_sign(inputs, private_key)
        floor_s += time.perf_counter() - started
        proofs += len(inputs)
        if any("z" + _b58encode(sig) != issued for sig, (_d, _c, issued) in zip(signatures, inputs, strict=True)):
            raise RuntimeError("a floor signature differs from the issued one: the floor did not redo the same work")

    count = len(award_uuids)
    ratio = issue_s / floor_s
    print(
        f"issuance: {count:,} badges in {issue_s:.1f} s ({issue_s / count * 1000:.1f} ms/badge); "
        f"floor (canonicalize + Ed25519, {proofs:,} proofs) {floor_s:.1f} s ({floor_s / count * 1000:.1f} ms/badge); "
        f"ratio {ratio:.2f}× (target ≤ 2×: {'OK' if ratio <= 2 else 'MISSED'})"
    )
    return award_uuids


def print_profile(profiler: cProfile.Profile, title: str, limit: int = 30) -> None:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats("cumulative").print_stats(limit)
    stats.sort_stats("tottime").print_stats(limit // 2)
    print(f"---- profile: {title}")
    print(re.sub(r"\n{3,}", "\n\n", out.getvalue()).strip())
    print("---- end of profile")


def profile_issuance(achievement, count: int = 50) -> None:
    holders = add_holders(count, "profiled")
    profiler = cProfile.Profile()
    profiler.enable()
    issue_batch(achievement, holders, 0)
    profiler.disable()
    print_profile(profiler, f"issuing {count} badges")


JSON_ACCEPT = {"Accept": "application/json"}
EXEMPT_NETWORKS = '["127.0.0.0/8", "::1"]'  # RATE_LIMIT_EXEMPT_NETWORKS of the servers this benchmark starts


def profile_requests(app, base_url: str, award_uuid, count: int = 20) -> None:
    """cProfile of verification requests in process (the test client), each after a warm-up request."""
    client = app.test_client()
    for label, call in (
        ("POST /api/v1/verify", lambda: client.post("/api/v1/verify", json={"url": f"{base_url}/verify/{award_uuid}"})),
        ("GET /verify/<uuid> (HTML)", lambda: client.get(f"/verify/{award_uuid}")),
        ("GET /verify/<uuid> JSON verdict", lambda: client.get(f"/verify/{award_uuid}", headers=JSON_ACCEPT)),
    ):
        if call().status_code != 200:
            raise RuntimeError(f"{label} failed in process")
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(count):
            call()
        profiler.disable()
        print_profile(profiler, f"{count} × {label} (in process)")


# ------------------------------------------------------------------------------------------------ HTTP


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM it if this benchmark dies, even by SIGKILL (Linux; elsewhere a no-op)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Server:
    """A gunicorn in its own session (process group); ``stop`` ends the whole group."""

    def __init__(self, app_spec: str, port: int, env: dict[str, str], log_dir: str, name: str):
        self.port = port
        self.log = Path(log_dir) / f"{name}.log"
        command = [
            sys.executable, "-m", "gunicorn",
            "--bind", f"127.0.0.1:{port}",
            "--workers", str(WORKERS),
            "--worker-class", "gthread",
            "--threads", str(THREADS),
            "--chdir", str(ROOT),
            "--error-logfile", str(self.log),
            "--log-level", "warning",
            app_spec,
        ]  # fmt: skip
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
            command,
            env=env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,  # called while this process runs one thread
        )

    def wait_ready(self, path: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}):\n{self.log_tail()}")
            try:
                if request_once(self.port, "GET", path, timeout=5)[0] < 500:
                    return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer on port {self.port} within {timeout} s:\n{self.log_tail()}")

    def log_tail(self) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-30:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        """SIGTERM to the group (gunicorn stops its workers, then itself); SIGKILL to the group if that hangs."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


class JobWorker:
    """One ``tremplin worker`` in its own session, as in production: web processes never run jobs, so whatever
    the pages enqueue (badges, mail, exports) is run here. ``stop`` as :class:`Server`'s (SIGTERM: it finishes or
    hands back its job, then exits)."""

    def __init__(self, env: dict[str, str], log_dir: str, name: str = "worker"):
        self.log = Path(log_dir) / f"{name}.log"
        with self.log.open("w") as log:  # the child keeps its own descriptor
            self.process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
                env=env,
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,  # called while this process runs one thread
            )

    stop = Server.stop


def request_once(
    port: int, method: str, path: str, body: bytes | None = None, timeout: float = 60, accept: str | None = None
):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=_headers([body] if body else None, accept))
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _lua(text: str) -> str:
    return json.dumps(text)  # a JSON string of ASCII text is a valid Lua string literal


def _headers(bodies: list[bytes] | None, accept: str | None) -> dict[str, str]:
    headers = {"Content-Type": "application/json"} if bodies is not None else {}
    if accept:
        headers["Accept"] = accept
    return headers


def wrk_load(
    port: int, method: str, paths: list[str], bodies: list[bytes] | None, seconds: float, tmp: str, accept=None
):
    """(requests, seconds, failures) from ``wrk``, cycling through ``paths`` (and ``bodies``)."""
    script = Path(tmp) / "bench.lua"
    entries = ", ".join(
        "{" + _lua(path) + ", " + ("nil" if bodies is None else _lua(bodies[i].decode())) + "}"
        for i, path in enumerate(paths)
    )
    headers = "{" + ", ".join(f"[{_lua(k)}] = {_lua(v)}" for k, v in _headers(bodies, accept).items()) + "}"
    script.write_text(
        f"local entries = {{{entries}}}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i % #entries + 1\n"
        f"  return wrk.format({_lua(method)}, entries[i][1], {headers}, entries[i][2])\n"
        "end\n"
    )
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s", "--timeout", "30s", "-s", str(script)]
    result = subprocess.run(  # noqa: S603 - wrk with fixed arguments
        [*command, f"http://127.0.0.1:{port}"], capture_output=True, text=True, timeout=seconds + 60
    )
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed: {result.stderr or result.stdout}")
    done = re.search(r"(\d+) requests in ([\d.]+)(m?s)", result.stdout)
    if done is None:
        raise RuntimeError(f"unexpected wrk output:\n{result.stdout}")
    elapsed = float(done.group(2)) / (1000 if done.group(3) == "ms" else 1)
    failures = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", result.stdout))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", result.stdout)
    failures += sum(int(n) for n in errors.groups()) if errors else 0
    return int(done.group(1)), elapsed, failures


def python_load(
    port: int, method: str, paths: list[str], bodies: list[bytes] | None, seconds: float, tmp: str, accept=None
):
    """Fallback without wrk: CONNECTIONS threads, each on its own keep-alive ``http.client`` connection."""
    deadline = time.monotonic() + seconds
    counts, failures = [0] * CONNECTIONS, [0] * CONNECTIONS
    headers = _headers(bodies, accept)

    def run(slot: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        i = slot
        while time.monotonic() < deadline:
            i = (i + 1) % len(paths)
            try:
                connection.request(method, paths[i], body=None if bodies is None else bodies[i], headers=headers)
                response = connection.getresponse()
                response.read()
                counts[slot] += 1
                failures[slot] += response.status >= 400
                if response.will_close:
                    connection.close()
            except (OSError, http.client.HTTPException):
                failures[slot] += 1
                connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=run, args=(slot,)) for slot in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts), time.monotonic() - started, sum(failures)


def http_figures(args, url: str, base_url: str, port: int, award_uuids: list) -> None:
    load = wrk_load if args.load_generator == "wrk" else python_load
    samples = award_uuids[:: max(1, len(award_uuids) // 50)][:50]
    bodies = [json.dumps({"url": f"{base_url}/verify/{u}"}).encode() for u in samples]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TREMPLIN_") and k != "DATABASE_URL"},
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET_KEY,
        "TREMPLIN_BASE_URL": base_url,
        "TREMPLIN_ENV": "production",
        "TREMPLIN_BADGES_KEY_PASSPHRASE": KEY_PASSPHRASE,
        # The load generator posts to /api/v1/verify from loopback far beyond its per-address limit (60 a
        # minute): this benchmark measures throughput, so it exempts its own address (nothing is by default).
        "TREMPLIN_RATE_LIMIT_EXEMPT_NETWORKS": EXEMPT_NETWORKS,
    }
    bare_port = free_port()
    verify = ["/api/v1/verify"] * len(samples)
    pages = [f"/verify/{u}" for u in samples]
    targets = [  # label, port, method, paths, bodies, Accept
        ("floor: bare Flask JSON", bare_port, "POST", verify, bodies, None),
        (VERDICT, port, "GET", pages, None, "application/json"),
        ("POST /api/v1/verify {url}", port, "POST", verify, bodies, None),
        ("GET /verify/<uuid> (HTML)", port, "GET", pages, None, None),
        ("GET /badges/credentials/<uuid>", port, "GET", [f"/badges/credentials/{u}" for u in samples], None, None),
        ("GET /healthz (SELECT 1)", port, "GET", ["/healthz"], None, None),
    ]
    totals = {label: [0, 0.0] for label, *_ in targets}
    with tempfile.TemporaryDirectory() as tmp:
        servers: list[Server] = []
        try:
            servers.append(Server("wsgi:app", port, env, tmp, "tremplin"))
            servers.append(Server("bench.badges:bare_app()", bare_port, env, tmp, "bare"))
            servers[0].wait_ready(f"/badges/credentials/{samples[0]}")
            servers[1].wait_ready("/")

            status, body = request_once(port, "POST", "/api/v1/verify", bodies[0])
            verdict = json.loads(body) if status == 200 else {}
            if not verdict.get("valid"):
                failed = [c for c in verdict.get("checks", []) if c.get("outcome") not in ("passed", "skipped")]
                raise RuntimeError(
                    f"POST /api/v1/verify did not verify the badge: HTTP {status} {failed or body[:300]}"
                )
            for label, target_port, method, paths, request_bodies, accept in targets:
                status, body = request_once(
                    target_port, method, paths[0], request_bodies and request_bodies[0], accept=accept
                )
                if status != 200:
                    raise RuntimeError(f"{label}: HTTP {status} {body[:300]!r}")
                if accept == "application/json" and not json.loads(body).get("valid"):
                    raise RuntimeError(f"{label} did not find the badge valid: {body[:300]!r}")
                load(target_port, method, paths, request_bodies, args.warmup, tmp, accept)
            for _round in range(args.rounds):
                for label, target_port, method, paths, request_bodies, accept in targets:
                    done, elapsed, failures = load(
                        target_port, method, paths, request_bodies, args.duration / args.rounds, tmp, accept
                    )
                    if failures:
                        raise RuntimeError(f"{label}: {failures} failed requests\n{servers[0].log_tail()}")
                    totals[label][0] += done
                    totals[label][1] += elapsed
        finally:
            for server in servers:
                server.stop()

    generator = "wrk (1 thread)" if args.load_generator == "wrk" else "Python threads + http.client"
    print(
        f"verification: gunicorn {WORKERS} gthread workers × {THREADS} threads each, {generator}, {CONNECTIONS} "
        f"keep-alive connections, {args.duration:g} s per target in {args.rounds} alternating rounds "
        f"after {args.warmup:g} s warm-up"
    )
    rates = {label: done / elapsed for label, (done, elapsed) in totals.items()}
    bare_rate = rates.pop(targets[0][0])
    print(f"  {targets[0][0]:<31} {bare_rate:8.0f} req/s")
    for label, rate in rates.items():
        share = rate / bare_rate
        verdict = f"(target ≥ 50%: {'OK' if share >= 0.5 else 'MISSED'})" if label == VERDICT else "(reference)"
        print(f"  {label:<31} {rate:8.1f} req/s = {share:6.1%} of bare Flask  {verdict}")


# ------------------------------------------------------------------------------------------------ main


def settle(engine) -> None:
    """Measure the verification endpoints in a steady state, not in the wake of the bulk insert: on PostgreSQL,
    VACUUM ANALYZE now rather than autovacuum working through 1,000 freshly written rows (and their TOASTed
    documents) on the same two cores during the measurement; on SQLite, ANALYZE."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a PostgreSQL server URL; default: SQLite in a temporary file")
    parser.add_argument("--badges", type=int, default=1000, help="badges issued (default 1,000)")
    parser.add_argument("--batch", type=int, default=100, help="badges per commit (default 100)")
    parser.add_argument("--duration", type=float, default=10, help="seconds of load per HTTP target (default 10)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds the duration is split in")
    parser.add_argument(
        "--warmup",
        type=float,
        default=5,
        help="seconds of warm-up load per target (default 5: each worker verifies each sampled badge's stored "
        "credential once, ~15 ms each, before it serves it from memory)",
    )
    parser.add_argument("--load-generator", choices=("wrk", "python"), help="default: wrk when it is installed")
    parser.add_argument("--skip-http", action="store_true", help="only the issuance figure")
    parser.add_argument("--profile", action="store_true", help="also print cProfile summaries (issue, requests)")
    args, ignored = parser.parse_known_args()  # bench/run gives every benchmark the same arguments
    if ignored:
        print(f"(bench/badges.py ignores {' '.join(ignored)})")
    args.load_generator = args.load_generator or ("wrk" if shutil.which("wrk") else "python")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the clean-up (servers, database) on SIGTERM too

    from flask_migrate import upgrade

    from bench.eligibility import fresh_database
    from core import create_app
    from core.db import db

    port = free_port()  # chosen first: BASE_URL is written into every credential issued
    base_url = f"http://127.0.0.1:{port}"
    url, cleanup = fresh_database(args.database_url)
    app = create_app(
        {
            "ENV": "testing",
            "SECRET_KEY": SECRET_KEY,
            "BADGES_KEY_PASSPHRASE": KEY_PASSPHRASE,
            "SQLALCHEMY_DATABASE_URI": url,
            "BASE_URL": base_url,
            "RATE_LIMIT_EXEMPT_NETWORKS": json.loads(EXEMPT_NETWORKS),  # profiles POST /api/v1/verify in a loop
        }
    )
    try:
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            achievement, holders = setup(args.badges)
            print(
                f"== badges benchmark on {db.engine.dialect.name}: {len(holders):,} holders, one achievement "
                f"(set up in {time.perf_counter() - started:.1f} s)"
            )
            award_uuids = issuance_figure(achievement, holders, args.batch)
            if args.profile:
                profile_issuance(achievement)
                profile_requests(app, base_url, award_uuids[0])
            db.session.remove()
            settle(db.engine)
            db.engine.dispose()  # the servers get the database to themselves
        if not args.skip_http:
            http_figures(args, url, base_url, port, award_uuids)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        cleanup.cleanup()


if __name__ == "__main__":
    main()
