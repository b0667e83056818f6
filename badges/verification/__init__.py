"""Verify an Open Badge for an employer: a verdict with every check spelled out. Pure: no Flask, no database.

What it verifies:

* OB 3.0 credentials with an embedded Data Integrity proof — ``DataIntegrityProof``/``eddsa-rdfc-2022`` or the
  legacy ``Ed25519Signature2020`` (VC 2.0 or VC 1.1 credentials) — or signed as a VC-JWT (``RS256``, ``ES256``,
  ``EdDSA``; the algorithm is the key's), issued by a ``did:key`` (Ed25519, P-256) or ``did:jwk`` (resolved here,
  offline), a ``did:web`` (its ``did.json`` fetched) or an https identifier (key documents fetched);
* OB 2.0 assertions, signed (compact JWS, RS256, key at ``verification.creator``) or hosted;
* presented as JSON, as a compact JWS/VC-JWT, as a baked PNG or SVG image (``badges.baking``), or as a link (whose
  body may be JSON or a JWT).

Every verdict input of an OB 3.0 credential is read as its proof covers it — the document expanded and compacted
with our own reading context — not from its JSON keys: no alias, ``@vocab``, ``@nest``, IRI key or scoped context
can hide a status, a date, the issuer or the recipient (``jsonld_terms.py`` says why this choice).

Three verdicts (``Verdict.outcome``): ``valid``, ``invalid`` (a check failed) and ``indeterminate`` (nothing
failed, something could not be checked: no answer from the issuer's site, a server error, an unsupported method).
``Verdict.headline`` adds ``not-this-recipient`` (a genuine badge shown with another e-mail address).

The network and the database belong to the caller: everything that has to be fetched goes through the transport it
passes in (``Resolver.fetch`` → ``Fetched``: bytes only; all interpretation is done here). Every document that
comes back is checked like the input (size, depth, JSON types) before it is used.

Checks, in the order of ``Verdict.checks``:

``format``           the input is a badge we can read (and, for an image, which payload it carried);
``signature``        the content is exactly what was signed (OB 2.0 hosted: what the issuer's server serves);
``issuer-key``       the key belongs to the issuer (OB 3.0: the verification method's controller is the issuer id;
                     OB 2.0 signed: the key document's ``owner`` is the issuer and the issuer's profile lists the key;
                     OB 2.0 hosted: the assertion lives on the issuer's web site);
``status``           not revoked or suspended (OB 3.0 BitstringStatusList, whose own proof must verify and whose
                     issuer must be the credential's, or 1EdTechRevocationList; OB 2.0: the issuer's
                     RevocationList, HTTP 410, ``revoked``);
``validity-period``  ``validFrom``/``issuedOn`` not in the future, ``validUntil``/``expires`` not past;
``schema``           OB 3.0 only: the official 1EdTech AchievementCredential JSON Schema (bundled, see below);
``recipient``        only when an email address is given: it matches a (salted) email identity of the recipient.

A claimed status is never trusted (``"revoked": false`` in a document means nothing; a status list that cannot be
fetched makes the verdict indeterminate, one that says no or is not the issuer's fails). Nothing from a document
that is not the issuer's word is shown: ``Verdict.credential`` and ``Verdict.summary`` are ``None`` unless both
``signature`` and ``issuer-key`` passed, and the checks that need a trustworthy content (``status``,
``validity-period``, ``recipient``) are skipped when the signature failed.

Who the issuer is remains the caller's question: a ``did:key``, a ``did:jwk`` or an OB 2.0 web site proves that
the badge was issued by *that* identifier, and the issuer's ``name`` is whatever that issuer wrote. To say "issued
by Tremplin", compare ``summary["issuer_id"]`` with the platform's own identifiers (every did:key, active or
retired, its did:web, its OB 2.0 profile URL).

Messages are English msgids marked with ``N_`` (``messages.py``); JSON Schemas are described in ``schema.py``.

Hostile input never raises: anything malformed ends as a failed check. Costs are bounded: input size
(``MAX_INPUT_BYTES``), JSON depth and size, number of proofs, status entries and fetches, length of key and
signature strings (base58 decoding is quadratic), and JSON-LD shapes that make RDF canonicalisation explode
(labelled blank nodes, look-alike blank siblings).

The package, in reading order:

``inputs.py``          what was presented (JSON, JWS, baked PNG/SVG, link) and JSON hygiene;
``dispatch.py``        ``verify``: from the input to its format's checks, and from checks to a ``Verdict``;
``ob3.py``             OB 3.0: Data Integrity (``data_integrity.py``) or VC-JWT (``vc_jwt.py``), issuer key, summary;
``ob2.py``             OB 2.0: signed (JWS) or hosted, issuer profile and badge class, summary;
``keys.py``            keys of verification methods (did:key, did:jwk offline; did:web, https via the resolver);
``status.py``          BitstringStatusList, 1EdTechRevocationList and the OB 2.0 RevocationList;
``claims.py``          validity dates and recipient;
``schema.py``          the official OB 3.0 JSON Schema;
``jsonld_terms.py``    reading a credential as its proof covers it; JSON-LD shapes that are refused;
``fetcher.py``         the caller's transport (``Resolver``, ``Fetched``) behind a budget, a memo, an interpreter;
``stored.py``          verdicts on this platform's own stored credentials;
``verdict.py``         ``Check`` and ``Verdict``; ``messages.py`` every message; ``common.py`` small readers.
"""

from __future__ import annotations

from badges.verification.common import MAX_INPUT_BYTES
from badges.verification.dispatch import verify
from badges.verification.fetcher import Fetched, Resolver
from badges.verification.inputs import Presented, UnreadableInput, parse_input
from badges.verification.messages import *  # noqa: F403 - every msgid, as ``verification.MSG_...``
from badges.verification.schema import SCHEMAS_DIR
from badges.verification.stored import StoredChecks, stored_checks, stored_verdict, validity_period
from badges.verification.verdict import CHECK_CODES, FORMATS, HEADLINES, Check, Outcome, Verdict, VerdictOutcome

__all__ = [
    "CHECK_CODES",
    "FORMATS",
    "HEADLINES",
    "MAX_INPUT_BYTES",
    "SCHEMAS_DIR",
    "Check",
    "Fetched",
    "Outcome",
    "Presented",
    "Resolver",
    "StoredChecks",
    "UnreadableInput",
    "Verdict",
    "VerdictOutcome",
    "parse_input",
    "stored_checks",
    "stored_verdict",
    "validity_period",
    "verify",
]
