"""Login lock-outs that cannot be turned into a weapon, and logins that cost the same whatever the address.

- Every path through ``authenticate`` computes exactly one password hash: a wrong password, an unknown address,
  a deactivated or erased account, an invitation not yet accepted, a locked pair (timing reveals nothing).
- Failures count per (account, address) and per address with a higher bound, and failures from browsers that
  never logged in to an account count towards an account-wide brake; a browser that logged in before holds a
  signed device cookie and is never locked out by failures from elsewhere (OWASP's "device cookies").
- The same scenarios through real sockets from several loopback source addresses (127.0.0.2, 127.0.0.3), and
  behind a reverse proxy (``PROXY_COUNT``: the address is the one the proxy forwards).
"""

from __future__ import annotations

import http.client
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
import werkzeug.security
from werkzeug.serving import make_server

from core import services
from core.db import db
from core.models import LoginFailure, User
from tests.conftest import CSRF_RE, PASSWORD

TOO_MANY = "Trop de tentatives"
NOT_RECOGNISED = "Adresse e-mail ou mot de passe non reconnu."
ROOM = {"REMOTE_ADDR": "198.51.100.20"}  # a training room behind one NAT address
HOME = {"REMOTE_ADDR": "203.0.113.30"}  # somebody's home
ELSEWHERE = {"REMOTE_ADDR": "192.0.2.40"}
DEVICE_COOKIE = "tremplin_device"


def _login(client, email, password=PASSWORD, environ=None):
    return client.post("/login", data={"email": email, "password": password}, environ_base=environ or ROOM)


def _failures(**where) -> int:
    query = db.select(db.func.count()).select_from(LoginFailure)
    for name, value in where.items():
        query = query.where(getattr(LoginFailure, name) == value)
    return db.session.scalar(query)


# --- 4. Same work on every path ---------------------------------------------------------------------------------


@pytest.fixture
def hash_calls(monkeypatch) -> list[str]:
    """Every password-hash computation Werkzeug makes (scrypt or pbkdf2, to check or to create a hash)."""
    calls: list[str] = []
    real = werkzeug.security._hash_internal

    def counting(method: str, salt: str, password: str):
        calls.append(method)
        return real(method, salt, password)

    monkeypatch.setattr(werkzeug.security, "_hash_internal", counting)
    return calls


ROOM_ADDRESS, LOCKED_ADDRESS = "198.51.100.20", "192.0.2.9"


def _attempt(app, email: str, password: str, ip: str = ROOM_ADDRESS) -> str:
    with app.test_request_context():
        try:
            services.authenticate(email, password, ip)
        except services.TooManyAttempts:
            return "locked"
        except services.ServiceError:
            return "refused"
        finally:
            db.session.commit()  # as the request does: the failure is recorded
    return "accepted"


def test_every_login_path_computes_exactly_one_password_hash(app, create_user, hash_calls):
    known = create_user()
    inactive = create_user()
    inactive.active = False
    invited = create_user(password=None)
    erased = create_user()
    erased.password_hash, erased.active = None, False  # what an erasure leaves (core.privacy)
    locked = create_user()
    db.session.commit()
    app.config["LOGIN_MAX_FAILURES"] = 2
    for _ in range(2):
        _attempt(app, locked.email, "wrong password", LOCKED_ADDRESS)

    paths = {
        "right password": (known.email, PASSWORD, "accepted"),
        "wrong password": (known.email, "wrong password", "refused"),
        "unknown address": ("nobody-here@example.org", "wrong password", "refused"),
        "first unknown address in this process": ("nobody-else@example.org", PASSWORD, "refused"),
        "deactivated, right password": (inactive.email, PASSWORD, "refused"),
        "deactivated, wrong password": (inactive.email, "wrong password", "refused"),
        "invitation not accepted": (invited.email, PASSWORD, "refused"),
        "erased account": (erased.email, PASSWORD, "refused"),
        "locked (account, address), right password": (locked.email, PASSWORD, "locked"),
        "locked (account, address), wrong password": (locked.email, "wrong password", "locked"),
        "malformed address": ("not an address", PASSWORD, "refused"),
    }
    counts, outcomes = {}, {}
    for name, (email, password, expected) in paths.items():
        hash_calls.clear()
        outcomes[name] = (
            _attempt(app, email, password, LOCKED_ADDRESS if "locked" in name else ROOM_ADDRESS),
            expected,
        )
        counts[name] = len(hash_calls)
    assert counts == dict.fromkeys(paths, 1)
    assert all(got == expected for got, expected in outcomes.values()), outcomes


