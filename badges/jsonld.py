"""Offline JSON-LD processing for badge signing: a document loader, RDFC-1.0 canonicalisation and a safe-mode check.

pyld's default document loader fetches ``@context`` URLs over HTTP at signing time. Here every context comes from
the copies in ``badges/contexts/`` (``contexts.json`` maps URL -> file); any other URL is refused with a clear error
and no socket is ever opened.

pyld has no "safe mode": a property that no context defines is silently dropped during expansion, so it is absent
from the canonical N-Quads, is not covered by the signature, and makes safe-mode verifiers (the DCC verifier-core,
jsonld.js ``safe: true``) reject the credential. ``undefined_terms`` reports such properties so the issuer can refuse
to sign.

RDFC-1.0 is the W3C name of URDNA2015; pyld's N-Quads serialiser agrees with RDFC-1.0 canonical N-Quads (the JS
``rdf-canonize`` 4.x that verifiers use) except for control characters other than TAB/LF/CR in literals and a few
characters in IRIs. ``canonize`` refuses such input instead of producing a form that other implementations would
hash differently.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from pyld import jsonld as _pyld
from pyld.canon import URDNA2015
from pyld.context_resolver import ContextResolver
from pyld.resolved_context import ResolvedContext

__all__ = [
    "CONTEXTS_DIR",
    "JsonLdError",
    "canonize",
    "compact",
    "context_document",
    "document_loader",
    "expand",
    "known_contexts",
    "make_document_loader",
    "undefined_terms",
]

CONTEXTS_DIR = Path(__file__).resolve().parent / "contexts"

DocumentLoader = Callable[..., dict[str, Any]]

# RDFC-1.0 canonical N-Quads escapes these in literals with \uXXXX / \b / \f; pyld writes them raw.
_LITERAL_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Characters that RDFC-1.0 escapes inside IRIs (and that make an IRI invalid anyway).
_IRI_UNSAFE = re.compile(r'[\x00-\x20<>"{}|^`\\\x7f]')


class JsonLdError(ValueError):
    """A document cannot be processed offline (unknown context, invalid JSON-LD, unsafe characters)."""


class _ContextRefused(JsonLdError):
    pass


class _BoundedCache(dict):
    """The small mapping pyld's ContextResolver wants as its shared cache (get / item assignment), bounded."""

    def __init__(self, maxsize: int = 64) -> None:
        super().__init__()
        self.maxsize = maxsize

    def __setitem__(self, key: Any, value: Any) -> None:
        if key not in self and len(self) >= self.maxsize:
            self.clear()
        super().__setitem__(key, value)


@cache
def _index() -> dict[str, str]:
    mapping = json.loads((CONTEXTS_DIR / "contexts.json").read_text(encoding="utf-8"))
    return {str(url): str(name) for url, name in mapping.items()}


@cache
def _bundled(url: str) -> str:
    """The text of a bundled context (read once); the mapping only names files inside CONTEXTS_DIR."""
    name = _index()[url]
    path = (CONTEXTS_DIR / name).resolve()
    if path.parent != CONTEXTS_DIR:
        raise JsonLdError(f"contexts.json maps {url} outside the contexts directory")
    return path.read_text(encoding="utf-8")


def known_contexts() -> tuple[str, ...]:
    """The context URLs that the offline loader serves."""
    return tuple(_index())


def context_document(url: str) -> Any:
    """A fresh copy of the bundled context document at ``url`` (one of ``known_contexts()``)."""
    return json.loads(_bundled(url))


def make_document_loader(extra_contexts: Mapping[str, Any] | None = None) -> DocumentLoader:
    """A pyld document loader over the bundled contexts, plus ``extra_contexts`` (URL -> JSON document).

    ``extra_contexts`` exists for tests and test vectors (e.g. the W3C examples context); production code signs
    with the bundled set only. Every other URL raises ``JsonLdError``; nothing is fetched.
    """
    extras = {str(url): copy.deepcopy(doc) for url, doc in (extra_contexts or {}).items()}

    def load(url: str, options: Any = None) -> dict[str, Any]:
        if url in extras:
            document = copy.deepcopy(extras[url])
        elif url in _index():
            document = json.loads(_bundled(url))
        else:
            served = ", ".join(sorted({*_index(), *extras}))
            raise _ContextRefused(
                f"JSON-LD context {url!r} is not available offline; the offline loader only serves: {served}"
            )
        # "static": the context never changes, so pyld may keep it resolved in the resolver's shared cache across
        # operations (without a tag it re-resolves every context, scoped contexts included, on every expansion).
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": document,
            "tag": "static",
        }

    return load


