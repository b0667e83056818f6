"""Benchmark (not a test): the training body's documents, rendered and signed, against a floor measured in the
same run.

Set-up: the HETIS-style programme, a cohort of 12 trainees with 12 half-days each marked (present, late, absent…),
built through the services.

For the certificat de réalisation and the attestation d'assiduité of one trainee, ``courses.documents.render``
(two evaluations by the eligibility engine for the period, the template, a tagged PDF/UA-1 by WeasyPrint through
``core.pdf``, the PAdES signature by the organisation's certificate) against a **floor on the same HTML**: a bare
WeasyPrint render (``weasyprint.HTML(string=…).write_pdf()``, default options, same fetcher) signed by pyHanko as
its documentation shows it (``signers.sign_pdf`` with a ``SimpleSigner`` holding the same key and certificate,
PAdES sub-filter). Stock ``SimpleSigner`` parses its RSA key again for every signature (twice: a dry run sizes
the signature), which ``core.pdf_signing`` avoids; so a second floor signs the bare render with
``core.pdf_signing.sign_bytes`` (key kept loaded): that ratio is the cost of everything else (two evaluations by the
engine, the template, tagging). Rounds alternate, so all see the same machine; medians are printed, and the
ratios.

    python bench/documents.py                                 # SQLite in a temporary file
    python bench/documents.py --database-url postgresql+psycopg://user@127.0.0.1:5432/postgres
    python bench/documents.py --rounds 5                      # quicker
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
import warnings
from datetime import date, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET_KEY = "bench-documents-" * 3
MARKS = ("present", "present", "late", "present", "absent", "present", "left_early", "present", "excused")


def build_cohort(trainees: int):
    from core import services as core_services
    from core.db import db
    from courses import services
    from courses.models import TrainerKind
    from courses.programme_spec import PROGRAMMES_DIR, load_programme_file

    path = PROGRAMMES_DIR / "hetis-initial.yaml"
    programme, _ = services.load_programme(load_programme_file(path), path.read_text(encoding="utf-8"))
    trainer = core_services.create_user("trainer@bench.example", "Formatrice Bench", roles=["trainer"])
    today = date.today()
    cohort = services.create_cohort("BENCH-DOCS", programme, today - timedelta(days=90), today, title="Bench")
    cohort.place = "Institut de formation Démo, Bruxelles"
    services.add_trainer(cohort, trainer, TrainerKind.PROFESSIONAL)
    people = [
        core_services.create_user(f"trainee{n:02d}@bench.example", f"Élise Noël {n:02d}", roles=["trainee"])
        for n in range(trainees)
    ]
    enrolments = [services.enrol(cohort, person) for person in people]
    sessions = [
        services.create_session(
            cohort,
            ("M1", "M2", "M3")[n % 3],
            today - timedelta(days=7 * (12 - n)),
            clock(9),
            clock(12),
            trainers=[trainer],
        )
        for n in range(12)
    ]
    db.session.commit()
    for k, session in enumerate(sessions):
        marks = {}
        for n, enrolment in enumerate(enrolments):
            status = MARKS[(n + k) % len(MARKS)]
            marks[enrolment.id] = services.MarkInput(status, 120 if status in ("late", "left_early") else None)
        services.save_roster(session, marks, trainer, None)
    db.session.commit()
    return enrolments


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a PostgreSQL server URL; default: SQLite in a temporary file")
    parser.add_argument("--rounds", type=int, default=10, help="alternating rounds (default 10)")
    args, ignored = parser.parse_known_args()
    if ignored:
        print(f"(bench/documents.py ignores {' '.join(ignored)})")
    warnings.simplefilter("ignore", ResourceWarning)

    import weasyprint
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from flask_migrate import upgrade
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    from bench.eligibility import fresh_database
    from core import create_app, pdf, pdf_signing
    from core.db import db
    from courses import documents

    url, cleanup = fresh_database(args.database_url)
    folder = tempfile.TemporaryDirectory()
    app = create_app(
        {
            "ENV": "testing",
            "SECRET_KEY": SECRET_KEY,
            "SQLALCHEMY_DATABASE_URI": url,
            "BASE_URL": "https://formation.example.org",
            "STORAGE_URL": Path(folder.name).as_uri(),
            "ORGANISATION_NAME": "Institut de formation Démo",
            "ORGANISATION_NDA": "11 75 12345 75",
        }
    )
    try:
        with app.app_context():
            upgrade()
            enrolments = build_cohort(12)
            pdf_signing.generate("Institut de formation Démo")
            db.session.commit()
            identity = pdf_signing.identity()
            der_key = identity.key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            stock_signer = signers.SimpleSigner(
                signing_cert=asn1_x509.Certificate.load(identity.certificate.public_bytes(serialization.Encoding.DER)),
                signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
                cert_registry=None,
            )
            fetcher = pdf.safe_url_fetcher()
            enrolment = enrolments[0]
            # warm-up: fonts, templates, pyHanko's imports
            documents.render(documents.REALISATION, enrolment)
            for kind in (documents.REALISATION, documents.ATTENDANCE):
                ours, floor, sign_only, lean = [], [], [], []
                for _round in range(args.rounds):
                    started = time.perf_counter()
                    data = documents.render(kind, enrolment)
                    ours.append(time.perf_counter() - started)
                    assert data.startswith(b"%PDF-")
                    page, _title, _lang = documents.html(kind, enrolment)
                    started = time.perf_counter()
                    bare = weasyprint.HTML(string=page, url_fetcher=fetcher).write_pdf()
                    middle = time.perf_counter()
                    signed = signers.sign_pdf(
                        IncrementalPdfFileWriter(io.BytesIO(bare), strict=False),
                        signers.PdfSignatureMetadata(field_name="Sig", subfilter=fields.SigSeedSubFilter.PADES),
                        signer=stock_signer,
                    ).getvalue()
                    floor.append(time.perf_counter() - started)
                    sign_only.append(time.perf_counter() - middle)
                    assert signed.startswith(b"%PDF-")
                    started = time.perf_counter()
                    bare = weasyprint.HTML(string=page, url_fetcher=fetcher).write_pdf()
                    pdf_signing.sign_bytes(bare, identity)
                    lean.append(time.perf_counter() - started)
                mine, base = statistics.median(ours), statistics.median(floor)
                print(
                    f"{kind}: render+sign {mine * 1000:.0f} ms (median of {args.rounds}); floor bare WeasyPrint + "
                    f"stock pyHanko {base * 1000:.0f} ms (of which signing {statistics.median(sign_only) * 1000:.0f}"
                    f" ms); ratio {mine / base:.2f}×  [{db.engine.dialect.name}]"
                )
                leaner = statistics.median(lean)
                print(
                    f"{kind}: against bare WeasyPrint + pyHanko with the key kept loaded (core.pdf_signing.sign_bytes)"
                    f" {leaner * 1000:.0f} ms: ratio {mine / leaner:.2f}× (the engine, the template, tags, metadata)"
                )
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        cleanup.cleanup()
        folder.cleanup()


if __name__ == "__main__":
    main()
