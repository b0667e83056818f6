"""The verdict: ``Check`` (one check, spelled out) and ``Verdict`` (all of them).

Three verdicts (``Verdict.outcome``): ``valid`` (the signature passed, every other check passed or was skipped),
``invalid`` (a check failed: the issuer's own answer or the badge itself says no) and ``indeterminate`` (nothing
failed, but something could not be checked: a document that could not be fetched — no answer, a server error,
a timeout — or a proof, key or status method this verifier does not support). "We could not check this" is
never "not valid". ``Verdict.headline`` adds one case for people: ``not-this-recipient`` — a genuine badge
presented with an e-mail address it was not issued to (every check passed but ``recipient``); its ``outcome``
is ``invalid``, since the badge is not valid *for this person*.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from badges.verification.messages import FORMAT_MESSAGES, HEADLINE_MESSAGES

if TYPE_CHECKING:
    from badges.verification.inputs import Presented

CHECK_CODES = ("format", "signature", "issuer-key", "status", "validity-period", "schema", "recipient")
FORMATS = ("ob3-data-integrity", "ob3-vc-jwt", "ob2-signed", "ob2-hosted", "unknown")
Outcome = Literal["passed", "failed", "skipped", "indeterminate"]
VerdictOutcome = Literal["valid", "invalid", "indeterminate"]
HEADLINES = ("valid", "invalid", "indeterminate", "not-this-recipient")


@dataclass(frozen=True)
class Check:
    """One check of a verification. ``message`` is an English msgid (``N_``); ``params`` fill its ``%(name)s``."""

    code: str
    outcome: Outcome
    message: str
    params: Mapping[str, str | None] = field(default_factory=dict)

    def to_json(self, translate: Callable[[str], str] | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "outcome": self.outcome,
            "message": self.message,
            "params": dict(self.params),
        }
        if translate is not None:
            out["text"] = translate(self.message) % dict(self.params)
        return out


@dataclass(frozen=True)
class Verdict:
    """The result of ``verify``.

    ``valid``: the signature passed and every check passed or was skipped (``outcome == "valid"``).
    ``credential`` is the verified document (OB 3.0 credential, OB 2.0 assertion) and ``summary`` what it says,
    for display (both ``None`` unless the signature passed). Summary keys: ``issuer_name``, ``issuer_id``,
    ``achievement_name``,
    ``achievement_description``, ``criteria``, ``achievement_id``, ``image``, ``issued_on``, ``valid_until``,
    ``recipient_name`` (only a plaintext name identifier), ``revoked``, ``revocation_reason``, ``expired``,
    ``credential_id``. Dates are ISO 8601 UTC strings (``2026-02-11T17:30:05Z``); ``image`` is only an http(s)
    or ``data:image/`` URL.
    """

    valid: bool
    format: str
    checks: tuple[Check, ...]
    credential: dict[str, Any] | None = None
    summary: dict[str, Any] | None = None

    def check(self, code: str) -> Check | None:
        """The check with this code, if it was run."""
        return next((check for check in self.checks if check.code == code), None)

    @property
    def outcome(self) -> VerdictOutcome:
        """``valid``, ``invalid`` (a check failed) or ``indeterminate`` (none failed, one could not be checked)."""
        if self.valid:
            return "valid"
        outcomes = {check.outcome for check in self.checks}
        if "failed" in outcomes or "indeterminate" not in outcomes:
            return "invalid"
        return "indeterminate"

    @property
    def headline(self) -> str:
        """What to say first: the ``outcome``, or ``not-this-recipient`` for a genuine badge presented with an
        e-mail address it was not issued to."""
        failed = [check.code for check in self.checks if check.outcome in ("failed", "indeterminate")]
        signature = self.check("signature")
        if failed == ["recipient"] and signature is not None and signature.outcome == "passed":
            return "not-this-recipient"
        return self.outcome

    @property
    def headline_message(self) -> str:
        """The headline as an ``N_`` msgid (no params)."""
        return HEADLINE_MESSAGES[self.headline]

    def to_json(self, translate: Callable[[str], str] | None = None) -> dict[str, Any]:
        """Stable JSON (``POST /api/v1/verify``, ``tremplin badges verify --format json``); with ``translate``
        (e.g. ``gettext``), the headline and each check get a ``text``."""
        out: dict[str, Any] = {
            "valid": self.valid,
            "outcome": self.outcome,
            "headline": self.headline,
            "format": self.format,
            "checks": [check.to_json(translate) for check in self.checks],
            "summary": self.summary,
            "credential": self.credential,
        }
        if translate is not None:
            out["headline_text"] = translate(self.headline_message)
        return out


@dataclass
class Status:
    check: Check
    revoked: bool = False
    reason: str | None = None


@dataclass
class Result:
    format: str
    format_check: Check
    signature: Check
    issuer_key: Check | None = None
    status: Check | None = None
    validity: Check | None = None
    schema: Check | None = None
    credential: dict[str, Any] | None = None
    summary: dict[str, Any] | None = None
    identities: list[tuple[Any, Any, Any]] = field(default_factory=list)


def format_check(fmt: str, presented: Presented) -> Check:
    if presented.image is not None:
        return Check("format", "passed", FORMAT_MESSAGES[(fmt, True)], {"image": presented.image.upper()})
    return Check("format", "passed", FORMAT_MESSAGES[(fmt, False)])


def failed_format(message: str, params: Mapping[str, str | None] | None = None) -> Verdict:
    return Verdict(False, "unknown", (Check("format", "failed", message, dict(params or {})),))