document_loader: DocumentLoader = make_document_loader()

# Resolved contexts are cached per thread for the bundled loader (pyld's own cache is global and would also hold
# contexts resolved by any other loader in the process); a loader with extra contexts gets a fresh cache.
_local = threading.local()


def _options(extra_contexts: Mapping[str, Any] | None) -> dict[str, Any]:
    if extra_contexts:
        loader = make_document_loader(extra_contexts)
        cache_ = _BoundedCache()
    else:
        loader = document_loader
        cache_ = getattr(_local, "cache", None)
        if cache_ is None:
            cache_ = _local.cache = _BoundedCache()
    return {
        "documentLoader": loader,
        "contextResolver": _Resolver(cache_, loader),
        "base": None,
        "processingMode": "json-ld-1.1",
    }


_FROZEN = type(_pyld.freeze({}))  # pyld's frozendict: the type of every context pyld has processed


class _Processor(_pyld.JsonLdProcessor):
    """pyld's processor, with the child context of a type-scoped context made once per parent context.

    A type-scoped context (OB 3.0 defines one per type: ``OpenBadgeCredential``, ``Achievement``...) does not
    propagate, so pyld first clones the active context into a child that remembers its parent, then processes the
    scoped context on that child. pyld caches a processed context under the ``_uuid`` of the context it was
    processed on, but the child is a fresh object with a fresh ``_uuid`` every time: every type-scoped context of
    every document was processed again from scratch (~150 term definitions each, most of a verification's cost).
    Here the child is made once per parent: a pure function of the parent, which must be frozen (pyld freezes every
    processed context, so its mappings never change); pyld only reads the child (it clones it before defining
    terms), and its ``_uuid`` is set here, so the child is never written after it is shared. Output is unchanged;
    the processed-context and inverse-context caches that pyld already has now hit.
    """

    def _process_context(self, active_ctx: Any, local_ctx: Any, options: Any, *args: Any, **kwargs: Any) -> Any:
        propagate = kwargs.get("propagate", args[1] if len(args) > 1 else True)
        if (
            not propagate
            and isinstance(active_ctx, _FROZEN)
            and isinstance(active_ctx.get("_uuid"), str)
            and not active_ctx.get("previousContext")
        ):
            active_ctx = _scoped_child(self, active_ctx)
        return super()._process_context(active_ctx, local_ctx, options, *args, **kwargs)


def _scoped_child(processor: _pyld.JsonLdProcessor, parent: Any) -> Any:
    """The non-propagating child of the frozen context ``parent``: one per parent (per thread, bounded)."""
    children = getattr(_local, "children", None)
    if children is None:
        children = _local.children = _BoundedCache(256)
    child = children.get(parent["_uuid"])
    if child is None or child["previousContext"] is not parent:
        child = processor._clone_active_context(parent)
        child["previousContext"] = parent
        child["_uuid"] = str(uuid.uuid1())
        children[parent["_uuid"]] = child
    return child


class _Resolver(ContextResolver):
    """pyld's context resolver, with a cheaper cache key for contexts written as objects.

    pyld keys an object context (an inline context, and every scoped context of OB 3.0, resolved again at each use)
    by its JCS canonical form, computed by a pure-Python serialiser: a fifth of the cost of reading a credential.
    Here the key is ``json.dumps`` with sorted keys (C-accelerated), marked so that it can never equal a URL or a
    JCS key. It is as faithful: two contexts share a key only if they are the same JSON value (JCS also merges
    ``1`` and ``1.0``, this key does not: at worst one more cache miss). A context this key cannot write (non-string
    keys, NaN) goes to pyld's own path.
    """

    def resolve(self, active_ctx: Any, context: Any, base: Any, cycles: Any = None) -> list[Any]:
        if isinstance(context, dict | _FROZEN) and "@context" in context:
            context = context["@context"]
        resolved: list[Any] = []
        for ctx in context if isinstance(context, list) else [context]:
            key = _context_key(ctx) if isinstance(ctx, dict | _FROZEN) else None
            if key is None:
                resolved.extend(super().resolve(active_ctx, [ctx], base, cycles))
                continue
            known = self._get(key)
            if not known:
                known = self._cache_resolved_context(key, ResolvedContext(ctx), "static")
            resolved.append(known)
        return resolved


def _context_key(ctx: Any) -> str | None:
    try:
        text = json.dumps(ctx, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=dict)
    except (TypeError, ValueError, RecursionError):
        return None
    return "\x00json:" + text