def test_the_dummy_hash_has_the_configured_cost(app, hash_calls):
    """The stand-in hash of unknown accounts is computed with the method and cost of real ones."""
    assert _attempt(app, "nobody@example.org", "x") == "refused"
    assert hash_calls == [app.config["PASSWORD_HASH_METHOD"]]


# --- 5. Lock-outs: per (account, address), per address, per account for unknown browsers ---------------------------


def test_failures_against_one_account_lock_that_account_from_that_address_only(client, create_user):
    coordinator = create_user(roles=("admin",))
    trainee = create_user()
    for _ in range(10):
        assert _login(client, coordinator.email, "guess").status_code == 200
    # From the room, this account is locked (whatever the password) …
    assert _login(client, coordinator.email).status_code == 429
    # … another person's right password from the same room still works …
    assert _login(client, trainee.email).status_code == 302
    client.post("/logout", environ_base=ROOM)
    # … and the coordinator logs in from anywhere else.
    assert _login(client, coordinator.email, environ=HOME).status_code == 302
    # The failures are all kept (the audit trail), with their address.
    assert _failures(email=coordinator.email, ip=ROOM["REMOTE_ADDR"]) == 10


def test_a_room_behind_one_address_is_not_locked_by_ten_people_mistyping(client, create_user):
    people = [create_user() for _ in range(3)]
    for n in range(12):
        assert _login(client, f"typo{n}@example.org", "guess").status_code == 200
    for person in people:
        assert _login(client, person.email).status_code == 302
        client.post("/logout", environ_base=ROOM)


def test_an_address_has_a_higher_bound_of_its_own(app, client, create_user):
    app.config.update(LOGIN_MAX_FAILURES=3, LOGIN_MAX_FAILURES_PER_ADDRESS=6)
    person = create_user()
    for n in range(6):
        assert _login(client, f"guess{n}@example.org", "guess").status_code == 200
    response = _login(client, person.email)
    assert response.status_code == 429 and TOO_MANY in response.get_data(as_text=True)
    assert _login(client, person.email, environ=HOME).status_code == 302  # other addresses go on


def test_an_exempt_network_skips_the_address_bound_but_never_the_account_ones(app, client, create_user):
    app.config.update(
        LOGIN_MAX_FAILURES=3, LOGIN_MAX_FAILURES_PER_ADDRESS=4, RATE_LIMIT_EXEMPT_NETWORKS=["198.51.100.0/24"]
    )
    person = create_user()
    for n in range(6):
        assert _login(client, f"guess{n}@example.org", "guess").status_code == 200
    assert _login(client, person.email).status_code == 302  # the room's address is exempt from its own bound…
    client.post("/logout", environ_base=ROOM)
    stranger = app.test_client()
    for _ in range(3):
        _login(stranger, person.email, "guess")
    assert _login(stranger, person.email).status_code == 429  # …not from the bound per (account, address)


def test_default_bounds_are_ten_per_account_and_address_and_a_hundred_per_address(app):
    assert app.config["LOGIN_MAX_FAILURES"] == 10
    assert app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] == 100
    assert app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] == 50
    assert app.config["LOGIN_FAILURE_WINDOW_SECONDS"] == 900


