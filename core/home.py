"""The home page is made of panels, one list per role. Packages above ``core`` add their own panels
(``register_panel``) from their ``init_app``; core knows nothing of them."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from flask import request, url_for
from flask_login import current_user

from core.models import Role


@dataclass(frozen=True)
class Panel:
    """``template`` is rendered with ``context(user)``; ``order`` sorts panels on the page. ``version(user)``, when
    given, says cheaply what the panel shows beyond the person's own fields (``core.pagecache``): numbers that
    change whenever its content does, or ``None`` when it cannot say. A home page is kept in memory only when
    every panel on it has a version."""

    template: str
    roles: frozenset[str]
    order: int = 100
    context: Callable[[Any], dict[str, Any]] = field(default=lambda user: {})
    version: Callable[[Any], Hashable | None] | None = None


_PANELS: list[Panel] = []


def register_panel(template: str, roles: list[Role | str], order: int = 100, context=None, version=None) -> None:
    panel = Panel(template, frozenset(str(r) for r in roles), order, context or (lambda user: {}), version)
    if panel.template not in {p.template for p in _PANELS}:
        _PANELS.append(panel)


def _chosen(user) -> list[Panel]:
    mine = {r.role for r in user.role_rows}
    return sorted((p for p in _PANELS if p.roles & mine), key=lambda p: (p.order, p.template))


def panels_for(user) -> list[tuple[str, dict[str, Any]]]:
    return [(p.template, p.context(user)) for p in _chosen(user)]


def home_version(user) -> tuple | None:
    """The version of ``user``'s home page: each of its panels' (``None`` when one of them cannot say)."""
    versions = []
    for panel in _chosen(user):
        version = panel.version(user) if panel.version is not None else None
        if version is None:
            return None
        versions.append(version)
    return tuple(versions)


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: Any  # a lazy string
    roles: frozenset[str]
    order: int = 100


_NAV: list[NavItem] = []


def register_nav(endpoint: str, label, roles: list[Role | str], order: int = 100) -> None:
    if endpoint not in {item.endpoint for item in _NAV}:
        _NAV.append(NavItem(endpoint, label, frozenset(str(r) for r in roles), order))


def nav_items() -> list[dict[str, Any]]:
    """The main menu entries the current user may open, for ``base.html``."""
    if not current_user.is_authenticated:
        return []
    mine = {r.role for r in current_user.role_rows}
    items = sorted((i for i in _NAV if i.roles & mine), key=lambda i: (i.order, i.endpoint))
    return [
        {
            "url": url_for(i.endpoint),
            "label": str(i.label),
            # "admin.users" is also current on "admin.users_detail" and "admin.users_new".
            "current": request.endpoint == i.endpoint or (request.endpoint or "").startswith(i.endpoint + "_"),
        }
        for i in items
    ]
