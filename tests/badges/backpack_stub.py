"""A stand-in for someone else's backpack: a small Flask app, independent of Tremplin (it imports nothing of it),
implementing the service-provider side of the 1EdTech OB 3.0 API with **Authlib's server**: the discovery document,
dynamic client registration (RFC 7591), authorization (approved at once, PKCE S256 required), the token endpoint
(authorization code and refresh token), token revocation (RFC 7009), and ``POST /ims/ob/v3p0/credentials``,
protected by the bearer token and its scope, which records what it received.

It listens on 127.0.0.1 (a free port) in a thread. Knobs for the tests: ``refuse_next`` (answer 503 to that many
pushes), ``reject`` (400 to every push), ``refuse_registration``, ``deny`` (the user says no), ``discovery``
(replace the document)."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7591 import ClientRegistrationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

SCOPE_UPSERT = "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.upsert"
SCOPE_READ = "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly"


@dataclass
class Client:
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    scope: str
    auth_method: str = "client_secret_basic"
    grant_types: tuple[str, ...] = ("authorization_code", "refresh_token")

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope):
        allowed = set(self.scope.split())
        return " ".join(s for s in (scope or "").split() if s in allowed)

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return method == self.auth_method

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type in self.grant_types


@dataclass
class Code:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    code_challenge: str | None
    code_challenge_method: str | None

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope


@dataclass
class Token:
    client_id: str
    access_token: str
    refresh_token: str | None
    scope: str
    issued_at: float
    expires_in: int
    revoked: bool = False

    def check_client(self, client):
        return client.client_id == self.client_id

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return self.expires_in

    def is_expired(self):
        return time.time() >= self.issued_at + self.expires_in

    def is_revoked(self):
        return self.revoked

    def get_user(self):
        return "holder"

    def get_client(self):
        return STUBS[self.client_id].clients[self.client_id]


STUBS: dict[str, StubBackpack] = {}  # client id → its stub (for Token.get_client)


@dataclass
class StubBackpack:
    clients: dict[str, Client] = field(default_factory=dict)
    codes: dict[str, Code] = field(default_factory=dict)
    tokens: list[Token] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)  # credentials accepted
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path), every request
    token_grants: list[str] = field(default_factory=list)  # grant types asked at the token endpoint
    revoked: list[str] = field(default_factory=list)  # token type hints of revocations
    refuse_next: int = 0
    reject: bool = False  # answer 400 to every push (a refusal for good)
    refuse_registration: bool = False
    deny: bool = False
    discovery: dict[str, Any] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.app = self._make_app()
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def expire_tokens(self) -> None:
        with self.lock:
            for token in self.tokens:
                token.issued_at -= token.expires_in + 1

    def discovery_document(self) -> dict[str, Any]:
        return {
            "openapi": "3.0.1",
            "info": {"title": "Stub Backpack", "version": "1.0", "x-imssf-privacyPolicyUrl": f"{self.url}/privacy"},
            "servers": [{"url": f"{self.url}/ims/ob/v3p0"}],
            "paths": {},
            "components": {
                "securitySchemes": {
                    "OAuth2ACG": {
                        "type": "oauth2",
                        "x-imssf-registrationUrl": f"{self.url}/register",
                        "flows": {
                            "authorizationCode": {
                                "authorizationUrl": f"{self.url}/authorize",
                                "tokenUrl": f"{self.url}/token",
                                "refreshUrl": f"{self.url}/token",
                                "x-imssf-revocationUrl": f"{self.url}/revoke",
                                "scopes": {SCOPE_UPSERT: "Create or update credentials", SCOPE_READ: "Read"},
                            }
                        },
                    }
                }
            },
        }

    # ------------------------------------------------------------------------------------------------- the app

    def _make_app(self) -> Flask:
        stub = self
        app = Flask("stub_backpack")
        app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {"authorization_code": 3600, "refresh_token": 3600}
        app.config["OAUTH2_REFRESH_TOKEN_GENERATOR"] = True

        def query_client(client_id):
            return stub.clients.get(client_id)

        def save_token(token, req):
            with stub.lock:
                stub.tokens.append(
                    Token(
                        client_id=req.client.client_id,
                        access_token=token["access_token"],
                        refresh_token=token.get("refresh_token"),
                        scope=token.get("scope", ""),
                        issued_at=time.time(),
                        expires_in=token["expires_in"],
                    )
                )

        server = AuthorizationServer(app, query_client=query_client, save_token=save_token)

        class CodeGrant(grants.AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "none"]

            def save_authorization_code(self, code, req):
                stub.codes[code] = Code(
                    code, req.client.client_id, req.payload.redirect_uri, req.payload.scope,
                    req.payload.data.get("code_challenge"), req.payload.data.get("code_challenge_method"),
                )  # fmt: skip

            def query_authorization_code(self, code, client):
                found = stub.codes.get(code)
                return found if found and found.client_id == client.client_id else None

            def delete_authorization_code(self, authorization_code):
                stub.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code):
                return "holder"

        class RefreshGrant(grants.RefreshTokenGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "none"]
            INCLUDE_NEW_REFRESH_TOKEN = True

            def authenticate_refresh_token(self, refresh_token):
                return next((t for t in stub.tokens if t.refresh_token == refresh_token and not t.revoked), None)

            def authenticate_user(self, refresh_token):
                return "holder"

            def revoke_old_credential(self, refresh_token):
                refresh_token.revoked = True

        class Registration(ClientRegistrationEndpoint):
            def authenticate_token(self, req):
                return True  # open registration, as OB 3.0 asks

            def get_server_metadata(self):
                return {
                    "scopes_supported": [SCOPE_UPSERT, SCOPE_READ],
                    "response_types_supported": ["code"],
                    "grant_types_supported": ["authorization_code", "refresh_token"],
                    "token_endpoint_auth_methods_supported": ["client_secret_basic", "none"],
                }

            def save_client(self, client_info, client_metadata, req):
                client = Client(
                    client_id=client_info["client_id"],
                    client_secret=client_info["client_secret"],
                    redirect_uris=list(client_metadata["redirect_uris"]),
                    scope=client_metadata.get("scope", ""),
                    auth_method=client_metadata.get("token_endpoint_auth_method", "client_secret_basic"),
                )
                stub.clients[client.client_id] = client
                STUBS[client.client_id] = stub
                return client

        class Revocation(RevocationEndpoint):
            CLIENT_AUTH_METHODS = ["client_secret_basic", "none"]

            def query_token(self, token_string, token_type_hint):
                return next((t for t in stub.tokens if token_string in (t.access_token, t.refresh_token)), None)

            def revoke_token(self, token, req):
                token.revoked = True
                stub.revoked.append(req.form.get("token_type_hint") or "")

        class Validator(BearerTokenValidator):
            def authenticate_token(self, token_string):
                return next((t for t in stub.tokens if t.access_token == token_string), None)

        server.register_grant(CodeGrant, [CodeChallenge(required=True)])
        server.register_grant(RefreshGrant)
        server.register_endpoint(Registration)
        server.register_endpoint(Revocation)
        require_oauth = ResourceProtector()
        require_oauth.register_token_validator(Validator())

        @app.before_request
        def remember() -> None:
            with stub.lock:
                stub.requests.append((request.method, request.path))

        @app.get("/ims/ob/v3p0/discovery")
        def discovery():
            return jsonify(stub.discovery if stub.discovery is not None else stub.discovery_document())

        @app.post("/register")
        def register():
            if stub.refuse_registration:
                return jsonify(error="invalid_client_metadata"), 400
            return server.create_endpoint_response("client_registration")

        @app.get("/authorize")
        def authorize():
            grant = server.get_consent_grant(end_user="holder")
            return server.create_authorization_response(grant=grant, grant_user=None if stub.deny else "holder")

        @app.post("/token")
        def token():
            stub.token_grants.append(request.form.get("grant_type", ""))
            return server.create_token_response()

        @app.post("/revoke")
        def revoke():
            return server.create_endpoint_response("revocation")

        @app.post("/ims/ob/v3p0/credentials")
        @require_oauth(SCOPE_UPSERT)
        def credentials():
            with stub.lock:
                if stub.reject:
                    return jsonify(imsx_codeMajor="failure", imsx_severity="error"), 400
                if stub.refuse_next > 0:
                    stub.refuse_next -= 1
                    return jsonify(imsx_codeMajor="failure", imsx_severity="error"), 503
                body = request.get_json(silent=True)
                if not isinstance(body, dict):
                    return jsonify(imsx_codeMajor="failure", imsx_severity="error"), 400
                stub.received.append(body)
            return jsonify(body), 201

        return app
