"""Printed certificates: what the PDF says (and never says), its QR code and code leading to a page that
verifies, the embedded credential, the tagged PDF, who may download it, revocation and re-issue."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from badges import services as badge_services
from badges import verification
from badges.models import Award
from core import create_app, jobs
from core.db import db
from core.models import Job
from core.storage import S3Storage, from_url, storage
from courses import certificates, services
from courses.certificate_views import JOB_KIND
from courses.models import Certificate, Competency, Programme
from tests.badges.test_openbadges import ob3_validator  # noqa: F401 - the 1EdTech JSON Schema, as a fixture
from tests.conftest import PASSWORD, CSRFClient, fresh_storage_url, make_config, require_s3
from tests.courses.conftest import HETIS, load_programme, placement_with_hours

LEGAL_NAME = "Élise Noël-Lefèvre"
DISPLAY_NAME = "Lili"


def _competencies(programme: Programme) -> list[Competency]:
    query = sa.select(Competency).where(Competency.programme_id == programme.id, Competency.retired.is_(False))
    return list(db.session.scalars(query))


def graduate_world(build_cohort, code: str = "DIPLOME", *, people=None, programme=None):
    """A cohort whose trainees (all of them) have met every condition: present at every session, every
    competency validated, 140 h of confirmed practice, final work passed — so their programme badge is issued
    (by the queued job, run here as a worker would)."""
    people = people or [(f"{code.lower()}.elise@example.org", LEGAL_NAME)]
    world = build_cohort(code, trainees=people, past=4, future=0, programme=programme)
    for session in world.sessions:
        marks = {e.id: services.MarkInput("present") for e in world.enrolments}
        services.save_roster(session, marks, world.trainer, None)
    for enrolment in world.enrolments:
        for competency in _competencies(world.programme):
            services.validate_competency(
                enrolment, competency, world.trainer, competency.evidence_types[0], date.today() - timedelta(days=1)
            )
        _placement, entries = placement_with_hours(enrolment, None, "Maison d'accueil", *([420] * 20))
        for entry in entries:
            services.review_hours(entry, "confirmed", by=world.trainer, may_change=True)
        services.record_final_work(enrolment, "passed")
    db.session.commit()
    jobs.run_pending()  # a worker issues the badges the changes made due
    return world


@pytest.fixture
def graduate(issuer, build_cohort, create_user):
    world = graduate_world(build_cohort)
    world.trainee.display_name = DISPLAY_NAME
    db.session.commit()
    return world


def programme_award(world, index: int = 0) -> Award:
    award = certificates.programme_award(world.enrolments[index])
    assert award is not None
    return award


def read(data: bytes) -> PdfReader:
    assert data.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(data))


def text_of(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def plain(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def decode_qr(data: bytes, tmp_path: Path) -> str:
    """Render the first page to PNG (poppler's pdftoppm) and decode its QR code (zbar's zbarimg)."""
    source = tmp_path / "certificate.pdf"
    source.write_bytes(data)
    subprocess.run(  # noqa: S603
        [
            shutil.which("pdftoppm") or "pdftoppm",
            "-r",
            "150",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(source),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    result = subprocess.run(  # noqa: S603
        [shutil.which("zbarimg") or "zbarimg", "--quiet", "--raw", str(tmp_path / "page.png")],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip()


needs_tools = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("zbarimg")),
    reason="needs pdftoppm (poppler-utils) and zbarimg (zbar-tools): scripts/test installs them",
)


# ------------------------------------------------------------------------------------------------ codes


def test_codes_are_short_unambiguous_and_forgiving():
    seen = {certificates.new_code() for _ in range(2000)}
    assert len(seen) == 2000
    for code in list(seen)[:50]:
        assert len(code) == 10 and set(code) <= set(certificates.ALPHABET)
        assert not set(code) & set("ILOU")
        shown = certificates.display_code(code)
        assert re.fullmatch(certificates.CODE_PATTERN, shown)
        assert certificates.normalize_code(shown.lower()) == code
    assert certificates.normalize_code("abcde-fghjk") == "ABCDEFGHJK"
    assert certificates.normalize_code("O1IL0-22222") == "01110" + "22222"  # O → 0, I and L → 1
    assert certificates.normalize_code("ABCDE-FGHJU") is None  # U is not in the alphabet
    assert certificates.normalize_code("ABCDE") is None
    assert not re.fullmatch(certificates.CODE_PATTERN, "0b5f6b00-1111-4222-8333-444455556666")


# ------------------------------------------------------------------------------------------------ content


def test_the_certificate_says_what_was_achieved_and_nothing_personal(app, graduate, client_for, tmp_path):
    response = client_for(graduate.trainee).get(f"/enrolments/{graduate.enrolment.uuid}/certificate.pdf")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    reader = read(response.data)
    text = plain(text_of(reader))
    assert LEGAL_NAME in text  # the legal name, accents intact — never the chosen display name
    assert DISPLAY_NAME not in text
    assert "Attestation de réussite" in text
    assert "Formation initiale pour travailleurs pairs du secteur social" in text
    assert "12 heures" in text  # 4 half-days of 3 hours attended
    assert "140 heures" in text  # 20 × 7 h of confirmed practice
    assert "Connaître le territoire et le réseau d'aide et de soins" in text
    assert "Se préserver" not in text  # C-M2-09 is validated but never published
    certificate = db.session.scalar(sa.select(Certificate))
    assert certificates.display_code(certificate.code) in text
    for word in ("absen", "Absen", "pause", "Pause", "excus", "Excus", "Maison d'accueil", "accueil et permanence"):
        assert word not in text, word  # no attendance detail, no placement detail, no evidence
    content = json.dumps(certificate.content, ensure_ascii=False)
    assert "comment" not in content and "evidence" not in content and "absence" not in content


def test_the_pdf_is_tagged_archival_and_declares_its_language_and_title(app, graduate):
    certificate = certificates.certificate_for(graduate.enrolment)
    db.session.commit()
    for lang, credential_word in (("fr", "Attestation de réussite"), ("en", "Certificate of achievement")):
        reader = read(certificates.render(certificate, lang))
        catalog = reader.trailer["/Root"]
        assert "/StructTreeRoot" in catalog and catalog["/MarkInfo"]["/Marked"]
        assert catalog["/Lang"] == lang
        assert reader.metadata.title == f"{credential_word} — {LEGAL_NAME}"
        xmp = catalog["/Metadata"].get_object().get_data().decode()
        assert "pdfaid:part" in xmp and "pdfaid:conformance" in xmp  # PDF/A-3b
        fonts = {
            str(font.get_object()["/BaseFont"])
            for page in reader.pages
            for font in page["/Resources"]["/Font"].values()
        }
        assert any("Lato" in f for f in fonts) and any("Garamond" in f for f in fonts), fonts
    english = plain(text_of(read(certificates.render(certificate, "en"))))
    assert "Certificate of achievement" in english and "Initial training for peer workers in social work" in english
    assert "12 hours" in english and "140 hours" in english


def test_the_embedded_credential_verifies(app, graduate):
    certificate = certificates.certificate_for(graduate.enrolment)
    db.session.commit()
    reader = read(certificates.render(certificate, "fr"))
    assert list(reader.attachments) == [certificates.ATTACHMENT_NAME]
    embedded = reader.attachments[certificates.ATTACHMENT_NAME][0]
    credential = json.loads(embedded)
    assert credential == programme_award(graduate).documents["ob3"]["fr"]
    from badges.verify_views import LocalResolver

    with app.test_request_context():
        verdict = verification.verify(
            embedded, LocalResolver(), now=datetime.now(UTC), recipient_email=graduate.trainee.email
        )
    assert verdict.valid, [(c.name, c.message, c.params) for c in verdict.checks if not c.ok]


def test_the_same_certificate_renders_the_same_bytes(app, graduate):
    certificate = certificates.certificate_for(graduate.enrolment)
    db.session.commit()
    assert certificates.render(certificate, "fr") == certificates.render(certificate, "fr")


# ------------------------------------------------------------------------------------------------ QR and code


@needs_tools
def test_the_qr_code_leads_to_a_page_that_verifies_and_shows_the_content(app, graduate, client, tmp_path):
    data = certificates.render(certificates.certificate_for(graduate.enrolment), "fr")
    db.session.commit()
    url = decode_qr(data, tmp_path)
    certificate = db.session.scalar(sa.select(Certificate))
    assert url == app.config["BASE_URL"] + f"/verify/{certificates.display_code(certificate.code)}"
    page = client.get(urlsplit(url).path)
    assert page.status_code == 200
    html = plain(page.get_data(as_text=True))
    assert "Badge valide" in html or "Valid badge" in html
    for expected in (LEGAL_NAME, "Attestation de réussite", "12 heures", "140 heures", "Connaître le territoire"):
        assert expected in html, expected
    # Typed by hand: lower case, no dash, an O for a zero — the same page.
    typed = certificate.code.lower().replace("0", "o")
    assert client.get(f"/verify/{typed}").status_code == 200
    assert client.get("/verify/ZZZZZ-ZZZZZ").status_code == 404
    # The badge's own page says a certificate exists, without the holder's name (the badge is private).
    badge_page = plain(client.get(f"/verify/{certificate.award.uuid}").get_data(as_text=True))
    assert LEGAL_NAME not in badge_page and "attestation" in badge_page.lower()


def test_the_badge_page_kept_in_memory_learns_that_a_certificate_exists(app, graduate, client):
    """Anonymous visitors get the badge's page from memory (badges.verify_views): creating the certificate
    renders it again, so the page says that a printed certificate goes with the badge — below the badge."""
    url = f"/verify/{programme_award(graduate).uuid}"
    note = "Une attestation imprimée accompagne ce badge."
    assert note not in plain(client.get(url).get_data(as_text=True))
    certificates.certificate_for(graduate.enrolment)
    db.session.commit()
    page = plain(client.get(url).get_data(as_text=True))
    assert note in page
    assert page.index("Ce que dit le badge") < page.index(note)  # the certificate below the badge, not above
    code = certificates.display_code(certificates.certificate_for(graduate.enrolment).code)
    by_code = plain(client.get(f"/verify/{code}").get_data(as_text=True))
    assert by_code.index("Ce que dit le badge") < by_code.index("Ce que dit l'attestation imprimée")


def test_revocation_makes_the_certificate_unavailable_and_its_page_say_revoked(app, graduate, client_for, client):
    certificate = certificates.certificate_for(graduate.enrolment)
    db.session.commit()
    code = certificates.display_code(certificate.code)
    badge_services.revoke(programme_award(graduate), "Issued in error")
    db.session.commit()
    trainee = client_for(graduate.trainee)
    assert trainee.get(f"/enrolments/{graduate.enrolment.uuid}/certificate.pdf").status_code == 404
    page = client.get(f"/verify/{code}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Révoqué" in html or "Revoked" in html
    assert "Badge valide" not in html and "Valid badge" not in html


def test_a_program_asks_the_certificate_code_for_json(app, graduate, client):
    """An applicant-tracking system holding the printed code gets the badge's verdict plus what the certificate
    says, in the language asked for; revoked, it says so; an unknown code is a JSON 404."""
    certificate = certificates.certificate_for(graduate.enrolment)
    db.session.commit()
    code = certificates.display_code(certificate.code)
    body = client.get(f"/verify/{code}", headers={"Accept": "application/json", "Accept-Language": "fr"}).json
    assert body["valid"] is True and body["status"] == "valid"
    assert body["urls"]["verify_url"].endswith(f"/verify/{certificate.award.uuid}")
    paper = body["certificate"]
    assert paper["code"] == code and paper["legal_name"] == LEGAL_NAME
    assert paper["credential_name"] == "Attestation de réussite" and paper["pdf_available"] is True
    assert paper["training_minutes"] == 12 * 60 and paper["placement_minutes"] == 140 * 60
    assert any(c["title"].startswith("Connaître le territoire") for c in paper["competencies"])
    english = client.get(f"/verify/{code}?lang=en", headers={"Accept": "application/json"})
    assert english.json["certificate"]["credential_name"] != "Attestation de réussite"
    badge_services.revoke(programme_award(graduate), "Issued in error")
    db.session.commit()
    body = client.get(f"/verify/{code}", headers={"Accept": "application/json"}).json
    assert body["valid"] is False and body["status"] == "revoked"
    assert body["certificate"]["pdf_available"] is False
    missing = client.get("/verify/ZZZZZ-ZZZZZ", headers={"Accept": "application/json"})
    assert missing.status_code == 404 and missing.json["error"] == "not_found"


def test_a_reissued_badge_gets_a_new_certificate_with_a_new_code(app, graduate, client):
    first = certificates.certificate_for(graduate.enrolment)
    db.session.commit()
    old_code = first.code
    badge_services.reissue(programme_award(graduate))
    db.session.commit()
    second = certificates.certificate_for(graduate.enrolment)
    db.session.commit()
    assert second.id != first.id and second.code != old_code
    assert second.award_id == programme_award(graduate).id
    old_page = client.get(f"/verify/{certificates.display_code(old_code)}").get_data(as_text=True)
    assert "Badge valide" not in old_page and "Valid badge" not in old_page


def test_asking_twice_gives_the_same_certificate(app, graduate):
    first = certificates.certificate_for(graduate.enrolment)
    db.session.commit()
    assert certificates.certificate_for(graduate.enrolment).id == first.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 1


# ------------------------------------------------------------------------------------------------ who


def test_only_a_programme_badge_holder_gets_one(app, issuer, cohort, client_for):
    # PROMO-TEST's trainees are still in training: no programme badge, no certificate.
    response = client_for(cohort.trainee).get(f"/enrolments/{cohort.enrolment.uuid}/certificate.pdf")
    assert response.status_code == 404
    with pytest.raises(certificates.CertificateUnavailable):
        certificates.certificate_for(cohort.enrolment)


def test_who_may_download_whose_certificate(app, graduate, build_cohort, create_user, client_for, admin):
    url = f"/enrolments/{graduate.enrolment.uuid}/certificate.pdf"
    other_trainee = create_user(roles=("trainee",), email="autre@example.org", legal_name="Autre Personne")
    other = build_cohort("AUTRE", trainees=1, past=1, future=1)
    assert client_for(other_trainee).get(url).status_code == 403
    assert client_for(other.trainee).get(url).status_code == 403  # trainee A cannot get trainee B's
    assert client_for(other.trainer).get(url).status_code == 403  # a trainer of another cohort cannot
    assert client_for(graduate.trainer).get(url + "?lang=en").status_code == 200  # their own cohort's trainer can
    assert client_for(admin).get(url).status_code == 200
    tutor = create_user(roles=("tutor",), email="tuteur@example.org", legal_name="Tuteur")
    assert client_for(tutor).get(url).status_code == 403
    cohort_page = f"/cohorts/{graduate.cohort.uuid}/certificates"
    assert client_for(other.trainer).get(cohort_page).status_code == 403
    listing = client_for(graduate.trainer).get(cohort_page)
    assert listing.status_code == 200 and LEGAL_NAME in listing.get_data(as_text=True)


def test_links_on_the_trainee_pages_and_the_enrolment_page(app, graduate, client_for):
    trainee = client_for(graduate.trainee)
    url = f"/enrolments/{graduate.enrolment.uuid}/certificate.pdf"
    assert url in trainee.get("/my/training").get_data(as_text=True)
    award = programme_award(graduate)
    assert url in trainee.get(f"/me/badges/{award.uuid}").get_data(as_text=True)
    staff = client_for(graduate.trainer)
    page = staff.get(f"/enrolments/{graduate.enrolment.uuid}").get_data(as_text=True)
    assert url in page
    assert f"/cohorts/{graduate.cohort.uuid}/certificates" in staff.get(f"/cohorts/{graduate.cohort.uuid}").get_data(
        as_text=True
    )


def test_landscape_design_and_programme_settings(app, issuer, build_cohort, tmp_path):
    text = HETIS.read_text(encoding="utf-8").replace("id: hetis-initial", "id: hetis-paysage", 1)
    text = text.replace("  layout: portrait\n", '  layout: landscape\n  place: "Mons"\n', 1)
    path = tmp_path / "hetis-paysage.yaml"
    path.write_text(text, encoding="utf-8")
    programme = load_programme(path)
    db.session.commit()
    assert programme.certificate["layout"] == "landscape"
    world = graduate_world(build_cohort, "PAYSAGE", programme=programme)
    certificate = certificates.certificate_for(world.enrolment)
    db.session.commit()
    reader = read(certificates.render(certificate, "fr"))
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # A4 landscape
    text = plain(text_of(reader))
    assert LEGAL_NAME in text and "Attestation de réussite" in text
    assert "Fait à Mons" in text and "Claire Fictive" in text and "Noël Exemple" in text
    assert "Connaître le territoire et le réseau d'aide et de soins" in text


def test_signatories_fall_back_to_the_platform_then_the_issuer(app, graduate):
    programme = graduate.programme
    programme.certificate = {}
    app.config["CERTIFICATE_SIGNATORIES"] = None
    assert certificates.signatories(programme, "Institut") == [
        {
            "name": "Institut",
            "role": {
                "fr": "Pour l'organisme de formation",
                "en": "For the training body",
                "nl": "Voor de vormingsorganisatie",
            },
            "signature": None,
        }
    ]
    app.config["CERTIFICATE_SIGNATORIES"] = '[{"name": "Zoé Directrice", "role": "Direction"}]'
    assert certificates.signatories(programme, "Institut")[0]["name"] == "Zoé Directrice"


def test_the_command_writes_one_pdf_per_badge_holder(app, issuer, build_cohort, runner, tmp_path):
    people = [("promo.ana@example.org", "Ana Lopès"), ("promo.ben@example.org", "Ben Müller")]
    world = graduate_world(build_cohort, "PROMO-CLI", people=people)
    badge_services.revoke(programme_award(world, 1), "Issued in error")
    db.session.commit()
    result = runner.invoke(args=["certificates", "render", "PROMO-CLI", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "1 certificates written" in result.output and "1 trainees without" in result.output
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == ["promo.ana@example.org.pdf"]
    text = plain(text_of(read((tmp_path / "out" / files[0]).read_bytes())))
    assert "Ana Lopès" in text
    missing = runner.invoke(args=["certificates", "render", "NOPE", "--out", str(tmp_path / "x")])
    assert missing.exit_code != 0


def test_the_cohort_zip_is_a_background_job_with_progress(app, issuer, build_cohort, client_for, tmp_path):
    people = [("zip.ana@example.org", "Ana Lopès"), ("zip.ben@example.org", "Ben Müller")]
    world = graduate_world(build_cohort, "PROMO-ZIP", people=people)
    staff = client_for(world.trainer)
    page = staff.get(f"/cohorts/{world.cohort.uuid}/certificates").get_data(as_text=True)
    assert "csrf_token" in page and f"/cohorts/{world.cohort.uuid}/certificates/zip" in page
    assert staff.post(f"/cohorts/{world.cohort.uuid}/certificates/zip", data={"lang": "xx"}).status_code == 400
    response = staff.post(f"/cohorts/{world.cohort.uuid}/certificates/zip", data={"lang": "en"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/jobs/")
    job_url = response.headers["Location"]
    # Queued: the page (reloadable at will: the state is in the database) shows a progress bar at 0 of 2.
    queued = staff.get(job_url + "/status").json
    assert queued["status"] == "queued" and queued["total"] == 2 and queued["done"] == 0
    job = db.session.scalar(sa.select(Job).where(Job.kind == "certificates-zip"))
    seen = []
    original = jobs.JobContext.progress

    def spy(self, done, total=None):
        seen.append((done, total))
        original(self, done, total)

    jobs.JobContext.progress = spy
    try:
        assert jobs.run_pending() == 1
    finally:
        jobs.JobContext.progress = original
    assert seen == [(0, 2), (1, 2), (2, 2)]
    status = staff.get(job_url + "/status").json
    assert status["status"] == "done", status
    with staff.get(status["download_url"]) as download:
        archive = zipfile.ZipFile(io.BytesIO(download.data))
    assert sorted(archive.namelist()) == ["zip.ana@example.org.pdf", "zip.ben@example.org.pdf"]
    text = plain(text_of(read(archive.read("zip.ben@example.org.pdf"))))
    assert "Ben Müller" in text and "Certificate of achievement" in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 2
    assert job.uuid.hex in job_url.replace("-", "")
    # Another cohort's trainer can neither start it nor see the job.
    other = build_cohort("AUTRE-ZIP", trainees=1, past=1, future=1)
    intruder = client_for(other.trainer)
    assert intruder.post(f"/cohorts/{world.cohort.uuid}/certificates/zip", data={"lang": "fr"}).status_code == 403
    assert intruder.get(job_url).status_code == 403


def test_on_s3_the_cohort_zip_is_stored_in_the_bucket_and_downloaded_through_another_app(
    app, issuer, build_cohort, client_for, database_url, tmp_path
):
    """Two app processes that share the database and the bucket, nothing on disk: the ZIP requested and built
    through one is downloaded through the other, after its permission check."""
    require_s3()
    app.config["STORAGE_URL"] = fresh_storage_url("s3")
    bucket = from_url(app.config["STORAGE_URL"], default_root="/nowhere")  # a client of its own
    assert isinstance(storage(), S3Storage) and isinstance(bucket, S3Storage)
    people = [("s3zip.ana@example.org", "Ana Lopès"), ("s3zip.ben@example.org", "Ben Müller")]
    world = graduate_world(build_cohort, "PROMO-S3", people=people)
    response = client_for(world.trainer).post(f"/cohorts/{world.cohort.uuid}/certificates/zip", data={"lang": "fr"})
    assert response.status_code == 302
    job_url = response.headers["Location"]
    assert jobs.run_pending() == 1
    job = db.session.scalar(sa.select(Job).where(Job.kind == JOB_KIND))  # not the badge jobs of the roster saves
    assert job.status == "done" and job.result_path.startswith(f"{job.uuid}/")
    key = f"jobs/{job.result_path}"
    assert bucket.list("jobs/") == [key]
    assert not (Path(app.instance_path) / "jobs").exists()  # not on this host's disk
    intruder = build_cohort("AUTRE-S3", trainees=1, past=1, future=1).trainer
    db.session.commit()
    other = create_app(make_config(database_url, STORAGE_URL=app.config["STORAGE_URL"]))
    other.test_client_class = CSRFClient
    trainer = other.test_client()  # each request in an app context of its own (CSRFClient)
    login = trainer.post("/login", data={"email": world.trainer.email, "password": PASSWORD})
    assert login.status_code == 302
    status = trainer.get(job_url + "/status").json
    assert status["status"] == "done", status
    download = trainer.get(status["download_url"], buffered=True)
    assert download.status_code == 200 and download.headers["Cache-Control"] == "no-store"
    data = download.data
    stranger = other.test_client()
    assert stranger.post("/login", data={"email": intruder.email, "password": PASSWORD}).status_code == 302
    assert stranger.get(status["download_url"]).status_code == 403
    with other.app_context():
        db.engine.dispose()
    assert data == bucket.read_bytes(key)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert sorted(archive.namelist()) == ["s3zip.ana@example.org.pdf", "s3zip.ben@example.org.pdf"]
    assert "Ana Lopès" in plain(text_of(read(archive.read("s3zip.ana@example.org.pdf"))))
    # The app the bucket was given to answers 404, not someone else's file, once the object is gone.
    bucket.delete(key)
    assert client_for(world.trainer).get(status["download_url"]).status_code == 404


def test_a_zip_job_refuses_an_owner_no_longer_on_the_team(app, issuer, build_cohort, create_user, tmp_path):
    world = graduate_world(build_cohort, "PROMO-PARTI")
    outsider = create_user(roles=("trainer",), email="partie@example.org", legal_name="Partie")
    job = jobs.enqueue("certificates-zip", {"cohort": str(world.cohort.uuid), "lang": "fr"}, outsider)
    db.session.commit()
    english = jobs.enqueue("certificates-zip", {"cohort": str(world.cohort.uuid), "lang": "en"}, outsider)
    db.session.commit()
    jobs.run_pending()
    db.session.refresh(job)
    db.session.refresh(english)
    # The reason, in the language the job was asked in (shown as written on the job's page).
    assert job.status == "failed" and job.error == "Vous ne faites plus partie de l’équipe de cette promotion."
    assert english.status == "failed" and english.error == "You are no longer on this cohort's team."


def test_the_summary_report_says_who_has_a_certificate(app, graduate):
    from courses import reports

    # Issued with the programme badge: a fact, whether or not anyone has downloaded the PDF yet.
    assert certificates.certificate_of_award(programme_award(graduate)) is None
    assert reports.badge_facts([graduate.enrolment.id])[graduate.enrolment.id].certificate is True
    certificates.certificate_for(graduate.enrolment)
    db.session.commit()
    assert reports.badge_facts([graduate.enrolment.id])[graduate.enrolment.id].certificate is True
    badge_services.revoke(programme_award(graduate), "Issued in error")
    db.session.commit()
    assert reports.badge_facts([graduate.enrolment.id])[graduate.enrolment.id].certificate is False


def test_the_code_typed_on_the_verify_page_leads_to_the_certificate(app, graduate, client):
    certificate = certificates.certificate_for(graduate.enrolment)
    db.session.commit()
    code = certificates.display_code(certificate.code)
    for typed in (code.lower(), code.replace("-", ""), f"{app.config['BASE_URL']}/verify/{code}"):
        response = client.post("/verify", data={"text": typed})
        assert response.status_code == 302, typed
        assert response.headers["Location"].endswith(f"/verify/{code}")
    # Anything else is verified as before (here: not a badge at all).
    assert client.post("/verify", data={"text": "ZZZZZ-ZZZZZ"}).status_code == 200


# ------------------------------------------------------------------------------------------------ Dutch


def test_the_certificate_in_dutch(app, graduate, client_for):
    """The PDF in Dutch: the Dutch of the programme file, Belgian hours, the Dutch badge attached, and it verifies."""
    response = client_for(graduate.trainee).get(f"/enrolments/{graduate.enrolment.uuid}/certificate.pdf?lang=nl")
    assert response.status_code == 200
    assert "attest-diplome-" in response.headers["Content-Disposition"]
    reader = read(response.data)
    assert reader.trailer["/Root"]["/Lang"] == "nl"
    assert reader.metadata.title == f"Attest van slagen — {LEGAL_NAME}"
    text = plain(text_of(reader))
    for words in (
        "Attest van slagen",
        "Basisopleiding voor ervaringsdeskundigen in het sociaal werk",
        "Hierbij verklaren wij dat",
        "heeft met succes de opleiding gevolgd",
        "12 uur",
        "140 uur",
        "De regio en het netwerk van hulp en zorg kennen",
        "Pedagogisch coördinator",
    ):
        assert words in text, words
    for french in ("Attestation de réussite", "Connaître le territoire", "heures"):
        assert french not in text, french
    embedded = reader.attachments[certificates.ATTACHMENT_NAME][0]
    credential = json.loads(embedded)
    assert credential == programme_award(graduate).documents["ob3"]["nl"]
    assert credential["credentialSubject"]["achievement"]["inLanguage"] == "nl"
    from badges.verify_views import LocalResolver

    with app.test_request_context():
        verdict = verification.verify(
            embedded, LocalResolver(), now=datetime.now(UTC), recipient_email=graduate.trainee.email
        )
    assert verdict.valid, [(c.name, c.message, c.params) for c in verdict.checks if not c.ok]


def test_the_dutch_credential_is_one_more_edition_that_verifies(app, graduate, client, ob3_validator):  # noqa: F811
    """OB 3.0: the Dutch credential names its edition (``inLanguage``) and links the French and English ones
    with ``related``; they link it back. Each passes the 1EdTech JSON Schema and our verifier; the public URLs
    serve it (``?lang=nl``)."""
    award = programme_award(graduate)
    editions = award.documents["ob3"]
    assert list(editions) == ["fr", "en", "nl"]
    dutch = editions["nl"]
    achievement = dutch["credentialSubject"]["achievement"]
    assert achievement["name"] == dutch["name"] == "Basisopleiding voor ervaringsdeskundigen in het sociaal werk"
    assert "attest van slagen" in achievement["description"]
    assert achievement["id"].endswith("?lang=nl")
    assert [(r["inLanguage"], r["id"]) for r in achievement["related"]] == [
        ("fr", editions["fr"]["credentialSubject"]["achievement"]["id"]),
        ("en", editions["en"]["credentialSubject"]["achievement"]["id"]),
    ]
    for lang in ("fr", "en"):
        related = editions[lang]["credentialSubject"]["achievement"]["related"]
        assert {"id": achievement["id"], "type": ["Related"], "inLanguage": "nl"} in related
    assert {a["targetName"] for a in achievement["alignment"]} >= {"De regio en het netwerk van hulp en zorg kennen"}
    for lang, credential in editions.items():
        errors = sorted(ob3_validator.iter_errors(credential), key=lambda e: list(e.path))
        assert errors == [], (lang, [e.message for e in errors])
    from badges.verify_views import LocalResolver

    with app.test_request_context():
        verdict = verification.verify(
            json.dumps(dutch), LocalResolver(), now=datetime.now(UTC), recipient_email=graduate.trainee.email
        )
    assert verdict.valid, [(c.name, c.message, c.params) for c in verdict.checks if not c.ok]
    served = client.get(f"/badges/credentials/{award.uuid}?lang=nl")
    assert served.status_code == 200 and json.loads(served.data) == dutch
    edition = urlsplit(achievement["id"])
    badge_class = client.get(f"{edition.path}?{edition.query}", headers={"Accept": "application/ld+json"})
    assert badge_class.status_code == 200 and badge_class.json["@language"] == "nl"
    page = client.get(f"/verify/{award.uuid}?lang=nl").get_data(as_text=True)
    assert '<html lang="nl">' in page and "Basisopleiding voor ervaringsdeskundigen" in page


def test_a_badge_issued_before_dutch_still_shows_in_dutch(app, graduate, client):
    """A badge signed before Dutch existed has no Dutch edition: its Dutch URL is a 404, never a 500, and its
    verification page speaks Dutch around the French credential."""
    award = programme_award(graduate)
    documents = dict(award.documents)
    documents["ob3"] = {k: v for k, v in documents["ob3"].items() if k != "nl"}
    documents["ob3_jwt"] = {k: v for k, v in documents["ob3_jwt"].items() if k != "nl"}
    award.documents = documents
    db.session.commit()
    assert client.get(f"/badges/credentials/{award.uuid}?lang=nl").status_code == 404
    assert client.get(f"/badges/awards/{award.uuid}/badge.png?lang=nl").status_code == 404
    page = client.get(f"/verify/{award.uuid}?lang=nl")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert '<html lang="nl">' in text and "Geldige badge" in text
    assert "Formation initiale pour travailleurs pairs du secteur social" in text
