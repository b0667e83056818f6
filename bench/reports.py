"""Benchmark (not a test): cohort reports at the scale of a federation.

The synthetic platform of ``bench/eligibility.py`` (10,000 trainees in 500 cohorts × 40 sessions = 400,000
attendance marks, placement hours, validations) is built in a fresh database, then:

- one cohort's summary page (HTML, through the test client, logged in as a coordinator): target < 300 ms;
  floor: a bare Flask endpoint (``/healthz``) through the same client;
- the whole-platform summary CSV (10,000 rows): target < 10 s; floor: ``csv.writer`` writing the same number
  of rows and columns of constant values;
- the whole-platform summary XLSX: target < 20 s; floor: openpyxl (write-only) writing the same cells;
- SQL statements of the summary page for a full cohort and for a cohort of 1 trainee × 1 session (equal).

    python bench/reports.py                                  # SQLite in a temporary file
    python bench/reports.py --database-url postgresql+psycopg://user@127.0.0.1:5432/postgres
    bench/run                                                # every benchmark, on both
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import time
from datetime import date
from datetime import time as dtime
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from eligibility import Counter, build, fresh_database

from core import create_app
from core import services as core_services
from core.db import db
from core.models import User
from courses import exports, reports, services
from courses.models import Attendance, Cohort, Enrolment, TrainingSession

PASSWORD = "bench-password-0123"  # noqa: S105 - a throw-away account in a throw-away database


def timed(runs: int, fn) -> float:
    best = float("inf")
    for _ in range(runs):
        db.session.expire_all()
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a PostgreSQL server URL; default: SQLite in a temporary file")
    parser.add_argument("--cohorts", type=int, default=500)
    parser.add_argument("--per-cohort", type=int, default=20)
    parser.add_argument("--sessions", type=int, default=40)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    url, cleanup = fresh_database(args.database_url)
    app = create_app(
        {
            "ENV": "testing",
            "SECRET_KEY": "bench-" * 8,
            "SQLALCHEMY_DATABASE_URI": url,
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
            "BABEL_DEFAULT_LOCALE": "fr",
            "WTF_CSRF_ENABLED": False,  # the bench logs in with a plain POST
        }
    )
    try:
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            started = time.perf_counter()
            build(args.cohorts, args.per_cohort, args.sessions)
            core_services.create_user("coordination@bench.example", "Coordination", ["admin"], password=PASSWORD)
            db.session.commit()
            dialect = db.engine.dialect.name
            trainees = args.cohorts * args.per_cohort
            print(
                f"== reports benchmark on {dialect}: {trainees:,} trainees, {args.cohorts} cohorts × "
                f"{args.sessions} sessions, {trainees * args.sessions:,} attendance marks "
                f"(built in {time.perf_counter() - started:.1f} s)"
            )
            as_of = date(2027, 1, 1)
            first = db.session.scalar(sa.select(Cohort).order_by(Cohort.code))
            first_uuid, first_id = first.uuid, first.id

        client = app.test_client()
        response = client.post("/login", data={"email": "coordination@bench.example", "password": PASSWORD})
        assert response.status_code == 302, response.status_code
        page_url = f"/cohorts/{first_uuid}/reports/summary?as_of={as_of.isoformat()}"

        def page():
            response = client.get(page_url)
            assert response.status_code == 200, response.status_code

        def bare():
            assert client.get("/healthz").status_code == 200

        with app.app_context():
            page()  # warm the templates and caches
            floor_page = timed(args.runs * 3, bare)
            page_s = timed(args.runs * 3, page)

            report = reports.platform_summary(as_of)
            columns = len(report.parts[0].columns)

            def whole_csv():
                out = io.StringIO()
                assert exports.write_csv(reports.platform_summary(as_of).parts[0], out, ";") == trainees

            def floor_csv():
                out = io.StringIO()
                writer = csv.writer(out, delimiter=";")
                row = ["Trainee 1", "trainee@bench.example", "En cours", "87,50", "56,25"] + ["1"] * (columns - 5)
                for _ in range(trainees + 1):
                    writer.writerow(row)

            def whole_xlsx():
                assert exports.write_xlsx(reports.platform_summary(as_of), io.BytesIO()) == trainees

            def floor_xlsx():
                from openpyxl import Workbook

                book = Workbook(write_only=True)
                sheet = book.create_sheet("floor")
                row = ["Trainee 1", "trainee@bench.example", "En cours", 87.5, 56.25] + [1] * (columns - 5)
                for _ in range(trainees + 1):
                    sheet.append(row)
                book.save(io.BytesIO())

            def floor_facts():
                for model in (Attendance, TrainingSession, Enrolment):
                    db.session.execute(sa.select(*model.__table__.columns)).all()

            runs = max(1, args.runs - 1)
            floor_facts_s = timed(runs, floor_facts)
            floor_csv_s = timed(runs, floor_csv)
            csv_s = timed(runs, whole_csv)
            floor_xlsx_s = timed(runs, floor_xlsx)
            xlsx_s = timed(runs, whole_xlsx)

            programme = db.session.get(Cohort, first_id).programme
            small = services.create_cohort("BENCH-SMALL", programme, as_of, as_of)
            services.create_session(small, None, as_of, dtime(9), dtime(12))
            services.enrol(small, db.session.get(User, 100_000), as_of)
            db.session.commit()
            small_url = f"/cohorts/{small.uuid}/reports/summary?as_of={as_of.isoformat()}"

        counter = Counter()
        with app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", counter)
            counts = []
            for target in (page_url, small_url):
                counter.count = 0
                assert client.get(target).status_code == 200
                counts.append(counter.count)
            sa.event.remove(db.engine, "before_cursor_execute", counter)

        def line(label: str, seconds: float, floor: float, target: float | None, unit: str = "s") -> str:
            shown = f"{seconds * 1000:8.1f} ms" if unit == "ms" else f"{seconds:8.3f} s "
            verdict = (
                ""
                if target is None
                else f"   target < {target:g} {unit}: "
                + ("OK" if (seconds * (1000 if unit == "ms" else 1)) < target else "MISSED")
            )
            return f"{label:<56}{shown} = {seconds / floor:6.1f}× floor{verdict}"

        print(f"floor: bare Flask endpoint (/healthz) via the test client  {floor_page * 1000:8.1f} ms")
        print(line(f"one cohort's summary page ({args.per_cohort} trainees × {args.sessions} sessions)", page_s,
                   floor_page, 300, "ms"))  # fmt: skip
        print(f"floor: csv.writer, {trainees + 1:,} rows × {columns} columns            {floor_csv_s:8.3f} s")
        print(f"floor: raw SELECT of every mark, session and enrolment    {floor_facts_s:8.3f} s")
        print(line(f"whole-platform summary CSV ({trainees:,} rows)", csv_s, floor_csv_s, 10))
        print(f"{'':<56}{'':11} = {csv_s / floor_facts_s:6.1f}× the raw SELECT floor")
        print(f"floor: openpyxl write-only, the same cells                 {floor_xlsx_s:8.3f} s")
        print(line(f"whole-platform summary XLSX ({trainees:,} rows)", xlsx_s, floor_xlsx_s, 20))
        print(
            f"SQL statements of the summary page: {counts[0]} for {args.per_cohort} trainees × {args.sessions} "
            f"sessions, {counts[1]} for 1 trainee × 1 session — {'constant' if counts[0] == counts[1] else 'GROWS'}"
        )
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        cleanup.cleanup()


if __name__ == "__main__":
    main()
