"""Verification for employers: a page per badge (``/verify/<uuid>``) that says, in five seconds, whether the badge
is valid and exactly what it attests — read from the signed credential itself, checked on the spot — and a page
(and ``POST /api/v1/verify``) where anyone verifies a link, a JSON or JWT credential, or a baked image."""

from __future__ import annotations

import dataclasses
import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import force_locale, format_date, get_translations
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate
from sqlalchemy import func as sa_func
from werkzeug.exceptions import HTTPException

from badges import extensions, keys, openbadges, services, signing, verification
from badges.forms import VerifyForm
from badges.holder_views import linkedin_url
from badges.models import Achievement, Award, SigningKey, Visibility
from badges.presenters import (
    IssuerProfile,
    email_address,
    endorsements,
    evidence_kinds,
    framework_alignments,
    issuer_of,
    own_competencies,
    reason_label,
    web_url,
)
from badges.resolver import WebResolver
from badges.verification.fetcher import DEFAULT_ACCEPT, Fetched
from badges.views import (
    badge_class_json,
    bp,
    hosted_assertion,
    issuer_profile_json,
    key_json,
    wants_json_document,
)
from core import rest
from core.db import db
from core.extensions import csrf
from core.i18n import current_language, language_of
from core.security import public, rate_limited

MAX_INPUT_BYTES = 2 * 1024 * 1024
CHECK_LABELS = {
    "format": _l("Format"),
    "signature": _l("Signature"),
    "issuer-key": _l("Issuer key"),
    "status": _l("Status"),
    "validity-period": _l("Dates"),
    "schema": _l("Schema"),
    "recipient": _l("Holder's address"),
}


def local_public_key(verification_method: str):
    """An Ed25519 key of this issuer (did:key resolved offline; did:web keys looked up here, retired included)."""
    if verification_method.startswith("did:key:"):
        return signing.resolve_did_key(verification_method)
    fragment = verification_method.rsplit("#", 1)[-1]
    try:
        key_uuid = uuid.UUID(fragment)
    except ValueError:
        return None
    key = db.session.scalar(db.select(SigningKey).where(SigningKey.uuid == key_uuid, SigningKey.kind == "ed25519"))
    if key is None or keys.verification_method(key.issuer, key) != verification_method:
        return None
    return signing.ed25519_from_multikey(key.public_key)


def _signature_problems(credential: dict) -> list[str]:
    def resolve(method: str):
        key = local_public_key(method)
        if key is None:
            raise signing.SigningError(f"unknown verification method {method}")
        return key

    try:
        return signing.verify_proof(credential, resolve, now=datetime.now(UTC))
    except signing.SigningError as exc:
        return [str(exc)]


_VERIFIED: dict[tuple[uuid.UUID, str], tuple[verification.StoredChecks, dict[str, str]]] = services.badge_memo({})
_VERIFIED_MAX = 4096


def _stored_checks(
    award_uuid: uuid.UUID, lang: str, credential: dict | None = None
) -> tuple[verification.StoredChecks, dict[str, str]]:
    """The unchanging checks (signature, issuer key, schema) of a badge's stored credential, and the badge's
    URLs. Stored documents never change and carry no proof expiry, so each is checked once per process (bounded),
    not on every verification; revocation and dates are read on every request. The credential is read from the
    database only when needed."""
    services.check_state_version()  # documents may have been signed again (erasure): see services.badge_memo
    key = (award_uuid, lang)
    stored = _VERIFIED.get(key)
    if stored is None:
        if credential is None:
            documents = db.session.scalar(db.select(Award.documents).where(Award.uuid == award_uuid))
            credential = documents["ob3"][openbadges.edition(documents["ob3"], lang)]
        checks = verification.stored_checks(credential, _signature_problems(credential))
        stored = (checks, services.award_urls(award_uuid))
        if len(_VERIFIED) >= _VERIFIED_MAX:
            _VERIFIED.clear()
        _VERIFIED[key] = stored
    return stored


_VERDICTS: dict[tuple, bytes] = services.badge_memo({})


#: (Accept-Language header, default locale) → language: browsers send a handful of values, each parsed once.
_ACCEPTED_LANGUAGE: dict[tuple[str, str], str] = {}


