"""Putting a badge in the holder's wallet (OpenID4VCI, pre-authorized code flow): offers, tokens, credentials.

The protocol is in :mod:`badges.oid4vci` (pure); here are its records. An offer is made for one badge by its
holder (or support staff: ``tremplin badges offer``), lives ten minutes and is exchanged once for an access token;
the token buys credentials signed by :func:`badges.services.sign_ob3` — the same signing as every badge — whose
``credentialSubject.id`` is the holder's DID, with the badge's own status slot (revoking the badge revokes every
wallet copy). Services flush, never commit.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from badges import keys, oid4vci, services
from badges import openbadges as ob
from badges.models import Award, WalletCredential, WalletOffer
from badges.oid4vci import Oid4vciError
from core import audit, mail
from core.db import db, utcnow
from core.i18n import localized
from core.models import User
from core.services import ServiceError, external_url


class WrongTxCode(Oid4vciError):
    """A wrong ``tx_code``: refused, but the failure counted (the view commits it; three burn the offer)."""


def issuer_id() -> str:
    """The Credential Issuer Identifier: the instance's public base URL (its metadata is under it)."""
    return current_app.config["BASE_URL"].rstrip("/")


def _nonce_secret() -> bytes:
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(secret, b"tremplin-oid4vci-c-nonce", hashlib.sha256).digest()


def new_nonce(now: datetime | None = None) -> str:
    return oid4vci.make_nonce(_nonce_secret(), now or utcnow())


def issuer_metadata() -> dict[str, Any]:
    issuer = keys.get_issuer()
    names, descriptions = {}, {}
    for lang in ob.LANGS:
        with force_locale(lang):
            names[lang] = _("Open Badge of the training")
            descriptions[lang] = _("A badge of a skill or a training, signed by the training body.")
    display = oid4vci.Display(issuer.name if issuer else "Tremplin", names, descriptions)
    return oid4vci.issuer_metadata(
        issuer_id(),
        credential_endpoint=external_url("badges.oid4vci_credential"),
        nonce_endpoint=external_url("badges.oid4vci_nonce"),
        display=display,
    )


def authorization_server_metadata() -> dict[str, Any]:
    return oid4vci.authorization_server_metadata(issuer_id(), token_endpoint=external_url("badges.oid4vci_token"))


# ------------------------------------------------------------------------------------------------ offers


def _recipient(award: Award) -> User | None:
    return db.session.get(User, award.recipient_id) if award.recipient_id else None


def create_offer(
    award: Award, by: User | None, *, with_tx_code: bool = False, now: datetime | None = None
) -> tuple[WalletOffer, str]:
    """A new offer of ``award`` to its holder: ``(offer, openid-credential-offer:// URI)``. With ``with_tx_code``
    the wallet also asks for a six-digit code, sent to the holder by e-mail. Refused for a badge that is not
    valid (revoked, replaced, expired) or whose holder has no account any more."""
    now = now or utcnow()
    if award.status(now) != "valid":
        raise ServiceError(_l("Only a valid badge can go into a wallet."))
    recipient = _recipient(award)
    if recipient is None or not recipient.email:
        raise ServiceError(_l("This badge has no holder any more: it cannot go into a wallet."))
    code = oid4vci.new_secret()
    tx_code = oid4vci.new_tx_code() if with_tx_code else None
    offer = WalletOffer(
        uuid=uuid.uuid4(),
        award=award,
        created_by_id=by.id if by else None,
        code_digest=oid4vci.digest(code),
        tx_code_digest=oid4vci.tx_code_digest(code, tx_code) if tx_code else None,
        tx_code_failures=0,
        created_at=now,
        expires_at=now + timedelta(seconds=oid4vci.OFFER_TTL_SECONDS),
    )
    db.session.add(offer)
    db.session.flush()
    description = None
    if tx_code:
        with force_locale(recipient.language):
            description = _("The code we sent you by e-mail.")
        _send_tx_code(award, recipient, tx_code)
    audit.record("badge.wallet_offer", "badge_award", str(award.uuid), tx_code=bool(tx_code))
    document = oid4vci.credential_offer(issuer_id(), code, with_tx_code=bool(tx_code), tx_code_description=description)
    return offer, oid4vci.offer_uri(document)


