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

import functools
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
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
    ``READING_CONTEXT``). Raises ``UnreadableTerms``. The result is shared (memo): read it, never change it.

    ``fast_reading`` answers first when it can (the same result, proved below); anything it declines is expanded
    and compacted."""
    context = READING_CONTEXT if context is None else context
    unsigned = {key: value for key, value in doc.items() if key != "proof"}
    fast = fast_reading(unsigned, context)
    if fast is not None:
        return fast
    digest = fingerprint([unsigned, context])
    known = READ.get(digest) if digest else None
    if known is not None:
        return known
    compacted = full_reading(unsigned, context)
    if digest:
        READ.remember(digest, compacted)
    return compacted


def full_reading(unsigned: Mapping[str, Any], context: list[Any]) -> dict[str, Any]:
    """Expand ``unsigned`` with the bundled contexts, compact it with ``context``. Raises ``UnreadableTerms``."""
    return _expand_and_compact(unsigned, context)[1]


def _expand_and_compact(unsigned: Mapping[str, Any], context: list[Any]) -> tuple[Any, dict[str, Any]]:
    try:
        expanded = jsonld.expand(unsigned)
        compacted = jsonld.compact(expanded, context)
    except jsonld.JsonLdError as exc:
        raise UnreadableTerms(str(exc)) from None
    if not isinstance(compacted, dict) or "@graph" in compacted:
        raise UnreadableTerms("the document is not a single JSON-LD node")
    strays = sorted(key for key in compacted if key.startswith("@") and key != "@context")
    if strays:
        raise UnreadableTerms(f"the document's node carries {', '.join(strays)}")
    return expanded, compacted


# ------------------------------------------------------------------------------------------------ the fast path
#
# Expanding and compacting costs ~3 ms a credential in pure Python, and credentials of one issuer differ only in
# their values (ids, names, dates, hashes), not in their shape. The fast path reads a document through a template
# made once per shape: the document with every string value (except types) replaced by a placeholder, each distinct
# string by its own (``urn:x-tremplin-reading:N``), is read the full way once; the result, with the placeholders
# given back their strings, is the document's full reading. Why that is exact:
#
# * Expansion and compaction never look inside a literal (a plain or typed value): they move it, wrap it in
#   ``@value`` and unwrap it, choosing the term by the value's type and language, which come from the context and
#   the key, never from the text. Equal strings get equal placeholders, so merging equal values happens alike.
# * A string in an IRI position (``id``, a term typed ``@id`` or ``@vocab``) is rewritten by both steps. The
#   template's own expansion says which placeholders stood in IRI positions (``{"@id": placeholder}``); the
#   document's strings there must be *inert*: absolute IRIs (pyld's test) whose scheme is no term of any bundled
#   context (so they never expand as a compact IRI), which are no term and start with no IRI or ``@vocab`` that a
#   bundled context defines (so compaction never shortens them), exactly as the placeholder (scheme ``urn``).
#   Anything else (``_:b0``, ``obi:x``, a relative or issuer-dependent IRI) declines.
# * Types select type-scoped contexts and are compacted against the vocabulary: they stay as they are in the
#   template, hence in its memo key. So do numbers, booleans, nulls and every key.
# * The shapes the fast path takes are strict: an ``@context`` that is one or several strings naming bundled
#   contexts, at the top only; no key starting with ``@`` (besides that ``@context``) or containing ``:``; no key
#   that a bundled context makes an alias of a keyword other than ``@id``/``@type``. A placeholder that the template
#   shows anywhere but as a whole string value (a key, part of an IRI, an ``@index``) makes the shape decline.
#
# ``tests/badges/test_verification_jsonld_fast.py`` checks the result equals the full reading on every credential of
# the test suite and the foreign fixtures, and on random documents and alias rewrites (declined or equal).

PLACEHOLDER = "urn:x-tremplin-reading:"
_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+\-.]*):[^\s]*$")  # pyld's absolute IRI, without "_:" blank nodes


class _Declined(Exception):
    pass


@dataclass(frozen=True)
class _Vocabulary:
    """What the bundled contexts define, in every scope: term names, their IRIs, keyword aliases."""

    contexts: frozenset[str]
    terms: frozenset[str]
    iris: tuple[str, ...]  # term IRIs, ``@vocab`` and ``@base`` values (prefixes a compaction could strip)
    type_keys: frozenset[str]  # aliases of @type: their values are kept as they are
    refused_keys: frozenset[str]  # aliases of any other keyword but @id


@functools.cache
def vocabulary() -> _Vocabulary:
    terms: set[str] = set()
    iris: set[str] = set()
    aliases: dict[str, set[str]] = {}

    def walk(value: Any) -> None:
        if isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for key, item in value.items():
                if key in ("@vocab", "@base") and isinstance(item, str):
                    iris.add(item)
                elif not key.startswith("@"):
                    terms.add(key)
                    target = item.get("@id") if isinstance(item, dict) else item
                    if isinstance(target, str):
                        (aliases.setdefault(key, set()) if target.startswith("@") else iris).add(target)
                walk(item)

    for url in jsonld.known_contexts():
        walk(jsonld.context_document(url))
    return _Vocabulary(
        contexts=frozenset(jsonld.known_contexts()),
        terms=frozenset(terms),
        iris=tuple(sorted(iris)),
        type_keys=frozenset(key for key, targets in aliases.items() if "@type" in targets),
        refused_keys=frozenset(key for key, targets in aliases.items() if targets - {"@id", "@type"}),
    )


def inert_iri(value: str, vocab: _Vocabulary | None = None) -> bool:
    """Whether expansion and compaction (bundled contexts, any scope) leave ``value`` unchanged as an IRI."""
    vocab = vocab or vocabulary()
    match = _ABSOLUTE_IRI.match(value)
    return (
        match is not None
        and match.group(1) not in vocab.terms
        and value not in vocab.terms
        and not value.startswith(vocab.iris)
        and not value.startswith(PLACEHOLDER)
    )


MAX_STRINGS = 2048  # distinct strings of a document the fast path takes (a credential has ~30)
_PLACEHOLDERS: tuple[str, ...] = tuple(PLACEHOLDER + str(index) for index in range(MAX_STRINGS))
_PLACEHOLDER_INDEX: dict[str, int] = {text: index for index, text in enumerate(_PLACEHOLDERS)}


def _skeleton(value: Any, strings: dict[str, int], vocab: _Vocabulary, top: bool = False) -> Any:
    """``value`` with each distinct string replaced by its placeholder (``strings``: string -> index), types,
    numbers, booleans, nulls and keys kept. Raises ``_Declined`` for the shapes the fast path does not take."""
    kind = type(value)
    if kind is str:
        index = strings.get(value)
        if index is None:
            index = strings[value] = len(strings)
            if index >= MAX_STRINGS:
                raise _Declined
        return _PLACEHOLDERS[index]
    if kind is list:
        return [_skeleton(item, strings, vocab) for item in value]
    if kind is not dict:
        if isinstance(value, str | list | dict):
            raise _Declined  # a subclass: not what JSON parsing gives
        return value  # numbers, booleans, null: as they are
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key == "@context":
            contexts = item if isinstance(item, list) else [item]
            if not top or not contexts or not all(isinstance(c, str) and c in vocab.contexts for c in contexts):
                raise _Declined
            out[key] = item
        elif key[:1] == "@" or ":" in key or key in vocab.refused_keys:
            raise _Declined
        elif key in vocab.type_keys:
            types = item if isinstance(item, list) else [item]
            if not all(isinstance(t, str) and PLACEHOLDER not in t for t in types):
                raise _Declined
            out[key] = item
        else:
            out[key] = _skeleton(item, strings, vocab)
    return out


def _placeholder_index(text: str) -> int | None:
    return _PLACEHOLDER_INDEX.get(text)


def _iri_positions(expanded: Any) -> set[int]:
    """Placeholders the expansion put in an IRI position; raises ``_Declined`` if one is anywhere else but a
    literal's ``@value``."""
    found: set[int] = set()
    stack = [expanded]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            for key, child in item.items():
                if PLACEHOLDER in key:
                    raise _Declined
                if isinstance(child, str) and PLACEHOLDER in child:
                    index = _placeholder_index(child)
                    if index is None or key not in ("@id", "@value"):
                        raise _Declined
                    if key == "@id":
                        found.add(index)
                else:
                    stack.append(child)
        elif isinstance(item, str) and PLACEHOLDER in item:
            raise _Declined  # a bare string in the expanded form: a type or a list of IRIs (never produced here)
    return found


