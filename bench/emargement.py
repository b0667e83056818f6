"""Benchmark (not a test): a room of 25 trainees signing within the same 30 seconds, over HTTP.

The app is served on a loopback port (Werkzeug, threaded, as the e2e tests do) on a fresh database: one cohort,
25 trainees logged in beforehand (each with her saved signature: one tap), and ``--rounds`` sessions. For each
session, 25 threads post the signing form with the rotating code shown at that moment, all released together
(the worst case of "within the same 30 s"), and each request's latency is measured to the 303 that ends it. The
same 25 threads then post to a bare Flask endpoint (a form read and a 303, nothing else) served the same way in
the same run: the floor that the machine, Werkzeug and the client threads set. The server's clock is the
injected one (``app.extensions["tremplin.clock"]``), moving with real time from 5 minutes before the start.

    python bench/emargement.py                     # SQLite in a temporary folder
    python bench/emargement.py --rounds 8          # sessions signed (default 6): 25 × rounds samples
    python bench/emargement.py --database-url postgresql+psycopg://user@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import hashlib
import re
import socket
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ROOM = 25
PASSWORD = "bench-emargement-password"  # noqa: S105 - fictional accounts of a throw-away database
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(app) -> tuple[str, object]:
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args, **kwargs) -> None:
            pass

    port = _free_port()
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{port}", server


class Client:
    """One browser: its own connection pool and cookies."""

    def __init__(self, base: str) -> None:
        import urllib3

        self.base = base
        self.http = urllib3.PoolManager(maxsize=1)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, fields: dict | None = None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if fields is not None:
            response = self.http.request_encode_body(
                method, self.base + path, fields=fields, headers=headers, encode_multipart=False, redirect=False
            )
        else:
            response = self.http.request(method, self.base + path, headers=headers, redirect=False)
        for header in response.headers.getlist("Set-Cookie"):
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response

    def csrf(self, path: str) -> str:
        return CSRF.search(self.request("GET", path).data.decode()).group(1)


def _burst(calls) -> list[float]:
    """Run every call in its own thread, all released at once; their latencies in seconds."""
    barrier = threading.Barrier(len(calls))
    out: list[float] = [0.0] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        started = time.perf_counter()
        calls[i]()
        out[i] = time.perf_counter() - started

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=6, help="sessions signed by the 25 trainees (6)")
    parser.add_argument("--database-url", help="a PostgreSQL server URL; default: SQLite in a temporary file")
    args, _ignored = parser.parse_known_args()

    from flask import Flask, redirect, request
    from flask_migrate import upgrade

    from bench.eligibility import fresh_database
    from core import create_app
    from core import services as core_services
    from core.db import db
    from courses import emargement, emargement_demo, services
    from courses import emargement_rules as rules
    from courses.models import SavedSignature
    from courses.programme_spec import load_programme_file, shipped_programmes

    url, cleanup = fresh_database(args.database_url)
    secret = "bench-emargement-" * 3
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "ENV": "testing",
                "TESTING": True,
                "SECRET_KEY": secret,
                "SQLALCHEMY_DATABASE_URI": url,
                "BASE_URL": "http://localhost",
                "STORAGE_URL": Path(tmp).as_uri(),
                "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",  # the logins are set-up, not measured
                "RATE_LIMIT_EXEMPT_NETWORKS": ["127.0.0.0/8"],
            }
        )
        zone = ZoneInfo("Europe/Brussels")
        on = date(2027, 3, 4)  # a Thursday, no holiday
        with app.app_context():
            upgrade()
            path = next(p for p in shipped_programmes() if p.stem == "hetis-initial")
            programme, _ = services.load_programme(load_programme_file(path), path.read_text(encoding="utf-8"))
            cohort = services.create_cohort("BENCH-EMARG", programme, date(2027, 1, 4), date(2027, 6, 30))
            trainer = core_services.create_user(
                "trainer@example.org", "Formatrice Banc", ["trainer"], password=PASSWORD
            )
            services.add_trainer(cohort, trainer)
            people = [
                core_services.create_user(f"t{i:02d}@example.org", f"Stagiaire {i:02d}", ["trainee"], password=PASSWORD)
                for i in range(ROOM)
            ]
            for person in people:
                services.enrol(cohort, person, cohort.starts_on)
            sessions = [
                services.create_session(
                    cohort, "M1", on, clock_time(7 + r, 0), clock_time(7 + r, 50), trainers=[trainer], seats=ROOM
                )
                for r in range(args.rounds)
            ]
            for person in people:  # her drawn signature, saved the first time: now one tap
                image = emargement_demo.drawing(person.legal_name)
                db.session.add(
                    SavedSignature(
                        user_id=person.id,
                        image=image,
                        image_type="image/png",
                        image_sha256=hashlib.sha256(image).hexdigest(),
                    )
                )
            db.session.commit()
            emails = [p.email for p in people]
            plan = [(str(s.uuid), datetime.combine(on, s.starts_at, zone)) for s in sessions]
            db.session.remove()

        state = {"base": plan[0][1], "t0": time.monotonic()}
        app.extensions[emargement.CLOCK] = lambda: state["base"] + timedelta(seconds=time.monotonic() - state["t0"])
        base, server = _serve(app)
        clients = []
        for email in emails:
            client = Client(base)
            token = client.csrf("/login")
            response = client.request("POST", "/login", {"csrf_token": token, "email": email, "password": PASSWORD})
            assert response.status == 302, response.status
            clients.append(client)

        signing: list[float] = []
        failures = 0
        for session_uuid, starts in plan:
            state["base"], state["t0"] = starts - timedelta(minutes=5), time.monotonic()
            path = f"/emargement/{session_uuid}/sign"
            tokens = [c.csrf(path) for c in clients]
            secret_of_session = rules.session_secret(secret, session_uuid)
            results: list[int] = [0] * len(clients)

            def sign(i: int, path=path, tokens=tokens, key=secret_of_session, results=results) -> None:
                code, _left = rules.current_code(key, app.extensions[emargement.CLOCK]())
                response = clients[i].request("POST", path, {"csrf_token": tokens[i], "code": code, "via": "qr"})
                results[i] = response.status

            signing += _burst([lambda i=i: sign(i) for i in range(len(clients))])
            failures += sum(1 for status in results if status != 303)
        server.shutdown()

        bare = Flask("bare")

        @bare.post("/sign")
        def bare_sign():
            request.form.get("code")
            return redirect("/sign", code=303)

        bare_base, bare_server = _serve(bare)
        bare_clients = [Client(bare_base) for _ in emails]
        floor: list[float] = []
        for _round in plan:
            floor += _burst(
                [lambda c=c: c.request("POST", "/sign", {"code": "123456", "via": "qr"}) for c in bare_clients]
            )
        bare_server.shutdown()

    with app.app_context():
        backend = db.engine.dialect.name
        db.engine.dispose()
    if hasattr(cleanup, "cleanup"):
        cleanup.cleanup()
    print(
        f"émargement ({backend}): {ROOM} trainees signing at once, {len(plan)} sessions, {len(signing)} signatures, "
        f"{failures} refused"
    )
    print(
        f"  signing   p50 {statistics.median(signing) * 1000:7.1f} ms   p95 {_p95(signing) * 1000:7.1f} ms"
        f"   max {max(signing) * 1000:7.1f} ms"
    )
    print(
        f"  bare Flask p50 {statistics.median(floor) * 1000:7.1f} ms   p95 {_p95(floor) * 1000:7.1f} ms"
        f"   max {max(floor) * 1000:7.1f} ms"
    )
    print(f"  p95 ratio: {_p95(signing) / _p95(floor):.1f}× the bare endpoint")
    if failures:
        raise SystemExit(f"{failures} signatures were refused")


if __name__ == "__main__":
    main()
