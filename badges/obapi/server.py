"""The OAuth 2.0 authorization server and resource protector of the Open Badges 3.0 API, built on Authlib.

* RFC 7591 dynamic registration (open: no initial access token, as the OB 3.0 API asks); redirect URIs must be
  ``https``, or ``http`` on the loopback only;
* authorization code grant with PKCE — ``S256`` required, for every client;
* refresh token grant with rotation (the old refresh token and its access token die when a new pair is issued);
* RFC 7009 revocation;
* bearer tokens checked by :data:`require_oauth`.

Every code and token is stored as its SHA-256 (``badges.obapi.models``). These functions flush; the view commits.
"""

from __future__ import annotations

import ipaddress
import secrets
from urllib.parse import urlsplit

import sqlalchemy as sa
from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7591 import ClientRegistrationEndpoint, InvalidClientMetadataError
from authlib.oauth2.rfc7636 import CodeChallenge
from flask import abort, current_app, jsonify

from badges.obapi.models import (
    ACCESS_TOKEN_LIFETIME,
    CODE_LIFETIME,
    OAuthClient,
    OAuthCode,
    OAuthGrant,
    OAuthToken,
    digest,
)
from core.db import db, utcnow

SCOPE_BASE = "https://purl.imsglobal.org/spec/ob/v3p0/scope/"
CREDENTIAL_READ = SCOPE_BASE + "credential.readonly"
CREDENTIAL_UPSERT = SCOPE_BASE + "credential.upsert"
PROFILE_READ = SCOPE_BASE + "profile.readonly"
PROFILE_UPDATE = SCOPE_BASE + "profile.update"
#: The scopes this platform grants. ``credential.upsert`` and ``profile.update`` are declared by the OB 3.0 API
#: but not granted: the platform does not store badges from elsewhere nor let an application edit a profile.
SCOPES_SUPPORTED = (CREDENTIAL_READ, PROFILE_READ)
AUTH_METHODS = ("client_secret_basic", "client_secret_post", "none")


def _is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def redirect_uri_problem(uri: str) -> str | None:
    """Why ``uri`` cannot be a redirect URI, or ``None``: https, or http on the loopback only; no fragment."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return f"{uri!r} is not a URL"
    if parts.fragment:
        return f"{uri!r} has a fragment"
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and _is_loopback(parts.hostname):
        return None
    return f"{uri!r} must use https (http is allowed on the loopback only)"


# ------------------------------------------------------------------------------------------------ grants


class S256Challenge(CodeChallenge):
    """PKCE with ``S256``, required of every client (confidential ones too)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send code_challenge with code_challenge_method=S256.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Unsupported 'code_challenge_method': only S256 is accepted.")
        super().validate_code_challenge(grant, redirect_uri)

    def get_authorization_code_challenge(self, authorization_code: OAuthCode) -> str:
        return authorization_code.code_challenge

    def get_authorization_code_challenge_method(self, authorization_code: OAuthCode) -> str:
        return authorization_code.code_challenge_method


def active_grant(user, client: OAuthClient) -> OAuthGrant | None:
    return db.session.scalar(
        sa.select(OAuthGrant).where(
            OAuthGrant.user_id == user.id, OAuthGrant.client_id == client.id, OAuthGrant.withdrawn_at.is_(None)
        )
    )


