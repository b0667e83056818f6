"""Benchmark (not a test): does the time a login takes tell whether an account exists?

With the production password hash (Werkzeug's scrypt, default cost), ``core.services.authenticate`` is timed
on each path a visitor can take, the paths interleaved round after round so that the machine's load touches
them all alike:

- a wrong password on an existing account, an unknown address, a deactivated account, an erased account,
  an account locked out for this address (and, for reference, the right password);
- the floor, measured in the same run: one ``check_password_hash`` of the stored hash, nothing else.

It prints each path's fastest run (its own cost, least touched by the machine's load), its ratio to the floor
and its median, and exits 1 when the slowest refused path is more than ``--bound`` times the fastest one
(default 1.25; before the fix a wrong password on an existing account cost three hashes, an unknown address
two, a lock-out none).

    python bench/login.py                    # SQLite in a temporary file
    python bench/login.py --database-url postgresql+psycopg://user@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from werkzeug.security import check_password_hash

from bench.eligibility import fresh_database
from core import create_app, services
from core.db import db

PASSWORD = "bench-password-0123"  # noqa: S105 - a throw-away account in a throw-away database
SECRET_KEY = "bench-login-" * 4


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a PostgreSQL server (default: SQLite in a temporary file)")
    parser.add_argument("--rounds", type=int, default=15, help="attempts per path (default 15)")
    parser.add_argument("--bound", type=float, default=1.25, help="largest allowed slowest/fastest ratio")
    args, _unknown = parser.parse_known_args()  # bench/run passes every benchmark the same arguments

    from flask_migrate import upgrade

    url, cleanup = fresh_database(args.database_url)
    app = create_app({"ENV": "testing", "SECRET_KEY": SECRET_KEY, "SQLALCHEMY_DATABASE_URI": url})
    assert "PASSWORD_HASH_METHOD" not in app.config, "the benchmark measures the production hash"
    try:
        with app.app_context():
            upgrade()
            known = services.create_user("known@bench.example", "Known", ("trainee",), password=PASSWORD)
            inactive = services.create_user("inactive@bench.example", "Off", ("trainee",), password=PASSWORD)
            inactive.active = False
            erased = services.create_user("erased@bench.example", "Erased", ("trainee",), password=PASSWORD)
            erased.password_hash, erased.active = None, False
            locked = services.create_user("locked@bench.example", "Locked", ("trainee",), password=PASSWORD)
            db.session.commit()
            stored = known.password_hash
            app.config["LOGIN_MAX_FAILURES"] = 3
            for _ in range(3):
                attempt(app, locked.email, "guess", "198.51.100.1")

            paths = {
                "wrong password, existing account": (known.email, "guess"),
                "unknown address": ("nobody@bench.example", "guess"),
                "deactivated account": (inactive.email, PASSWORD),
                "erased account": (erased.email, PASSWORD),
                "locked out (account, address)": (locked.email, PASSWORD),
            }
            times: dict[str, list[float]] = {name: [] for name in (*paths, "right password", "floor")}
            for _ in range(args.rounds):
                for name, (email, password) in paths.items():
                    times[name].append(attempt(app, email, password, "198.51.100.1"))
                times["right password"].append(attempt(app, known.email, PASSWORD, "203.0.113.1"))
                started = time.perf_counter()
                check_password_hash(stored, PASSWORD)
                times["floor"].append(time.perf_counter() - started)
                db.session.execute(db.text("DELETE FROM login_failure WHERE email <> :e"), {"e": locked.email})
                db.session.commit()  # the window's failures would otherwise lock the address mid-run
            dialect = db.engine.dialect.name
            db.session.remove()
            db.engine.dispose()
    finally:
        cleanup.cleanup()

    floor = min(times["floor"])
    print(f"== login timing on {dialect}: {args.rounds} rounds, Werkzeug scrypt default cost")
    print(f"{'path':<36} {'fastest':>10} {'vs floor':>9} {'median':>10}")
    for name, values in times.items():
        fastest = min(values)
        print(
            f"{name:<36} {fastest * 1000:>7.1f} ms {fastest / floor:>8.2f}× {statistics.median(values) * 1000:>7.1f} ms"
        )
    refused = [min(times[name]) for name in paths]  # the fastest run: the path's own cost, least touched by load
    spread = max(refused) / min(refused)
    verdict = "ok" if spread <= args.bound else "TOO FAR APART"
    print(f"slowest / fastest refused path: {spread:.2f}× (bound {args.bound:.2f}×): {verdict}")
    return 0 if spread <= args.bound else 1


def attempt(app, email: str, password: str, ip: str) -> float:
    """One login attempt as the view makes it (then committed, as the request does); its duration in seconds."""
    with app.test_request_context():
        started = time.perf_counter()
        with contextlib.suppress(services.ServiceError):  # refused or locked out: what is timed is the same
            services.authenticate(email, password, ip)
        db.session.commit()
        return time.perf_counter() - started


if __name__ == "__main__":
    sys.exit(main())
