"""The holder's own backpack: Tremplin as a *consumer* of the 1EdTech Open Badges 3.0 API.

The trainee gives the base URL of another platform that implements the OB 3.0 API. Tremplin:

1. fetches ``<base>/ims/ob/v3p0/discovery`` (an OpenAPI document) through the verifier's :class:`WebResolver`
   (SSRF guard, size cap, deadline) and reads its OAuth 2.0 authorization-code security scheme: the
   ``x-imssf-registrationUrl``, ``authorizationUrl``, ``tokenUrl`` and, when given, ``x-imssf-revocationUrl``;
2. registers itself there (RFC 7591 dynamic client registration);
3. sends the trainee to the authorization URL with PKCE (S256) and a ``state``; on the way back, checks the state
   and exchanges the code for tokens. All of this with **Authlib's** ``OAuth2Session`` (requests), never by hand;
4. pushes each badge she chooses with ``POST <api>/credentials`` in a worker job (:data:`PUSH_JOB`, retried), the
   token refreshed by Authlib when it has expired (the new one saved at once, in its own transaction, so that a
   failed try does not lose a rotated refresh token);
5. on disconnect, deletes the tokens and, when the backpack has a revocation endpoint, revokes them in a job.

Every outgoing request of Authlib's session goes through :class:`GuardedSession`: the URL's host is resolved
(within a deadline), every address is checked with the verifier's :func:`badges.resolver.address_refused`
(``VERIFY_ALLOW_NETWORKS`` opens ranges, as for the verifier), redirects are not followed, proxies from the
environment are ignored, the registration's answer is read up to a cap (token answers are read by Authlib).
HTTPS is required, unless ``AUTHLIB_INSECURE_TRANSPORT`` is set (Authlib's own switch, for tests on loopback).
requests' timeout bounds each read, not a whole answer. Residual risk: requests connects to the host *name* after
the check, so a name that changes its address between the check and the connection (DNS rebinding) is not caught
here as it is by the verifier's resolver.

The client secret and the tokens are sealed (Fernet, with a key derived from the badge-key passphrase) before they
reach the database; neither they nor the bodies of answers are ever logged or shown.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
import sqlalchemy as sa
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc6749.errors import OAuth2Error
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from flask_babel import lazy_gettext as _l

from badges import keys, openbadges
from badges.models import Award, BackpackConnection, BackpackPush, PushStatus
from badges.resolver import WebResolver, address_refused, parse_networks
from core import audit, jobs
from core.db import db, utcnow
from core.models import User
from core.services import ServiceError, external_url

log = logging.getLogger(__name__)

API_PATH = "/ims/ob/v3p0"
SCOPE_UPSERT = "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.upsert"
PUSH_JOB = "badges.backpack_push"
REVOKE_JOB = "badges.backpack_revoke"
TIMEOUT = 10.0
MAX_ANSWER_BYTES = 256 * 1024
PENDING_KEY = "backpack_pending"  # the Flask session's key for the sealed state of a connection under way

#: Why a push failed, as the holder reads it.
PROBLEMS = {
    "unreachable": _l("The other wallet did not answer. Send the badge again later."),
    "refused": _l("The other wallet refused this badge."),
    "not-allowed": _l("The other wallet no longer lets us in. Connect it again."),
    "withdrawn": _l("This badge is no longer valid. It cannot be sent."),
}


class BackpackError(ServiceError):
    """A connection step that failed; ``str()`` is the message the holder reads."""


class Unsafe(requests.RequestException):
    """The guard refused the address (or the URL) of an outgoing request."""


# --------------------------------------------------------------------------------------------- pure helpers


def insecure_transport_allowed() -> bool:
    """Authlib's own switch: plain http for tests on loopback, never in production."""
    return bool(os.environ.get("AUTHLIB_INSECURE_TRANSPORT"))


