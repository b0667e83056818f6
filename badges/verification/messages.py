"""The verifier's words: every message of a verdict, as an English msgid marked with ``N_``.

``scripts/i18n.py`` extracts them; the views translate them with ``gettext(message) % params``. ``params`` always
hold strings (or ``None``); a ``detail`` param, when present, is a technical explanation in English, not meant for
translation.
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a message for extraction (``pybabel extract -k N_``) without translating it now."""
    return message


# ------------------------------------------------------------------------------------------------------ messages

FORMAT_MESSAGES = {
    ("ob3-data-integrity", False): N_("An Open Badges 3.0 credential with an embedded proof."),
    ("ob3-data-integrity", True): N_(
        "An Open Badges 3.0 credential with an embedded proof, baked in a %(image)s image."
    ),
    ("ob3-vc-jwt", False): N_("An Open Badges 3.0 credential signed as a JWT."),
    ("ob3-vc-jwt", True): N_("An Open Badges 3.0 credential signed as a JWT, baked in a %(image)s image."),
    ("ob2-signed", False): N_("A signed Open Badges 2.0 badge."),
    ("ob2-signed", True): N_("A signed Open Badges 2.0 badge, baked in a %(image)s image."),
    ("ob2-hosted", False): N_("An Open Badges 2.0 badge hosted by its issuer."),
    ("ob2-hosted", True): N_("An Open Badges 2.0 badge hosted by its issuer, baked in a %(image)s image."),
}
MSG_LINK = N_("A web address: the badge is read from it.")
MSG_EMPTY = N_("Nothing was provided.")
MSG_TOO_LARGE = N_("The file is too large (more than %(limit)s MB).")
MSG_UNKNOWN_INPUT = N_(
    "This is neither a badge image (PNG or SVG), a badge file (JSON), a signed badge (JWT) nor a web address."
)
MSG_NOT_BAKED = N_("This image carries no badge.")
MSG_BAD_IMAGE = N_("This image is damaged, or is not a PNG or SVG image.")
MSG_BAD_JSON = N_("The badge file is not valid JSON.")
MSG_UNSAFE_JSON = N_("The badge file contains ambiguous or unsafe data (duplicate keys, deep nesting, invalid text).")
MSG_NOT_A_BADGE = N_("This document is not an Open Badge.")
MSG_NOT_A_BADGE_VC = N_("This is a verifiable credential, but not an Open Badge.")
MSG_BAD_JWT = N_("The signed badge (JWT) cannot be read.")
MSG_BAD_PAYLOAD = N_("The image carries badge data that cannot be read.")
MSG_LINK_NOT_BADGE = N_("The web address does not lead to an Open Badge.")
MSG_OB2_NO_VERIFICATION = N_("This Open Badges 2.0 badge does not say how to verify it.")
MSG_UNEXPECTED = N_("The badge could not be checked because of an unexpected error.")

MSG_SIGNATURE_OK = N_("The signature matches the content.")
MSG_NO_SIGNATURE = N_("The badge carries no signature.")
MSG_SIGNATURE_BAD = N_(
    "The signature does not match: the badge was changed after it was signed, or was not signed with this key."
)
MSG_SIGNATURE_UNCOVERED = N_("The badge contains data that its signature does not cover.")
MSG_NOT_AS_SIGNED = N_("What this badge shows is not what its signature covers.")
MSG_KEY_NOT_FOUND = N_("The key that signed the badge could not be found.")
MSG_KEY_UNREACHABLE = N_("The key that signed the badge could not be fetched from its issuer (%(url)s).")
MSG_PROOF_UNSUPPORTED = N_("The badge is signed with a method this verifier does not support (%(type)s).")
MSG_LINK_UNREACHABLE = N_("The web address did not answer (%(url)s).")
MSG_TOO_MANY_PROOFS = N_("The badge carries more signatures than can be checked.")
MSG_UNSAFE_SHAPE = N_("The badge is built in a way that cannot be verified safely.")
MSG_JWT_CLAIMS = N_("The signed badge's registered claims contradict its content.")
MSG_OB2_SIGNED_AS_JSON = N_(
    "This Open Badges 2.0 badge is signed: check the signed badge itself (its image or its JWS), not its JSON."
)
MSG_OB2_NO_CREATOR = N_("The signed badge does not say which key signed it.")
MSG_HOSTED_OK = N_("The issuer's server serves this badge, identical to the copy presented.")
MSG_HOSTED_FETCH = N_("The badge could not be fetched from its issuer's server (%(url)s).")
MSG_HOSTED_DIFFERS = N_("The badge presented differs from the one its issuer's server serves.")
MSG_HOSTED_OTHER_ID = N_("The badge served at %(url)s carries another address.")
MSG_HOSTED_NOT_HOSTED = N_("The badge served by the issuer's server is not a hosted badge.")
MSG_HOSTED_GONE = N_("Not checked: the issuer's server no longer serves this badge.")