def test_messages_never_tell_whether_the_account_exists(app, client, create_user):
    app.config["LOGIN_MAX_FAILURES"] = 2
    person = create_user()

    def message(email: str, password: str = "guess") -> tuple[int, str]:  # noqa: S107 (a wrong guess)
        response = _login(client, email, password)
        found = re.search(r'role="alert">([^<]*)<', response.get_data(as_text=True))
        return response.status_code, found.group(1) if found else ""

    assert message(person.email) == message("nobody@example.org") == (200, NOT_RECOGNISED)
    message(person.email), message("nobody@example.org")
    locked = message(person.email, PASSWORD)
    assert locked == message("nobody@example.org", PASSWORD)
    assert locked[0] == 429 and TOO_MANY in locked[1]


# --- the device cookie ------------------------------------------------------------------------------------------


def _device_cookie(client):
    return client.get_cookie(DEVICE_COOKIE)


def test_a_successful_login_gives_the_browser_a_device_cookie(app, client, create_user):
    person = create_user()
    response = _login(client, person.email)
    assert response.status_code == 302
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(DEVICE_COOKIE + "="))
    attributes = {part.strip().split("=")[0].lower() for part in header.split(";")}
    assert {"httponly", "expires", "max-age", "path"} <= attributes and "secure" not in attributes
    assert "samesite=lax" in header.lower()
    cookie = _device_cookie(client)
    assert cookie.max_age == 365 * 24 * 3600 and person.email not in cookie.value  # signed ids, no address
    client.post("/logout", environ_base=ROOM)
    assert _login(client, person.email, "wrong").status_code == 200
    assert _device_cookie(client) is not None  # a failure leaves it alone


