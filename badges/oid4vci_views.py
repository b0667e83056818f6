"""OpenID4VCI endpoints (pre-authorized code flow) and the holder's "put this badge in my wallet" page.

The protocol endpoints are public OAuth endpoints: a wallet calls them without a session cookie, with the
pre-authorized code or a bearer access token, so they take no CSRF token (as ``/api/v1/verify``). Their errors
are JSON ``{"error", "error_description"}`` as the spec names them; nothing is cached.
"""

from __future__ import annotations

import uuid

import segno
from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from badges import oid4vci, wallet
from badges.forms import WalletOfferForm
from badges.holder_views import my_award_or_404
from badges.oid4vci import Oid4vciError
from badges.views import bp
from core.db import db
from core.extensions import csrf
from core.models import Role
from core.security import public, roles_required
from core.services import ServiceError


def _json(document: dict, status: int = 200, *, cache: bool = False):
    response = jsonify(document)
    response.status_code = status
    response.headers["Cache-Control"] = "public, max-age=300" if cache else "no-store"
    response.headers["Access-Control-Allow-Origin"] = "*"  # wallets may run in a browser, on another origin
    return response


def _error(exc: Oid4vciError):
    response = _json(exc.body(), exc.status)
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = f'Bearer error="{exc.error}"'
    return response


@bp.route("/.well-known/openid-credential-issuer")
@public
def oid4vci_issuer_metadata():
    return _json(wallet.issuer_metadata(), cache=True)


@bp.route("/.well-known/oauth-authorization-server")
@public
def oid4vci_authorization_server():
    return _json(wallet.authorization_server_metadata(), cache=True)


@bp.route("/oid4vci/token", methods=["POST"])
@public
@csrf.exempt
def oid4vci_token():
    form = request.form
    try:
        return _json(wallet.exchange_code(form.get("grant_type"), form.get("pre-authorized_code"), form.get("tx_code")))
    except wallet.WrongTxCode as exc:
        db.session.commit()  # the failure counts (three burn the offer), though the answer is a refusal
        return _error(exc)
    except Oid4vciError as exc:
        return _error(exc)


@bp.route("/oid4vci/nonce", methods=["POST"])
@public
@csrf.exempt
def oid4vci_nonce():
    return _json({"c_nonce": wallet.new_nonce()})


@bp.route("/oid4vci/credential", methods=["POST"])
@public
@csrf.exempt
def oid4vci_credential():
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    try:
        offer = wallet.offer_for_token(token.strip() if scheme.lower() == "bearer" else None)
        body = request.get_json(silent=True) if request.mimetype == "application/json" else None
        return _json(wallet.issue_credential(offer, body))
    except Oid4vciError as exc:
        return _error(exc)


# ------------------------------------------------------------------------------------------------ holder


@bp.route("/me/badges/<uuid:award_uuid>/wallet", methods=["POST"])
@roles_required(Role.TRAINEE)
def my_badge_wallet(award_uuid: uuid.UUID):
    """Make a new offer and show it once: a QR code for the wallet's camera, the same as a link for a phone."""
    award = my_award_or_404(award_uuid)
    form = WalletOfferForm()
    if not form.validate_on_submit():
        flash(_("The page had expired. Try again."), "error")
        return redirect(url_for("badges.my_badge", award_uuid=award.uuid))
    try:
        _offer, uri = wallet.create_offer(award, current_user, with_tx_code=bool(form.with_code.data))
    except ServiceError as exc:
        flash(str(exc), "error")
        return redirect(url_for("badges.my_badge", award_uuid=award.uuid))
    # segno writes the SVG itself (no user text in it but the URI, which it encodes as modules): safe to inline.
    qr = Markup(segno.make(uri, error="m", micro=False).svg_inline(scale=4, border=4, dark="#1b1f24", omitsize=True))  # noqa: S704  # nosec B704
    response = render_template(
        "badges/wallet_offer.html",
        award=award,
        uri=uri,
        qr=qr,
        minutes=oid4vci.OFFER_TTL_SECONDS // 60,
        with_code=bool(form.with_code.data),
    )
    return response, 200, {"Cache-Control": "no-store"}
