"""Login, throttling, invitations, password resets and sessions."""

from __future__ import annotations

import re
from datetime import timedelta

import jwt

from core import services, tokens
from core.db import db, utcnow
from core.models import AuditEntry, LoginFailure, OutboxMessage, UsedToken
from tests.conftest import PASSWORD


def _login(client, email, password=PASSWORD, REMOTE_ADDR="127.0.0.1", **extra):
    data = {"email": email, "password": password, **extra}
    return client.post("/login", data=data, environ_base={"REMOTE_ADDR": REMOTE_ADDR})


def _link_in_last_mail(recipient: str) -> str:
    message = db.session.scalars(
        db.select(OutboxMessage).where(OutboxMessage.recipient == recipient).order_by(OutboxMessage.id.desc())
    ).first()
    assert message is not None, "no mail queued"
    return re.search(r"http://localhost(/\S+)", message.body).group(1)


def test_login_and_logout(client, create_user):
    user = create_user(legal_name="Élise Fictive")
    response = _login(client, user.email.upper())  # addresses are case-insensitive
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Bonjour Élise Fictive" in client.get("/").get_data(as_text=True)
    response = client.post("/logout")
    assert response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302
    actions = set(db.session.scalars(db.select(AuditEntry.action)))
    assert {"user.login", "user.logout"} <= actions


def test_wrong_password_is_refused_kindly_and_counted(client, create_user):
    user = create_user()
    response = _login(client, user.email, "wrong password")
    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe non reconnu." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(LoginFailure)) == 1


def test_eleventh_failed_login_is_429_even_with_the_right_password(client, create_user):
    user = create_user()
    for _ in range(10):
        assert _login(client, user.email, "wrong password").status_code == 200
    response = _login(client, user.email)
    assert response.status_code == 429
    assert "Trop de tentatives" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not logged in


def test_throttle_is_per_address_too_with_a_higher_bound(app, client, create_user):
    """Ten people mistyping in one room (one address) lock nobody out; a hundred failures lock the address."""
    for i in range(10):
        _login(client, f"nobody{i}@example.org", "wrong password")
    user = create_user()
    assert _login(client, user.email).status_code == 302
    client.post("/logout")
    db.session.add_all(LoginFailure(email=f"guess{i}@example.org", ip="127.0.0.1", at=utcnow()) for i in range(10, 100))
    db.session.commit()
    assert _login(app.test_client(), user.email).status_code == 429
    assert _login(client, user.email).status_code == 302  # the browser she logged in with before is known
    assert _login(app.test_client(), user.email, REMOTE_ADDR="192.0.2.1").status_code == 302


def test_throttle_ends_after_the_window(client, create_user):
    user = create_user()
    for _ in range(10):
        _login(client, user.email, "wrong password")
    db.session.execute(db.update(LoginFailure).values(at=utcnow() - timedelta(minutes=16)))
    db.session.commit()
    assert _login(client, user.email).status_code == 302


def test_throttle_counter_is_shared_by_app_instances(app, app_config, create_user):
    """The counter lives in the database, so every worker process sees the same failures."""
    from core import create_app
    from tests.conftest import CSRFClient

    user = create_user()
    worker_b = create_app(app_config)
    worker_b.test_client_class = CSRFClient
    client_b = worker_b.test_client()
    for _ in range(10):
        assert client_b.post("/login", data={"email": user.email, "password": "wrong"}).status_code == 200
    with worker_b.app_context():
        db.engine.dispose()  # its own connection pool: close it, as a stopped worker would
    assert app.test_client().post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 429


def test_inactive_account_cannot_log_in(client, create_user):
    user = create_user()
    user.active = False
    db.session.commit()
    assert _login(client, user.email).status_code == 200
    assert client.get("/").status_code == 302


def test_session_is_renewed_at_login(client, create_user):
    user = create_user()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    _login(client, user.email)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == user.get_id()


def test_password_change_ends_other_sessions(app, client, create_user):
    user = create_user()
    other = app.test_client()
    _login(client, user.email)
    _login(other, user.email)
    response = client.post(
        "/account",
        data={"form": "password", "password-current": PASSWORD, "password-password": "a brand new secret",
              "password-confirm": "a brand new secret"},
    )  # fmt: skip
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this session goes on
    assert other.get("/").status_code == 302  # the other one is over


