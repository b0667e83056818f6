"""Reading a JSON-LD document as its proof covers it, and the JSON-LD shapes that are refused.

A Data Integrity proof signs the RDF of a credential, not its JSON keys. The same RDF has many JSON spellings: an
inline context can name ``credentialStatus`` ``cs`` (the attack of issue 13), and ``@vocab``, compact or full IRIs
used as keys, ``@nest``, keyword aliases (``{"kind": "@type"}``), type coercions, scoped and embedded contexts or a
value split between two names of one property all say the same thing differently. A verifier that reads JSON keys
reads something else than what was signed.

The choice here is to read what a JSON-LD processor reads (option (a) of the issue), not to refuse unusual
spellings (option (b)): every verdict input of an OB 3.0 credential — types, issuer, subject and its identifiers,
achievement, ``validFrom``/``validUntil`` (and VC 1.1 ``issuanceDate``/``expirationDate``), status entries — and of
a status list credential is read from ``read_as_signed(doc)``: the document *expanded* with the offline loader
(``badges.jsonld``, bundled contexts only, so the same expansion as the one the proof was checked on) and then
*compacted with a fixed reading context that is ours* (``READING_CONTEXT``: VC 2.0 + OB 3.0, never the document's
own). Whatever the document's own contexts said, a key of the result means exactly the IRI our context gives it:
``credentialStatus`` is ``https://www.w3.org/2018/credentials#credentialStatus`` and nothing else.

Why (a) rather than (b): honest credentials of other issuers (DCC / Digital Bazaar tools) list extra contexts (the
Ed25519Signature2020 suite, the OB 3.0 extensions, older OB 3.0 context versions, the status list context of VC
1.1), in varying orders; an allow-list of exact context lists would refuse some of them, and an equality check
between the input and its re-compaction fails on harmless differences (a one-element array written as a value).
Reading the expanded form accepts every honest spelling and gives an alias nothing to hide behind. A document whose
processed form is not one node of the expected type (several top-level nodes, ``@graph``, a type the JSON shows
but the RDF does not carry) is refused. OB 2.0 needs none of this: its JWS signs the JSON bytes themselves, and a
hosted assertion is compared as JSON with the issuer's copy.

The other half of this module bounds the cost of JSON-LD: shapes that make RDF canonicalisation (URDNA2015)
explode are refused before it runs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from badges import jsonld
from badges import openbadges as ob
from badges.verification.common import MemoTable, fingerprint

CRED = "https://www.w3.org/2018/credentials#"
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"
#: The context every OB 3.0 verdict input is read with: VC 2.0, OB 3.0 (and its extensions: 1EdTechRevocationList),
#: and the two VC 1.1 date terms.
READING_CONTEXT: list[Any] = [
    ob.VC2_CONTEXT,
    ob.OB3_CONTEXT,
    ob.OB3_EXTENSIONS_CONTEXT,
    {
        "issuanceDate": {"@id": CRED + "issuanceDate", "@type": XSD_DATETIME},
        "expirationDate": {"@id": CRED + "expirationDate", "@type": XSD_DATETIME},
    },
]
#: The context status list credentials are read with.
STATUS_READING_CONTEXT: list[Any] = [ob.VC2_CONTEXT]

#: Documents already read, by fingerprint of (document, reading context): a function of both alone.
READ: MemoTable = MemoTable()


class UnreadableTerms(ValueError):
    """The document cannot be read as JSON-LD with the known contexts, or is not a single node."""


def read_as_signed(doc: Mapping[str, Any], context: list[Any] | None = None) -> dict[str, Any]:
    """``doc`` (without ``proof``) as a JSON-LD processor reads it, written with our ``context`` (default
    ``READING_CONTEXT``). Raises ``UnreadableTerms``. The result is shared (memo): read it, never change it."""
    context = READING_CONTEXT if context is None else context
    unsigned = {key: value for key, value in doc.items() if key != "proof"}
    digest = fingerprint([unsigned, context])
    known = READ.get(digest) if digest else None
    if known is not None:
        return known
    try:
        compacted = jsonld.compact(jsonld.expand(unsigned), context)
    except jsonld.JsonLdError as exc:
        raise UnreadableTerms(str(exc)) from None
    if not isinstance(compacted, dict) or "@graph" in compacted:
        raise UnreadableTerms("the document is not a single JSON-LD node")
    strays = sorted(key for key in compacted if key.startswith("@") and key != "@context")
    if strays:
        raise UnreadableTerms(f"the document's node carries {', '.join(strays)}")
    if digest:
        READ.remember(digest, compacted)
    return compacted


MAX_BLANK_NODES = 100  # objects without an id (RDF blank nodes) in an OB 3.0 document; a credential has ~10


def _shape(value: Any, depth: int) -> Any:
    """What RDF canonicalisation sees of an expanded value down to ``depth`` blank-node levels (sets sorted)."""
    if isinstance(value, list):
        return sorted((_shape(item, depth) for item in value), key=lambda item: json.dumps(item, sort_keys=True))
    if not isinstance(value, dict) or "@value" in value:
        return value
    if isinstance(value.get("@id"), str):
        return {"@id": value["@id"]}
    if depth == 0:
        return "_:"
    return {key: _shape(item, depth - 1) for key, item in value.items()}


def blank_node_hazard(doc: Mapping[str, Any]) -> str | None:
    """Why RDF canonicalisation of ``doc`` could take exponential time, or ``None``.

    URDNA2015 (pyld has no work limit) permutes blank nodes whose hashes collide: labelled blank nodes (``_:b0``,
    which allow cycles) and look-alike blank siblings (same subject and property, identical for two levels) make
    it explode — a 127-node tree of look-alikes takes seconds, 255 nodes a minute. Genuine credentials have
    neither: their blank nodes (criteria, identifiers, alignments...) differ by their own values. Checked on the
    expanded form, so that aliases and IRIs used as keys cannot hide a repeated property.
    """
    try:
        expanded = jsonld.expand(doc)
    except jsonld.JsonLdError:
        return None  # not processable at all: the proof check says so
    blank = 0
    groups: list[list[Any]] = [expanded]
    stack: list[Any] = [expanded]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
            continue
        if not isinstance(item, dict) or "@value" in item:
            continue
        if "@reverse" in item:
            return "reverse properties are not accepted"
        identifier = item.get("@id")
        if isinstance(identifier, str) and identifier.startswith("_:"):
            return "blank node identifiers are not accepted"
        if identifier is None:
            blank += 1
        for key, value in item.items():
            if key in ("@id", "@type", "@index", "@language", "@direction"):
                continue
            if isinstance(value, list):
                groups.append(value)
                blank += len(value) if key == "@list" else 0
            stack.append(value)
        if blank > MAX_BLANK_NODES:
            return "too many objects without an id"
    for group in groups:
        seen: set[str] = set()
        for child in group:
            if isinstance(child, dict) and "@value" not in child and not isinstance(child.get("@id"), str):
                shape = json.dumps(_shape(child, 2), sort_keys=True)
                if shape in seen:
                    return "look-alike entries in one list"
                seen.add(shape)
    return None
