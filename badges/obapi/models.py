"""OAuth 2.0 clients, grants, authorization codes and tokens of the Open Badges 3.0 API.

Secrets are never stored: a client secret, an authorization code, an access token and a refresh token are kept
as their SHA-256 only (the plain value is given once, to the client). The methods are those Authlib's server
calls (``ClientMixin``, ``AuthorizationCodeMixin``, ``TokenMixin``).

A **grant** (:class:`OAuthGrant`) is "this trainee lets this application read this": one per (person, client),
widened when she approves more. Every code and token belongs to one grant; withdrawing the grant (from her
account, "Retirer l'accès") revokes every token of it at once.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, TokenMixin
from authlib.oauth2.rfc6749.util import list_to_scope, scope_to_list
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import PublicIdMixin, UTCDateTime, db, utcnow
from core.models import User

ACCESS_TOKEN_LIFETIME = timedelta(hours=1)
REFRESH_TOKEN_LIFETIME = timedelta(days=90)
CODE_LIFETIME = timedelta(minutes=5)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class OAuthClient(PublicIdMixin, db.Model):
    """An application registered through RFC 7591 dynamic registration."""

    __tablename__ = "obapi_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    client_secret_hash: Mapped[str | None] = mapped_column(sa.String(64), info={"secret": True})
    client_metadata: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # -- what the consent page shows
    @property
    def name(self) -> str:
        return str(self.client_metadata.get("client_name") or self.client_id)

    @property
    def client_uri(self) -> str | None:
        return self.client_metadata.get("client_uri")

    @property
    def redirect_uris(self) -> list[str]:
        return list(self.client_metadata.get("redirect_uris") or [])

    # -- ClientMixin
    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        uris = self.redirect_uris
        return uris[0] if len(uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str:
        if not scope:
            return ""
        allowed = set(scope_to_list(self.client_metadata.get("scope") or ""))
        return list_to_scope([s for s in scope_to_list(scope) if s in allowed])

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        if self.client_secret_hash is None:
            return False
        return hmac.compare_digest(self.client_secret_hash, digest(client_secret))

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == self.client_metadata.get("token_endpoint_auth_method", "client_secret_basic")

    def check_response_type(self, response_type: str) -> bool:
        return response_type in (self.client_metadata.get("response_types") or ["code"])

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in (self.client_metadata.get("grant_types") or ["authorization_code"])


class OAuthGrant(PublicIdMixin, db.Model):
    """One trainee's permission for one application: the scopes she approved, until she withdraws it."""

    __tablename__ = "obapi_grant"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("obapi_client.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    client: Mapped[OAuthClient] = relationship()

    @property
    def scopes(self) -> list[str]:
        return scope_to_list(self.scope) or []


class OAuthCode(db.Model, AuthorizationCodeMixin):
    """A one-time authorization code (PKCE S256), kept as its SHA-256 for five minutes."""

    __tablename__ = "obapi_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, info={"secret": True})
    grant_id: Mapped[int] = mapped_column(sa.ForeignKey("obapi_grant.id", ondelete="CASCADE"), index=True)
    redirect_uri: Mapped[str] = mapped_column(sa.String(500))
    scope: Mapped[str] = mapped_column(sa.String(500))
    code_challenge: Mapped[str] = mapped_column(sa.String(128))
    code_challenge_method: Mapped[str] = mapped_column(sa.String(10))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    grant: Mapped[OAuthGrant] = relationship()

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


class OAuthToken(db.Model, TokenMixin):
    """An access token (one hour) and its refresh token (90 days, rotated on use), as SHA-256."""

    __tablename__ = "obapi_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(sa.ForeignKey("obapi_grant.id", ondelete="CASCADE"), index=True)
    access_token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, info={"secret": True})
    refresh_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True, info={"secret": True})
    scope: Mapped[str] = mapped_column(sa.String(500))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_in: Mapped[int] = mapped_column(sa.Integer)
    access_revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refresh_revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    grant: Mapped[OAuthGrant] = relationship()

    def check_client(self, client: OAuthClient) -> bool:
        return self.grant.client_id == client.id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return utcnow() >= self.issued_at + timedelta(seconds=self.expires_in)

    def is_revoked(self) -> bool:
        return self.access_revoked_at is not None or self.grant.withdrawn_at is not None

    def refresh_usable(self) -> bool:
        return (
            self.refresh_revoked_at is None
            and self.grant.withdrawn_at is None
            and utcnow() < self.issued_at + REFRESH_TOKEN_LIFETIME
        )

    def get_user(self) -> User:
        return self.grant.user

    def get_client(self) -> OAuthClient:
        return self.grant.client
