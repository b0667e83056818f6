"""Coordinators manage people; the outbox and the audit log are theirs to read."""

from __future__ import annotations

import smtplib

from core import jobs
from core.db import db
from core.models import OutboxMessage, User


def test_coordinator_invites_and_reads_the_outbox(client, login_as):
    login_as("admin")
    response = client.post(
        "/admin/users/new",
        data={
            "email": "karima.fictive@example.org",
            "legal_name": "Karima Fictive",
            "language": "fr",
            "roles": ["trainee"],
        },
    )
    assert response.status_code == 302
    person = db.session.scalar(db.select(User).where(User.email == "karima.fictive@example.org"))
    assert person.invitation_pending and person.roles == {"trainee"}
    outbox = client.get("/admin/outbox").get_data(as_text=True)
    assert "karima.fictive@example.org" in outbox and "Votre compte Tremplin" in outbox
    message = db.session.scalar(db.select(OutboxMessage))
    page = client.get(f"/admin/outbox/{message.uuid}").get_data(as_text=True)
    assert "http://localhost/invitation/" in page
    assert "Karima Fictive" in client.get("/admin/users?q=karima").get_data(as_text=True)


def test_invite_form_rejects_bad_input_and_changes_nothing(client, login_as):
    login_as("admin")
    response = client.post("/admin/users/new", data={"email": "pas une adresse", "legal_name": "", "language": "fr"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Merci de vérifier le formulaire" in text and "Choisissez au moins un rôle." in text
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 0


def test_duplicate_address_is_refused(client, login_as, create_user):
    login_as("admin")
    existing = create_user()
    response = client.post(
        "/admin/users/new", data={"email": existing.email, "legal_name": "X", "language": "fr", "roles": ["trainee"]}
    )
    assert response.status_code == 422 and "existe déjà" in response.get_data(as_text=True)


def test_coordinator_edits_roles_and_deactivates(app, client, login_as, create_user):
    login_as("admin")
    person = create_user(roles=("trainee",))
    other = app.test_client()
    other.post("/login", data={"email": person.email, "password": "correct horse battery"})
    response = client.post(
        f"/admin/users/{person.uuid}",
        data={"legal_name": "Personne Test", "language": "fr", "roles": ["trainee", "tutor"], "active": ""},
    )
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.roles == {"trainee", "tutor"} and not person.active
    assert other.get("/").status_code == 302  # the deactivated person is logged out


def test_coordinator_cannot_lock_themself_out(client, login_as):
    me = login_as("admin")
    response = client.post(
        f"/admin/users/{me.uuid}", data={"legal_name": "Moi", "language": "fr", "roles": ["trainer"], "active": "y"}
    )
    assert response.status_code == 422
    db.session.refresh(me)
    assert "admin" in me.roles


def test_audit_log_page(client, login_as):
    login_as("admin")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "user.login" in page


def test_unknown_person_is_404(client, login_as):
    login_as("admin")
    assert client.get("/admin/users/00000000-0000-0000-0000-000000000000").status_code == 404


def test_mail_is_sent_through_smtp_when_configured(app, client, login_as, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            sent.append(("connect", host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            sent.append(("starttls",))

        def login(self, user, password):
            sent.append(("login", user))

        def send_message(self, message):
            sent.append(("send", message["To"], message["Subject"]))

    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    app.config.update(SMTP_HOST="mail.example.org", SMTP_USERNAME="tremplin", SMTP_PASSWORD="pw")
    login_as("admin")
    client.post(
        "/admin/users/new", data={"email": "a@example.org", "legal_name": "A", "language": "en", "roles": ["tutor"]}
    )
    assert sent == []  # the request only queued it: a worker sends it
    assert jobs.run_pending() == 1
    assert ("send", "a@example.org", "Your Tremplin account") in sent
    message = db.session.scalar(db.select(OutboxMessage))
    assert message.sent_at is not None and message.state == "sent" and message.attempts == 1


def test_failed_smtp_keeps_the_message_in_the_outbox(app, client, login_as, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("no server")

    monkeypatch.setattr(smtplib, "SMTP", refuse)
    app.config.update(SMTP_HOST="127.0.0.1")
    login_as("admin")
    response = client.post(
        "/admin/users/new", data={"email": "b@example.org", "legal_name": "B", "language": "fr", "roles": ["tutor"]}
    )
    assert response.status_code == 302
    assert jobs.run_pending() == 1
    message = db.session.scalar(db.select(OutboxMessage))
    assert message.sent_at is None and "ConnectionRefusedError" in message.error
    assert message.state == "queued"  # tried again later
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert 'data-state="queued"' in page and "Pas encore envoyé" in page
    assert db.session.scalar(db.select(User).where(User.email == "b@example.org")) is not None


def test_people_are_listed_the_french_way_and_found_without_accents(client, login_as, create_user):
    login_as("admin")
    for email, name in [("t@example.org", "Thérèse Martin"), ("z@example.org", "Zoé Lambert"),
                        ("e@example.org", "Émilie Dubois"), ("a@example.org", "Anne-Sophie Morel")]:  # fmt: skip
        create_user(roles=("trainee",), email=email, legal_name=name)
    page = client.get("/admin/users?role=trainee").get_data(as_text=True)
    positions = [page.index(n) for n in ("Anne-Sophie Morel", "Émilie Dubois", "Thérèse Martin", "Zoé Lambert")]
    assert positions == sorted(positions)  # not Zoé before Émilie, as a binary collation sorts them
    found = client.get("/admin/users?q=emilie").get_data(as_text=True)
    assert "Émilie Dubois" in found and "Thérèse Martin" not in found
    assert "Thérèse Martin" in client.get("/admin/users?q=THERESE").get_data(as_text=True)
