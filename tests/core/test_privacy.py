"""Privacy (GDPR): the person's own data download, erasure on request, the privacy notice.

The download and the erasure run on the demo (20 trainees with attendance, hours, validations, badges, public
badges, a certificate), plus an evidence file, an outbox message and an export that name the trainee: the same
mess a real database has."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from badges.models import Award, Visibility
from core import privacy
from core.db import db
from core.models import AuditEntry, Job, OutboxMessage, User
from core.privacy import services
from core.privacy.models import ErasureRecord
from core.storage import S3Storage, from_url, storage
from courses import certificates
from courses import services as course_services
from courses.models import Certificate, Competency, Enrolment, EvidenceFile, HoursEntry, Placement, Validation
from tests.conftest import fresh_storage_url, make_config, require_s3, stored_evidence

AMINA = "amina.exemple@example.org"
DARIO = "dario.exemple@example.org"
ADELE = "adele.exemple@example.org"
DEMO_PASSWORD = "demo-tremplin"
PDF = b"%PDF-1.4\n% analyse de pratique anonymisee\n%%EOF\n"


@pytest.fixture
def app_config(database_url, tmp_path):
    return make_config(database_url)


def user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def enrolment_of(person: User) -> Enrolment:
    return db.session.scalar(sa.select(Enrolment).where(Enrolment.user_id == person.id))


def add_evidence(person: User, comment: str) -> EvidenceFile:
    """A coordinator validates one more competency for ``person`` with an evidence file (committed)."""
    enrolment = enrolment_of(person)
    coordinator = user("coordination@example.org")
    done = set(
        db.session.scalars(
            sa.select(Validation.competency_id).where(
                Validation.enrolment_id == enrolment.id, Validation.validator_id == coordinator.id
            )
        )
    )
    competency = db.session.scalar(
        sa.select(Competency)
        .where(Competency.programme_id == enrolment.cohort.programme_id, Competency.id.not_in(done or {0}))
        .order_by(Competency.id)
        .limit(1)
    )
    validation = course_services.validate_competency(
        enrolment,
        competency,
        coordinator,
        "E-ANALYSE",
        date.today(),
        comment,
        file=("analyse.pdf", PDF + comment.encode()),
    )
    db.session.commit()
    return validation.evidence_file


def login(app, email: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def read_zip(data: bytes) -> tuple[zipfile.ZipFile, dict]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    return archive, json.loads(archive.read("data.json"))


def database_text() -> str:
    """Every row of every table, as text: what a dump of the database would show."""
    db.session.expire_all()
    parts = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(sa.select(table)):
            parts.append(repr(tuple(row)))
            parts.append(json.dumps([str(v) for v in row], ensure_ascii=True))  # JSON as some backends store it
    return "\n".join(parts).lower()


# ------------------------------------------------------------------------------------------------ notice


def test_privacy_notice_is_public_and_linked_from_footer_and_login(client):
    page = client.get("/confidentialite")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for words in (
        "Qui est responsable",
        "Quelles données",
        "Pourquoi",
        "Qui voit quoi",
        "Combien de temps",
        "Vos droits",
        "privé par défaut",
        "Contact",
    ):
        assert words in text, words
    assert "santé" in text  # "what we never ask"
    assert client.get("/privacy?lang=en").get_data(as_text=True).count("Who sees what?") == 1
    login_page = client.get("/login").get_data(as_text=True)
    assert login_page.count('href="/confidentialite"') == 2  # the login page's link and the footer's


def test_privacy_notice_shows_the_configured_controller_and_retention(app, client):
    app.config.update(
        PRIVACY_CONTROLLER="Institut Exemple asbl", PRIVACY_CONTACT="dpo@example.org", EVIDENCE_RETENTION_DAYS=200
    )
    text = client.get("/confidentialite").get_data(as_text=True)
    assert "Institut Exemple asbl" in text and "mailto:dpo@example.org" in text
    assert "effacées 200 jours après la fin de votre promotion" in text


def test_privacy_notice_in_dutch(app, client):
    """A Dutch reader gets the notice in Dutch (by the browser, or by the link at the foot of the others)."""
    app.config.update(PRIVACY_CONTACT="dpo@example.org", EVIDENCE_RETENTION_DAYS=200)
    page = client.get("/privacy", headers={"Accept-Language": "nl-BE"}).get_data(as_text=True)
    for words in ("Wie is verantwoordelijk?", "Wie ziet wat?", "standaard privé", "Gegevensbeschermingsautoriteit"):
        assert words in page, words
    assert "verwijderd 200 dagen na het einde van je groep" in page and "mailto:dpo@example.org" in page
    french = client.get("/confidentialite").get_data(as_text=True)
    assert 'href="/confidentialite?lang=nl" hreflang="nl">Deze pagina in het Nederlands' in french
    assert "Wie ziet wat?" in client.get("/privacy?lang=nl").get_data(as_text=True)


# ------------------------------------------------------------------------------------------------ download


def test_trainee_downloads_all_her_data_and_none_of_anyone_else(app, demo):
    amina, dario = user(AMINA), user(DARIO)
    evidence = add_evidence(amina, "Analyse claire et nuancée.")
    add_evidence(dario, "Bonne analyse de Dario.")
    client = login(app, AMINA)
    page = client.get("/account/data")
    assert page.status_code == 200 and "Télécharger mes données" in page.get_data(as_text=True)
    assert 'href="/account/data"' in client.get("/account").get_data(as_text=True)

    response = client.post("/account/data")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    archive, data = read_zip(response.data)

    names = set(archive.namelist())
    assert {"README.txt", "data.json"} <= names
    readme = archive.read("README.txt").decode("utf-8")
    assert "Vos données sur Tremplin" in readme and "data.json" in readme and "preuves/" in readme
    assert data["account"]["email"] == AMINA and data["account"]["legal_name"] == "Amina Exemple"
    training = data["training"][0]
    assert training["cohort"]["code"] and len(training["attendance"]) > 10
    assert training["placement_hours"] and training["placements"][0]["host"]
    assert any(v.get("evidence_file") for v in training["validations"])
    evidence_path = next(v["evidence_file"]["file"] for v in training["validations"] if v.get("evidence_file"))
    assert archive.read(evidence_path).startswith(b"%PDF-")
    assert archive.read(evidence_path) == services_evidence_bytes(evidence)
    assert data["badges"] and all(
        b["links"]["verify_url"].startswith("http://localhost/verify/") for b in data["badges"]
    )
    pngs = [b["file"] for b in data["badges"] if "file" in b]
    assert pngs and all(archive.read(p).startswith(b"\x89PNG") for p in pngs)
    assert b"openbadgecredential" in archive.read(pngs[0])  # baked: the proof is inside
    assert data["audit_log"] and any(e["object_type"] == "enrolment" for e in data["audit_log"])
    assert set(data["files"]) == names - {"README.txt", "data.json"}

    everything = archive.read("data.json").decode("utf-8").lower()
    trainees = db.session.scalars(sa.select(User).where(User.email.like("%.%@example.org"), User.id != amina.id))
    for other in trainees:
        if other.has_role("trainee"):
            assert other.email.lower() not in everything, other.email
            assert other.legal_name.lower() not in everything, other.legal_name
            assert str(other.uuid) not in everything
    assert "bonne analyse de dario" not in everything
    # The download is in the audit log.
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "privacy.exported")) is not None


def services_evidence_bytes(record: EvidenceFile) -> bytes:
    return stored_evidence(record.sha256).read_bytes()


def test_download_needs_login_and_csrf(app, demo, client):
    assert client.post("/account/data").status_code in (302, 400)
    trainee = login(app, AMINA)
    assert trainee.post("/account/data", csrf=False).status_code == 400


def test_alumna_download_holds_her_certificate_and_public_badges_consents(app, demo):
    archive, data = read_zip(login(app, ADELE).post("/account/data").data)
    certificate = data["training"][0]["certificates"][0]
    assert certificate["valid"] and certificate["content"]["legal_name"] == "Adèle Exemple"
    assert archive.read(certificate["file"]).startswith(b"%PDF-")
    assert any(b["visibility"] == "public" and b["name_shown"] for b in data["badges"])
    assert any(c["purpose"] == "badge-publication" and c["decision"] == "given" for c in data["consents"])


def test_coordinator_exports_by_command_and_from_the_person_page(app, demo, runner, tmp_path, client):
    out = tmp_path / "amina.zip"
    result = runner.invoke(args=["privacy", "export", AMINA, "--out", str(out)])
    assert result.exit_code == 0, result.output
    _archive, data = read_zip(out.read_bytes())
    assert data["account"]["email"] == AMINA
    assert runner.invoke(args=["privacy", "export", "nobody@example.org", "--out", str(out)]).exit_code != 0

    coordinator = login(app, "coordination@example.org")
    amina = user(AMINA)
    page = coordinator.get(f"/admin/users/{amina.uuid}/privacy")
    assert page.status_code == 200
    response = coordinator.post(f"/admin/users/{amina.uuid}/privacy", data={"action": "export"})
    assert response.mimetype == "application/zip"
    assert read_zip(response.data)[1]["account"]["email"] == AMINA
    assert login(app, DARIO).get(f"/admin/users/{amina.uuid}/privacy").status_code == 403


# ------------------------------------------------------------------------------------------------ erasure


def _name_the_trainee_everywhere(app, person: User) -> EvidenceFile:
    """Evidence, an hours note, a message to someone else and a finished export that all name ``person``."""
    evidence = add_evidence(person, f"Travail de {person.legal_name}, très clair.")
    entry = db.session.scalar(sa.select(HoursEntry).where(HoursEntry.enrolment_id == enrolment_of(person).id).limit(1))
    entry.activity = f"Atelier co-animé par {person.legal_name}"
    db.session.add(
        OutboxMessage(
            recipient="referent.a@example.org",
            subject=f"Heures de {person.legal_name}",
            body=f"Bonjour,\n{person.legal_name} ({person.email}) a saisi des heures.",
            purpose="test",
        )
    )
    job = Job(kind="cohort-report", params={"note": person.legal_name}, status="done")
    db.session.add(job)
    db.session.flush()
    job.result_path = f"{job.uuid}/report.csv"
    storage().put(f"jobs/{job.result_path}", f"{person.legal_name};{person.email}\n".encode())
    db.session.commit()
    return evidence


def test_erasure_leaves_no_trace_of_the_name_or_address(app, demo, tmp_path):
    amina = user(AMINA)
    client = login(app, AMINA)  # a session open before the erasure
    evidence = _name_the_trainee_everywhere(app, amina)
    evidence_file = stored_evidence(evidence.sha256)
    assert evidence_file.exists()
    before = database_text()
    assert "amina" in before and AMINA in before
    awards_before = {
        a.uuid: (a.display_name, a.revoked_at)
        for a in db.session.scalars(sa.select(Award).where(Award.recipient_id == amina.id))
    }
    audit_count = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))

    coordinator = login(app, "coordination@example.org")
    page = coordinator.get(f"/admin/users/{amina.uuid}/privacy")
    assert "Effacer les données de cette personne" in page.get_data(as_text=True)
    wrong = coordinator.post(f"/admin/users/{amina.uuid}/privacy", data={"action": "erase", "confirm": DARIO})
    assert wrong.status_code == 422 and user(AMINA) is not None
    response = coordinator.post(f"/admin/users/{amina.uuid}/privacy", data={"action": "erase", "confirm": AMINA})
    assert response.status_code == 302

    after = database_text()
    assert "amina" not in after and AMINA not in after
    record = db.session.scalar(sa.select(ErasureRecord))
    erased = db.session.get(User, amina.id)
    assert erased.email == f"{record.pseudonym}@erased.invalid" and erased.legal_name == record.pseudonym
    assert not erased.active and erased.password_hash is None and erased.display_name is None
    # Her files are gone from storage, and so are exports that may name her.
    assert not evidence_file.exists()
    assert not any(key.endswith(".csv") for key in storage().list("jobs/"))
    for key in storage().list(""):
        assert b"amina" not in storage().read_bytes(key).lower()
    # The audit log is kept (more entries, never fewer), without her IP addresses.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) > audit_count
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.actor_id == amina.id, AuditEntry.ip.is_not(None))
        )
        == 0
    )
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "privacy.erased")).object_id == str(
        amina.uuid
    )
    # Hours, attendance and validations still count for the cohort's figures; their words are gone.
    enrolment = enrolment_of(erased)
    hours = db.session.scalars(sa.select(HoursEntry).where(HoursEntry.enrolment_id == enrolment.id)).all()
    assert hours and all(h.activity is None and h.review_comment is None for h in hours)
    assert all(
        v.comment is None
        for v in db.session.scalars(sa.select(Validation).where(Validation.enrolment_id == enrolment.id))
    )
    # Links already sent to her referent no longer work.
    placement = db.session.scalar(sa.select(Placement).where(Placement.enrolment_id == enrolment.id))
    assert placement.link_version >= 2
    # Badges: nameless ones still valid, named ones revoked.
    for award in db.session.scalars(sa.select(Award).where(Award.recipient_id == amina.id)):
        name, revoked_at = awards_before.get(award.uuid, (None, None))
        assert award.display_name is None
        if name:
            assert award.revoked_at is not None
        elif revoked_at is None and award.visibility != Visibility.DECLINED.value:
            assert award.revoked_at is None
            assert client.get(f"/verify/{award.uuid}").status_code == 200
    # Her old session is over.
    assert client.get("/").status_code == 302


def test_erasure_revokes_the_certificate_and_named_badges_but_keeps_nameless_ones(app, demo, client):
    adele = user(ADELE)
    certificate = certificates.certificate_for(enrolment_of(adele))
    db.session.commit()
    code = certificates.display_code(certificate.code)
    named = [
        a
        for a in db.session.scalars(sa.select(Award).where(Award.recipient_id == adele.id, Award.revoked_at.is_(None)))
        if a.display_name
    ]
    nameless = [
        a
        for a in db.session.scalars(sa.select(Award).where(Award.recipient_id == adele.id, Award.revoked_at.is_(None)))
        if not a.display_name and a.visibility == "unlisted"
    ]
    assert named and nameless
    for award in named:  # what servers remember of the named documents (served once, kept per process)
        for url in (f"/badges/credentials/{award.uuid}", f"/verify/{award.uuid}"):
            assert "Adèle" in client.get(url).get_data(as_text=True)
    record, done = services.erase(adele)
    db.session.commit()
    assert done
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.id == certificate.id))
    assert certificate.content["legal_name"] == record.pseudonym
    assert certificate.award.revoked_at is not None
    page = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "Adèle" not in page and "Adele" not in page
    for award in named:
        db.session.refresh(award)
        assert award.revoked_at is not None and award.revocation_reason == "Withdrawn at the holder's request"
        assert "Adèle" not in json.dumps(award.documents, ensure_ascii=False)
        verdict = client.get(f"/verify/{award.uuid}", headers={"Accept": "application/json"}).get_data(as_text=True)
        assert "Adèle" not in verdict
        credential = client.get(f"/badges/credentials/{award.uuid}")
        assert credential.status_code == 200 and "Adèle" not in credential.get_data(as_text=True)  # revoked
        assert "Adèle" not in client.get(f"/verify/{award.uuid}").get_data(as_text=True)
    for award in nameless:
        db.session.refresh(award)
        if award.achievement.kind != "programme":
            assert award.revoked_at is None
    assert client.get(f"/profiles/{adele.uuid}").status_code == 404  # no public page any more


def test_erasure_is_idempotent_and_refused_for_oneself(app, demo, runner):
    result = runner.invoke(args=["privacy", "erase", DARIO, "--yes"])
    assert result.exit_code == 0, result.output
    assert "Erased" in result.output
    dario = db.session.scalar(sa.select(User).where(User.email.like("anon-%")))
    snapshot = database_text()
    record, done = services.erase(dario)
    db.session.commit()
    assert not done and record.pseudonym in dario.email
    assert database_text().count("anon-") == snapshot.count("anon-")
    assert runner.invoke(args=["privacy", "erase", DARIO, "--yes"]).exit_code != 0  # no such address any more
    coordinator = user("coordination@example.org")
    with pytest.raises(services.ServiceError):
        services.erase(coordinator, coordinator)


def test_erasure_by_command_compacts_sqlite_so_the_file_itself_forgets(app, demo, runner):
    amina = user(AMINA)
    assert amina is not None
    result = runner.invoke(args=["privacy", "erase", AMINA, "--yes"])
    assert result.exit_code == 0, result.output
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        pytest.skip("the raw file check is for SQLite (PostgreSQL: autovacuum reclaims dead rows)")
    raw = Path(url.database).read_bytes().lower()
    wal = Path(url.database + "-wal")
    if wal.exists():
        raw += wal.read_bytes().lower()
    assert b"amina" not in raw


def test_erasure_is_all_or_nothing(app, demo, tmp_path, monkeypatch):
    amina = user(AMINA)
    evidence = _name_the_trainee_everywhere(app, amina)
    path = stored_evidence(evidence.sha256)
    before = database_text()

    def broken(erasure):
        raise RuntimeError("disk on fire")

    failing = privacy.Provider(name="zz-broken", order=15, erase=broken)
    privacy.register_provider(failing)
    try:
        with pytest.raises(RuntimeError):
            services.erase(amina)
        db.session.rollback()
    finally:
        privacy._PROVIDERS.pop("zz-broken")
    assert database_text() == before
    assert path.exists() and any(key.endswith(".csv") for key in storage().list("jobs/"))
    assert user(AMINA).active


def test_a_shared_evidence_file_stays_on_disk_while_someone_else_uses_it(app, demo):
    amina, dario = user(AMINA), user(DARIO)
    same = "Même fichier"
    mine = add_evidence(amina, same)
    theirs = add_evidence(dario, same)
    assert mine.sha256 == theirs.sha256
    services.erase(amina)
    db.session.commit()
    assert stored_evidence(theirs.sha256).exists()
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(EvidenceFile).where(EvidenceFile.sha256 == mine.sha256)
        )
        == 1
    )


def test_erased_person_page_says_so_and_offers_nothing_more(app, demo):
    amina = user(AMINA)
    services.erase(amina)
    db.session.commit()
    page = login(app, "coordination@example.org").get(f"/admin/users/{amina.uuid}/privacy").get_data(as_text=True)
    assert "ont été effacées le" in page and "Effacer les données" not in page
    assert "Notes des heures de stage effacées" in page and "Fichiers de preuve supprimés" not in page  # none


def test_anyone_with_an_account_can_download_theirs(app, client, login_as):
    person = login_as("funder", legal_name="Fonds Test")
    archive, data = read_zip(client.post("/account/data").data)
    assert data["account"]["legal_name"] == "Fonds Test" and data["training"] == [] and data["badges"] == []
    assert "Vos données sur Tremplin" in archive.read("README.txt").decode("utf-8")
    assert any(e["object_id"] == str(person.uuid) for e in data["audit_log"] if "object_id" in e)


def test_purge_forgets_refused_logins_older_than_the_window(app, runner):
    """The notice promises refused logins are kept "a short time": `privacy purge --apply` deletes those older than
    the throttling window (they no longer count) and keeps the recent ones (they still protect the account)."""
    from datetime import timedelta

    from core.db import utcnow
    from core.models import LoginFailure

    window = app.config["LOGIN_FAILURE_WINDOW_SECONDS"]
    now = utcnow()
    db.session.add_all(
        [
            LoginFailure(email="old@example.org", ip="192.0.2.1", at=now - timedelta(seconds=window + 60)),
            LoginFailure(email="old@example.org", ip="192.0.2.1", at=now - timedelta(days=30)),
            LoginFailure(email="recent@example.org", ip="192.0.2.2", at=now - timedelta(seconds=30)),
        ]
    )
    db.session.commit()

    dry = runner.invoke(args=["privacy", "purge"])
    assert dry.exit_code == 0, dry.output
    assert "Would delete 2 refused login attempts" in dry.output
    assert "192.0.2" not in dry.output and "example.org" not in dry.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure)) == 3

    done = runner.invoke(args=["privacy", "purge", "--apply"])
    assert done.exit_code == 0, done.output
    assert "Deleted 2 refused login attempts" in done.output
    db.session.expire_all()
    assert db.session.scalars(sa.select(LoginFailure.email)).all() == ["recent@example.org"]


# ------------------------------------------------------------------------------------------------ on S3
# The download and the erasure with the files in an S3 bucket (a real SeaweedFS server, started by scripts/test):
# what the bucket holds is read through a storage of its own (a client of its own), never the app's.


def on_s3(app) -> S3Storage:
    """Move this app's files to a fresh prefix of the test bucket; a separate view of that prefix."""
    require_s3()
    app.config["STORAGE_URL"] = fresh_storage_url("s3")
    assert isinstance(storage(), S3Storage)
    bucket = from_url(app.config["STORAGE_URL"], default_root="/nowhere")
    assert isinstance(bucket, S3Storage) and bucket.client is not storage().client
    return bucket