def _send_tx_code(award: Award, recipient: User, tx_code: str) -> None:
    with force_locale(recipient.language):
        name = localized(award.achievement.name, recipient.language)
        subject = _("Your code for the wallet: %(name)s", name=name)
        body = _(
            "Hello %(person)s,\n\nYou are putting your badge “%(name)s” in your wallet.\n\n"
            "Your wallet asks for a code. Here it is: %(code)s\n\n"
            "This code works for 10 minutes, once.\n"
            "You did not ask for it? Do nothing: nobody can use it without the QR code.\n",
            person=recipient.name,
            name=name,
            code=tx_code,
        )
    mail.queue(recipient.email, subject, body, purpose="badge-wallet-code")


def exchange_code(grant_type: Any, code: Any, tx_code: Any, now: datetime | None = None) -> dict[str, Any]:
    """The token endpoint: a pre-authorized code (and its ``tx_code``) for an access token, once."""
    now = now or utcnow()
    if grant_type != oid4vci.PRE_AUTHORIZED_GRANT:
        raise Oid4vciError("unsupported_grant_type", f"Only {oid4vci.PRE_AUTHORIZED_GRANT} is supported.")
    if not isinstance(code, str) or not code or len(code) > 200:
        raise Oid4vciError("invalid_request", "The pre-authorized_code is missing.")
    offer = db.session.scalar(db.select(WalletOffer).where(WalletOffer.code_digest == oid4vci.digest(code)))
    if offer is None:
        raise Oid4vciError("invalid_grant", "This pre-authorized code is unknown.")
    if offer.redeemed_at is not None:
        raise Oid4vciError("invalid_grant", "This offer was already used: make a new one.")
    if offer.expires_at <= now:
        raise Oid4vciError("invalid_grant", "This offer has expired: make a new one.")
    if offer.award.status(now) != "valid":
        raise Oid4vciError("invalid_grant", "This badge is no longer valid.")
    if offer.tx_code_digest is not None:
        if tx_code is None or tx_code == "":
            raise Oid4vciError("invalid_request", "This offer needs the tx_code sent to the holder by e-mail.")
        if not oid4vci.tx_code_matches(code, tx_code, offer.tx_code_digest):
            # Counted in its own statement: the refusal is answered, and the request's transaction committed.
            failures = offer.tx_code_failures + 1
            values: dict[str, Any] = {"tx_code_failures": failures}
            if failures >= oid4vci.TX_CODE_ATTEMPTS:
                values["redeemed_at"] = now  # burnt: the code can no longer be guessed
            db.session.execute(
                db.update(WalletOffer).where(WalletOffer.id == offer.id).values(**values),
                execution_options={"synchronize_session": False},
            )
            raise WrongTxCode("invalid_grant", "The tx_code is wrong.")
    token = oid4vci.new_secret()
    # Single use even under a race: only the request that flips redeemed_at gets a token.
    result = db.session.execute(
        db.update(WalletOffer)
        .where(WalletOffer.id == offer.id, WalletOffer.redeemed_at.is_(None))
        .values(
            redeemed_at=now,
            token_digest=oid4vci.digest(token),
            token_expires_at=now + timedelta(seconds=oid4vci.TOKEN_TTL_SECONDS),
        ),
        execution_options={"synchronize_session": False},
    )
    if result.rowcount != 1:
        raise Oid4vciError("invalid_grant", "This offer was already used: make a new one.")
    audit.record("badge.wallet_token", "badge_award", str(offer.award.uuid))
    return {"access_token": token, "token_type": "Bearer", "expires_in": oid4vci.TOKEN_TTL_SECONDS}


def offer_for_token(token: str | None, now: datetime | None = None) -> WalletOffer:
    """The offer an access token was given for; ``invalid_token`` (401) if unknown or expired."""
    now = now or utcnow()
    offer = None
    if token and len(token) < 200:
        offer = db.session.scalar(db.select(WalletOffer).where(WalletOffer.token_digest == oid4vci.digest(token)))
    if offer is None or offer.token_expires_at is None or offer.token_expires_at <= now:
        raise Oid4vciError("invalid_token", "The access token is unknown or expired.", status=401)
    return offer


