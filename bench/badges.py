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
   The employer's page ``GET /verify/<uuid>`` (HTML, anonymous: what a scanned QR code opens) has the same
   target as the JSON verdict: ≥ 50 % of bare Flask.
3. Verifying other issuers' badges, in process, against the Digital Credentials Consortium's verifier in its own
   node process (``bench/dcc_verify.mjs``, from the installed interop verifiers, ``DCC_NODE_MODULES``), both
   verifying the same credentials in a loop after a warm-up, nothing fetched: OB 3.0 credentials with a
   ``DataIntegrityProof`` ``eddsa-rdfc-2022`` signed by the DCC's own libraries (a did:key issuer), verified by
   ``@digitalcredentials/verifier-core``; and RS256 VC-JWTs signed here with PyJWT (a did:jwk issuer, key also
   in the ``jwk`` header), verified by ``jose`` (what the interop harness uses: verifier-core has no VC-JWT).
   Each side verifies distinct credentials of one issuer (the verifier remembers documents it has verified).
   Target: Tremplin's time per verification ≤ 1.0× the DCC's.

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
#: The employer's page (HTML), served to an anonymous visitor: the same target.
PAGE = "GET /verify/<uuid> (HTML)"
TARGETS = (VERDICT, PAGE)
#: The installed interop verifiers (node): @digitalcredentials/verifier-core, jose, the DCC signing libraries.
DCC_NODE_MODULES = ROOT / "interop" / "node_modules"  # installed by scripts/interop-setup (a link into .cache/)
NODE_FILE = ROOT / ".cache" / "interop-node"  # the node scripts/interop-setup chose (TREMPLIN_NODE wins)


def _node() -> str | None:
    chosen = os.environ.get("TREMPLIN_NODE") or (NODE_FILE.read_text().strip() if NODE_FILE.is_file() else "")
    return chosen or shutil.which("node")


#: The official OB 3.0 JSON Schemas (1EdTech's files), served to verifier-core instead of fetching them.
OB3_SCHEMAS = ROOT / "badges" / "schemas" / "ob3"
FOREIGN_WARMUP, FOREIGN_TIMED = 10, 50


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
        (PAGE, lambda: client.get(f"/verify/{award_uuid}", headers={"Accept": "text/html"})),
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
            "--reuse-port",  # one listening socket per worker: the kernel spreads connections over them
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


def connection_split(port: int) -> tuple[int, ...]:
    """How the load generator's keep-alive connections to ``port`` are spread over the server's worker processes,
    largest first (``ss``; empty when it is missing): a 7/1 split leaves one worker's threads fighting for one
    interpreter lock while the other idles, and moves a throughput figure by half."""
    if not shutil.which("ss"):
        return ()
    result = subprocess.run(  # noqa: S603 - ss with fixed arguments
        ["ss", "-Htnp", "state", "established", f"( sport = :{port} )"],  # noqa: S607 - ss from PATH
        capture_output=True,
        text=True,
        check=False,
    )
    pids = re.findall(r"pid=(\d+)", result.stdout)
    return tuple(sorted((pids.count(pid) for pid in set(pids)), reverse=True))


def wrk_load(
    port: int, method: str, paths: list[str], bodies: list[bytes] | None, seconds: float, tmp: str, accept=None
):
    """(requests, seconds, failures, connection split) from ``wrk``, cycling through ``paths`` (and ``bodies``)."""
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
    split: list[tuple[int, ...]] = []
    sampler = threading.Timer(min(1.0, seconds / 2), lambda: split.append(connection_split(port)))
    sampler.start()
    result = subprocess.run(  # noqa: S603 - wrk with fixed arguments
        [*command, f"http://127.0.0.1:{port}"], capture_output=True, text=True, timeout=seconds + 60
    )
    sampler.join()
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed: {result.stderr or result.stdout}")
    done = re.search(r"(\d+) requests in ([\d.]+)(m?s)", result.stdout)
    if done is None:
        raise RuntimeError(f"unexpected wrk output:\n{result.stdout}")
    elapsed = float(done.group(2)) / (1000 if done.group(3) == "ms" else 1)
    failures = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", result.stdout))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", result.stdout)
    failures += sum(int(n) for n in errors.groups()) if errors else 0
    return int(done.group(1)), elapsed, failures, split[0] if split else ()


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
    split = connection_split(port)
    for thread in threads:
        thread.join()
    return sum(counts), time.monotonic() - started, sum(failures), split


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
        (PAGE, port, "GET", pages, None, "text/html"),
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
                if label == PAGE and b'class="verdict verdict--ok"' not in body:
                    raise RuntimeError(f"{label} did not say the badge is valid: {body[:300]!r}")
                load(target_port, method, paths, request_bodies, args.warmup, tmp, accept)
            for number in range(1, args.rounds + 1):
                line = []
                for label, target_port, method, paths, request_bodies, accept in targets:
                    done, elapsed, failures, split = load(
                        target_port, method, paths, request_bodies, args.duration / args.rounds, tmp, accept
                    )
                    if failures:
                        raise RuntimeError(f"{label}: {failures} failed requests\n{servers[0].log_tail()}")
                    totals[label][0] += done
                    totals[label][1] += elapsed
                    if label in (targets[0][0], *TARGETS):
                        line.append(f"{done / elapsed:,.0f} req/s [{'/'.join(map(str, split)) or '?'}]")
                print(f"  round {number}: bare, JSON verdict, page = {', '.join(line)}  [connections per worker]")
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
        verdict = f"(target ≥ 50%: {'OK' if share >= 0.5 else 'MISSED'})" if label in TARGETS else "(reference)"
        print(f"  {label:<31} {rate:8.1f} req/s = {share:6.1%} of bare Flask  {verdict}")


