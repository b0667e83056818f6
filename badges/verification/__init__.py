"""Verify an Open Badge for an employer: a verdict with every check spelled out. Pure: no Flask, no database.

What it verifies, offline when the badge allows it:

* OB 3.0 credentials with an embedded Data Integrity proof (``eddsa-rdfc-2022``) or signed as a VC-JWT, issued by a
  ``did:key`` or a ``did:jwk`` (resolved here, offline) or by any identifier whose keys the caller's ``Resolver``
  can look up (``did:web``, https key ids);
* OB 2.0 assertions, signed (compact JWS, RS256) or hosted;
* presented as JSON, as a compact JWS/VC-JWT, as a baked PNG or SVG image (``badges.baking``), or as a link.

The network and the database belong to the caller: everything that has to be fetched (a status list, a DID's key,
an OB 2.0 badge class, issuer profile, key or hosted assertion) goes through the ``Resolver`` it passes in. Every
document that comes back is checked like the input (size, depth, JSON types) before it is used.

Checks, in the order of ``Verdict.checks``:

``format``           the input is a badge we can read (and, for an image, which payload it carried);
``signature``        the content is exactly what was signed (OB 2.0 hosted: what the issuer's server serves);
``issuer-key``       the key belongs to the issuer (OB 3.0: the verification method's controller is the issuer id;
                     OB 2.0 signed: the key document's ``owner`` is the issuer and the issuer's profile lists the key;
                     OB 2.0 hosted: the assertion lives on the issuer's web site);
``status``           not revoked or suspended (OB 3.0 BitstringStatusList, whose own proof must verify and whose
                     issuer must be the credential's; OB 2.0: the issuer's RevocationList, HTTP 410, ``revoked``);
``validity-period``  ``validFrom``/``issuedOn`` not in the future, ``validUntil``/``expires`` not past;
``schema``           OB 3.0 only: the official 1EdTech AchievementCredential JSON Schema (bundled, see below);
``recipient``        only when an email address is given: it matches a (salted) email identity of the recipient.

A claimed status is never trusted (``"revoked": false`` in a document means nothing; a status that cannot be
checked fails). Nothing from a document that is not the issuer's word is shown: ``Verdict.credential`` and
``Verdict.summary`` are ``None`` unless both ``signature`` and ``issuer-key`` passed, and the checks that need a
trustworthy content (``status``, ``validity-period``, ``recipient``) are skipped when the signature failed.

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
``ob3.py``             OB 3.0: Data Integrity (``data_integrity.py``) or VC-JWT, issuer key, summary;
``ob2.py``             OB 2.0: signed (JWS) or hosted, issuer profile and badge class, summary;
``keys.py``            keys of verification methods (did:key, did:jwk offline; others via the resolver);
``status.py``          BitstringStatusList and the OB 2.0 RevocationList;
``claims.py``          validity dates and recipient;
``schema.py``          the official OB 3.0 JSON Schema;
``jsonld_terms.py``    JSON-LD shapes that are refused;
``fetcher.py``         the caller's ``Resolver`` behind a budget and a memo;
``stored.py``          verdicts on this platform's own stored credentials;
``verdict.py``         ``Check`` and ``Verdict``; ``messages.py`` every message; ``common.py`` small readers.
"""

from __future__ import annotations

from badges.verification.common import MAX_INPUT_BYTES
from badges.verification.dispatch import verify
from badges.verification.fetcher import Resolver
from badges.verification.inputs import Presented, UnreadableInput, parse_input
from badges.verification.messages import *  # noqa: F403 - every msgid, as ``verification.MSG_...``
from badges.verification.schema import SCHEMAS_DIR
from badges.verification.stored import StoredChecks, stored_checks, stored_verdict, validity_period
from badges.verification.verdict import CHECK_CODES, FORMATS, Check, Outcome, Verdict

__all__ = [
    "CHECK_CODES",
    "FORMATS",
    "MAX_INPUT_BYTES",
    "SCHEMAS_DIR",
    "Check",
    "Outcome",
    "Presented",
    "Resolver",
    "StoredChecks",
    "UnreadableInput",
    "Verdict",
    "parse_input",
    "stored_checks",
    "stored_verdict",
    "validity_period",
    "verify",
]