def _plain_error(exc: BaseException) -> JsonLdError:
    """Turn pyld's nested error chain into one readable message (our own refusal wins when it is in the chain)."""
    seen: list[BaseException] = []
    node: BaseException | None = exc
    while node is not None and node not in seen:
        seen.append(node)
        if isinstance(node, JsonLdError):
            return node
        node = node.__cause__ or getattr(node, "cause", None) or node.__context__
    messages = []
    for item in seen:
        text = str(item).split("\n", 1)[0].strip()
        code = getattr(item, "code", None)
        if code:
            text = f"{text} ({code})"
        if text and text not in messages:
            messages.append(text)
    return JsonLdError("invalid JSON-LD: " + "; ".join(messages[:4]))


def _check_document(doc: Any) -> None:
    if not isinstance(doc, dict):
        raise JsonLdError("a JSON-LD document must be a JSON object")
    if "@context" not in doc:
        raise JsonLdError("the document has no @context")


def expand(doc: Mapping[str, Any], *, extra_contexts: Mapping[str, Any] | None = None) -> list[Any]:
    """JSON-LD expansion with the offline loader."""
    return _expanded(doc, extra_contexts)[1]


#: Expansions of documents (bundled contexts only) by SHA-256 of their JSON text: a Data Integrity verification
#: expands the same credential for its cost guard, its proof and its reading. Bounded; entries are copied out.
_EXPANDED: _BoundedCache = _BoundedCache(128)
_MAX_MEMO_TEXT = 256 * 1024


def _expanded(doc: Mapping[str, Any], extra_contexts: Mapping[str, Any] | None) -> tuple[tuple[str | None, ...], Any]:
    """``(names of dropped properties, expanded form)`` of ``doc``; the expanded form is the caller's to change.

    Expansion is a deterministic function of the document, and the memo key is the document's whole JSON text, key
    order included (two documents share it only if they are the same document, written the same way).
    """
    _check_document(doc)
    key = None
    if not extra_contexts:
        try:
            text = json.dumps(doc, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError, RecursionError):
            text = None
        if text is not None and len(text) <= _MAX_MEMO_TEXT:
            key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
            known = _EXPANDED.get(key)
            if known is not None:
                return known[0], copy.deepcopy(known[1])
    dropped: list[str | None] = []
    try:
        processor = _Processor(on_property_dropped=dropped.append)
        expanded = processor.expand(copy.deepcopy(dict(doc)), _options(extra_contexts))
    except Exception as exc:  # pyld fails in many ways on hostile input: all mean invalid
        raise _plain_error(exc) from exc
    if key is not None:
        _EXPANDED[key] = (tuple(dropped), copy.deepcopy(expanded))
    return tuple(dropped), expanded


def compact(expanded: Any, context: Any, *, extra_contexts: Mapping[str, Any] | None = None) -> Any:
    """JSON-LD compaction of an expanded form (``expand`` output, not expanded again) with ``context``, offline."""
    options = _options(extra_contexts)
    options["skipExpansion"] = True
    try:
        return _Processor().compact(copy.deepcopy(expanded), {"@context": copy.deepcopy(context)}, options)
    except Exception as exc:  # pyld fails in many ways on hostile input: all mean invalid
        raise _plain_error(exc) from exc


def canonize(doc: Mapping[str, Any], *, extra_contexts: Mapping[str, Any] | None = None) -> str:
    """RDFC-1.0 (URDNA2015) canonical N-Quads of a JSON-LD document, offline.

    Raises ``JsonLdError`` for unknown contexts, invalid JSON-LD, and characters whose canonical escaping differs
    between pyld and RDFC-1.0 (control characters other than TAB/LF/CR in literals, spaces and the like in IRIs).
    """
    _check_document(doc)
    return canonize_expanded(copy.deepcopy(dict(doc)), extra_contexts)


class _FromExpanded(_Processor):
    """pyld's toRdf for a document already in expanded form (``expand`` output): pyld's toRdf always expands its
    input first, and expanding an expanded document is a second full pass for nothing (expansion is idempotent)."""

    def expand(self, input_: Any, options: Any) -> Any:
        return input_