# ------------------------------------------------------------------------------------------------ foreign badges


class NothingToFetch:
    """The resolver of the in-process figures: nothing is fetched (keys come from did:key / did:jwk)."""

    def document(self, url: str):
        return 0, None

    def status_list(self, url: str):
        return None

    def ed25519_key(self, verification_method: str):
        return None


def node_json(*args: str, timeout: float = 300) -> str:
    """Run ``bench/dcc_verify.mjs`` with ``args``: its standard output."""
    result = subprocess.run(  # noqa: S603 - node with our own script and fixed arguments
        [_node() or "node", str(ROOT / "bench" / "dcc_verify.mjs"), str(DCC_NODE_MODULES), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "OB3_SCHEMA_DIR": str(OB3_SCHEMAS)},
    )
    if result.returncode != 0:
        raise RuntimeError(f"dcc_verify.mjs {args[0]} failed: {result.stderr[-2000:]}")
    return result.stdout


_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _base58btc(data: bytes) -> str:
    number, out = int.from_bytes(data, "big"), ""
    while number:
        number, digit = divmod(number, 58)
        out = _B58[digit] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def python_signed_di(count: int) -> list[dict]:
    """The fallback when the DCC's signing libraries are not installed: ``count`` OB 3.0 credentials of one
    did:key issuer with a ``DataIntegrityProof`` ``eddsa-rdfc-2022`` made here with ``cryptography`` and PyLD
    (RDFC-1.0 over the JSON-LD context files in ``badges/contexts``), following the W3C cryptosuite step by step —
    not with Tremplin's signing code."""
    import hashlib

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    from pyld import jsonld

    folder = ROOT / "badges" / "contexts"
    files = json.loads((folder / "contexts.json").read_text())

    def loader(url, options=None):
        if url not in files:
            raise RuntimeError(f"bench: no network ({url})")
        document = json.loads((folder / files[url]).read_text())
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url, "document": document}

    def canonical_hash(document) -> bytes:
        nquads = jsonld.normalize(
            document, {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": loader}
        )
        return hashlib.sha256(nquads.encode("utf-8")).digest()

    key = Ed25519PrivateKey.generate()
    multikey = "z" + _base58btc(b"\xed\x01" + key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
    did = f"did:key:{multikey}"
    out = []
    for credential in foreign_credentials(did, count, "6f1d0c52-1b9e-4c57-9a3b"):
        proof = {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "created": "2026-01-15T10:00:00Z",
            "verificationMethod": f"{did}#{multikey}",
            "proofPurpose": "assertionMethod",
        }
        signature = key.sign(canonical_hash({**proof, "@context": credential["@context"]}) + canonical_hash(credential))
        out.append({**credential, "proof": [{**proof, "proofValue": "z" + _base58btc(signature)}]})
    return out


def foreign_credentials(issuer_id: str, count: int, id_prefix: str) -> list[dict]:
    """``count`` unsigned OB 3.0 credentials of one foreign issuer (distinct ids and recipients)."""
    return [
        {
            "@context": [
                "https://www.w3.org/ns/credentials/v2",
                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            ],
            "id": f"urn:uuid:{id_prefix}-{i:012d}",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "name": "Écoute active",
            "issuer": {
                "id": issuer_id,
                "type": ["Profile"],
                "name": "École Exemple du Nord",
                "url": "https://ecole.example.net/",
            },
            "validFrom": "2026-01-15T10:00:00Z",
            "credentialSubject": {
                "type": ["AchievementSubject"],
                "identifier": [
                    {
                        "type": "IdentityObject",
                        "identityHash": f"learner{i}@example.net",
                        "identityType": "emailAddress",
                        "hashed": False,
                    }
                ],
                "achievement": {
                    "id": "https://ecole.example.net/badges/ecoute",
                    "type": ["Achievement"],
                    "name": "Écoute active",
                    "description": "Savoir écouter.",
                    "criteria": {"narrative": "Un atelier de deux jours suivi en entier."},
                },
            },
        }
        for i in range(count)
    ]


def rs256_vc_jwts(count: int) -> list[str]:
    """``count`` OB 3.0 VC-JWTs (RS256) of one foreign issuer, signed with PyJWT and ``cryptography`` (not with
    Tremplin's signing code): the issuer is a did:jwk of its RSA key, also given in the ``jwk`` header."""
    import base64
    import datetime as dt

    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa
    from jwt.algorithms import RSAAlgorithm

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    did = "did:jwk:" + base64.urlsafe_b64encode(json.dumps(jwk, separators=(",", ":")).encode()).rstrip(b"=").decode()
    issued = dt.datetime(2026, 1, 15, 10, tzinfo=dt.UTC)
    tokens = []
    for credential in foreign_credentials(did, count, "9b2f7e4a-3c1d-4e8f-8a6b"):
        claims = {**credential, "iss": did, "jti": credential["id"], "nbf": int(issued.timestamp())}
        headers = {"kid": f"{did}#0", "jwk": jwk, "typ": "JWT"}
        tokens.append(jwt.encode(claims, key, algorithm="RS256", headers=headers))
    return tokens


def in_process_ms(items: list, as_text) -> tuple[float | None, str]:
    """Tremplin's time per verification of ``items`` (after the warm-up ones), or why it could not verify them."""
    from datetime import UTC, datetime

    from badges import verification

    resolver, now = NothingToFetch(), datetime.now(UTC)
    for item in items[:FOREIGN_WARMUP]:
        verdict = verification.verify(as_text(item), resolver, now=now)
        if not verdict.valid:
            failed = [f"{c.code}: {c.message % dict(c.params)}" for c in verdict.checks if c.outcome == "failed"]
            return None, "; ".join(failed) or "not valid"
    timed = items[FOREIGN_WARMUP:]
    started = time.perf_counter()
    verdicts = [verification.verify(as_text(item), resolver, now=now) for item in timed]
    elapsed = time.perf_counter() - started
    if not all(v.valid for v in verdicts):
        raise RuntimeError("a credential verified in the warm-up failed in the timed loop")
    return elapsed / len(timed) * 1000, ""


def foreign_figures() -> None:
    """Print the in-process verification time of foreign credentials against the DCC's verifier (node)."""
    count = FOREIGN_WARMUP + FOREIGN_TIMED
    print(f"foreign badges: {FOREIGN_TIMED} verifications timed after {FOREIGN_WARMUP} of warm-up, nothing fetched")
    if _node() is None or not (DCC_NODE_MODULES / "@digitalcredentials" / "verifier-core").is_dir():
        print(f"  skipped: node or the DCC verifier is not installed ({DCC_NODE_MODULES}; scripts/interop-setup)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        try:
            credentials, signer = json.loads(node_json("sign-di", str(count))), "the DCC's libraries"
        except RuntimeError as exc:  # e.g. the signing libraries are not installed with the verifier
            print(f"  (node could not sign: {str(exc).splitlines()[-1][:200]}; signing in Python instead)")
            credentials, signer = python_signed_di(count), "cryptography + PyLD"
        print(f"  Data Integrity credentials signed by {signer}")
        path = Path(tmp) / "di.json"
        path.write_text(json.dumps(credentials))
        rows.append(
            ("OB 3.0 Data Integrity eddsa-rdfc-2022", "verifier-core", credentials, json.dumps, "verify-di", path)
        )
        tokens = rs256_vc_jwts(count)
        path = Path(tmp) / "jwt.json"
        path.write_text(json.dumps(tokens))
        rows.append(("OB 3.0 VC-JWT RS256", "jose", tokens, str, "verify-jwt", path))
        for label, dcc_name, items, as_text, mode, file in rows:
            ours, why = in_process_ms(items, as_text)
            dcc = json.loads(node_json(mode, str(file), str(FOREIGN_WARMUP)).strip().splitlines()[-1])
            if dcc["valid"] != dcc["count"]:
                raise RuntimeError(f"the DCC verifier ({dcc_name}) rejected {dcc['count'] - dcc['valid']} {label}")
            theirs = dcc["ms_per_verification"]
            if ours is None:
                print(f"  {label:<38} Tremplin: not supported yet ({why}); DCC ({dcc_name}) {theirs:.2f} ms")
                continue
            ratio = ours / theirs
            print(
                f"  {label:<38} Tremplin {ours:.2f} ms, DCC ({dcc_name}, node) {theirs:.2f} ms per verification: "
                f"ratio {ratio:.2f}× (target ≤ 1.0×: {'OK' if ratio <= 1 else 'MISSED'})"
            )


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
    parser.add_argument("--skip-http", action="store_true", help="no HTTP figures")
    parser.add_argument("--skip-foreign", action="store_true", help="no comparison with the DCC verifier")
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
        if not args.skip_foreign:
            foreign_figures()
        print("load average (1, 5, 15 min): {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        cleanup.cleanup()


if __name__ == "__main__":
    main()
