"""One commit per request; a failure anywhere rolls everything back; the audit log records every write."""

from __future__ import annotations

import pytest
from flask import abort

from core import services
from core.db import db
from core.models import AuditEntry, User
from core.security import public


@pytest.fixture
def app_with_failing_routes(app):
    @app.route("/_test/create-then-fail", methods=["POST"])
    @public
    def create_then_fail():
        services.create_user("half@example.org", "Half Done", ["trainee"])
        raise RuntimeError("boom in the middle of the request")

    @app.route("/_test/create-then-403", methods=["POST"])
    @public
    def create_then_403():
        services.create_user("half@example.org", "Half Done", ["trainee"])
        abort(403)

    @app.route("/_test/create", methods=["POST"])
    @public
    def create_ok():
        services.create_user("whole@example.org", "Whole", ["trainee"])
        return "ok"

    return app


def _count_users() -> int:
    db.session.rollback()
    return db.session.scalar(db.select(db.func.count()).select_from(User))


def test_exception_mid_request_rolls_back(app_with_failing_routes, client):
    app_with_failing_routes.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.post("/_test/create-then-fail")
    assert response.status_code == 500
    assert "Rien n'a été enregistré" in response.get_data(as_text=True)
    assert _count_users() == 0


def test_error_status_rolls_back(app_with_failing_routes, client):
    assert client.post("/_test/create-then-403").status_code == 403
    assert _count_users() == 0


def test_success_commits_once_with_audit(app_with_failing_routes, client):
    assert client.post("/_test/create").status_code == 200
    assert _count_users() == 1
    entries = db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.object_type.in_(["user_account", "user_role"]))
    ).all()
    assert {e.action for e in entries} == {"create"}
    created = next(e for e in entries if e.object_type == "user_account")
    assert created.details["email"] == "whole@example.org"
    assert created.actor_label == "anonymous" and created.ip == "127.0.0.1"


def test_update_is_audited_with_before_and_after(app, client, login_as):
    user = login_as("trainee")
    response = client.post(
        "/account", data={"form": "profile", "profile-display_name": "Lina", "profile-language": "fr"}
    )
    assert response.status_code == 302
    updates = db.session.scalars(
        db.select(AuditEntry)
        .where(AuditEntry.action == "update", AuditEntry.object_id == str(user.uuid))
        .order_by(AuditEntry.id)
    ).all()  # the login's own update (last_login_at) comes first; without ORDER BY, PostgreSQL may return any order
    entry = next(e for e in reversed(updates) if "display_name" in e.details)
    assert entry.details["display_name"] == [None, "Lina"]
    assert entry.actor_id == user.id


def test_services_never_commit(app):
    services.create_user("flush@example.org", "Flush Only", ["trainee"])
    db.session.rollback()
    assert _count_users() == 0


def test_composite_keys_and_login_are_attributed(client, create_user):
    user = create_user()
    client.post("/login", data={"email": user.email, "password": "correct horse battery"})
    role_entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.object_type == "user_role"))
    assert role_entry.object_id == f"{user.id}:trainee"
    login_update = db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.action == "update", AuditEntry.object_id == str(user.uuid))
    ).one()
    assert login_update.actor_id == user.id and "last_login_at" in login_update.details