def test_the_device_cookie_is_secure_under_https(app_config, create_user):
    from core import create_app
    from tests.conftest import CSRFClient

    https = create_app({**app_config, "BASE_URL": "https://tremplin.example"})
    https.test_client_class = CSRFClient
    person = create_user()
    client = https.test_client()
    client.environ_base.update({"wsgi.url_scheme": "https", "HTTP_REFERER": "https://localhost/login"})
    response = client.post("/login", data={"email": person.email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(DEVICE_COOKIE + "="))
    assert "; secure" in header.lower() and "httponly" in header.lower()
    with https.app_context():
        db.engine.dispose()


def test_a_known_browser_is_never_locked_out_by_failures_from_elsewhere(app, client, create_user):
    coordinator = create_user(roles=("admin",))
    assert _login(client, coordinator.email).status_code == 302  # her browser, in the room
    client.post("/logout", environ_base=ROOM)
    assert _device_cookie(client) is not None  # logging out keeps this browser known
    stranger = app.test_client()  # another browser in the same room, trying her address
    for _ in range(10):
        assert _login(stranger, coordinator.email, "guess").status_code == 200
    assert _login(stranger, coordinator.email).status_code == 429  # the stranger's browser is locked out…
    assert _login(client, coordinator.email).status_code == 302  # …her own browser is not


def test_an_account_wide_brake_spares_known_browsers(app, client, create_user):
    app.config.update(LOGIN_MAX_FAILURES=3, LOGIN_MAX_FAILURES_PER_ACCOUNT=6)
    coordinator = create_user(roles=("admin",))
    assert _login(client, coordinator.email, environ=HOME).status_code == 302
    client.post("/logout", environ_base=HOME)
    attacker = app.test_client()
    for n in range(6):  # a few addresses, each under the per-(account, address) bound
        address = {"REMOTE_ADDR": f"192.0.2.{100 + n // 3}"}
        assert _login(attacker, coordinator.email, "guess", environ=address).status_code == 200
    new_browser = app.test_client()
    assert _login(new_browser, coordinator.email, environ=ELSEWHERE).status_code == 429  # unknown browsers wait
    assert _login(client, coordinator.email, environ=ELSEWHERE).status_code == 302  # her known browser does not


def test_a_known_browser_has_its_own_bound(app, client, create_user):
    app.config["LOGIN_MAX_FAILURES"] = 3
    person = create_user()
    assert _login(client, person.email).status_code == 302
    client.post("/logout", environ_base=ROOM)
    for n in range(3):  # from three addresses: only the device's own count reaches the bound
        assert _login(client, person.email, "guess", environ={"REMOTE_ADDR": f"192.0.2.{n + 1}"}).status_code == 200
    assert _login(client, person.email, environ=HOME).status_code == 429
    assert app.test_client().post("/login", data={"email": person.email, "password": PASSWORD},
                                  environ_base=HOME).status_code == 302  # fmt: skip


def test_the_device_cookie_is_per_account_signed_and_revoked_with_the_sessions(app, client, create_user):
    app.config["LOGIN_MAX_FAILURES"] = 2
    person, other = create_user(), create_user()
    assert _login(client, person.email).status_code == 302
    client.post("/logout", environ_base=ROOM)
    genuine = _device_cookie(client).value
    stranger = app.test_client()
    for email in (person.email, other.email):
        for _ in range(2):
            _login(stranger, email, "guess")
    assert _login(client, person.email).status_code == 302  # known for this account…
    client.post("/logout", environ_base=ROOM)
    assert _login(client, other.email).status_code == 429  # …not for another one

    forged = app.test_client()
    forged.set_cookie(DEVICE_COOKIE, genuine[:-3] + ("AAA" if not genuine.endswith("AAA") else "BBB"))
    assert _login(forged, person.email).status_code == 429  # a tampered cookie counts for nothing

    services.set_password(db.session.merge(person), "another long password")  # the session version changes
    db.session.commit()
    assert _login(client, person.email, "another long password").status_code == 429  # no longer known


def test_the_device_cookie_expires(app, client, create_user, monkeypatch):
    import time

    app.config["LOGIN_MAX_FAILURES"] = 2
    person = create_user()
    assert _login(client, person.email).status_code == 302
    client.post("/logout", environ_base=ROOM)
    stranger = app.test_client()
    for _ in range(2):
        _login(stranger, person.email, "guess")
    later = time.time() + 366 * 24 * 3600
    monkeypatch.setattr(time, "time", lambda: later)
    assert _login(client, person.email).status_code == 429  # a year on, the browser is no longer known


def test_a_password_change_keeps_this_browser_known_and_forgets_the_others(app, client, create_user):
    app.config["LOGIN_MAX_FAILURES"] = 2
    person = create_user()
    other_browser = app.test_client()
    assert _login(other_browser, person.email).status_code == 302
    assert _login(client, person.email).status_code == 302
    new_password = "a brand new secret"
    response = client.post(
        "/account",
        data={"form": "password", "password-current": PASSWORD, "password-password": new_password,
              "password-confirm": new_password},
        environ_base=ROOM,
    )  # fmt: skip
    assert response.status_code == 302
    client.post("/logout", environ_base=ROOM)
    stranger = app.test_client()
    for _ in range(2):
        _login(stranger, person.email, "guess")
    assert _login(client, person.email, new_password).status_code == 302  # the browser that changed it
    assert _login(other_browser, person.email, new_password).status_code == 429  # its entry was revoked


# --- 6. No address is exempt; behind a proxy the forwarded address counts --------------------------------------


@pytest.fixture
def behind_proxy(app, app_config):
    """A second app on the same database, told that one reverse proxy stands in front of it."""
    from core import create_app
    from tests.conftest import CSRFClient

    application = create_app({**app_config, "PROXY_COUNT": 1})
    application.test_client_class = CSRFClient
    yield application
    with application.app_context():
        db.engine.dispose()


def _via_proxy(client, path, data, forwarded_for):
    environ = {"REMOTE_ADDR": "127.0.0.1"}  # nginx on the same host
    return client.post(path, data=data, environ_base=environ, headers={"X-Forwarded-For": forwarded_for})


def test_behind_a_proxy_login_failures_count_per_forwarded_address(behind_proxy, create_user):
    behind_proxy.config["LOGIN_MAX_FAILURES"] = 3
    person = create_user()
    client = behind_proxy.test_client()
    for _ in range(3):
        response = _via_proxy(client, "/login", {"email": person.email, "password": "guess"}, "203.0.113.9")
        assert response.status_code == 200
    assert _failures(ip="203.0.113.9") == 3 and _failures(ip="127.0.0.1") == 0
    locked = _via_proxy(client, "/login", {"email": person.email, "password": PASSWORD}, "203.0.113.9")
    assert locked.status_code == 429
    assert (
        _via_proxy(client, "/login", {"email": person.email, "password": PASSWORD}, "198.51.100.9").status_code == 302
    )


def test_behind_a_proxy_rate_limits_count_per_forwarded_address(behind_proxy):
    client = behind_proxy.test_client()
    form = {"email": "nobody@example.org"}
    for _ in range(5):
        assert _via_proxy(client, "/password/forgot", form, "203.0.113.9").status_code == 302
    assert _via_proxy(client, "/password/forgot", form, "203.0.113.9").status_code == 429
    assert _via_proxy(client, "/password/forgot", form, "198.51.100.9").status_code == 302


def test_without_proxy_count_a_forwarded_header_changes_nothing(client):
    """A visitor cannot pick their own address: without ``PROXY_COUNT`` the header is ignored (and the proxy's
    own address is counted: no address is exempt)."""
    form = {"email": "nobody@example.org"}
    for n in range(5):
        assert _via_proxy(client, "/password/forgot", form, f"203.0.113.{n}").status_code == 302
    assert _via_proxy(client, "/password/forgot", form, "203.0.113.99").status_code == 429


# --- the same through real sockets, from several loopback addresses -----------------------------------------------


class Browser:
    """A minimal HTTP client bound to one source address (127.0.0.x), keeping its cookies."""

    def __init__(self, port: int, source: str) -> None:
        self.port, self.source = port, source
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30, source_address=(self.source, 0))
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    if morsel["max-age"] == "0" or not morsel.value:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            return response.status, response.read().decode()
        finally:
            connection.close()

    def post_form(self, path: str, form: dict) -> int:
        _status, page = self.request("GET", path)
        token = CSRF_RE.search(page).group(1)
        return self.request("POST", path, {**form, "csrf_token": token})[0]

    def login(self, email: str, password: str = PASSWORD) -> int:
        return self.post_form("/login", {"email": email, "password": password})