def verdict_language() -> str:
    """``?lang=``, else the request's language. A request without cookies has no logged-in user and no chosen
    language, so that is its Accept-Language (what ``core.i18n.select_locale`` would find, without Babel)."""
    if request.query_string:
        lang = request.args.get("lang")
        if lang in openbadges.LANGS:
            return lang
    headers = request.headers
    if "Cookie" in headers:
        return current_language()
    config = current_app.config
    accept = headers.get("Accept-Language", "")
    lang = _ACCEPTED_LANGUAGE.get((accept, config["BABEL_DEFAULT_LOCALE"]))
    if lang is None:
        if not accept:
            lang = language_of(config["BABEL_DEFAULT_LOCALE"])
        else:
            best = request.accept_languages.best_match(config["LANGUAGES"])
            lang = language_of(best or config["BABEL_DEFAULT_LOCALE"])
        if len(_ACCEPTED_LANGUAGE) >= 256:
            _ACCEPTED_LANGUAGE.clear()
        _ACCEPTED_LANGUAGE[accept, config["BABEL_DEFAULT_LOCALE"]] = lang
    return lang


def verdict_json(award_uuid: uuid.UUID, extra: dict[str, Any] | None = None):
    """The verdict on one of this platform's badges as JSON (``GET /verify/<uuid>`` asked for JSON): the checks
    of ``POST /api/v1/verify``, each spelled out, the badge's ``status`` (revoked or expired badges say so within
    a second) and what it attests; the credential itself is at ``urls.ob3_credential_url``.

    The body is a function of the stored credential (which never changes), the language, the badge's state and
    where ``now`` falls in its validity period: those are read on every request, and the body built for them is
    kept (bounded), not rebuilt. ``extra`` adds members to the document (e.g. what a printed certificate
    reached by its code says)."""
    state = services.award_state(award_uuid)
    if state is None or state.declined:
        response = jsonify(error="not_found", message=_("This badge cannot be verified here."))
        response.status_code = 404
    else:
        lang = verdict_language()
        checks, urls = _stored_checks(award_uuid, lang)
        now = datetime.now(UTC)
        key = (award_uuid, lang, state, checks.period(now))
        body = _VERDICTS.get(key)
        if body is None:
            verdict = verification.stored_verdict(checks, now=now, revoked=state.revoked, reason=state.reason)
            with force_locale(lang):
                document = verdict.to_json(translate=get_translations().gettext)
            del document["credential"]  # served at its own URL (urls.ob3_credential_url), byte for byte as issued
            if state.revoked:
                status = "superseded" if state.superseded else "revoked"
            else:
                status = "expired" if verdict.summary and verdict.summary["expired"] else "valid"
            document.update(status=status, issued_by_this_platform=True, urls=urls)
            body = current_app.json.dumps(document).encode("utf-8")
            if len(_VERDICTS) >= _VERIFIED_MAX:
                _VERDICTS.clear()
            _VERDICTS[key] = body
        if extra:
            body = current_app.json.dumps({**json.loads(body), **extra}).encode("utf-8")
        response = current_app.response_class(body, mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "no-cache"  # the status is read again on every request
    response.vary.add("Accept")
    return response


_PAGES: dict[tuple, bytes] = services.badge_memo({})
_PAGES_MAX = 2048  # pages of ~10 KB: at most ~20 MB per process
_ISSUER: dict[str, IssuerProfile] = services.badge_memo({})


def own_issuer_profile(credential: dict | None = None) -> IssuerProfile | None:
    """This platform's issuer as employers read it: the name, site and contact address its badges carry, what it
    is (its description, else a plain line), since when it issues badges — the earliest of the issuer's creation,
    its first key and its first badge (badges imported or dated earlier than the platform count) — and its
    identifiers for experts. Remembered per process, dropped with the badge memos (``badges issuer`` changes
    bump the state version)."""
    services.check_state_version()
    profile = _ISSUER.get("own")
    if profile is None:
        issuer = keys.get_issuer()
        if issuer is None:
            return None
        first_award = db.session.scalar(db.select(sa_func.min(Award.issued_at)).where(Award.issuer_id == issuer.id))
        moments = [issuer.created_at, *(key.created_at for key in issuer.keys), first_award]
        ids = [services.external_url("badges.issuer_profile"), openbadges.did_web(current_app.config["BASE_URL"])]
        ids += [
            signing.did_key(signing.ed25519_from_multikey(key.public_key))
            for key in issuer.keys
            if key.kind == "ed25519"
        ]
        profile = IssuerProfile(
            name=issuer.name,
            url=web_url(issuer.url),
            email=email_address(issuer.email),
            description=(issuer.description or "").strip() or None,
            since=min(moment for moment in moments if moment is not None),
            ids=tuple(dict.fromkeys(ids)),
        )
        _ISSUER["own"] = profile
    if credential is not None:  # the badge says who signed it: its name, site and address come first
        stated = issuer_of(credential)
        ids = tuple(dict.fromkeys((*stated.ids, *profile.ids)))
        profile = dataclasses.replace(
            profile,
            name=stated.name or profile.name,
            url=stated.url or profile.url,
            email=stated.email or profile.email,
            ids=ids,
        )
    return profile


def anonymous_request() -> bool:
    """A request that carries nothing of a visitor: no cookie (so no session — no CSRF token, no flashed message,
    no chosen language — and no remember-me login) and no credentials. Its page is the same for every such
    visitor, so it may be served from memory."""
    headers = request.headers
    return "Cookie" not in headers and "Authorization" not in headers


_PAGE_HEADERS = {
    "Cache-Control": "no-cache",  # the status is read again on every request
    "Vary": "Accept, Accept-Language, Cookie",
}


def _html(body: bytes | str, status: int = 200):
    return current_app.response_class(body, status=status, mimetype="text/html", headers=_PAGE_HEADERS)


@bp.route("/verify/<uuid:award_uuid>")
@public
def verify_badge(award_uuid: uuid.UUID):
    """The verification page of a badge, or its verdict as JSON (``Accept: application/json``).

    For an anonymous visitor (an employer who scanned a QR code: no cookie) the page is served from memory, like
    the JSON verdict: it is a function of the stored credential (which never changes), the language, the badge's
    state (read on every request, as ``verdict_json`` does: a revocation shows within a second) and where ``now``
    falls in its validity period — nothing of the visitor goes in it (the page has no form: its language switch
    is a link). A visitor with a cookie (logged in, or with a session) gets a fresh page."""
    if wants_json_document():
        return verdict_json(award_uuid)
    if not anonymous_request():
        award = db.session.scalar(db.select(Award).where(Award.uuid == award_uuid))
        return verification_page(award)
    state = services.award_state(award_uuid)
    if state is None or state.declined:
        return verification_page(None)
    lang = verdict_language()
    checks, _urls = _stored_checks(award_uuid, lang)
    key = (award_uuid, lang, state, checks.period(datetime.now(UTC)))
    body = _PAGES.get(key)
    if body is None:
        award = db.session.scalar(db.select(Award).where(Award.uuid == award_uuid))
        if award is None or award.visibility == Visibility.DECLINED.value:
            return verification_page(None)
        body = render_page(award, lang).encode("utf-8")
        if len(_PAGES) >= _PAGES_MAX:
            _PAGES.clear()
        _PAGES[key] = body
    return _html(body)


def verification_page(award: Award | None, reached_by=None):
    """The badge's verification page (404 for an unknown or declined badge), rendered for this visitor, in the
    language of ``?lang=`` or of the request. ``reached_by`` tells the sections registered by other packages
    (``badges.extensions``) how the visitor came, e.g. by the code of a printed certificate."""
    if award is None or award.visibility == Visibility.DECLINED.value:
        return _html(render_template("badges/verify_unknown.html"), 404)
    return _html(render_page(award, verdict_language(), reached_by))


def render_page(award: Award, lang: str, reached_by=None) -> str:
    """The verification page of ``award`` in ``lang``."""
    with force_locale(lang):
        # A badge issued before a language was added has no edition in it: the page speaks it, the badge is French.
        credential = award.documents["ob3"][openbadges.edition(award.documents["ob3"], lang)]
        now = datetime.now(UTC)
        status = award.status(now)
        stored, _urls = _stored_checks(award.uuid, lang, credential)
        problems = [] if stored.signature.outcome == "passed" else [stored.signature.params.get("detail", "")]
        subject = credential["credentialSubject"]
        achievement = subject["achievement"]
        names = [i["identityHash"] for i in subject.get("identifier", []) if i.get("identityType") == "name"]
        issuer = own_issuer_profile(credential) or issuer_of(credential)
        return render_template(
            "badges/verify_badge.html",
            award=award,
            credential=credential,
            achievement=achievement,
            competencies=own_competencies(achievement),
            framework_alignments=framework_alignments(achievement),
            evidence_kinds=evidence_kinds(credential),
            endorsements=endorsements(achievement),
            issuer=issuer,
            holder_name=names[0] if names else None,
            status=status,
            signature_ok=not problems,
            problems=problems,
            reason=reason_label(award.revocation_reason),
            superseded_by=award.superseded_by,
            urls=services.award_urls(award),
            image_url=url_for(
                "badges.badge_class_image", achievement_uuid=award.achievement.uuid, ext="svg", lang=lang
            ),
            og_image_url=services.external_url(
                "badges.badge_class_image", achievement_uuid=award.achievement.uuid, ext="png", lang=lang
            ),
            linkedin=linkedin_url(award, lang),  # only for a valid, public badge
            lang_links={
                other: url_for(request.endpoint, **(request.view_args or {}), lang=other)
                for other in openbadges.LANGS
                if other != lang
            },
            now=now,
            sections=extensions.verification_sections(award, reached_by),
        )


# ------------------------------------------------------------------------------------------------ any badge


def web_resolver() -> WebResolver:
    """The transport for other issuers' URLs: one ``WebResolver`` per app (its small cache is shared by the
    process's threads), built from ``VERIFY_ALLOW_NETWORKS``."""
    web = current_app.extensions.get("tremplin_web_resolver")
    if web is None:
        web = current_app.extensions["tremplin_web_resolver"] = WebResolver.from_config(current_app.config)
    return web


def _served(url: str, status: int, document: dict | str, media_type: str) -> Fetched:
    if isinstance(document, str):
        return Fetched(url, status, document.encode("utf-8"), media_type)
    return Fetched(url, status, json.dumps(document, ensure_ascii=False).encode("utf-8"), media_type)


class LocalResolver:
    """The verifier's transport in the app (``badges.verification.Resolver``): this site's own documents are read
    from the database and built by the same functions as the public routes (no HTTP to itself); any other URL goes
    to ``web`` (``badges.resolver.WebResolver``: SSRF guard, timeouts, size cap)."""

    def __init__(self, web=None) -> None:
        self.web = web

    def _route(self, url: str) -> tuple[str, dict] | None:
        base = urlsplit(current_app.config["BASE_URL"])
        try:
            parts = urlsplit(url)
        except ValueError:
            return None
        # did:web resolution always uses https, even for a site served over http (e.g. in development)
        if parts.netloc != base.netloc or parts.scheme not in (base.scheme, "https"):
            return None
        path = parts.path[len(base.path.rstrip("/")) :] if base.path.rstrip("/") else parts.path
        adapter = current_app.url_map.bind(base.netloc, url_scheme=base.scheme)
        try:
            endpoint, values = adapter.match(path, method="GET")
        except HTTPException:
            return None
        values = dict(values)
        values["lang"] = parse_qs(parts.query).get("lang", [openbadges.DEFAULT_LANG])[0]
        return endpoint, values

    def fetch(self, url: str, *, accept: str = DEFAULT_ACCEPT) -> Fetched:
        route = self._route(url)
        if route is None:
            if self.web is None:
                self.web = web_resolver()
            return self.web.fetch(url, accept=accept)
        try:
            return self._local(url, *route)
        except Exception:  # a transport never raises
            current_app.logger.exception("local verification fetch failed: %s", url[:200])
            return Fetched(url, 500, b"", "")

    def _local(self, url: str, endpoint: str, values: dict) -> Fetched:
        """The document the public route at ``url`` serves (status, body, media type)."""
        not_found = Fetched(url, 404, b"", "")
        issuer = keys.get_issuer()
        lang = values["lang"] if values["lang"] in openbadges.LANGS else None
        if endpoint in ("badges.assertion", "badges.assertion_jws", "badges.credential", "badges.credential_jwt"):
            award = db.session.scalar(db.select(Award).where(Award.uuid == values["award_uuid"]))
            if award is None or award.visibility == Visibility.DECLINED.value or lang is None:
                return not_found
            if endpoint == "badges.assertion":
                status, document = hosted_assertion(award)
                return _served(url, status, document, "application/ld+json")
            if endpoint == "badges.assertion_jws":
                return _served(url, 200, award.documents["ob2_jws"], "text/plain")
            if lang not in award.documents["ob3"]:
                return not_found
            if endpoint == "badges.credential":
                return _served(url, 200, award.documents["ob3"][lang], "application/vc+ld+json")
            return _served(url, 200, award.documents["ob3_jwt"][lang], "application/vc+jwt")
        if endpoint == "badges.key_document":
            key = db.session.scalar(db.select(SigningKey).where(SigningKey.uuid == values["key_uuid"]))
            return not_found if key is None else _served(url, 200, key_json(key), "application/ld+json")
        if endpoint == "badges.status_list":
            key = db.session.scalar(db.select(SigningKey).where(SigningKey.uuid == values["key_uuid"]))
            if key is None or key.kind != "ed25519":
                return not_found
            return _served(url, 200, services.status_list_document(key), "application/vc+ld+json")
        if endpoint == "badges.badge_class":
            achievement = db.session.scalar(
                db.select(Achievement).where(Achievement.uuid == values["achievement_uuid"])
            )
            if achievement is None or lang not in openbadges.editions(services.as_dataclass(achievement)):
                return not_found
            return _served(url, 200, badge_class_json(achievement, lang), "application/ld+json")
        if issuer is None:
            return not_found
        if endpoint == "badges.revocation_list":
            return _served(url, 200, services.revocation_list_document(issuer), "application/ld+json")
        if endpoint == "badges.issuer_profile":
            return _served(url, 200, issuer_profile_json(issuer), "application/ld+json")
        if endpoint == "badges.did_document":
            ed25519 = [key for key in issuer.keys if key.kind == "ed25519"]
            if not ed25519:
                return not_found
            did = openbadges.did_web(current_app.config["BASE_URL"])
            document = openbadges.did_web_document(did, [(f"#{key.uuid}", key.public_key) for key in ed25519])
            return _served(url, 200, document, "application/did+json")
        return not_found

    def award_for(self, url: str) -> Award | None:
        """A link to one of this site's badge pages or documents → that badge."""
        route = self._route(url)
        if route is None or "award_uuid" not in route[1]:
            return None
        return db.session.scalar(db.select(Award).where(Award.uuid == route[1]["award_uuid"]))


_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$")


def human_date(value):
    """An ISO 8601 date-time from a credential, as people read dates (other values unchanged)."""
    if isinstance(value, str) and _ISO.match(value):
        try:
            return format_date(datetime.fromisoformat(value.replace("Z", "+00:00")), "long")
        except ValueError:
            return value
    return value


def check_text(check: verification.Check) -> str:
    """A check's message in the reader's language, with its dates written for people."""
    params = {name: human_date(value) for name, value in check.params.items()}
    return _(check.message) % params if params else _(check.message)


def own_issuer_ids() -> set[str]:
    """Every identifier this platform's issuer signs under: each Ed25519 key's did:key (active and retired),
    the did:web and the OB 2.0 profile URL. A badge naming another issuer is not vouched for by this site."""
    issuer = keys.get_issuer()
    if issuer is None:
        return set()
    ids = {services.external_url("badges.issuer_profile"), openbadges.did_web(current_app.config["BASE_URL"])}
    for key in issuer.keys:
        if key.kind == "ed25519":
            ids.add(signing.did_key(signing.ed25519_from_multikey(key.public_key)))
    return ids


def verify_input(data: bytes | str, email: str | None = None) -> verification.Verdict:
    """Verify what a person gave us. A link to one of our badges is verified through its credential."""
    resolver = LocalResolver()
    if isinstance(data, str) and data.strip().startswith(("http://", "https://")):
        award = resolver.award_for(data.strip())
        if award is not None and award.visibility != Visibility.DECLINED.value:
            lang = openbadges.edition(award.documents["ob3"], current_language())
            data = json.dumps(award.documents["ob3"][lang], ensure_ascii=False)
    return verification.verify(data, resolver, now=datetime.now(UTC), recipient_email=email or None)


@bp.route("/verify", methods=["GET", "POST"])
@public
@rate_limited("verify")
def verify():
    """Paste a link, a JSON or a JWT, or upload a baked image: a verdict with each check spelled out."""
    form = VerifyForm()
    verdict = None
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        data: bytes | str | None = None
        if upload and getattr(upload, "filename", ""):
            data = upload.read(MAX_INPUT_BYTES + 1)
            if len(data) > MAX_INPUT_BYTES:
                form.file.errors.append(_("The file is too large (2 MB at most)."))
                data = None
        elif (form.text.data or "").strip():
            data = form.text.data.strip()
            target = extensions.lookup_reference(data) if len(data) < 300 else None
            if target:  # e.g. the code of a printed certificate: its page says everything
                return redirect(target)
        else:
            form.text.errors.append(_("Paste a link or a credential, or choose a file."))
        if data is not None:
            verdict = verify_input(data, (form.email.data or "").strip())
        status = 200 if verdict is not None else 422
    elif form.errors:
        status = 422
    ours = bool(verdict and verdict.summary and verdict.summary.get("issuer_id") in own_issuer_ids())
    issuer = None
    if verdict is not None and verdict.summary:
        if ours:
            issuer = own_issuer_profile(verdict.credential if verdict.format.startswith("ob3") else None)
        issuer = issuer or issuer_of(verdict.credential, verdict.summary)
    return (
        render_template(
            "badges/verify.html",
            form=form,
            verdict=verdict,
            issuer=issuer,
            check_labels=CHECK_LABELS,
            check_text=check_text,
            human_date=human_date,
            ours=ours,
        ),
        status,
    )


class VerificationCheckSchema(rest.StrictSchema):
    code = fields.String(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(["passed", "failed", "skipped", "indeterminate"]))
    message = fields.String(required=True)
    params = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True), required=True)
    text = fields.String(required=True)


