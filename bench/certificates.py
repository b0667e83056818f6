"""Benchmark (not a test): printed certificates, each figure against a floor measured in the same run.

Set-up: the HETIS-style programme, an issuer with keys, and a cohort of 20 trainees who met every condition
(present at each session, every competency validated, confirmed practice hours, final work passed), built
through the services, so their programme badges are issued on the event as in real life.

1. One certificate: ``GET /enrolments/<uuid>/certificate.pdf`` as a coordinator (permission checks, lookups,
   template, QR code, the credential attached, tagged PDF/A-3b) against a **bare WeasyPrint render of the same
   HTML** (``weasyprint.HTML(string=…).write_pdf()``, default options, with the same fetcher so that the same
   fonts and images load). Target: at most 1.5× the floor. Rounds alternate, so both see the same machine.
2. A cohort of 20 as a ZIP: the background job itself (``core.jobs``, kind ``certificates-zip``), queued and run
   to the end; the 20 certificates are created on the way (codes and content) and the ZIP written to storage.
   Target: under 10 s on 2 cores. Its CPU time is printed too: on a busy machine, wall time includes waiting.

    python bench/certificates.py                                 # SQLite in a temporary file
    python bench/certificates.py --database-url postgresql+psycopg://user@127.0.0.1:5432/postgres
    python bench/certificates.py --rounds 5 --trainees 10        # quicker
    bench/run                                                    # both databases
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
import warnings
import zipfile
from datetime import date, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET_KEY = "bench-certificates-" * 3


def build_cohort(trainees: int):
    """A cohort whose ``trainees`` all met every condition; returns (cohort, coordinator)."""
    from badges import keys
    from badges.models import KeyKind
    from core import jobs
    from core import services as core_services
    from core.db import db
    from courses import awarding, services
    from courses.models import Competency, TrainerKind
    from courses.programme_spec import PROGRAMMES_DIR, load_programme_file

    issuer = keys.ensure_issuer("Institut de formation Démo", "https://formation.example.org", "f@example.org")
    for kind in KeyKind:
        keys.generate(issuer, kind)
    path = PROGRAMMES_DIR / "hetis-initial.yaml"
    programme, _ = services.load_programme(load_programme_file(path), path.read_text(encoding="utf-8"))
    awarding.sync_achievements(programme)
    coordinator = core_services.create_user("coordination@bench.example", "Coordination Bench", roles=["admin"])
    trainer = core_services.create_user("trainer@bench.example", "Formatrice Bench", roles=["trainer"])
    today = date.today()
    cohort = services.create_cohort("BENCH-2026", programme, today - timedelta(days=60), today, title="Bench")
    cohort.place = "Institut de formation Démo, Bruxelles"
    services.add_trainer(cohort, trainer, TrainerKind.PROFESSIONAL)
    sessions = [
        services.create_session(
            cohort,
            ("M1", "M2", "M3")[n % 3],
            today - timedelta(days=7 * (6 - n)),
            clock(9),
            clock(16),
            trainers=[trainer],
        )
        for n in range(6)
    ]
    names = ["Élise Noël", "Chloé Lambert", "Maëlle Dubois", "Jérôme Fèvre", "Zoë Müller"]
    people = [
        core_services.create_user(
            f"trainee{n:02d}@bench.example", f"{names[n % len(names)]} {n:02d}", roles=["trainee"]
        )
        for n in range(trainees)
    ]
    enrolments = [services.enrol(cohort, person) for person in people]
    db.session.commit()
    competencies = list(db.session.scalars(db.select(Competency).where(Competency.programme_id == programme.id)))
    for session in sessions:
        services.save_roster(session, {e.id: services.MarkInput("present") for e in enrolments}, trainer, None)
    host = services.get_or_create_host("Maison d'accueil")
    for enrolment in enrolments:
        for competency in competencies:
            services.validate_competency(enrolment, competency, trainer, competency.evidence_types[0], today)
        services.create_placement(enrolment, host, today - timedelta(days=30), tutor=None, tutor_name="Référente")
        for n in range(20):
            entry = services.log_hours(enrolment, today - timedelta(days=n + 1), 420, "accueil")
            services.review_hours(entry, "confirmed", by=trainer, may_change=True)
        services.record_final_work(enrolment, "passed")
        db.session.commit()  # queues the job that issues the programme badge
    jobs.run_pending()  # the worker issues it
    return cohort, coordinator


def login(app, email: str):
    from core.db import db
    from core.models import User

    client = app.test_client()
    with client.session_transaction() as session:
        user = db.session.scalar(db.select(User).where(User.email == email))
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a PostgreSQL server URL; default: SQLite in a temporary file")
    parser.add_argument("--trainees", type=int, default=20, help="trainees in the cohort (default 20)")
    parser.add_argument("--rounds", type=int, default=10, help="alternating rounds of the one-certificate figure")
    args, ignored = parser.parse_known_args()
    if ignored:
        print(f"(bench/certificates.py ignores {' '.join(ignored)})")
    warnings.simplefilter("ignore", ResourceWarning)  # WeasyPrint's PDF/A ICC profile, closed by the GC

    import weasyprint
    from flask_migrate import upgrade

    from bench.eligibility import fresh_database
    from core import create_app, jobs, pdf
    from core.db import db
    from core.storage import storage
    from courses import certificates
    from courses.certificate_views import JOB_KIND
    from courses.models import Enrolment

    url, cleanup = fresh_database(args.database_url)
    folder = tempfile.TemporaryDirectory()
    app = create_app(
        {
            "ENV": "testing",
            "SECRET_KEY": SECRET_KEY,
            "SQLALCHEMY_DATABASE_URI": url,
            "BASE_URL": "https://formation.example.org",
            "STORAGE_URL": Path(folder.name).as_uri(),
        }
    )
    try:
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            cohort, coordinator = build_cohort(args.trainees)
            holders = certificates.holders(cohort)
            print(
                f"== certificates benchmark on {db.engine.dialect.name}: a cohort of {len(holders)} graduates "
                f"(set up in {time.perf_counter() - started:.1f} s)"
            )
            cohort_id = cohort.id

            # 2. The cohort as a ZIP: the background job, queued and run (certificates created on the way).
            job = jobs.enqueue(JOB_KIND, {"cohort": str(cohort.uuid), "lang": "fr"}, coordinator)
            db.session.commit()
            started, cpu_started = time.perf_counter(), time.process_time()
            jobs.run_pending()
            zip_s, zip_cpu = time.perf_counter() - started, time.process_time() - cpu_started
            db.session.refresh(job)
            assert job.status == "done", job.error
            key = jobs.result_file(job)
            written = len(zipfile.ZipFile(io.BytesIO(storage().read_bytes(key))).namelist())
            size = storage().size(key)

            # 1. One certificate, downloaded, against a bare WeasyPrint render of the same HTML.
            enrolment = db.session.scalar(db.select(Enrolment).where(Enrolment.cohort_id == cohort_id).limit(1))
            certificate = certificates.certificate_for(enrolment)
            path = f"/enrolments/{enrolment.uuid}/certificate.pdf?lang=fr"
            with app.test_request_context():
                html = certificates.html(certificate, "fr")
            fetcher = pdf.safe_url_fetcher(pdf.StaticPolicy.for_app(app))
            client = login(app, "coordination@bench.example")

        def bare() -> bytes:
            return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()

        def download() -> bytes:
            response = client.get(path)
            assert response.status_code == 200, response.status_code
            return response.data

        with app.app_context():
            bare(), download()  # warm-up: fonts, templates, caches
            full_times, bare_times = [], []
            for _ in range(args.rounds):
                started = time.perf_counter()
                download()
                full_times.append(time.perf_counter() - started)
                started = time.perf_counter()
                bare()
                bare_times.append(time.perf_counter() - started)
            full, floor = statistics.median(full_times), statistics.median(bare_times)
            print(f"  floor: bare WeasyPrint render of the same HTML     {floor * 1000:8.1f} ms")
            print(
                f"  one certificate, downloaded (target ≤ 1.5× floor)  {full * 1000:8.1f} ms  "
                f"({full / floor:.2f}× floor) {'OK' if full <= 1.5 * floor else 'MISSED'}"
            )
            print(
                f"  cohort of {written} as a ZIP (target < 10 s)          {zip_s:8.2f} s   "
                f"({zip_s / max(written, 1) * 1000:.0f} ms per certificate, {size / 1e6:.1f} MB) "
                f"{'OK' if zip_s < 10 else 'MISSED'}"
            )
            print(
                f"    of which CPU time of this process: {zip_cpu:.2f} s "
                "(the rest is waiting: disk, database, other processes)"
            )
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        cleanup.cleanup()
        folder.cleanup()


if __name__ == "__main__":
    main()
