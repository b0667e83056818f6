"""A person's pages kept in memory, rendered once per state of what they show.

The pages people open many times a day (a trainee's home) change far less often than they are opened. A view that
can say, cheaply, what its page is made of — a ``version``: a tuple of numbers that change whenever something the
page shows changes (a cohort's ``facts_version``, the badges' state version…) — renders it once and serves it from
memory until the version moves::

    return pagecache.page(version, lambda: render_template(...))

The kept page is keyed by the version *and* by everything of the request a page may show: the endpoint and the
path with its query, the person (their id, the session version, the fields the layout shows: name, e-mail,
language, roles), the language of the page and the day. It is never used:

* when the version is ``None`` (the view could not say: something is on its way, the data is being written);
* for a session carrying a flashed message (the page shows it once), or a request that is not a plain ``GET``;
* inside a transaction that has written something (what it sees is not committed).

The only per-request part of a page is the CSRF token of its forms (the menu's log-out and language forms): the
page is kept with a placeholder in its place and gets the request's token when served.

``PAGE_CACHE_VERIFY`` (on in the test configuration) renders the page afresh every time a kept page is served and
fails the request when the two differ: the whole test suite then checks that no version misses a change.
``PAGE_CACHE = False`` turns the memo off. Each Flask app has its own memo (``app.extensions``), bounded in size.
"""

from __future__ import annotations

import difflib
import secrets
from collections.abc import Callable, Hashable
from datetime import date

import sqlalchemy as sa
from flask import current_app, request, session
from flask_login import current_user
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf.csrf import generate_csrf

from core.db import db
from core.i18n import current_language

MEMO_KEY = "core.page_memo"
#: ``session.info`` key: this transaction flushed a write.
WROTE = "core.pagecache_wrote"
#: Pages kept per process (a page is ~5–25 KB: at most ~50 MB); beyond that the memo starts afresh.
MEMO_MAX = 2048
#: Stands for the request's CSRF token in a kept page (random per process: no page can contain it by chance).
_PLACEHOLDER = f"csrf-placeholder-{secrets.token_hex(16)}"


class StalePage(AssertionError):
    """``PAGE_CACHE_VERIFY``: a kept page differs from the page rendered afresh — a version missed a change."""


def _memo() -> dict:
    return current_app.extensions.setdefault(MEMO_KEY, {})


def _usable() -> bool:
    if not current_app.config.get("PAGE_CACHE", True) or request.method != "GET":
        return False
    if "_flashes" in session or not current_user.is_authenticated:
        return False
    state = db.session()
    return not (state.new or state.dirty or state.deleted or state.info.get(WROTE))


def person_key(user) -> tuple:
    """What the layout shows of the person: their menu (roles), name, address and language."""
    return (
        user.id,
        user.session_version,
        user.legal_name,
        user.display_name,
        user.email,
        user.language,
        tuple(sorted(r.role for r in user.role_rows)),
    )


def page(version: Hashable | None, render: Callable[[], str]) -> str:
    """The page ``render`` makes, from memory when it was rendered before for the same ``version`` (see above)."""
    if version is None or not _usable():
        return render()
    token = generate_csrf()  # the session's CSRF secret exists before the page is rendered or served
    key = (
        request.endpoint,
        request.full_path,
        person_key(current_user),
        current_language(),
        date.today(),
        version,
    )
    memo = _memo()
    kept = memo.get(key)
    if kept is not None:
        body = kept.replace(_PLACEHOLDER, token)
        if current_app.config.get("PAGE_CACHE_VERIFY"):
            fresh = render()
            if fresh != body:
                diff = "\n".join(
                    difflib.unified_diff(body.splitlines(), fresh.splitlines(), "kept", "fresh", lineterm="", n=1)
                )
                raise StalePage(f"{request.endpoint}: the kept page differs from a fresh one\n{diff[:4000]}")
        return body
    body = render()
    if len(memo) >= MEMO_MAX:
        memo.clear()
    memo[key] = body.replace(token, _PLACEHOLDER)
    return body


def _flushed(session, _flush_context) -> None:
    session.info[WROTE] = True


def _transaction_ended(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(WROTE, None)


def install_hooks() -> None:
    for name, hook in (("after_flush", _flushed), ("after_transaction_end", _transaction_ended)):
        if not sa.event.contains(FlaskSession, name, hook):
            sa.event.listen(FlaskSession, name, hook)


def forget(app) -> None:
    """Drop every kept page of ``app`` (tests that change data behind the ORM's back; a restored database)."""
    app.extensions.pop(MEMO_KEY, None)