def _proof_jwt(body: dict[str, Any]) -> Any:
    """The one key proof JWT of a credential request: ``proofs.jwt`` (1.0), or ``proof`` (drafts 13-15, still
    sent by some wallets, e.g. Sphereon's client)."""
    proofs, proof = body.get("proofs"), body.get("proof")
    if proofs is not None and proof is not None:
        raise Oid4vciError("invalid_credential_request", "Send proofs or proof, not both.")
    if isinstance(proofs, dict):
        if set(proofs) != {"jwt"}:
            raise Oid4vciError("invalid_proof", "Only jwt key proofs are supported.")
        jwts = proofs["jwt"]
        if not isinstance(jwts, list) or len(jwts) != 1:
            raise Oid4vciError("invalid_proof", "Send exactly one key proof: one credential per request.")
        return jwts[0]
    if isinstance(proof, dict):
        if proof.get("proof_type") != "jwt":
            raise Oid4vciError("invalid_proof", "Only jwt key proofs are supported.")
        return proof.get("jwt")
    raise Oid4vciError("invalid_proof", "The request has no key proof: the credential is bound to your key.")


def issue_credential(offer: WalletOffer, body: Any, now: datetime | None = None) -> dict[str, Any]:
    """The credential endpoint: check the request and its key proof, sign the badge for the holder's key."""
    now = now or utcnow()
    if not isinstance(body, dict):
        raise Oid4vciError("invalid_credential_request", "The request body must be a JSON object.")
    if "credential_identifier" in body:
        raise Oid4vciError("unknown_credential_identifier", "This issuer gives no credential identifiers.")
    configuration = body.get("credential_configuration_id")
    if configuration is None:
        raise Oid4vciError("invalid_credential_request", "Name the credential_configuration_id.")
    if configuration not in oid4vci.CONFIGURATIONS:
        raise Oid4vciError(
            "unknown_credential_configuration", f"Known configurations: {', '.join(oid4vci.CONFIGURATIONS)}."
        )
    secret = _nonce_secret()
    nonce_seen: list[str] = []

    def nonce_check(nonce: Any) -> None:
        oid4vci.check_nonce(secret, nonce, now)
        nonce_seen.append(nonce)

    holder = oid4vci.verify_key_proof(_proof_jwt(body), audience=issuer_id(), now=now, nonce_check=nonce_check)
    nonce = nonce_seen[0]
    if db.session.scalar(db.select(WalletCredential.id).where(WalletCredential.proof_nonce == nonce)) is not None:
        raise Oid4vciError("invalid_nonce", "This nonce was already used: ask the nonce endpoint for a fresh one.")
    award = offer.award
    if award.status(now) != "valid":
        raise Oid4vciError("credential_request_denied", "This badge is no longer valid.")
    recipient = _recipient(award)
    if recipient is None:
        raise Oid4vciError("credential_request_denied", "This badge has no holder any more.")
    fmt = "ldp_vc" if configuration == oid4vci.LDP_VC else "jwt_vc_json"
    definition = services.as_dataclass(award.achievement)
    lang = ob.edition(ob.editions(definition), recipient.language or ob.DEFAULT_LANG)
    copy_uuid = uuid.uuid4()
    holder_award = ob.Award(
        id=str(copy_uuid),
        recipient_email=recipient.email,
        salt=ob.new_salt(),
        issued_on=award.earned_at,
        display_name=award.display_name,
        valid_until=award.valid_until,
        status_list_url=services.status_list_url(award.key),
        status_list_index=award.status_index,
        subject_id=holder.did,
    )
    with_proof, as_jwt = services.sign_ob3(
        holder_award, definition, award.issuer, award.key, lang, issued_at=now.replace(microsecond=0), formats=(fmt,)
    )
    record = WalletCredential(
        uuid=copy_uuid,
        offer=offer,
        award=award,
        holder_did=holder.did,
        binding=holder.binding,
        configuration_id=configuration,
        lang=lang,
        proof_nonce=nonce,
        issued_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(record)
    except sa.exc.IntegrityError as exc:
        raise Oid4vciError("invalid_nonce", "This nonce was already used: ask the nonce endpoint.") from exc
    audit.record(
        "badge.wallet_issued", "badge_award", str(award.uuid), configuration=configuration, binding=holder.binding
    )
    return {"credentials": [{"credential": with_proof if fmt == "ldp_vc" else as_jwt}]}
