"""The 1EdTech Open Badges 3.0 API (service provider): an application — a backpack, an LMS, a wallet — reads a
trainee's badges and profile with her consent.

* ``/ims/ob/v3p0/discovery``: the OpenAPI document (made by flask-smorest from :mod:`badges.obapi.schemas`);
* ``/ims/ob/v3p0/auth/register`` (RFC 7591), ``/auth/authorize`` (the consent page), ``/auth/token``,
  ``/auth/revoke`` (RFC 7009): Authlib's authorization server (:mod:`badges.obapi.server`);
* ``/ims/ob/v3p0/credentials`` and ``/ims/ob/v3p0/profile``: bearer tokens only (no session, no CSRF);
* ``/account/applications``: the trainee sees the applications she let in and withdraws their access.

Which badges are read: her current badges (not revoked, not replaced), except those she declined; private ones
too, since she chose to give them to this application. ``POST /credentials`` (storing a badge from elsewhere) and
``PUT /profile`` are refused with 405: the platform keeps only the badges it issued.
"""

from __future__ import annotations

import copy
import re
import uuid
from urllib.parse import urlencode, urlsplit

import sqlalchemy as sa
from authlib.integrations.flask_oauth2 import current_token
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749.util import scope_to_list
from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Blueprint as ApiBlueprint
from flask_wtf import FlaskForm
from werkzeug.exceptions import HTTPException

from badges.models import Award, Visibility
from badges.obapi import server as oauth
from badges.obapi.models import OAuthGrant, OAuthToken
from badges.obapi.schemas import (
    SCOPE_DESCRIPTIONS,
    CredentialsQuery,
    GetOpenBadgeCredentialsResponse,
    ImsxStatusInfo,
    ObApi,
    Profile,
)
from core import audit
from core.db import db, utcnow
from core.extensions import csrf
from core.i18n import current_language
from core.security import CSP, public, rate_limited
from core.services import external_url

PREFIX = "/ims/ob/v3p0"
SECURITY_SCHEME = "OAuth2ACG"

blp = ApiBlueprint("obapi", __name__, url_prefix=PREFIX, description="Open Badges 3.0 API")
bp = Blueprint("oauth", __name__)

#: What the trainee is told each scope shares (consent page, her applications page).
SCOPE_WORDS = {
    oauth.CREDENTIAL_READ: _l("Your badges. Not the ones you declined."),
    oauth.PROFILE_READ: _l("Your name and your e-mail address."),
}


# ------------------------------------------------------------------------------------------------ resources


@blp.errorhandler(HTTPException)
def _imsx_error(error: HTTPException):
    """Every refusal of the resource endpoints as ``Imsx_StatusInfo``."""
    if error.response is not None:
        return error.response
    minor = {400: "invalid_data", 404: "not_found", 405: "not_allowed", 422: "invalid_query_parameter"}
    status = error.code or 500
    description = error.description
    messages = getattr(error, "data", {}).get("messages") if hasattr(error, "data") else None
    if messages:
        description = "; ".join(
            f"{name}: {' '.join(map(str, errs))}" for loc in messages.values() for name, errs in loc.items()
        )
    return oauth.imsx(status, str(description), minor.get(status, "unknown"))


