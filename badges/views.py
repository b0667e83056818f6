"""Public documents of the issuer: its profile, its keys (active and retired) and its did:web document.

They are public by nature (verifiers fetch them) and carry only public keys: the private halves never leave
the database, encrypted."""

from __future__ import annotations

import functools
import hashlib
import json
import uuid
from collections.abc import Iterable

from flask import Blueprint, Response, abort, current_app, jsonify, redirect, render_template, request, url_for

from badges import baking, images, keys, openbadges, services
from badges.models import Achievement, Award, BadgeIssuer, KeyKind, SigningKey, Visibility
from core.db import db
from core.i18n import localized
from core.security import public
from core.services import external_url

bp = Blueprint("badges", __name__)

JSON_TYPES = ("application/ld+json", "application/json")


def _issuer_or_404() -> BadgeIssuer:
    issuer = keys.get_issuer()
    if issuer is None:
        abort(404)
    return issuer


def _json(document: dict, media_type: str = "application/ld+json"):
    response = jsonify(document)
    response.mimetype = media_type
    response.headers["Access-Control-Allow-Origin"] = "*"  # verifiers run in other origins (wallets, validators)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


_NEGOTIATED: dict[str, bool] = {}  # Accept header → JSON? (browsers send a handful of values: parsed once each)


def wants_json_document() -> bool:
    accept = request.headers.get("Accept", "")
    if accept in JSON_TYPES or not accept:  # what the negotiation below answers, without parsing (machines)
        return bool(accept)
    answer = _NEGOTIATED.get(accept)
    if answer is None:
        answer = request.accept_mimetypes.best_match([*JSON_TYPES, "text/html"]) in JSON_TYPES
        if len(_NEGOTIATED) >= 256:
            _NEGOTIATED.clear()
        _NEGOTIATED[accept] = answer
    return answer


def _all_keys(issuer: BadgeIssuer, kind: KeyKind) -> list[SigningKey]:
    return [k for k in issuer.keys if k.kind == kind.value]


def issuer_profile_json(issuer: BadgeIssuer) -> dict:
    """The OB 2.0 issuer Profile: the RSA key that signs now (one ``publicKey``: see ``openbadges.ob2_issuer``)
    and the revocation list. Retired keys keep their own documents, which name this profile as their owner."""
    active = keys.active_key(issuer, KeyKind.RSA)
    return openbadges.ob2_issuer(
        openbadges.Issuer(
            id=external_url("badges.issuer_profile"),
            name=issuer.name,
            url=issuer.url,
            email=issuer.email,
            description=issuer.description,
        ),
        key_url=external_url("badges.key_document", key_uuid=active.uuid) if active is not None else None,
        revocation_list_url=external_url("badges.revocation_list"),
        profile_url=external_url("badges.issuer_profile"),
    )


@bp.route("/badges/issuer")
@public
def issuer_profile():
    """The OB 2.0 issuer Profile (JSON-LD), or a page for people."""
    issuer = _issuer_or_404()
    if wants_json_document():
        return _json(issuer_profile_json(issuer))
    ed25519 = _all_keys(issuer, KeyKind.ED25519)
    return render_template("badges/issuer.html", issuer=issuer, ed25519=ed25519, rsa=_all_keys(issuer, KeyKind.RSA))


def key_json(key: SigningKey) -> dict:
    """A public key: OB 2.0 CryptographicKey (RSA) or Multikey (Ed25519)."""
    if key.kind == KeyKind.RSA.value:
        return openbadges.ob2_crypto_key(
            external_url("badges.key_document", key_uuid=key.uuid),
            external_url("badges.issuer_profile"),
            key.public_key,
        )
    return {
        "@context": "https://w3id.org/security/multikey/v1",
        "id": keys.verification_method(key.issuer, key),
        "type": "Multikey",
        "controller": keys.issuer_did(key.issuer, key),
        "publicKeyMultibase": key.public_key,
    }


@bp.route("/badges/keys/<uuid:key_uuid>")
@public
def key_document(key_uuid: uuid.UUID):
    """A public key of the issuer. Retired keys stay published."""
    return _json(key_json(db.first_or_404(db.select(SigningKey).where(SigningKey.uuid == key_uuid))))


@bp.route("/.well-known/did.json")
@public
def did_document():
    """The did:web document of the site: every Ed25519 key the issuer ever used (active and retired), so that
    credentials issued under did:web keep verifying after a rotation."""
    issuer = _issuer_or_404()
    ed25519 = _all_keys(issuer, KeyKind.ED25519)
    if not ed25519:
        abort(404)
    did = openbadges.did_web(current_app.config["BASE_URL"])
    document = openbadges.did_web_document(did, [(f"#{k.uuid}", k.public_key) for k in ed25519])
    return _json(document, "application/did+json")


