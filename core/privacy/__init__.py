"""Privacy (GDPR): a person's own data (download), erasure on request, consent records, retention of evidence
files, and the privacy notice.

``core`` knows only accounts. Each package above it says what it holds about a person through a
:class:`Provider` registered here (the same seam as ``badges.extensions``): what to put in the person's download,
how to erase or pseudonymise it, which of its audit-log objects are about the person and which audit fields hold
personal content. Retention rules (e.g. deleting old evidence files) register with :func:`register_retention`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - types only
    from core.models import User
    from core.privacy.services import Erasure, ExportBundle

ObjectRef = tuple[str, str]  # (audit object_type, audit object_id)


@dataclass(frozen=True)
class Provider:
    """What one package holds about a person.

    * ``objects(user)``: the audit-log objects ``(object_type, object_id)`` that are about the person;
    * ``export(user, bundle)``: adds sections to ``data.json``, files to the ZIP and lines to its README;
    * ``erase(erasure)``: removes or pseudonymises the person's data (flush only, never commit; files are
      deleted after the commit through ``erasure.delete_after_commit``);
    * ``audit_fields``: per audit ``object_type``, the detail keys that hold personal content: they are
      blanked in the audit entries of the person's objects when the person is erased.

    ``order``: lower runs first, on export and on erasure (courses before badges before core)."""

    name: str
    order: int = 50
    objects: Callable[[User], Iterable[ObjectRef]] | None = None
    export: Callable[[User, ExportBundle], None] | None = None
    erase: Callable[[Erasure], None] | None = None
    audit_fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass
class RetentionReport:
    """What a retention rule found (and deleted, unless it was a dry run)."""

    name: str
    items: list[str] = field(default_factory=list)  # one line per thing, without personal data
    count: int = 0
    bytes: int = 0


RetentionRule = Callable[[datetime, bool], RetentionReport]  # fn(now, apply) -> report

_PROVIDERS: dict[str, Provider] = {}
_RETENTION: dict[str, RetentionRule] = {}


def register_provider(provider: Provider) -> None:
    _PROVIDERS[provider.name] = provider


def providers() -> list[Provider]:
    return sorted(_PROVIDERS.values(), key=lambda p: (p.order, p.name))


def register_retention(name: str, rule: RetentionRule) -> None:
    _RETENTION[name] = rule


def retention_rules() -> dict[str, RetentionRule]:
    return dict(_RETENTION)