def _page_links(total: int, limit: int, offset: int, since: str | None) -> str:
    """RFC 8288 ``Link`` header: first, prev, next, last."""
    base = external_url("obapi.get_credentials")

    def url(at: int) -> str:
        query = {"limit": limit, "offset": at}
        if since:
            query["since"] = since
        return f"{base}?{urlencode(query)}"

    last = max(0, (total - 1) // limit * limit)
    links = [f'<{url(0)}>; rel="first"']
    if offset > 0:
        links.append(f'<{url(max(0, offset - limit))}>; rel="prev"')
    if offset + limit < total:
        links.append(f'<{url(offset + limit)}>; rel="next"')
    links.append(f'<{url(last)}>; rel="last"')
    return ", ".join(links)


def _token_user():
    token: OAuthToken = current_token._get_current_object()
    user = token.get_user()
    if not user.active:
        abort(oauth.imsx(401, "This account is closed.", "unauthorizedrequest"))
    return user


@blp.route("/credentials", methods=["GET"])
@blp.arguments(CredentialsQuery, location="query", as_kwargs=True)
@blp.response(200, GetOpenBadgeCredentialsResponse, headers={"X-Total-Count": {"schema": {"type": "integer"}}})
@blp.alt_response(401, schema=ImsxStatusInfo, description="No valid token")
@blp.alt_response(403, schema=ImsxStatusInfo, description="The token lacks the credential.readonly scope")
@blp.doc(operationId="getCredentials", security=[{SECURITY_SCHEME: [oauth.CREDENTIAL_READ]}])
@public
@oauth.require_oauth(oauth.CREDENTIAL_READ)
def get_credentials(limit: int, offset: int, since):
    """The trainee's badges as OB 3.0 AchievementCredentials, newest first (``limit``/``offset``, ``since``)."""
    user = _token_user()
    query = sa.select(Award).where(
        Award.recipient_id == user.id,
        Award.revoked_at.is_(None),
        Award.visibility != Visibility.DECLINED.value,
    )
    if since is not None:
        query = query.where(Award.issued_at > since)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    awards = db.session.scalars(
        query.order_by(Award.issued_at.desc(), Award.id.desc()).limit(limit).offset(offset)
    ).all()
    lang = user.language
    credentials = []
    for award in awards:
        editions = award.documents["ob3"]
        credentials.append(editions.get(lang) or editions.get("fr") or next(iter(editions.values())))
    headers = {
        "X-Total-Count": str(total),
        "Link": _page_links(total, limit, offset, request.args.get("since")),
        "Cache-Control": "no-store",
    }
    return {"credential": credentials}, 200, headers


@blp.route("/credentials", methods=["POST"])
@blp.response(405, ImsxStatusInfo)
@blp.doc(operationId="upsertCredential", security=[{SECURITY_SCHEME: [oauth.CREDENTIAL_UPSERT]}])
@public
def upsert_credential():
    """Refused: the platform keeps only the badges it issued (no badge from elsewhere is stored)."""
    return oauth.imsx(405, "This platform does not store credentials issued elsewhere.", "not_allowed")


@blp.route("/profile", methods=["GET"])
@blp.response(200, Profile)
@blp.alt_response(401, schema=ImsxStatusInfo, description="No valid token")
@blp.alt_response(403, schema=ImsxStatusInfo, description="The token lacks the profile.readonly scope")
@blp.doc(operationId="getProfile", security=[{SECURITY_SCHEME: [oauth.PROFILE_READ]}])
@public
@oauth.require_oauth(oauth.PROFILE_READ)
def get_profile():
    """The trainee's profile: an identifier, her name and her e-mail address (nothing else is ever shared)."""
    user = _token_user()
    return (
        {"id": f"urn:uuid:{user.uuid}", "type": ["Profile"], "name": user.name, "email": user.email},
        200,
        {"Cache-Control": "no-store"},
    )


@blp.route("/profile", methods=["PUT"])
@blp.response(405, ImsxStatusInfo)
@blp.doc(operationId="putProfile", security=[{SECURITY_SCHEME: [oauth.PROFILE_UPDATE]}])
@public
def put_profile():
    """Refused: an application cannot change a trainee's profile."""
    return oauth.imsx(405, "The profile cannot be changed through this API.", "not_allowed")


for _view in (get_credentials, upsert_credential, put_profile):
    csrf.exempt(_view)


# ------------------------------------------------------------------------------------------------ discovery


@bp.route(PREFIX + "/discovery")
@public
def discovery():
    """The OpenAPI 3 document of this API, with its OAuth 2.0 security scheme (OB 3.0, "Service discovery")."""
    base = current_app.config["BASE_URL"]
    spec = copy.deepcopy(current_app.extensions["tremplin.obapi.api"].spec.to_dict())
    spec["paths"] = {path.removeprefix(PREFIX): item for path, item in spec.get("paths", {}).items()}
    spec["servers"] = [{"url": base + PREFIX, "description": "Tremplin"}]
    spec["info"].update(
        {
            "title": "Open Badges API",
            "version": "3.0",
            "termsOfService": current_app.config.get("OBAPI_TERMS_URL") or external_url("privacy.notice"),
            "x-imssf-image": external_url("static", filename="img/logo.svg"),
            "x-imssf-privacyPolicyUrl": external_url("privacy.notice"),
        }
    )
    spec.setdefault("components", {})["securitySchemes"] = {
        SECURITY_SCHEME: {
            "type": "oauth2",
            "description": "OAuth 2.0 Authorization Code Grant with PKCE (S256) and dynamic client registration.",
            "x-imssf-registrationUrl": external_url("oauth.register"),
            "flows": {
                "authorizationCode": {
                    "authorizationUrl": external_url("oauth.authorize"),
                    "tokenUrl": external_url("oauth.token"),
                    "refreshUrl": external_url("oauth.token"),
                    "x-imssf-revocationUrl": external_url("oauth.revoke"),
                    "scopes": SCOPE_DESCRIPTIONS,
                }
            },
        }
    }
    response = current_app.json.response(spec)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# ------------------------------------------------------------------------------------------------ OAuth 2.0


def _finish(response):
    """Commit what Authlib flushed when it succeeded; otherwise leave nothing behind."""
    if response.status_code < 400:
        db.session.commit()
    else:
        db.session.rollback()
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route(PREFIX + "/auth/register", methods=["POST"])
@public
@csrf.exempt
@rate_limited("oauth-register")
def register():
    """RFC 7591 dynamic client registration (open)."""
    if not request.is_json or not isinstance(request.get_json(silent=True), dict):
        response = current_app.json.response(
            error="invalid_request", error_description="Send the client metadata as a JSON object."
        )
        response.status_code = 400
        return _finish(response)
    return _finish(oauth.server().create_endpoint_response("client_registration"))


@bp.route(PREFIX + "/auth/token", methods=["POST"])
@public
@csrf.exempt
def token():
    return _finish(oauth.server().create_token_response())


@bp.route(PREFIX + "/auth/revoke", methods=["POST"])
@public
@csrf.exempt
def revoke():
    """RFC 7009 token revocation."""
    return _finish(oauth.server().create_endpoint_response("revocation"))


class ConsentForm(FlaskForm):
    """Only the CSRF token: the decision is the button pressed (``decision=approve`` or ``refuse``)."""


@bp.route(PREFIX + "/auth/authorize", methods=["GET", "POST"])
def authorize():
    """The consent page: the trainee sees who asks and what would be shared, and approves or refuses."""
    try:
        grant = oauth.server().get_consent_grant(end_user=current_user)
    except OAuth2Error as error:
        db.session.rollback()
        return render_template("badges/obapi_error.html", error=error), 400
    client = grant.client
    scopes = scope_to_list(client.get_allowed_scope(grant.request.payload.scope)) or []
    form = ConsentForm()
    if request.method == "POST" and form.validate_on_submit():
        if request.form.get("decision") == "approve" and scopes:
            given = oauth.approve(current_user, client, " ".join(scopes))
            audit.record("obapi.access_given", "obapi_grant", str(given.uuid), client=client.name, scopes=scopes)
            response = oauth.server().create_authorization_response(grant_user=current_user, grant=grant)
        else:
            audit.record("obapi.access_refused", "obapi_client", str(client.uuid), client=client.name)
            response = oauth.server().create_authorization_response(grant_user=None, grant=grant)
        db.session.commit()
        return response
    response = make_response(
        render_template("badges/obapi_consent.html", client=client, scopes=[SCOPE_WORDS[s] for s in scopes], form=form),
        400 if form.errors else 200,
    )
    origin = _origin(grant.redirect_uri or client.get_default_redirect_uri() or "")
    if origin:  # the answer redirects to the application: the page's form may lead there (CSP form-action)
        response.headers["Content-Security-Policy"] = CSP.replace("form-action 'self'", f"form-action 'self' {origin}")
    return response


ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|^http://\[[0-9a-fA-F:]+\](:[0-9]{1,5})?$")


def _origin(uri: str) -> str | None:
    """The origin of a registered redirect URI, if it is safe to write in a CSP header."""
    parts = urlsplit(uri)
    origin = f"{parts.scheme}://{parts.netloc}"
    return origin if ORIGIN.match(origin) else None


# ------------------------------------------------------------------------------------------------ her account


class WithdrawForm(FlaskForm):
    pass


@bp.route("/account/applications")
def applications():
    grants = db.session.scalars(
        sa.select(OAuthGrant)
        .where(OAuthGrant.user_id == current_user.id, OAuthGrant.withdrawn_at.is_(None))
        .order_by(OAuthGrant.created_at.desc(), OAuthGrant.id.desc())
    ).all()
    return render_template(
        "badges/obapi_applications.html",
        grants=grants,
        words=lambda grant: [SCOPE_WORDS[s] for s in grant.scopes if s in SCOPE_WORDS],
        form=WithdrawForm(),
        lang=current_language(),
    )


@bp.route("/account/applications/<uuid:grant_uuid>/withdraw", methods=["POST"])
def withdraw(grant_uuid: uuid.UUID):
    """ "Retirer l'accès": the grant ends and every token of it stops working at once."""
    grant = db.first_or_404(
        sa.select(OAuthGrant).where(
            OAuthGrant.uuid == grant_uuid, OAuthGrant.user_id == current_user.id, OAuthGrant.withdrawn_at.is_(None)
        )
    )
    form = WithdrawForm()
    if form.validate_on_submit():
        now = utcnow()
        grant.withdrawn_at = now
        db.session.execute(
            sa.update(OAuthToken)
            .where(OAuthToken.grant_id == grant.id)
            .values(
                access_revoked_at=sa.func.coalesce(OAuthToken.access_revoked_at, now),
                refresh_revoked_at=sa.func.coalesce(OAuthToken.refresh_revoked_at, now),
            ),
            execution_options={"synchronize_session": False},
        )
        audit.record("obapi.access_withdrawn", "obapi_grant", str(grant.uuid), client=grant.client.name)
        db.session.commit()
        flash(_("Done: %(name)s can no longer read your data.", name=grant.client.name), "success")
    return redirect(url_for("oauth.applications"))


def init_app(app) -> None:
    app.config.setdefault("OBAPI_API_TITLE", "Open Badges API")
    app.config.setdefault("OBAPI_API_VERSION", "3.0")
    app.config.setdefault("OBAPI_OPENAPI_VERSION", "3.0.3")
    oauth.init_app(app)
    api = ObApi(
        app,
        config_prefix="OBAPI_",
        spec_kwargs={"info": {"description": "The 1EdTech Open Badges 3.0 API of Tremplin (service provider)."}},
    )
    api.register_blueprint(blp)
    app.extensions["tremplin.obapi.api"] = api
    app.register_blueprint(bp)
