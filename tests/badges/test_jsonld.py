"""badges.jsonld's processor reuses pyld's processed contexts across documents, and reads exactly as stock pyld does.

OB 3.0 gives each type (``OpenBadgeCredential``, ``Achievement``...) a type-scoped context; stock pyld processed
each of them again for every document (a fresh child context each time defeats its own cache), which was most of
the cost of reading a credential. The processor of ``badges.jsonld`` makes that child once per parent context.
Here: the cache really hits (no term is defined again for a document already seen in shape), and expansion,
compaction with the reading context and canonicalisation are identical to stock pyld's (a fresh processor and a
fresh context cache) on our credential and on every alias rewrite of the JSON-LD tests (inline, scoped, ``@vocab``,
``@nest``, compact and full IRIs, keyword aliases, split values).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pyld import context_resolver
from pyld import jsonld as pyld_jsonld
from pyld.canon import URDNA2015
from pyld.context_resolver import ContextResolver

from badges import jsonld
from badges.verification.jsonld_terms import CRED, READING_CONTEXT
from tests.badges.test_verification import signed_credential
from tests.badges.test_verification_jsonld import READ_KEYS, TECHNIQUES, rewrite


def _stock_options() -> dict[str, Any]:
    return {
        "documentLoader": jsonld.document_loader,
        "contextResolver": ContextResolver({}, jsonld.document_loader),
        "base": None,
        "processingMode": "json-ld-1.1",
    }


def _stock(doc: dict[str, Any]) -> tuple[Any, Any, str]:
    """Expanded form, reading, canonical N-Quads of ``doc`` by stock pyld, every context processed afresh."""
    expanded = pyld_jsonld.expand(copy.deepcopy(doc), _stock_options())
    options = {**_stock_options(), "skipExpansion": True}
    compacted = pyld_jsonld.compact(copy.deepcopy(expanded), {"@context": copy.deepcopy(READING_CONTEXT)}, options)
    rdf_options = {**_stock_options(), "rdfDirection": "i18n-datatype", "produceGeneralizedRdf": False}
    dataset = pyld_jsonld.JsonLdProcessor().to_rdf(copy.deepcopy(doc), rdf_options)
    return expanded, compacted, URDNA2015().main(dataset, {"format": "application/n-quads"})


def _ours(doc: dict[str, Any]) -> tuple[Any, Any, str]:
    expanded = jsonld.expand(doc)
    return expanded, jsonld.compact(expanded, READING_CONTEXT), jsonld.canonize(doc)


def _documents() -> list[dict[str, Any]]:
    unsigned = {key: value for key, value in signed_credential().items() if key != "proof"}
    documents = [unsigned]
    for key in READ_KEYS:
        for technique in TECHNIQUES:
            for where in ("top", "node"):
                document = copy.deepcopy(unsigned)
                if rewrite(document, key, technique, where, 1):
                    documents.append(document)
    return documents


def test_reading_is_stock_pyld_on_every_rewrite() -> None:
    documents = _documents()
    assert len(documents) > 40
    for _ in range(2):  # the second round reads through the processor's warm caches
        for document in documents:
            assert _ours(document) == _stock(document), document


def test_scoped_contexts_are_processed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    document = {key: value for key, value in signed_credential().items() if key != "proof"}
    jsonld.compact(jsonld.expand(document), READING_CONTEXT)  # warm
    defined: list[str] = []
    original = pyld_jsonld.JsonLdProcessor._create_term_definition

    def counting(self: Any, active_ctx: Any, local_ctx: Any, term: str, *args: Any, **kwargs: Any) -> Any:
        defined.append(term)
        return original(self, active_ctx, local_ctx, term, *args, **kwargs)

    monkeypatch.setattr(pyld_jsonld.JsonLdProcessor, "_create_term_definition", counting)
    other = copy.deepcopy(document)
    other["id"] = "urn:uuid:4f1c8e1a-0000-4000-8000-000000000001"  # another credential, same contexts
    assert jsonld.compact(jsonld.expand(other), READING_CONTEXT)["id"] == other["id"]
    jsonld.canonize(other)
    assert defined == []


def test_object_contexts_are_keyed_without_the_pure_python_canonicaliser(monkeypatch: pytest.MonkeyPatch) -> None:
    """pyld keys each object context (inline or scoped) by its JCS form, which cost a fifth of a reading; ours
    does not call it, and an inline context still resolves as it says (the alias of the issue is read through)."""
    calls: list[Any] = []
    original = context_resolver.canonicalize
    monkeypatch.setattr(context_resolver, "canonicalize", lambda value: calls.append(value) or original(value))
    document = {key: value for key, value in signed_credential().items() if key != "proof"}
    document["@context"] = [*document["@context"], {"cs": {"@id": CRED + "credentialStatus", "@type": "@id"}}]
    document["cs"] = document.pop("credentialStatus")
    reading = jsonld.compact(jsonld.expand(document), READING_CONTEXT)
    assert reading["credentialStatus"] == signed_credential()["credentialStatus"] and "cs" not in reading
    assert calls == []


def test_a_document_is_expanded_once_and_each_caller_gets_its_own_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Data Integrity verification expands the credential for its cost guard, its proof and its reading: once."""
    document = {key: value for key, value in signed_credential().items() if key != "proof"}
    document["id"] = "urn:uuid:4f1c8e1a-0000-4000-8000-000000000002"
    first = jsonld.expand(document)
    expansions: list[Any] = []
    original = pyld_jsonld.JsonLdProcessor.expand
    monkeypatch.setattr(
        pyld_jsonld.JsonLdProcessor, "expand", lambda self, *a: expansions.append(a) or original(self, *a)
    )
    first[0].clear()  # a caller changing its copy changes nobody else's
    problems, again = jsonld.expand_checked(document)
    assert problems == [] and again == jsonld.expand(copy.deepcopy(document)) and again[0]
    assert expansions == []
    reordered = dict(reversed(list(document.items())))  # another spelling: expanded afresh, same result
    assert jsonld.expand(reordered) == again and len(expansions) == 1