class VerificationResultSchema(rest.StrictSchema):
    valid = fields.Boolean(required=True)
    outcome = fields.String(
        required=True,
        validate=validate.OneOf(["valid", "invalid", "indeterminate"]),
        metadata={
            "description": "valid; invalid (a check failed); indeterminate (nothing failed but something could "
            "not be checked: the issuer's site did not answer, or an unsupported method) - not a refusal."
        },
    )
    headline = fields.String(
        required=True,
        validate=validate.OneOf(["valid", "invalid", "indeterminate", "not-this-recipient"]),
        metadata={
            "description": "What to say first; not-this-recipient: a genuine badge, not issued to the given "
            "e-mail address."
        },
    )
    headline_text = fields.String(required=True)
    format = fields.String(required=True)
    checks = fields.List(fields.Nested(VerificationCheckSchema), required=True)
    summary = fields.Dict(required=True, allow_none=True)
    credential = fields.Dict(required=True, allow_none=True)
    issued_by_this_platform = fields.Boolean(required=True)


class VerifyQuery(rest.StrictSchema):
    email = fields.String(
        load_default=None, metadata={"description": "Check that the badge was issued to this e-mail address."}
    )


#: The body is the credential itself, in one of several media types: no JSON schema can load it, so only its
#: documentation is written here (the response and the query are schemas).
VERIFY_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "description": "The credential itself, or {url}, {credential} with an optional email.",
                "type": "object",
            }
        },
        "text/plain": {"schema": {"description": "A VC-JWT or a JWS.", "type": "string"}},
        "image/png": {"schema": {"type": "string", "format": "binary"}},
    },
}