@contextmanager
def _served(app) -> Iterator[int]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def test_lock_outs_from_several_loopback_addresses(app, create_user):
    coordinator = create_user(roles=("admin",))
    trainee = create_user()
    with _served(app) as port:
        known = Browser(port, "127.0.0.3")
        assert known.login(coordinator.email) == 302  # her own browser, on another machine
        attacker = Browser(port, "127.0.0.2")
        for _ in range(10):
            assert attacker.login(coordinator.email, "guess") == 200
        assert attacker.login(coordinator.email) == 429  # locked for this (account, address)…
        assert Browser(port, "127.0.0.2").login(trainee.email) == 302  # …not for another person there
        assert Browser(port, "127.0.0.3").login(coordinator.email) == 302  # …nor from elsewhere
        # Her known browser, now in the attacker's room, still logs in.
        known_in_room = Browser(port, "127.0.0.2")
        known_in_room.cookies = {DEVICE_COOKIE: known.cookies[DEVICE_COOKIE]}
        assert known_in_room.login(coordinator.email) == 302
    stored = db.session.scalars(db.select(LoginFailure.ip).where(LoginFailure.email == coordinator.email)).all()
    assert stored == ["127.0.0.2"] * 10


def test_loopback_addresses_are_rate_limited_like_any_other(app):
    with _served(app) as port:
        first, second = Browser(port, "127.0.0.2"), Browser(port, "127.0.0.3")
        form = {"email": "nobody@example.org"}
        assert [first.post_form("/password/forgot", form) for _ in range(6)] == [302] * 5 + [429]
        assert second.post_form("/password/forgot", form) == 302


def test_login_failures_need_no_user_row_to_be_counted(app, client):
    """Unknown addresses are counted like known ones (nothing tells them apart)."""
    _login(client, "nobody@example.org", "guess")
    assert _failures(email="nobody@example.org") == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0
