"""The cohort's contact person (and name) can be changed after creation: by a coordinator only, validated,
audited; the trainees' pages then name the new person."""

from __future__ import annotations

import html

import sqlalchemy as sa

from core.db import db
from core.models import AuditEntry


def _edit_url(world) -> str:
    return f"/cohorts/{world.cohort.uuid}/edit"


def test_a_coordinator_changes_the_contact_person(cohort, admin, client_for, create_user):
    new_contact = create_user(roles=("trainer",), email="ines@example.org", legal_name="Inès Contact")
    coordinator = client_for(admin)
    page = coordinator.get(_edit_url(cohort))
    assert page.status_code == 200
    text = html.unescape(page.get_data(as_text=True))
    assert "Inès Contact (ines@example.org)" in text and 'name="contact"' in text
    detail = html.unescape(coordinator.get(f"/cohorts/{cohort.cohort.uuid}").get_data(as_text=True))
    assert _edit_url(cohort) in detail  # the cohort page leads to the change

    response = coordinator.post(_edit_url(cohort), data={"title": "Promotion test", "contact": str(new_contact.uuid)})
    assert response.status_code == 302
    db.session.expire_all()
    assert cohort.cohort.contact_id == new_contact.id and cohort.cohort.title == "Promotion test"
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "cohort.changed"))
    assert entry is not None and entry.object_id == str(cohort.cohort.uuid) and entry.actor_id == admin.id
    assert entry.details["contact"] == [None, "ines@example.org"]

    trainee_page = html.unescape(client_for(cohort.trainee).get("/").get_data(as_text=True))
    assert "Inès Contact" in trainee_page and "ines@example.org" in trainee_page


def test_a_contact_who_is_not_staff_is_refused_and_nothing_changes(cohort, admin, client_for, create_user):
    trainee = cohort.trainees[1]
    inactive = create_user(roles=("trainer",), email="gone@example.org", legal_name="Parti Ancien")
    inactive.active = False
    db.session.commit()
    coordinator = client_for(admin)
    for bad in (str(trainee.uuid), str(inactive.uuid), "not-a-uuid"):
        response = coordinator.post(_edit_url(cohort), data={"title": "Autre nom", "contact": bad})
        assert response.status_code == 422
        page = html.unescape(response.get_data(as_text=True))
        assert "Autre nom" in page  # the form keeps what was typed
        assert "La personne de contact doit être une coordinatrice, un coordinateur" in page
    db.session.expire_all()
    assert cohort.cohort.contact_id is None and cohort.cohort.title != "Autre nom"
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "cohort.changed")) is None


def test_only_a_coordinator_may_change_the_cohort(cohort, client_for, create_user):
    other = create_user(roles=("trainer",), email="other@example.org")
    for user in (cohort.trainer, cohort.trainee):
        client = client_for(user)
        assert client.get(_edit_url(cohort)).status_code == 403
        assert client.post(_edit_url(cohort), data={"contact": str(other.uuid)}).status_code == 403
    db.session.expire_all()
    assert cohort.cohort.contact_id is None