def canonize_expanded(document: Any, extra_contexts: Mapping[str, Any] | None = None) -> str:
    """RDFC-1.0 of a JSON-LD document, or of its expanded form (a list, as :func:`expand_checked` returns it:
    turned into RDF directly, without expanding it again)."""
    options = _options(extra_contexts)
    options["rdfDirection"] = "i18n-datatype"
    options["produceGeneralizedRdf"] = False
    processor = _FromExpanded() if isinstance(document, list) else _Processor()
    try:
        dataset = processor.to_rdf(document, options)
    except Exception as exc:  # pyld fails in many ways on hostile input: all mean invalid
        raise _plain_error(exc) from exc
    for graph in dataset.values():
        for quad in graph:
            for position in ("subject", "predicate", "object"):
                term = quad[position]
                if term["type"] == "IRI" and _IRI_UNSAFE.search(term["value"]):
                    raise JsonLdError(f"IRI {term['value']!r} contains a character that is not allowed in an IRI")
                if term["type"] == "literal" and _LITERAL_UNSAFE.search(term["value"]):
                    raise JsonLdError(
                        f"text {term['value'][:40]!r} contains a control character (only TAB, LF and CR are allowed)"
                    )
    return URDNA2015().main(dataset, {"format": "application/n-quads"})


# --------------------------------------------------------------------------------------------- safe mode check


def _walk(value: Any, path: str) -> Iterator[tuple[str, str, Any]]:
    """(path, key, value) for every member of every object, skipping embedded @context definitions."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "@context":
                continue
            child = f"{path}.{key}" if path else key
            yield child, key, item
            yield from _walk(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")


# jsonld.js's notion of an absolute IRI: anything else is a relative reference that safe mode rejects.
_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+\-.]*|_):[^\s]*$")


def _is_absolute_iri(value: str) -> bool:
    return bool(_ABSOLUTE_IRI.match(value))


def _relative_references(expanded: Any) -> Iterator[tuple[str, str]]:
    """('@type' | '@id', value) for every relative IRI left in the expanded form (undefined type names, bad ids)."""
    if isinstance(expanded, list):
        for item in expanded:
            yield from _relative_references(item)
    elif isinstance(expanded, dict):
        for key, item in expanded.items():
            if key == "@type" and "@value" not in expanded:
                for type_ in item if isinstance(item, list) else [item]:
                    if isinstance(type_, str) and not type_.startswith("_:") and not _is_absolute_iri(type_):
                        yield "@type", type_
            elif key == "@id" and isinstance(item, str) and not item.startswith("_:") and not _is_absolute_iri(item):
                yield "@id", item
            elif key != "@value":
                yield from _relative_references(item)


def undefined_terms(doc: Mapping[str, Any], *, extra_contexts: Mapping[str, Any] | None = None) -> list[str]:
    """Problems that a JSON-LD safe-mode processor would reject, one readable line each; empty = safe to sign.

    Reports properties that no context defines (pyld drops them, so a signature would not cover them), type names
    that no context defines, and identifiers that are not absolute IRIs. Raises ``JsonLdError`` when the document
    cannot be expanded at all (e.g. it cites a context that is not available offline).
    """
    return expand_checked(doc, extra_contexts)[0]


def canonize_checked(doc: Mapping[str, Any], *, extra_contexts: Mapping[str, Any] | None = None) -> str:
    """:func:`canonize` of a document that :func:`undefined_terms` finds safe to sign, with one expansion for both
    (context processing is most of the cost of either). Raises ``JsonLdError`` listing the problems, if any."""
    problems, expanded = expand_checked(doc, extra_contexts)
    if problems:
        raise JsonLdError("refusing to sign: " + "; ".join(problems))
    return canonize_expanded(expanded, extra_contexts)


def expand_checked(doc: Mapping[str, Any], extra_contexts: Mapping[str, Any] | None = None) -> tuple[list[str], Any]:
    """``(undefined_terms(doc), expanded form)`` from one expansion; hand the expanded form to
    :func:`canonize_expanded` rather than canonizing ``doc`` again."""
    dropped, expanded = _expanded(doc, extra_contexts)

    problems: list[str] = []
    names = {name for name in dropped if name}
    if None in dropped:
        names.add("")
    members = list(_walk(dict(doc), ""))
    for name in sorted(names):
        paths = [path for path, key, _ in members if key == name] or ["?"]
        problems.append(f"{', '.join(paths)}: property {name!r} is not defined by the @context")

    for kind, value in dict.fromkeys(_relative_references(expanded)):
        if kind == "@type":
            paths = [
                path
                for path, key, item in members
                if key in ("type", "@type") and (item == value or (isinstance(item, list) and value in item))
            ] or ["?"]
            problems.append(f"{', '.join(paths)}: type {value!r} is not defined by the @context")
        else:
            paths = [path for path, key, item in members if key in ("id", "@id") and item == value] or ["?"]
            problems.append(f"{', '.join(paths)}: identifier {value!r} is not an absolute IRI")
    return problems, expanded