def approve(user, client: OAuthClient, scope: str) -> OAuthGrant:
    """Record the trainee's approval of ``scope`` for ``client`` (widening the grant she already gave)."""
    grant = active_grant(user, client)
    wanted = scope_to_list(scope) or []
    if grant is None:
        grant = OAuthGrant(user=user, client=client, scope=" ".join(wanted))
        db.session.add(grant)
    else:
        grant.scope = " ".join(dict.fromkeys(grant.scopes + wanted))
    db.session.flush()
    return grant


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = list(AUTH_METHODS)

    def save_authorization_code(self, code: str, request) -> OAuthCode:
        grant = active_grant(request.user, request.client)
        data = request.payload.data
        row = OAuthCode(
            code_hash=digest(code),
            grant=grant,
            redirect_uri=request.payload.redirect_uri or "",
            scope=request.payload.scope or "",
            code_challenge=data["code_challenge"],
            code_challenge_method=data["code_challenge_method"],
            expires_at=utcnow() + CODE_LIFETIME,
        )
        db.session.add(row)
        db.session.flush()
        return row

    def query_authorization_code(self, code: str, client: OAuthClient) -> OAuthCode | None:
        row = db.session.scalar(sa.select(OAuthCode).where(OAuthCode.code_hash == digest(code)))
        if row is None or row.grant.client_id != client.id or row.grant.withdrawn_at is not None:
            return None
        if row.expires_at <= utcnow():
            return None
        return row

    def delete_authorization_code(self, authorization_code: OAuthCode) -> None:
        db.session.delete(authorization_code)
        db.session.flush()

    def authenticate_user(self, authorization_code: OAuthCode):
        return authorization_code.grant.user


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = list(AUTH_METHODS)
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> OAuthToken | None:
        row = db.session.scalar(sa.select(OAuthToken).where(OAuthToken.refresh_token_hash == digest(refresh_token)))
        return row if row is not None and row.refresh_usable() else None

    def authenticate_user(self, refresh_token: OAuthToken):
        return refresh_token.grant.user

    def revoke_old_credential(self, refresh_token: OAuthToken) -> None:
        now = utcnow()
        refresh_token.refresh_revoked_at = now
        refresh_token.access_revoked_at = refresh_token.access_revoked_at or now
        db.session.flush()


# ------------------------------------------------------------------------------------------------ endpoints


class RegistrationEndpoint(ClientRegistrationEndpoint):
    def authenticate_token(self, request):
        return True  # open registration: what an application may read is decided by the trainee, not here

    def resolve_public_key(self, request):
        return None

    def get_server_metadata(self) -> dict:
        return {
            "scopes_supported": list(SCOPES_SUPPORTED),
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_methods_supported": list(AUTH_METHODS),
        }

    def extract_client_metadata(self, request) -> dict:
        metadata = super().extract_client_metadata(request)
        if not str(metadata.get("client_name") or "").strip():
            raise InvalidClientMetadataError("client_name is required: the trainee must know who asks.")
        uris = metadata.get("redirect_uris") or []
        if not uris:
            raise InvalidClientMetadataError("redirect_uris is required.")
        for uri in uris:
            problem = redirect_uri_problem(uri)
            if problem:
                raise InvalidClientMetadataError(problem)
        metadata["client_name"] = " ".join(str(metadata["client_name"]).split())[:100]
        metadata.setdefault("scope", " ".join(SCOPES_SUPPORTED))
        metadata.setdefault("grant_types", ["authorization_code", "refresh_token"])
        metadata.setdefault("response_types", ["code"])
        metadata.setdefault("token_endpoint_auth_method", "client_secret_basic")
        return metadata

    def generate_client_id(self, request) -> str:
        return secrets.token_urlsafe(24)

    def generate_client_secret(self, request):
        if (request.payload.data or {}).get("token_endpoint_auth_method") == "none":
            return None  # a public client (PKCE alone) gets no secret
        return secrets.token_urlsafe(32)

    def save_client(self, client_info: dict, client_metadata: dict, request) -> OAuthClient:
        secret = client_info.get("client_secret")
        client = OAuthClient(
            client_id=client_info["client_id"],
            client_secret_hash=digest(secret) if secret else None,
            client_metadata=client_metadata,
        )
        db.session.add(client)
        db.session.flush()
        return client

    def create_registration_response(self, request):
        status, body, headers = super().create_registration_response(request)
        if body.get("client_secret") is None:
            body.pop("client_secret", None)
            body.pop("client_secret_expires_at", None)
        return status, body, headers