# ------------------------------------------------------------------------------------------------ achievements


def _lang(available: Iterable[str] = openbadges.LANGS) -> str:
    """``?lang=`` (French by default); 404 for a language this badge or achievement has no edition in."""
    lang = request.args.get("lang", openbadges.DEFAULT_LANG)
    if lang not in openbadges.LANGS or lang not in available:
        abort(404)
    return lang


def badge_class_json(achievement: Achievement, lang: str = openbadges.DEFAULT_LANG) -> dict:
    return openbadges.ob2_badge_class(services.as_dataclass(achievement), external_url("badges.issuer_profile"), lang)


def _achievement_or_404(achievement_uuid: uuid.UUID) -> Achievement:
    return db.first_or_404(db.select(Achievement).where(Achievement.uuid == achievement_uuid))


@bp.route("/badges/classes/<uuid:achievement_uuid>")
@public
def badge_class(achievement_uuid: uuid.UUID):
    """OB 2.0 BadgeClass (also the OB 3.0 Achievement id); ``?lang=en`` for the English edition."""
    achievement = _achievement_or_404(achievement_uuid)
    lang = _lang(openbadges.editions(services.as_dataclass(achievement)))
    if wants_json_document():
        return _json(badge_class_json(achievement, lang))
    return render_template("badges/achievement.html", achievement=achievement, issuer=achievement.issuer)


@functools.lru_cache(maxsize=256)
def _image(kind: str, code: str, title: str, lang: str, ext: str, size: int) -> bytes:
    svg = images.badge_svg(title, "", kind, code, lang=lang)
    return svg.encode("utf-8") if ext == "svg" else images.badge_png(svg, size)


def achievement_image(achievement: Achievement, ext: str, lang: str = "fr", size: int = 512) -> bytes:
    title = localized(achievement.name, lang)
    return _image(achievement.kind, achievement.code, title, lang, ext, size)


def _image_response(data: bytes, ext: str) -> Response:
    response = Response(data, mimetype="image/svg+xml" if ext == "svg" else "image/png")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.route("/badges/classes/<uuid:achievement_uuid>/image.<any(png, svg):ext>")
@public
def badge_class_image(achievement_uuid: uuid.UUID, ext: str):
    achievement = _achievement_or_404(achievement_uuid)
    size = request.args.get("size", 512, type=int)
    if size not in (64, 128, 256, 512):
        size = 512
    return _image_response(achievement_image(achievement, ext, _lang(), size), ext)


# ------------------------------------------------------------------------------------------------ awards


def _award_or_404(award_uuid: uuid.UUID) -> Award:
    """A badge's public documents exist for whoever holds its links, except when the holder declined it."""
    award = db.first_or_404(db.select(Award).where(Award.uuid == award_uuid))
    if award.visibility == Visibility.DECLINED.value:
        abort(404)
    return award


def _download(response: Response, filename: str) -> Response:
    if request.args.get("download"):
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/badges/assertions/<uuid:award_uuid>")
@public
def assertion(award_uuid: uuid.UUID):
    """OB 2.0 hosted Assertion; HTTP 410 with ``revoked: true`` once revoked. People get the verification page."""
    award = _award_or_404(award_uuid)
    if not wants_json_document():
        return redirect(url_for("badges.verify_badge", award_uuid=award.uuid), 303)
    status, document = hosted_assertion(award)
    response = _json(document)
    response.status_code = status
    response.headers["Cache-Control"] = "no-cache"  # revocation must show at once
    return response


def hosted_assertion(award: Award) -> tuple[int, dict]:
    """The OB 2.0 hosted assertion as served: 200 and the stored document, or 410 with ``revoked: true``."""
    if award.revoked_at is not None:
        url = external_url("badges.assertion", award_uuid=award.uuid)
        return 410, openbadges.ob2_revoked_assertion(url, award.revocation_reason)
    return 200, award.documents["ob2"]


@bp.route("/badges/assertions/<uuid:award_uuid>.jws")
@public
def assertion_jws(award_uuid: uuid.UUID):
    """OB 2.0 signed assertion (compact JWS, RS256): verifiable without this site except for revocation."""
    award = _award_or_404(award_uuid)
    response = Response(award.documents["ob2_jws"], mimetype="text/plain")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return _download(response, f"badge-{award.uuid}.jws")


