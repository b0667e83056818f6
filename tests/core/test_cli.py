"""The ``tremplin`` command: users and demo."""

from __future__ import annotations

import json

from core.db import db
from core.demo import ALUMNI, DEMO_PASSWORD, TRAINEES, email_for
from core.models import AuditEntry, User


def test_users_create_with_password_from_stdin(runner, client):
    result = runner.invoke(
        args=["users", "create", "Coord@Example.org", "--role", "admin", "--role", "trainer",
              "--name", "Coordinatrice Test", "--password-stdin"],
        input="a long enough secret\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    user = db.session.scalar(db.select(User).where(User.email == "coord@example.org"))
    assert user.roles == {"admin", "trainer"} and user.legal_name == "Coordinatrice Test"
    assert (
        client.post("/login", data={"email": "coord@example.org", "password": "a long enough secret"}).status_code
        == 302
    )
    entry = db.session.scalar(
        db.select(AuditEntry).where(AuditEntry.object_type == "user_account").order_by(AuditEntry.id)
    )  # the creation, not the login's entries (without ORDER BY, PostgreSQL may read them from the index first)
    assert entry.actor_label == "cli" and entry.details["password_hash"] == "(secret)"


def test_users_create_refuses_bad_input_and_changes_nothing(runner):
    result = runner.invoke(args=["users", "create", "not-an-address", "--role", "admin"])
    assert result.exit_code != 0 and "not valid" in result.output
    result = runner.invoke(
        args=["users", "create", "a@example.org", "--role", "admin", "--password-stdin"], input="short\n"
    )
    assert result.exit_code != 0 and "10" in result.output
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0


def test_users_create_with_invitation(runner):
    result = runner.invoke(args=["users", "create", "t@example.org", "--role", "trainee", "--invite"])
    assert result.exit_code == 0 and "Invitation queued" in result.output


def test_users_set_password_and_list(runner, create_user, client):
    user = create_user(roles=("tutor",), password=None)
    result = runner.invoke(args=["users", "set-password", user.email, "--password-stdin"], input="the new password\n")
    assert result.exit_code == 0, result.output
    assert client.post("/login", data={"email": user.email, "password": "the new password"}).status_code == 302
    result = runner.invoke(args=["users", "list", "--format", "json"])
    rows = json.loads(result.output)
    assert rows == [{"email": user.email, "legal_name": "Personne Test", "display_name": "", "roles": "tutor",
                     "language": "fr", "status": "active"}]  # fmt: skip
    assert (
        runner.invoke(args=["users", "set-password", "ghost@example.org", "--password-stdin"], input="x" * 12).exit_code
        != 0
    )


def test_demo_is_idempotent_and_its_logins_work(runner, client):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    count = db.session.scalar(db.select(db.func.count()).select_from(User))
    assert count == 18 + len(TRAINEES) + len(ALUMNI)
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0 and "(0 account(s) created now)" in second.output
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == count
    assert "coordination@example.org" in first.output and DEMO_PASSWORD in first.output
    for email in ("coordination@example.org", "formatrice.paire@example.org", "referent.a@example.org",
                  email_for("Élise Fictive"), email_for("Adèle Exemple"), "financeur@example.org"):  # fmt: skip
        assert client.post("/login", data={"email": email, "password": DEMO_PASSWORD}).status_code == 302, email
        client.post("/logout")
    assert email_for("Élise Fictive") == "elise.fictive@example.org"


def test_demo_refuses_production(app, runner):
    app.config["ENV"] = "production"
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0 and "production" in result.output
