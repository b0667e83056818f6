"""What JSON-LD processing costs: shapes that would make RDF canonicalisation (URDNA2015) explode."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from badges import jsonld

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