api_bp = rest.ApiBlueprint("badges_api", __name__, url_prefix="/api/v1", description="Verify any Open Badge.")


@api_bp.route("/verify", methods=["POST"])
@public
@csrf.exempt
@rate_limited("verify")
@api_bp.arguments(VerifyQuery, location="query", error_status_code=400)
@api_bp.response(200, VerificationResultSchema)
@api_bp.errors(400, 413, public=True)
@api_bp.doc(security=[], requestBody=VERIFY_BODY)
def api_verify(query: dict[str, Any]):
    """Verify an Open Badge, from this platform or any issuer, with every check spelled out (public).

    Any of an OB 3.0 credential, a VC-JWT, an OB 2.0 assertion or JWS, a baked PNG/SVG. Body: the credential
    itself (JSON object, JWT or JWS text, or image bytes), or `{"url": ...}`/`{"credential": ...}` as JSON.
    """
    raw = request.get_data(cache=False)[: MAX_INPUT_BYTES + 1]
    if len(raw) > MAX_INPUT_BYTES:
        return jsonify(error="too_large", message=_("The file is too large (2 MB at most).")), 413
    if not raw:
        return jsonify(error="empty", message=_("Send the credential, a link or a badge image.")), 400
    data: bytes | str = raw
    email = query["email"]
    if request.mimetype == "application/json":
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if isinstance(body, dict) and ("url" in body or "credential" in body):
            email = body.get("email") or email
            inner = body.get("url") or body.get("credential")
            data = inner if isinstance(inner, str) else json.dumps(inner)
    verdict = verify_input(data, email)
    body = verdict.to_json(translate=_)
    summary = verdict.summary or {}
    body["issued_by_this_platform"] = bool(summary.get("issuer_id") in own_issuer_ids())
    return body