#: Issued documents as served, by (award, document, language): they never change once issued, so each is read
#: and serialised once per process (bounded). Whether the badge may be shown (declined?) is read per request.
_SERVED: dict[tuple[uuid.UUID, str, str], tuple[bytes, str]] = services.badge_memo({})


def _stored_document(award_uuid: uuid.UUID, kind: str, lang: str) -> Response:
    """The stored OB 3.0 credential (``ob3``, pretty JSON) or VC-JWT (``ob3_jwt``) of a badge, byte for byte as
    issued, with an ETag (``If-None-Match`` gets 304). 404 for an unknown or declined badge."""
    state = services.award_state(award_uuid)
    if state is None or state.declined:
        abort(404)
    key = (award_uuid, kind, lang)
    served = _SERVED.get(key)
    if served is None:
        documents = db.session.scalar(db.select(Award.documents).where(Award.uuid == award_uuid))
        if documents is None:
            abort(404)
        document = documents[kind].get(lang)
        if document is None:  # a badge issued before this language was added has no edition in it
            abort(404)
        data = (
            document.encode("utf-8")
            if kind == "ob3_jwt"
            else json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
        )
        served = (data, hashlib.sha256(data).hexdigest()[:32])
        if len(_SERVED) >= 4096:
            _SERVED.clear()
        _SERVED[key] = served
    data, etag = served
    response = Response(data, mimetype="application/vc+jwt" if kind == "ob3_jwt" else "application/vc+ld+json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "no-cache"  # revalidate: a declined badge disappears at once
    response.set_etag(etag)
    extension = "jwt" if kind == "ob3_jwt" else "json"
    return _download(response.make_conditional(request), f"badge-{award_uuid}.{extension}")


@bp.route("/badges/credentials/<uuid:award_uuid>")
@public
def credential(award_uuid: uuid.UUID):
    """OB 3.0 OpenBadgeCredential with its embedded Data Integrity proof; ``?lang=en`` for English."""
    return _stored_document(award_uuid, "ob3", _lang())


@bp.route("/badges/credentials/<uuid:award_uuid>.jwt")
@public
def credential_jwt(award_uuid: uuid.UUID):
    """The same OB 3.0 credential as a VC-JWT (EdDSA)."""
    return _stored_document(award_uuid, "ob3_jwt", _lang())


@bp.route("/badges/awards/<uuid:award_uuid>/badge.<any(png, svg):ext>")
@public
def baked(award_uuid: uuid.UUID, ext: str):
    """The badge image with the OB 3.0 credential baked in (PNG iTXt ``openbadgecredential`` / SVG)."""
    award = _award_or_404(award_uuid)
    lang = _lang(award.documents["ob3"])
    payload = json.dumps(award.documents["ob3"][lang], ensure_ascii=False)
    image = achievement_image(award.achievement, ext, lang)
    if ext == "png":
        data = baking.bake_png(image, baking.OB3_KEYWORD, payload)
    else:
        data = baking.bake_svg(image.decode("utf-8"), "ob3", payload).encode("utf-8")
    return _download(_image_response(data, ext), f"badge-{award.uuid}.{ext}")


@bp.route("/badges/awards/<uuid:award_uuid>/badge-ob2.<any(png, svg):ext>")
@public
def baked_ob2(award_uuid: uuid.UUID, ext: str):
    """The badge image with the OB 2.0 signed assertion (JWS) baked in, for OB 2.0 backpacks."""
    award = _award_or_404(award_uuid)
    image = achievement_image(award.achievement, ext)
    jws = award.documents["ob2_jws"]
    if ext == "png":
        data = baking.bake_png(image, baking.OB2_KEYWORD, jws)
    else:
        data = baking.bake_svg(image.decode("utf-8"), "ob2", jws).encode("utf-8")
    return _download(_image_response(data, ext), f"badge-{award.uuid}-ob2.{ext}")


# ------------------------------------------------------------------------------------------------ status


@bp.route("/badges/status/<uuid:key_uuid>")
@public
def status_list(key_uuid: uuid.UUID):
    """The BitstringStatusListCredential of one signing key (revocation), signed by that key."""
    key = db.first_or_404(db.select(SigningKey).where(SigningKey.uuid == key_uuid, SigningKey.kind == "ed25519"))
    response = _json(services.status_list_document(key), "application/vc+ld+json")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/badges/revocations")
@public
def revocation_list():
    """OB 2.0 RevocationList (signed assertions are checked against it)."""
    response = _json(services.revocation_list_document(_issuer_or_404()))
    response.headers["Cache-Control"] = "no-cache"
    return response
