"""Real objects of the demo (``tremplin demo``) for the security tests: one of each kind a URL can name.

``world()`` finds (or makes, where the demo has none: an evidence file, a finished job, an API token, a calendar
feed, a certificate, the single-use links) the objects that belong to one trainee — Adèle, an alumna with a
programme badge and a certificate — so that each role meets them as it would in real life: the trainee as their
own, the trainer as staff of Adèle's cohort, referent A as the tutor of her placement, the funder as nobody's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from core.db import db
from core.models import ApiToken, Job, OutboxMessage, User
from core.storage import storage

DEMO_PASSWORD = "demo-tremplin"
#: The demo person who plays each role (``None``: nobody logged in).
ROLE_USERS: dict[str, str | None] = {
    "anonymous": None,
    "trainee": "adele.exemple@example.org",
    "trainer": "formatrice.paire@example.org",
    "tutor": "referent.a@example.org",
    "funder": "financeur@example.org",
    "admin": "coordination@example.org",
}
ROLES = tuple(ROLE_USERS)

# A minimal valid PDF (what an evidence upload looks like).
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\n%%EOF\n"


def user(email: str) -> User:
    found = db.session.scalar(db.select(User).where(User.email == email))
    assert found is not None, email
    return found


def login(client, email: str, password: str = DEMO_PASSWORD) -> None:
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


@dataclass
class World:
    users: dict[str, User]
    values: dict[str, Any]  # URL argument name -> value
    tokens: dict[str, str]  # endpoint -> its <token> argument
    secrets: dict[str, str] = field(default_factory=dict)  # raw secrets made here (never to be seen again)


def world(app) -> World:
    """Find or make the objects; commits. Call after the ``demo`` fixture, inside the test's app context."""
    from badges.models import Achievement, Award, SigningKey
    from core import api_auth, tokens
    from core import services as core_services
    from courses import certificates
    from courses import services as course_services
    from courses.models import (
        Cohort,
        Enrolment,
        HoursEntry,
        HoursState,
        Pause,
        Placement,
        Programme,
        TrainingSession,
        Validation,
    )

    users = {role: user(email) for role, email in ROLE_USERS.items() if email}
    trainee, admin = users["trainee"], users["admin"]
    enrolment = db.session.scalar(db.select(Enrolment).where(Enrolment.user_id == trainee.id))
    cohort = db.session.get(Cohort, enrolment.cohort_id)
    programme = db.session.get(Programme, cohort.programme_id)
    placement = db.session.scalar(
        db.select(Placement).where(Placement.enrolment_id == enrolment.id, Placement.tutor_id == users["tutor"].id)
    )
    assert placement is not None, "referent A follows Adèle's placement"
    session = db.session.scalar(
        db.select(TrainingSession).where(TrainingSession.cohort_id == cohort.id).order_by(TrainingSession.starts_at)
    )
    # A pending entry (the demo's are all reviewed long ago), so that reviewing it is a real possibility.
    entry = HoursEntry(
        enrolment_id=enrolment.id,
        placement_id=placement.id,
        on=placement.starts_on,
        minutes=120,
        activity="accueil et permanence",
        state=HoursState.PENDING.value,
    )
    db.session.add(entry)
    validation = db.session.scalar(
        db.select(Validation).where(Validation.enrolment_id == enrolment.id, Validation.withdrawn_at.is_(None))
    )
    evidence = validation.evidence_file or course_services.attach_evidence(validation, "piece.pdf", PDF)
    pause = db.session.scalar(
        db.select(Pause).join(Enrolment).where(Enrolment.cohort_id == cohort.id).order_by(Pause.id)
    )
    award = db.session.scalar(
        db.select(Award).where(Award.recipient_id == trainee.id, Award.revoked_at.is_(None)).order_by(Award.id)
    )
    achievement = db.session.get(Achievement, award.achievement_id)
    key = db.session.scalar(db.select(SigningKey).where(SigningKey.id == award.key_id))
    certificate = certificates.certificate_for(enrolment)
    message = db.session.scalar(db.select(OutboxMessage).order_by(OutboxMessage.id))
    job = Job(kind="certificates-zip", params={}, owner=admin, status="done", progress_done=1, progress_total=1)
    db.session.add(job)
    db.session.flush()
    from core import jobs

    job.result_path, job.result_name = f"{job.uuid}/certificats.zip", "certificats.zip"
    job.result_type = "application/zip"
    storage().put(f"{jobs.JOBS_PREFIX}{job.result_path}", b"PK\x05\x06" + b"\0" * 18)
    api_token, api_secret = api_auth.create_token(admin, "export", ["read"], 30)
    calendar_token = course_services.new_calendar_feed(trainee)
    tutor_token = course_services.tutor_link(placement).rsplit("/", 1)[1]
    invited = core_services.create_user(f"invite-{uuid.uuid4().hex[:8]}@example.org", "Personne Invitée", ["trainee"])
    invite_token = tokens.make(invited, "invite", 3600)
    reset_token = tokens.make(trainee, "reset", 3600)
    from badges.obapi.models import OAuthGrant

    grant = db.session.scalar(db.select(OAuthGrant).where(OAuthGrant.user_id == trainee.id))
    assert grant is not None, "Adèle let the demo application read her badges"
    db.session.commit()
    assert isinstance(api_token, ApiToken)
    values = {
        "cohort_uuid": cohort.uuid,
        "cohort_id": cohort.uuid,
        "enrolment_uuid": enrolment.uuid,
        "session_uuid": session.uuid,
        "session_id": session.uuid,
        "placement_uuid": placement.uuid,
        "placement_id": placement.uuid,
        "entry_uuid": entry.uuid,
        "hours_id": entry.uuid,
        "award_uuid": award.uuid,
        "achievement_uuid": achievement.uuid,
        "key_uuid": key.uuid,
        "user_uuid": trainee.uuid,
        "token_uuid": api_token.uuid,
        "grant_uuid": grant.uuid,
        "message_uuid": message.uuid,
        "job_uuid": job.uuid,
        "file_uuid": evidence.uuid,
        "validation_uuid": validation.uuid,
        "pause_uuid": pause.uuid,
        "programme_uuid": programme.uuid,
        "programme_code": programme.code,
        "kind": "summary",
        "document": "realisation",
        "ext": "png",
        "code": certificate.code,
        "filename": "css/app.css",
        "today": date.today(),
        "year": cohort.starts_on.year,
        "module_code": "M1",
    }
    endpoint_tokens = {
        "courses.calendar_ics": calendar_token,
        "courses.tutor_link": tutor_token,
        "courses.tutor_link_review": tutor_token,
        "courses.tutor_link_confirm_all": tutor_token,
        "auth.accept_invitation": invite_token,
        "auth.reset_password": reset_token,
    }
    secrets = {
        "api token": api_secret,
        "calendar token": calendar_token,
        "tutor link": tutor_token,
        "invitation": invite_token,
        "reset": reset_token,
    }
    return World(users=users, values=values, tokens=endpoint_tokens, secrets=secrets)


def url_for_rule(app, rule, w: World) -> str:
    """The rule's URL with real values from the world."""
    from flask import url_for

    values = {}
    for name in rule.arguments:
        values[name] = w.tokens[rule.endpoint] if name == "token" else w.values[name]
    with app.test_request_context():
        return url_for(rule.endpoint, **values)