def normalise_base_url(text: str | None) -> str:
    """The base URL the holder typed, checked and without a trailing slash; ``ValueError`` when it is not one."""
    value = (text or "").strip()
    if not value or len(value) > 400 or any(ord(c) <= 0x20 for c in value):
        raise ValueError("not-a-url")
    if "://" not in value:
        value = "https://" + value
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise ValueError("not-a-url") from None
    allowed = ("https", "http") if insecure_transport_allowed() else ("https",)
    if parts.scheme.lower() not in allowed or not parts.hostname or parts.username or parts.password:
        raise ValueError("not-a-url")
    if parts.query or parts.fragment:
        raise ValueError("not-a-url")
    path = parts.path.rstrip("/")
    if path.endswith(API_PATH):
        path = path[: -len(API_PATH)]
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, "", ""))


@dataclass(frozen=True)
class Discovery:
    """What Tremplin needs from a backpack's OB 3.0 discovery document."""

    name: str
    api_url: str
    registration_url: str
    authorization_url: str
    token_url: str
    revocation_url: str | None
    scopes: tuple[str, ...]


def _absolute(value: Any, base: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("not-ob3")
    text = value.strip()
    if text.startswith("/"):
        parts = urlsplit(base)
        text = f"{parts.scheme}://{parts.netloc}{text}"
    parts = urlsplit(text)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ValueError("not-ob3")
    return text


def read_discovery(document: Any, base_url: str) -> Discovery:
    """The OAuth 2.0 authorization-code scheme of an OB 3.0 discovery document; ``ValueError("not-ob3")`` when
    the document is not one (no such scheme, no registration URL, no scope to upsert credentials)."""
    if not isinstance(document, Mapping) or not isinstance(document.get("openapi"), str):
        raise ValueError("not-ob3")
    info = document.get("info") if isinstance(document.get("info"), Mapping) else {}
    components = document.get("components")
    schemes = components.get("securitySchemes") if isinstance(components, Mapping) else None
    if not isinstance(schemes, Mapping):
        raise ValueError("not-ob3")
    for scheme in schemes.values():
        if not isinstance(scheme, Mapping) or scheme.get("type") != "oauth2":
            continue
        flows = scheme.get("flows")
        flow = flows.get("authorizationCode") if isinstance(flows, Mapping) else None
        if not isinstance(flow, Mapping) or "x-imssf-registrationUrl" not in scheme:
            continue
        scopes = tuple(s for s in (flow.get("scopes") or {}) if isinstance(s, str))
        if SCOPE_UPSERT not in scopes:
            raise ValueError("not-ob3")
        servers = document.get("servers")
        api_url = base_url + API_PATH
        if isinstance(servers, list) and servers and isinstance(servers[0], Mapping) and servers[0].get("url"):
            api_url = _absolute(servers[0]["url"], base_url).rstrip("/")
        revocation = flow.get("x-imssf-revocationUrl") or scheme.get("x-imssf-revocationUrl")
        name = info.get("title") if isinstance(info.get("title"), str) else ""
        return Discovery(
            name=(name.strip() or urlsplit(base_url).netloc)[:200],
            api_url=api_url,
            registration_url=_absolute(scheme["x-imssf-registrationUrl"], base_url),
            authorization_url=_absolute(flow.get("authorizationUrl"), base_url),
            token_url=_absolute(flow.get("tokenUrl"), base_url),
            revocation_url=_absolute(revocation, base_url) if revocation else None,
            scopes=scopes,
        )
    raise ValueError("not-ob3")


# --------------------------------------------------------------------------------------------- sealing


def _fernet() -> Fernet:
    key = hmac.new(keys.passphrase(), b"tremplin/backpack/v1", hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(value: Any) -> str:
    return _fernet().encrypt(json.dumps(value).encode()).decode()


def unseal(sealed: str | None) -> Any:
    if not sealed:
        return None
    try:
        return json.loads(_fernet().decrypt(sealed.encode()))
    except (InvalidToken, ValueError):
        return None


# --------------------------------------------------------------------------------------------- the guarded client


def allow_networks() -> tuple:
    return parse_networks(current_app.config.get("VERIFY_ALLOW_NETWORKS") or "")


def _lookup(host: str, port: int, timeout: float = TIMEOUT) -> list:
    """``socket.getaddrinfo`` within ``timeout`` (the C resolver has no deadline of its own); ``Unsafe`` else."""
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError, ValueError):
            result["infos"] = []

    thread = threading.Thread(target=run, name="backpack-dns", daemon=True)
    thread.start()
    thread.join(timeout)
    if not result.get("infos"):
        raise Unsafe("unreachable")
    return result["infos"]


def check_url(url: str, allowed: Iterable = ()) -> None:
    """Refuse (``Unsafe``) a URL whose host is, or resolves to, an address the verifier would not fetch."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise Unsafe("bad-url") from None
    schemes = ("https", "http") if insecure_transport_allowed() else ("https",)
    if parts.scheme not in schemes or not parts.hostname or parts.username or parts.password:
        raise Unsafe("bad-url")
    port = port or (443 if parts.scheme == "https" else 80)
    infos = _lookup(parts.hostname, port)
    addresses = [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]
    if not addresses or any(address_refused(address, allowed) for address in addresses):
        raise Unsafe("refused-address")


class GuardedSession(OAuth2Session):
    """Authlib's requests session, every request of which passes :func:`check_url` first (the token exchange and
    the refresh too), without redirects, proxies from the environment, or endless waits."""

    def __init__(self, *args: Any, allowed: Iterable = (), **kwargs: Any) -> None:
        super().__init__(*args, default_timeout=TIMEOUT, **kwargs)
        self.trust_env = False
        self.allowed = tuple(allowed)

    def request(self, method, url, withhold_token=False, auth=None, **kwargs):  # type: ignore[override]
        check_url(url, self.allowed)
        kwargs["allow_redirects"] = False
        return super().request(method, url, withhold_token=withhold_token, auth=auth, **kwargs)


def _json_answer(response: requests.Response) -> Any:
    body = response.raw.read(MAX_ANSWER_BYTES + 1, decode_content=True) if response.raw else response.content
    if len(body) > MAX_ANSWER_BYTES:
        raise ValueError("too-large")
    return json.loads(body)


# --------------------------------------------------------------------------------------------- connecting


MESSAGES = {
    "not-a-url": _l("This is not a web address. Check it, for example: https://wallet.example.org"),
    "unreachable": _l("We could not reach this address. Check it, or try again later."),
    "not-ob3": _l("This address is not an Open Badges 3.0 wallet."),
    "registration": _l("The other wallet refused to register Tremplin. Try again later."),
    "denied": _l("The connection was cancelled. Nothing was saved."),
    "state": _l("This connection link is not valid any more. Please start again."),
    "token": _l("The other wallet did not give us access. Nothing was saved."),
    "connected": _l("A wallet is already connected. Disconnect it first."),
}


def _fail(code: str) -> BackpackError:
    return BackpackError(MESSAGES[code])


def redirect_uri() -> str:
    return external_url("badges.backpack_callback")


def connection_of(user: User) -> BackpackConnection | None:
    return db.session.scalar(sa.select(BackpackConnection).where(BackpackConnection.user_id == user.id))


def begin(user: User, text: str | None) -> tuple[str, str]:
    """Discover the backpack, register Tremplin there, and return ``(authorization URL, sealed pending state)``:
    the caller keeps the sealed state in the holder's session and sends her to the URL. Stores nothing."""
    if connection_of(user) is not None:
        raise _fail("connected")
    try:
        base_url = normalise_base_url(text)
    except ValueError:
        raise _fail("not-a-url") from None
    allowed = allow_networks()
    resolver = WebResolver(allow_networks=allowed, timeout=TIMEOUT, max_bytes=MAX_ANSWER_BYTES, cache_size=0)
    fetched = resolver.fetch(base_url + API_PATH + "/discovery", accept="application/json")
    if fetched.problem is not None:
        raise _fail("not-a-url" if fetched.problem in ("bad-url", "unsupported-scheme") else "unreachable")
    if fetched.status != 200:
        raise _fail("not-ob3")
    try:
        discovery = read_discovery(json.loads(fetched.body), base_url)
    except ValueError:
        raise _fail("not-ob3") from None
    metadata = {
        "client_name": "Tremplin",
        "client_uri": current_app.config["BASE_URL"],
        "redirect_uris": [redirect_uri()],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "client_secret_basic",
        "scope": SCOPE_UPSERT,
        "software_id": "tremplin",
        "software_version": "1",
    }
    session = GuardedSession(allowed=allowed)
    try:
        response = session.post(discovery.registration_url, json=metadata, withhold_token=True, stream=True)
        registered = _json_answer(response) if response.status_code in (200, 201) else None
    except (requests.RequestException, ValueError):
        raise _fail("registration") from None
    finally:
        session.close()
    if not isinstance(registered, Mapping) or not isinstance(registered.get("client_id"), str):
        raise _fail("registration")
    secret = registered.get("client_secret") if isinstance(registered.get("client_secret"), str) else None
    verifier = generate_token(64)
    oauth = GuardedSession(
        client_id=registered["client_id"], scope=SCOPE_UPSERT, redirect_uri=redirect_uri(),
        code_challenge_method="S256", allowed=allowed,
    )  # fmt: skip
    url, state = oauth.create_authorization_url(discovery.authorization_url, code_verifier=verifier)
    oauth.close()
    pending = {
        "user": str(user.uuid),
        "base_url": base_url,
        "discovery": discovery.__dict__ | {"scopes": list(discovery.scopes)},
        "client_id": registered["client_id"],
        "client_secret": secret,
        "state": state,
        "verifier": verifier,
        "authorization_request": url,
    }
    return url, seal(pending)