def test_invitation_link_sets_password_once(app, client, login_as):
    login_as("admin")
    response = client.post(
        "/admin/users/new",
        data={
            "email": "Nouvelle@Example.org",
            "legal_name": "Nouvelle Personne",
            "language": "fr",
            "roles": ["trainee"],
        },
    )
    assert response.status_code == 302
    link = _link_in_last_mail("nouvelle@example.org")
    client.post("/logout")

    guest = app.test_client()
    response = guest.get(link)
    assert response.status_code == 302 and response.headers["Location"] == "/invitation"  # token leaves the URL
    page = guest.get("/invitation")
    assert "Bienvenue, Nouvelle Personne" in page.get_data(as_text=True)
    response = guest.post("/invitation", data={"password": "three happy words", "confirm": "three happy words"})
    assert response.status_code == 302
    assert guest.get("/").status_code == 200

    # The same link again: refused.
    again = app.test_client()
    again.get(link)
    response = again.get("/invitation")
    assert response.status_code == 400
    assert "Ce lien ne fonctionne plus" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(UsedToken)) == 1


def test_password_reset_flow(app, client, create_user):
    user = create_user()
    response = client.post("/password/forgot", data={"email": user.email})
    assert response.status_code == 302
    link = _link_in_last_mail(user.email)
    client.get(link)
    response = client.post(
        "/password/reset", data={"password": "another fine secret", "confirm": "another fine secret"}
    )
    assert response.status_code == 302
    client.post("/logout")
    assert _login(client, user.email, "another fine secret").status_code == 302


def test_forgot_password_does_not_reveal_accounts(client):
    response = client.post("/password/forgot", data={"email": "nobody@example.org"})
    assert response.status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 0


def _token_for(app, user, purpose="reset", ttl=3600):
    with app.test_request_context():
        return tokens.make(user, purpose, ttl)


def _try_reset(client, token):
    client.get(f"/password/reset/{token}")
    return client.post("/password/reset", data={"password": "another fine secret", "confirm": "another fine secret"})


def test_tampered_reset_token_is_refused(app, client, create_user):
    user = create_user()
    token = _token_for(app, user)
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    assert _try_reset(client, tampered).status_code == 400


def test_token_signed_with_another_key_or_algorithm_is_refused(app, client, create_user):
    user = create_user()
    claims = jwt.decode(_token_for(app, user), options={"verify_signature": False})
    forged = jwt.encode(claims, "a-guessed-key-long-enough-for-hs256-0123", algorithm="HS256")
    assert _try_reset(client, forged).status_code == 400
    unsigned = jwt.encode(claims, None, algorithm="none")
    assert _try_reset(client, unsigned).status_code == 400


def test_expired_reset_token_is_refused(app, client, create_user):
    user = create_user()
    token = _token_for(app, user, ttl=-1)
    assert _try_reset(client, token).status_code == 400


def test_used_reset_token_is_refused(app, client, create_user):
    user = create_user()
    token = _token_for(app, user)
    assert _try_reset(client, token).status_code == 302
    client.post("/logout")
    assert _try_reset(client, token).status_code == 400


def test_token_for_one_purpose_is_refused_for_another(app, client, create_user):
    user = create_user()
    invite = _token_for(app, user, purpose="invite")
    assert _try_reset(client, invite).status_code == 400


def test_any_password_change_voids_outstanding_tokens(app, client, create_user):
    user = create_user()
    token = _token_for(app, user)
    services.set_password(user, "changed by the coordinator")
    db.session.commit()
    assert _try_reset(client, token).status_code == 400


def test_weak_password_is_refused_with_a_clear_message(app, client, create_user):
    user = create_user()
    client.get(f"/password/reset/{_token_for(app, user)}")
    response = client.post("/password/reset", data={"password": "short", "confirm": "short"})
    assert response.status_code == 200
    assert "au moins 10 caractères" in response.get_data(as_text=True)