MSG_KEY_ISSUER_OK = N_("The signing key belongs to the issuer (%(issuer)s).")
MSG_KEY_ISSUER_BAD = N_("The signing key does not belong to the issuer (%(issuer)s).")
MSG_OB2_KEY_OK = N_("The signing key is published by the issuer (%(issuer)s).")
MSG_OB2_KEY_BAD = N_("The signing key is not published by the issuer (%(issuer)s).")
MSG_OB2_HOST_OK = N_("The badge is served by its issuer's web site (%(issuer)s).")
MSG_OB2_HOST_BAD = N_("The badge is not served by its issuer's web site (%(issuer)s).")
MSG_BADGE_CLASS_MISSING = N_("The badge's description (BadgeClass) could not be fetched.")
MSG_ISSUER_PROFILE_MISSING = N_("The issuer's profile could not be fetched.")

MSG_STATUS_OK = N_("The issuer has not revoked this badge.")
MSG_REVOKED = N_("The issuer has revoked this badge.")
MSG_SUSPENDED = N_("The issuer has suspended this badge.")
MSG_NO_STATUS = N_("The badge has no revocation status to check.")
MSG_OB2_NO_REVOCATION_LIST = N_("The issuer publishes no revocation list for this badge.")
MSG_STATUS_FETCH = N_("The revocation status could not be checked: the issuer's list could not be fetched.")
MSG_STATUS_INVALID = N_("The revocation status could not be checked: the issuer's list is not valid.")
MSG_STATUS_NOT_ISSUER = N_("The revocation status could not be checked: the list is not signed by the issuer.")
MSG_STATUS_UNSUPPORTED = N_("The revocation status could not be checked: unsupported method (%(type)s).")

MSG_VALID_OPEN = N_("The badge is valid from %(valid_from)s, with no end date.")
MSG_VALID_UNTIL = N_("The badge is valid from %(valid_from)s until %(valid_until)s.")
MSG_NOT_YET_VALID = N_("The badge is not valid before %(date)s.")
MSG_EXPIRED = N_("The badge expired on %(date)s.")
MSG_BAD_DATES = N_("The badge's dates cannot be read.")

MSG_SCHEMA_OK = N_("The badge follows the official Open Badges 3.0 schema.")
MSG_SCHEMA_BAD = N_("The badge does not follow the official Open Badges 3.0 schema (%(paths)s).")
MSG_SCHEMA_VC1 = N_(
    "Not checked: the official Open Badges 3.0 schema describes the newer credential format (VC 2.0), not this one."
)
MSG_SCHEMA_OB2 = N_("Open Badges 2.0 badges have no official schema to check.")
MSG_SCHEMA_MISSING = N_("The official Open Badges 3.0 schema could not be loaded.")

MSG_RECIPIENT_OK = N_("The badge was issued to this email address.")
MSG_RECIPIENT_BAD = N_("The badge was not issued to this email address.")
MSG_RECIPIENT_NONE = N_("The badge does not identify its recipient by email address.")

MSG_SKIPPED_UNDECIDED = N_("Not checked, because the badge's signature could not be checked.")
MSG_SKIPPED_UNVERIFIED = N_("Not checked, because the badge's signature could not be verified.")
MSG_SKIPPED_ISSUER = N_("Not checked, because the signing key could not be tied to the issuer.")


HEADLINE_MESSAGES = {
    "valid": N_("Valid badge."),
    "invalid": N_("Not valid: do not rely on this badge."),
    "indeterminate": N_(
        "We could not verify this badge. This is not a refusal: something could not be checked, see why below."
    ),
    "not-this-recipient": N_("A genuine badge, but it was not issued to this email address."),
}

__all__ = [
    "FORMAT_MESSAGES",
    "HEADLINE_MESSAGES",
    "N_",
    *sorted(name for name in dict(globals()) if name.startswith("MSG_")),
]
