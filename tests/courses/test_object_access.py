"""Object-level access, the way an attacker with an account would try it: change an id in the URL.

On the demo: Amina and Dario are trainees of the same running cohort (DEMO-2026-27); Adèle is an alumna of the
previous one (DEMO-2025-26). A trainer who is staff of DEMO-2026-27 only, referent A (who follows Amina's
placement and not Dario's) and the funder each try to reach what is not theirs. Every refusal is checked twice:
the status, and that nothing changed in the database. A positive control in each test proves the same request
works on the person's own objects, so a refusal is not a broken URL.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from pypdf import PdfReader

from core.db import db
from core.models import ApiToken, Job, Role, User, UserRole
from courses import services
from courses.models import (
    Attendance,
    Cohort,
    CohortStaff,
    Enrolment,
    HoursEntry,
    HoursState,
    Placement,
    TrainingSession,
    Validation,
)
from tests.conftest import PASSWORD
from tests.demo_world import PDF, login, user


@pytest.fixture
def app_config(app_config, tmp_path):
    return {**app_config}


def enrolment_of(email: str) -> Enrolment:
    return db.session.scalar(db.select(Enrolment).join(User).where(User.email == email))


def placement_of(enrolment: Enrolment) -> Placement:
    return db.session.scalar(db.select(Placement).where(Placement.enrolment_id == enrolment.id).order_by(Placement.id))


def pending_entry(enrolment: Enrolment, placement: Placement) -> HoursEntry:
    entry = HoursEntry(
        enrolment_id=enrolment.id, placement_id=placement.id, on=placement.starts_on, minutes=90, activity="accueil"
    )
    db.session.add(entry)
    db.session.commit()
    return entry


def evidence_of(enrolment: Enrolment):
    validation = db.session.scalar(
        db.select(Validation).where(Validation.enrolment_id == enrolment.id).order_by(Validation.id)
    )
    record = validation.evidence_file or services.attach_evidence(validation, "observation.pdf", PDF)
    db.session.commit()
    return record


def state_of(entry_id: int) -> str:
    db.session.expire_all()
    return db.session.get(HoursEntry, entry_id).state


# --- Trainee A against trainee B ---------------------------------------------------------------------------------


def test_a_trainee_cannot_reach_another_trainees_documents(client, demo):
    amina, dario = enrolment_of("amina.exemple@example.org"), enrolment_of("dario.exemple@example.org")
    adele = enrolment_of("adele.exemple@example.org")
    mine, theirs = evidence_of(amina), evidence_of(dario)
    login(client, "amina.exemple@example.org")

    assert client.get(f"/enrolments/{amina.uuid}/attendance.pdf").status_code == 200  # control: her own
    assert client.get(f"/enrolments/{dario.uuid}/attendance.pdf").status_code == 403
    assert client.get(f"/enrolments/{adele.uuid}/certificate.pdf").status_code == 403
    assert client.get(f"/enrolments/{dario.uuid}").status_code == 403
    own = client.get(f"/evidence/{mine.uuid}")
    assert own.status_code == 200 and own.data == PDF
    own.close()
    assert client.get(f"/evidence/{theirs.uuid}").status_code == 403
    for url in (f"/api/v1/placements/{placement_of(dario).uuid}/hours", f"/api/v1/cohorts/{dario.cohort.uuid}"):
        assert client.get(url).status_code == 403, url


def test_a_trainee_cannot_log_or_review_hours_on_another_trainees_placement(client, demo):
    amina, dario = enrolment_of("amina.exemple@example.org"), enrolment_of("dario.exemple@example.org")
    theirs = placement_of(dario)
    entry = pending_entry(dario, theirs)
    count = db.session.scalar(db.select(db.func.count()).select_from(HoursEntry))
    login(client, "amina.exemple@example.org")

    body = {"on": (date.today() - timedelta(days=1)).isoformat(), "minutes": 60, "activity": "accueil"}
    assert client.post(f"/api/v1/placements/{theirs.uuid}/hours", json=body).status_code == 403
    assert db.session.scalar(db.select(db.func.count()).select_from(HoursEntry)) == count
    assert client.post(f"/hours/{entry.uuid}/review", data={"decision": "confirmed"}).status_code == 403
    response = client.post(f"/api/v1/hours/{entry.uuid}/review", json={"state": "confirmed"})
    assert response.status_code == 403
    assert state_of(entry.id) == HoursState.PENDING.value
    # Control: her own placement takes the same request.
    assert client.post(f"/api/v1/placements/{placement_of(amina).uuid}/hours", json=body).status_code == 201


def test_a_trainees_pages_never_show_another_trainee(client, demo):
    others = db.session.scalars(
        db.select(User)
        .join(UserRole)
        .where(UserRole.role == Role.TRAINEE.value, User.email != "amina.exemple@example.org")
    ).all()
    login(client, "amina.exemple@example.org")
    pages = ["/", "/my/training", "/my/hours", "/me/badges", "/calendar", "/account", "/jobs/", "/api/v1/me"]
    text = ""
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        text += response.get_data(as_text=True)
    assert "Amina" in text  # control: her own name is there
    leaked = [o.email for o in others if o.email in text or o.legal_name in text]
    assert leaked == []


def test_a_trainee_cannot_use_another_persons_job_or_api_token(client, demo):
    from core import api_auth

    dario = user("dario.exemple@example.org")
    job = Job(kind="certificates-zip", params={}, owner=dario, status="done")
    token, _secret = api_auth.create_token(dario, "mine", ["read"], 30)
    db.session.add(job)
    db.session.commit()
    login(client, "amina.exemple@example.org")
    for url in (f"/jobs/{job.uuid}", f"/jobs/{job.uuid}/status", f"/jobs/{job.uuid}/download"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/account/tokens/{token.uuid}/revoke").status_code == 404
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None


# --- A trainer of cohort X in cohort Y ----------------------------------------------------------------------------


@pytest.fixture
def trainer_of_current_cohort(client, demo, create_user):
    """A trainer who is staff of DEMO-2026-27 only, logged in; returns (current cohort, previous cohort)."""
    current = db.session.scalar(db.select(Cohort).where(Cohort.code == "DEMO-2026-27"))
    previous = db.session.scalar(db.select(Cohort).where(Cohort.code == "DEMO-2025-26"))
    trainer = create_user(roles=("trainer",), email="formatrice.x@example.org")
    db.session.add(CohortStaff(cohort_id=current.id, user_id=trainer.id))
    db.session.commit()
    login(client, trainer.email, PASSWORD)
    return current, previous


def _unvalidated_competency(enrolment: Enrolment) -> str:
    from courses.models import Competency

    done = db.select(Validation.competency_id).where(
        Validation.enrolment_id == enrolment.id, Validation.withdrawn_at.is_(None)
    )
    return db.session.scalar(
        db.select(Competency.code)
        .where(Competency.programme_id == enrolment.cohort.programme_id, Competency.id.not_in(done))
        .order_by(Competency.id)
    )


def test_a_trainer_cannot_validate_in_another_cohort(client, trainer_of_current_cohort):
    amina, adele = enrolment_of("amina.exemple@example.org"), enrolment_of("adele.exemple@example.org")

    def validate(enrolment: Enrolment):
        form = {
            "competency": _unvalidated_competency(enrolment) or "C-M1-01",
            "evidence_type": "E-OBS",
            "validated_on": date.today().isoformat(),
            "comment": "",
        }
        return client.post(f"/enrolments/{enrolment.uuid}/validations", data=form)

    def count(enrolment: Enrolment) -> int:
        return db.session.scalar(
            db.select(db.func.count()).select_from(Validation).where(Validation.enrolment_id == enrolment.id)
        )

    before = count(adele)
    assert validate(adele).status_code == 403
    assert count(adele) == before
    theirs = db.session.scalar(db.select(Validation).where(Validation.enrolment_id == adele.id))
    assert client.post(f"/validations/{theirs.uuid}/withdraw").status_code == 403
    db.session.expire_all()
    assert db.session.get(Validation, theirs.id).withdrawn_at is None
    for url in (
        f"/enrolments/{adele.uuid}",
        f"/enrolments/{adele.uuid}/certificate.pdf",
        f"/enrolments/{adele.uuid}/attendance.pdf",
        f"/evidence/{evidence_of(adele).uuid}",
        f"/cohorts/{adele.cohort.uuid}",
        f"/cohorts/{adele.cohort.uuid}/reports/summary",
        f"/api/v1/cohorts/{adele.cohort.uuid}",
    ):
        assert client.get(url).status_code == 403, url
    # Control: in her own cohort the same form validates.
    mine = count(amina)
    assert validate(amina).status_code == 302
    assert count(amina) == mine + 1


def test_a_trainer_cannot_save_a_roster_in_another_cohort(client, trainer_of_current_cohort):
    current, previous = trainer_of_current_cohort

    def a_session(cohort: Cohort) -> TrainingSession:
        return db.session.scalar(
            db.select(TrainingSession)
            .where(TrainingSession.cohort_id == cohort.id, TrainingSession.on <= date.today())
            .order_by(TrainingSession.on.desc())
        )

    def marks(session: TrainingSession) -> list[tuple[int, str]]:
        db.session.expire_all()
        rows = db.session.scalars(db.select(Attendance).where(Attendance.session_id == session.id))
        return sorted((a.enrolment_id, a.status) for a in rows)

    theirs, mine = a_session(previous), a_session(current)
    before = marks(theirs)
    enrolment = db.session.scalar(db.select(Enrolment).where(Enrolment.cohort_id == previous.id))
    form = {"action": "all_present", "roster_version": str(theirs.roster_version)}
    assert client.get(f"/sessions/{theirs.uuid}").status_code == 403
    assert client.post(f"/sessions/{theirs.uuid}", data=form).status_code == 403
    mark = {"enrolment_id": str(enrolment.uuid), "status": "absent"}
    body = {"roster_version": theirs.roster_version, "marks": [mark]}
    assert client.put(f"/api/v1/sessions/{theirs.uuid}/attendance", json=body).status_code == 403
    assert client.get(f"/sessions/{theirs.uuid}/sheet.pdf").status_code == 403
    assert marks(theirs) == before
    # Control: her own cohort's roster saves.
    form = {"action": "all_present", "roster_version": str(mine.roster_version)}
    assert client.post(f"/sessions/{mine.uuid}", data=form).status_code == 302


def test_a_trainers_lists_show_only_their_cohorts(client, trainer_of_current_cohort):
    current, previous = trainer_of_current_cohort
    page = client.get("/cohorts").get_data(as_text=True)
    assert current.code in page and previous.code not in page
    listed = {c["id"] for c in client.get("/api/v1/cohorts").json["items"]}
    assert listed == {str(current.uuid)}


# --- A referent sees only their placements ------------------------------------------------------------------------


def test_a_referent_sees_and_reviews_only_their_placements(client, demo):
    referent = user("referent.a@example.org")
    amina, dario = enrolment_of("amina.exemple@example.org"), enrolment_of("dario.exemple@example.org")
    mine, theirs = placement_of(amina), placement_of(dario)
    assert mine.tutor_id == referent.id and theirs.tutor_id != referent.id
    their_entry, my_entry = pending_entry(dario, theirs), pending_entry(amina, mine)
    followed = set(db.session.scalars(db.select(Placement.enrolment_id).where(Placement.tutor_id == referent.id)))
    others = db.session.scalars(
        db.select(User).join(Enrolment, Enrolment.user_id == User.id).where(Enrolment.id.not_in(followed))
    ).all()
    login(client, referent.email)

    page = client.get("/hours/to-confirm").get_data(as_text=True)
    assert amina.user.name in page  # control: the trainee they follow
    assert [o.email for o in others if o.name in page or o.email in page] == []
    assert client.get(f"/api/v1/placements/{theirs.uuid}/hours").status_code == 403
    assert client.post(f"/hours/{their_entry.uuid}/review", data={"decision": "confirmed"}).status_code == 403
    assert client.post(f"/api/v1/hours/{their_entry.uuid}/review", json={"state": "confirmed"}).status_code == 403
    assert state_of(their_entry.id) == HoursState.PENDING.value
    for url in (f"/enrolments/{dario.uuid}", f"/enrolments/{dario.uuid}/attendance.pdf", "/cohorts"):
        assert client.get(url).status_code == 403, url
    # Control: their own trainee's hours.
    assert client.post(f"/api/v1/hours/{my_entry.uuid}/review", json={"state": "confirmed"}).status_code == 200
    assert state_of(my_entry.id) == HoursState.CONFIRMED.value


def test_a_referent_link_reaches_only_its_own_placement(client, demo):
    amina, dario = enrolment_of("amina.exemple@example.org"), enrolment_of("dario.exemple@example.org")
    their_entry = pending_entry(dario, placement_of(dario))
    token = services.tutor_link(placement_of(amina)).rsplit("/", 1)[1]
    db.session.commit()
    page = client.get(f"/referent/{token}").get_data(as_text=True)
    assert dario.user.name not in page
    assert client.post(f"/referent/{token}/{their_entry.uuid}", data={"decision": "confirmed"}).status_code == 404
    assert state_of(their_entry.id) == HoursState.PENDING.value


# --- The funder never sees a name ---------------------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if tag == "a" and name == "href" and value and value.startswith("/") and not value.startswith("//"):
                self.links.append(value.split("#")[0])


def _readable(response) -> str:
    """The text of a response, whatever its format (HTML, JSON, CSV, XLSX, PDF)."""
    kind = response.mimetype
    if kind == "application/pdf":
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    if kind.endswith("spreadsheetml.sheet"):
        with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
            return "\n".join(archive.read(n).decode() for n in archive.namelist() if n.endswith(".xml"))
    return response.get_data(as_text=True)


def test_the_funder_never_sees_a_name(app, client, demo):
    """Crawl every page the funder can reach from the home page (and every export and API read of theirs) and
    look for every person's name and e-mail address."""
    people = db.session.scalars(
        db.select(User).join(UserRole).where(UserRole.role.in_([Role.TRAINEE.value, Role.TUTOR.value]))
    ).all()
    needles = {p.email for p in people} | {p.legal_name for p in people} | {p.display_name for p in people}
    needles.discard(None)
    login(client, "financeur@example.org")
    cohorts = db.session.scalars(db.select(Cohort)).all()
    queue = ["/", "/reports", "/reports/funder", "/api/v1/me", "/api/v1/cohorts", "/api/v1/programmes"]
    queue += ["/api/v1/reports/funder"] + [f"/api/v1/cohorts/{c.uuid}" for c in cohorts]
    queue += [f"/reports/funder/export?format={fmt}" for fmt in ("csv", "xlsx", "pdf")]
    seen: set[str] = set()
    read = 0
    while queue and len(seen) < 200:
        url = queue.pop()
        if url in seen or url.startswith(("/static/", "/logout")):
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200:
            continue
        text = _readable(response)
        read += 1
        leaked = sorted(n for n in needles if n in text)
        assert leaked == [], f"{url} shows {leaked[:5]}"
        if response.mimetype == "text/html":
            parser = _Links()
            parser.feed(text)
            queue.extend(link for link in parser.links if link not in seen)
    assert read >= 12  # the crawl really read pages: the reports, their exports, the API
    assert re.search("DEMO-2026-27", _readable(client.get("/reports/funder")))  # control: the aggregates are there


def test_a_trainees_data_download_holds_no_other_trainee(client, demo):
    """The GDPR download (every file of the ZIP) is about its owner only."""
    others = db.session.scalars(
        db.select(User)
        .join(UserRole)
        .where(UserRole.role == Role.TRAINEE.value, User.email != "amina.exemple@example.org")
    ).all()
    login(client, "amina.exemple@example.org")
    response = client.post("/account/data")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        text = "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    assert "amina.exemple@example.org" in text  # control: her own data is there
    assert [o.email for o in others if o.email in text or o.legal_name in text] == []