def pending_authorization(sealed_pending: str | None, user: User) -> tuple[str, str] | None:
    """``(backpack name, authorization URL)`` of the connection under way in the holder's session, if any."""
    pending = unseal(sealed_pending)
    if not isinstance(pending, dict) or pending.get("user") != str(user.uuid):
        return None
    return pending["discovery"]["name"], pending["authorization_request"]


def finish(user: User, sealed_pending: str | None, args: Mapping[str, str]) -> BackpackConnection:
    """The holder is back from the authorization page: check the state, exchange the code for tokens (PKCE), and
    store the connection (flushed). Any failure stores nothing."""
    pending = unseal(sealed_pending)
    if not isinstance(pending, dict) or pending.get("user") != str(user.uuid):
        raise _fail("state")
    state = args.get("state") or ""
    if not hmac.compare_digest(state.encode(), str(pending["state"]).encode()):
        raise _fail("state")
    if args.get("error") or not args.get("code"):
        raise _fail("denied")
    if connection_of(user) is not None:
        raise _fail("connected")
    discovery = Discovery(**(pending["discovery"] | {"scopes": tuple(pending["discovery"]["scopes"])}))
    oauth = GuardedSession(
        client_id=pending["client_id"], client_secret=pending["client_secret"], scope=SCOPE_UPSERT,
        redirect_uri=redirect_uri(), code_challenge_method="S256", allowed=allow_networks(),
        token_endpoint_auth_method="client_secret_basic" if pending["client_secret"] else "none",
    )  # fmt: skip
    try:
        token = oauth.fetch_token(
            discovery.token_url, grant_type="authorization_code", code=args["code"],
            code_verifier=pending["verifier"], state=pending["state"],
        )  # fmt: skip
    except (OAuthError, OAuth2Error, requests.RequestException, ValueError):
        raise _fail("token") from None
    finally:
        oauth.close()
    if not isinstance(token, Mapping) or not token.get("access_token"):
        raise _fail("token")
    connection = BackpackConnection(
        user_id=user.id,
        base_url=pending["base_url"],
        name=discovery.name,
        api_url=discovery.api_url,
        token_url=discovery.token_url,
        revocation_url=discovery.revocation_url,
        client_id=pending["client_id"],
        client_secret_sealed=seal(pending["client_secret"]) if pending["client_secret"] else None,
        token_sealed=seal(dict(token)),
    )
    db.session.add(connection)
    db.session.flush()
    audit.record("backpack.connect", "backpack_connection", str(connection.uuid))  # no address: it may name her
    return connection