class TokenRevocationEndpoint(RevocationEndpoint):
    CLIENT_AUTH_METHODS = list(AUTH_METHODS)

    def query_token(self, token_string: str, token_type_hint: str | None) -> OAuthToken | None:
        hashed = digest(token_string)
        columns = [OAuthToken.access_token_hash, OAuthToken.refresh_token_hash]
        if token_type_hint == "refresh_token":  # noqa: S105 - a hint name, not a secret
            columns.reverse()
        for column in columns:
            row = db.session.scalar(sa.select(OAuthToken).where(column == hashed))
            if row is not None:
                return row
        return None

    def revoke_token(self, token: OAuthToken, request) -> None:
        now = utcnow()
        token.access_revoked_at = token.access_revoked_at or now
        token.refresh_revoked_at = token.refresh_revoked_at or now
        db.session.flush()


def query_client(client_id: str) -> OAuthClient | None:
    return db.session.scalar(sa.select(OAuthClient).where(OAuthClient.client_id == client_id))


def save_token(token: dict, request) -> None:
    """Store the new token pair as hashes, in the grant of the code or refresh token it comes from."""
    if getattr(request, "refresh_token", None) is not None:
        grant = request.refresh_token.grant
    else:
        grant = request.authorization_code.grant
    db.session.add(
        OAuthToken(
            grant=grant,
            access_token_hash=digest(token["access_token"]),
            refresh_token_hash=digest(token["refresh_token"]) if token.get("refresh_token") else None,
            scope=token.get("scope") or "",
            expires_in=int(token["expires_in"]),
        )
    )
    db.session.flush()


class TokenValidator(BearerTokenValidator):
    def authenticate_token(self, token_string: str) -> OAuthToken | None:
        return db.session.scalar(sa.select(OAuthToken).where(OAuthToken.access_token_hash == digest(token_string)))


def imsx(status: int, description: str, minor: str):
    """An ``Imsx_StatusInfo`` error response."""
    body = {
        "imsx_codeMajor": "unsupported" if status == 405 else "failure",
        "imsx_severity": "error",
        "imsx_description": description,
        "imsx_codeMinor": {
            "imsx_codeMinorField": [{"imsx_codeMinorFieldName": "TargetEndSystem", "imsx_codeMinorFieldValue": minor}]
        },
    }
    response = jsonify(body)
    response.status_code = status
    return response


class ImsxResourceProtector(ResourceProtector):
    """Authlib's bearer check, answering its refusals as ``Imsx_StatusInfo`` (with ``WWW-Authenticate``)."""

    def raise_error_response(self, error):
        status = error.status_code
        minor = "forbidden" if status == 403 else "unauthorizedrequest"
        response = imsx(status, error.description or error.error, minor)
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        abort(response)


require_oauth = ImsxResourceProtector()
require_oauth.register_token_validator(TokenValidator())


def init_app(app) -> None:
    app.config.setdefault("OAUTH2_TOKEN_EXPIRES_IN", {"authorization_code": int(ACCESS_TOKEN_LIFETIME.total_seconds())})
    app.config["OAUTH2_TOKEN_EXPIRES_IN"].setdefault("refresh_token", int(ACCESS_TOKEN_LIFETIME.total_seconds()))
    app.config.setdefault("OAUTH2_REFRESH_TOKEN_GENERATOR", True)
    authorization = AuthorizationServer(app, query_client=query_client, save_token=save_token)
    authorization.scopes_supported = list(SCOPES_SUPPORTED)
    authorization.register_grant(AuthorizationCodeGrant, [S256Challenge(required=True)])
    authorization.register_grant(RefreshTokenGrant)
    authorization.register_endpoint(RegistrationEndpoint)
    authorization.register_endpoint(TokenRevocationEndpoint)
    app.extensions["tremplin.obapi"] = authorization


def server() -> AuthorizationServer:
    return current_app.extensions["tremplin.obapi"]