def test_on_s3_the_download_holds_the_evidence_read_from_the_bucket(app, demo):
    bucket = on_s3(app)
    amina = user(AMINA)
    evidence = add_evidence(amina, "Analyse rangée dans le seau.")
    stored = next(k for k in bucket.list("evidence/") if evidence.sha256 in k)  # the upload went to the bucket
    assert not (Path(app.instance_path) / "evidence").exists()  # nothing on this host's disk
    archive, data = read_zip(login(app, AMINA).post("/account/data").data)
    path = next(v["evidence_file"]["file"] for v in data["training"][0]["validations"] if v.get("evidence_file"))
    assert archive.read(path) == bucket.read_bytes(stored) == PDF + "Analyse rangée dans le seau.".encode()


def test_on_s3_erasure_deletes_her_objects_and_keeps_the_others(app, demo):
    bucket = on_s3(app)
    amina, dario = user(AMINA), user(DARIO)
    hers = _name_the_trainee_everywhere(app, amina)
    his = add_evidence(dario, "Le travail de Dario reste.")
    keys = bucket.list()
    assert any(hers.sha256 in k for k in keys) and any(his.sha256 in k for k in keys)
    assert any(k.startswith("jobs/") and k.endswith(".csv") for k in keys)
    services.erase(amina)
    db.session.commit()
    left = bucket.list()
    assert not any(hers.sha256 in k for k in left)
    assert not any(k.endswith(".csv") for k in left)  # the export that named her
    assert any(his.sha256 in k for k in left)
    for key in left:
        assert b"amina" not in bucket.read_bytes(key).lower()


def test_on_s3_a_failed_erasure_deletes_no_object(app, demo):
    bucket = on_s3(app)
    amina = user(AMINA)
    _name_the_trainee_everywhere(app, amina)
    before = {key: bucket.read_bytes(key) for key in bucket.list()}
    failing = privacy.Provider(name="zz-broken", order=15, erase=lambda erasure: 1 / 0)
    privacy.register_provider(failing)
    try:
        with pytest.raises(ZeroDivisionError):
            services.erase(amina)
        db.session.rollback()
    finally:
        privacy._PROVIDERS.pop("zz-broken")
    assert {key: bucket.read_bytes(key) for key in bucket.list()} == before
    assert user(AMINA).active