def disconnect(user: User) -> bool:
    """Delete the connection, its tokens and its list of sent badges (flushed); revoke the tokens in a job when
    the backpack has a revocation endpoint. False when nothing was connected."""
    connection = connection_of(user)
    if connection is None:
        return False
    if connection.revocation_url:
        jobs.enqueue(
            REVOKE_JOB,
            {
                "url": connection.revocation_url,
                "client_id": connection.client_id,
                "secret": connection.client_secret_sealed,
                "token": connection.token_sealed,
            },
            None,  # nobody's: it must run even after an erasure, which deletes the person's jobs
            max_attempts=3,
        )
    audit.record("backpack.disconnect", "backpack_connection", str(connection.uuid))
    db.session.delete(connection)
    db.session.flush()
    return True


# --------------------------------------------------------------------------------------------- pushing


def sendable(award: Award, now: Any = None) -> bool:
    return award.status(now or utcnow()) == "valid" and bool((award.documents or {}).get("ob3"))


def request_pushes(user: User, award_uuids: Iterable[str]) -> list[BackpackPush]:
    """Queue one push job per chosen badge of the holder (valid ones only; flushed). A badge already sent or on
    its way is not sent twice; one that failed is tried again."""
    connection = connection_of(user)
    if connection is None:
        raise BackpackError(_l("Connect a wallet first."))
    wanted: set[uuid.UUID] = set()
    for text in award_uuids:
        try:
            wanted.add(uuid.UUID(str(text)))
        except ValueError:
            continue
    if not wanted:
        raise BackpackError(_l("Choose at least one badge."))
    awards = db.session.scalars(sa.select(Award).where(Award.uuid.in_(wanted), Award.recipient_id == user.id)).all()
    now = utcnow()
    awards = [a for a in awards if sendable(a, now)]
    if not awards:
        raise BackpackError(_l("Choose at least one valid badge."))
    existing = {p.award_id: p for p in connection.pushes}
    queued: list[BackpackPush] = []
    for award in awards:
        push = existing.get(award.id)
        if push is not None and push.status in (PushStatus.SENT.value, PushStatus.PENDING.value):
            continue
        if push is None:
            push = BackpackPush(connection=connection, award=award)
            db.session.add(push)
        push.status, push.problem, push.requested_at, push.sent_at = PushStatus.PENDING.value, None, now, None
        db.session.flush()
        jobs.enqueue(PUSH_JOB, {"push": push.id}, user)
        queued.append(push)
    if queued:
        audit.record("backpack.push", "backpack_connection", str(connection.uuid), count=len(queued))
    return queued


