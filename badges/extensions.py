"""Seams through which packages above badges add to its pages without badges importing them.

badges knows nothing of programmes or certificates. A package that issues badges may register:

* a **verification section** provider, ``fn(award, reached_by) -> Markup | None``: safe HTML (e.g. a rendered
  template wrapped in ``Markup``) shown on the badge's
  public verification page, under the verdict. ``reached_by`` is what the visitor followed to get there: ``None``
  for the badge's own link (``/verify/<uuid>``), or a mapping given by the caller of
  :func:`badges.verify_views.verification_page` (e.g. ``{"certificate": …}`` for a certificate's code);
* a **holder link** provider, ``fn(award) -> list[(label, url)]``: extra downloads shown to the holder on
  ``/me/badges/<uuid>`` (e.g. the printable certificate of a programme badge);
* a **reference lookup**, ``fn(text) -> url | None``: what a visitor typed on ``/verify`` that is neither a link
  to a badge nor a credential (e.g. a printed certificate's code, or its link) → the page to send them to;
* an **on-the-way check**, ``fn(user) -> bool``: whether a badge is being issued to this person right now (e.g. a
  queued job will sign it in a few seconds); her home and *My badges* then say that it is on its way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from markupsafe import Markup

from badges.models import Award

SectionProvider = Callable[[Award, Mapping[str, Any] | None], Markup | None]
LinkProvider = Callable[[Award], list[tuple[str, str]]]

_SECTIONS: list[SectionProvider] = []
_HOLDER_LINKS: list[LinkProvider] = []
_LOOKUPS: list[Callable[[str], str | None]] = []
_ON_THE_WAY: list[Callable[[Any], bool]] = []


def register_verification_section(provider: SectionProvider) -> None:
    if provider not in _SECTIONS:
        _SECTIONS.append(provider)


def register_holder_links(provider: LinkProvider) -> None:
    if provider not in _HOLDER_LINKS:
        _HOLDER_LINKS.append(provider)


def register_reference_lookup(lookup: Callable[[str], str | None]) -> None:
    if lookup not in _LOOKUPS:
        _LOOKUPS.append(lookup)


def register_on_the_way(check: Callable[[Any], bool]) -> None:
    if check not in _ON_THE_WAY:
        _ON_THE_WAY.append(check)


def badge_on_the_way(user) -> bool:
    """Whether some package is issuing a badge to ``user`` right now."""
    return any(check(user) for check in _ON_THE_WAY)


def lookup_reference(text: str) -> str | None:
    for lookup in _LOOKUPS:
        url = lookup(text)
        if url:
            return url
    return None


def verification_sections(award: Award, reached_by: Mapping[str, Any] | None = None) -> list[Markup]:
    out = []
    for provider in _SECTIONS:
        section = provider(award, reached_by)
        if section:
            out.append(section)
    return out


def holder_links(award: Award) -> list[tuple[str, str]]:
    return [link for provider in _HOLDER_LINKS for link in provider(award)]