def _check_template(compacted: Any) -> None:
    """Every placeholder in the template is a whole string value (never a key or part of a string)."""
    stack = [compacted]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if any(PLACEHOLDER in key for key in item):
                raise _Declined
            stack.extend(item.values())
        elif isinstance(item, str) and PLACEHOLDER in item and _placeholder_index(item) is None:
            raise _Declined


@dataclass(frozen=True)
class _Template:
    reading: dict[str, Any]  # the full reading of the skeleton
    iri_positions: frozenset[int]

    def fill(self, strings: list[str]) -> Any:
        return _fill(self.reading, strings)


#: Templates (or ``None``: this shape declines) by SHA-256 of (skeleton, reading context).
TEMPLATES: MemoTable = MemoTable()
_UNKNOWN: Any = object()


#: ``json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)`` without building an encoder
#: at each call (``json.dumps`` does exactly ``JSONEncoder(...).encode(value)``; the encoder keeps no state).
_SKELETON_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _template(skeleton: dict[str, Any], context: list[Any]) -> _Template | None:
    try:
        text = _SKELETON_ENCODER.encode([skeleton, context])
    except (TypeError, ValueError, RecursionError):
        return None
    key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
    known = TEMPLATES.get(key, _UNKNOWN)  # one lookup: another thread may clear the table between two
    if known is not _UNKNOWN:
        return known
    try:
        expanded, compacted = _expand_and_compact(skeleton, context)
        template: _Template | None = _Template(compacted, frozenset(_iri_positions(expanded)))
        _check_template(compacted)
    except (UnreadableTerms, _Declined):
        template = None
    TEMPLATES.remember(key, template)
    return template


def _fill(value: Any, strings: list[str]) -> Any:
    kind = type(value)
    if kind is str:
        index = _PLACEHOLDER_INDEX.get(value)
        return value if index is None else strings[index]
    if kind is list:
        return [_fill(item, strings) for item in value]
    if kind is dict:
        return {key: _fill(item, strings) for key, item in value.items()}
    return value


def fast_reading(unsigned: Mapping[str, Any], context: list[Any]) -> dict[str, Any] | None:
    """``full_reading(unsigned, context)`` through the template of the document's shape, or ``None`` when the
    fast path declines (the caller then reads it the full way). Never raises."""
    vocab = vocabulary()
    strings: dict[str, int] = {}
    try:
        skeleton = _skeleton(dict(unsigned), strings, vocab, top=True)
    except (_Declined, RecursionError):
        return None
    values = list(strings)
    if "@context" not in skeleton or PLACEHOLDER in "\x00".join(values):
        return None
    template = _template(skeleton, context)
    if template is None:
        return None
    if not all(inert_iri(values[index], vocab) for index in template.iri_positions):
        return None
    return template.fill(values)


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