def _save_token_now(connection_id: int, token: Mapping[str, Any]) -> None:
    """A refreshed token, written at once in a transaction of its own (a try that fails later must not lose it)."""
    table = BackpackConnection.__table__
    with db.engine.begin() as conn:
        conn.execute(sa.update(table).where(table.c.id == connection_id).values(token_sealed=seal(dict(token))))


def session_for(connection: BackpackConnection) -> GuardedSession:
    """Authlib's session with the connection's token; it refreshes an expired token and saves the new one."""
    connection_id = connection.id
    secret = unseal(connection.client_secret_sealed)

    def update_token(token, refresh_token=None, access_token=None) -> None:
        _save_token_now(connection_id, token)

    return GuardedSession(
        client_id=connection.client_id, client_secret=secret, token=unseal(connection.token_sealed),
        token_endpoint=connection.token_url, update_token=update_token, allowed=allow_networks(),
        token_endpoint_auth_method="client_secret_basic" if secret else "none",
    )  # fmt: skip


def _credential_of(award: Award, language: str) -> dict[str, Any]:
    editions = award.documents["ob3"]
    return editions[openbadges.edition(editions, language)]


def _mark(push: BackpackPush, status: PushStatus, problem: str | None) -> None:
    push.status, push.problem = status.value, problem
    if status is PushStatus.SENT:
        push.sent_at = utcnow()


