"""Benchmark (not a test): how long one roster save takes in process, from the service call to the commit.

The demo is loaded into a fresh SQLite database, then its badges are deleted (as if they were earned and not
issued yet). From then on, the first roster save of each promotion makes every badge its
trainees have earned due at once (the worst case for a save), and the following saves make nothing new due.
For each promotion's past sessions, in turn, one mark is toggled (present ↔ late) and the save is committed,
as ``POST /sessions/<uuid>`` does. The script prints the first save of each promotion and the median of the
others, then how long the queued jobs take when a worker runs them (if the save queued any).

    python bench/roster_save.py                 # SQLite in a temporary folder
    python bench/roster_save.py --saves 20      # saves per promotion (default 10)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--saves", type=int, default=10, help="roster saves per promotion (10)")
    args, _ignored = parser.parse_known_args()

    from flask_migrate import upgrade

    from badges.models import Award
    from core import create_app, jobs
    from core.db import db
    from courses import services
    from courses.models import Attendance, AttendanceStatus, Certificate, Cohort, TrainingSession

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "ENV": "testing",
                "TESTING": True,  # no worker thread: the queued jobs are run below, timed apart
                "SECRET_KEY": "bench-roster-save-" * 3,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db",
                "BASE_URL": "http://localhost",
                "STORAGE_URL": Path(tmp).as_uri(),
            }
        )
        with app.app_context():
            upgrade()
            runner = app.test_cli_runner()
            result = runner.invoke(args=["demo"])
            if result.exit_code != 0:
                raise SystemExit(result.output)
            jobs.run_pending()  # whatever the demo left queued: not part of the figures
            db.session.execute(db.delete(Certificate))
            db.session.execute(db.update(Award).values(superseded_by_id=None))
            deleted = db.session.execute(db.delete(Award)).rowcount
            db.session.commit()
            print(f"{deleted} demo badges deleted: earned, not issued")
            print(f"roster save, in process (SQLite), {args.saves} saves per promotion:")
            for cohort in db.session.scalars(db.select(Cohort).order_by(Cohort.starts_on)).all():
                sessions = db.session.scalars(
                    db.select(TrainingSession)
                    .where(
                        TrainingSession.cohort_id == cohort.id,
                        TrainingSession.on < date.today(),
                        TrainingSession.cancelled.is_(False),
                    )
                    .order_by(TrainingSession.on.desc())
                ).all()
                timings: list[float] = []
                queued_before = _queued()
                for index in range(args.saves):
                    session = sessions[index % len(sessions)]
                    marks = {
                        a.enrolment_id: services.MarkInput(a.status, a.minutes)
                        for a in db.session.scalars(db.select(Attendance).where(Attendance.session_id == session.id))
                    }
                    toggled = next(i for i, m in marks.items() if m.status in ("present", "late"))
                    was_present = marks[toggled].status == AttendanceStatus.PRESENT.value
                    late = services.MarkInput("late", session.minutes - 30)
                    marks[toggled] = late if was_present else services.MarkInput("present")
                    db.session.commit()
                    started = time.perf_counter()
                    services.save_roster(session, marks, session.trainers[0] if session.trainers else None, None)
                    db.session.commit()
                    timings.append(time.perf_counter() - started)
                queued = _queued() - queued_before
                started = time.perf_counter()
                ran = jobs.run_pending()
                worker = time.perf_counter() - started
                rest = statistics.median(timings[1:]) if len(timings) > 1 else float("nan")
                print(
                    f"  {cohort.code:<14} first save (badges become due) {timings[0] * 1000:8.1f} ms; "
                    f"next saves, median {rest * 1000:7.1f} ms; jobs queued {queued}, "
                    f"a worker ran {ran} in {worker * 1000:.0f} ms"
                )
            db.session.remove()
            db.engine.dispose()


def _queued() -> int:
    from core.db import db
    from core.models import Job

    return db.session.scalar(db.select(db.func.count()).select_from(Job))


if __name__ == "__main__":
    main()