def run_push(context: jobs.JobContext) -> None:
    """The job: POST one signed OB 3.0 credential to the holder's backpack. A network failure or a 5xx answer is
    retried (the job raises); a refusal (4xx) is final; after the last try the push is marked failed."""
    push = db.session.get(BackpackPush, int(context.params["push"]))
    if push is None or push.status != PushStatus.PENDING.value:
        return  # disconnected meanwhile, or already done
    award = push.award
    if not sendable(award):
        push.attempts = context.attempt
        _mark(push, PushStatus.FAILED, "withdrawn")
        return
    connection = push.connection
    user = db.session.get(User, connection.user_id)
    credential = _credential_of(award, user.language if user else "fr")
    session = session_for(connection)  # nothing written before the exchange: a refreshed token commits on its own
    try:
        response = session.post(connection.api_url + "/credentials", json=credential, stream=True, timeout=TIMEOUT)
        status = response.status_code
        response.close()
    except (OAuthError, OAuth2Error) as error:
        log.info("backpack push %s: token refused (%s)", push.uuid, type(error).__name__)
        push.attempts = context.attempt
        _mark(push, PushStatus.FAILED, "not-allowed")
        return
    except requests.RequestException as error:
        status = 0
        log.info("backpack push %s: %s", push.uuid, type(error).__name__)
    finally:
        session.close()
    log.info("backpack push %s: answer %s (try %s)", push.uuid, status, context.attempt)
    push.attempts = context.attempt
    if status in (200, 201):
        _mark(push, PushStatus.SENT, None)
    elif status in (401, 403):
        _mark(push, PushStatus.FAILED, "not-allowed")
    elif 400 <= status < 500 and status not in (408, 429):
        _mark(push, PushStatus.FAILED, "refused")
    elif context.last_attempt:
        _mark(push, PushStatus.FAILED, "unreachable")
    else:
        raise RuntimeError(f"backpack answered {status or 'nothing'}: try again later")


def run_revoke(context: jobs.JobContext) -> None:
    """The job: revoke the tokens of a disconnected backpack (RFC 7009), refresh token first."""
    token = unseal(context.params.get("token")) or {}
    secret = unseal(context.params.get("secret"))
    session = GuardedSession(
        client_id=context.params["client_id"], client_secret=secret, allowed=allow_networks(),
        revocation_endpoint_auth_method="client_secret_basic" if secret else "none",
    )  # fmt: skip
    try:
        for hint in ("refresh_token", "access_token"):
            if token.get(hint):
                response = session.revoke_token(context.params["url"], token=token[hint], token_type_hint=hint)
                if response.status_code >= 500:
                    raise RuntimeError(f"revocation answered {response.status_code}")
    finally:
        session.close()


def push_rows(user: User) -> dict[int, BackpackPush]:
    """The holder's pushes by award id (for her page)."""
    connection = connection_of(user)
    return {p.award_id: p for p in connection.pushes} if connection else {}


def problem_text(code: str | None) -> str:
    return str(PROBLEMS.get(code or "", PROBLEMS["refused"]))


jobs.register_job_kind(PUSH_JOB, run_push, _l("Sending a badge to your wallet"))
jobs.register_job_kind(REVOKE_JOB, run_revoke, _l("Disconnecting a wallet"))
