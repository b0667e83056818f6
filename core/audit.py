"""The audit log: who did what, when, on what.

Every insert, update and delete of an audited model is recorded automatically after each flush, so no
service can forget it; services add semantic events (a login, an invitation) with ``record``. Columns whose
``info`` says ``secret`` are logged as changed, never with their value (``bulky`` ones, signed documents, as
"(document)"). Models opt out with
``__audited__ = False`` (the audit log itself, counters, the outbox).
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import uuid
from typing import Any

import sqlalchemy as sa
from flask import g, has_app_context, has_request_context, request
from flask_login import current_user
from flask_sqlalchemy.session import Session
from sqlalchemy.orm import attributes

from core.db import db, utcnow
from core.models import AuditEntry

SECRET = "(secret)"  # noqa: S105 - the placeholder logged instead of a secret
DOCUMENT = "(document)"  # logged instead of a bulky column (``info={"bulky": True}``): signed badge documents


def _placeholder(column) -> str | None:
    if column.info.get("secret"):
        return SECRET
    if column.info.get("bulky"):
        return DOCUMENT
    return None


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float | decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return _jsonable(value.value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, bytes):
        return f"({len(value)} bytes)"
    return str(value)


def set_actor_label(label: str) -> None:
    """Name a non-user actor (``cli``, ``system``) for the rest of this app context."""
    g.audit_actor_label = label


def set_actor(user_id: int) -> None:
    """Attribute what follows in this request to a user not logged in yet (the login itself)."""
    g.audit_actor_id = user_id


def _actor() -> tuple[int | None, str | None]:
    if has_app_context() and g.get("audit_actor_id") is not None:
        return g.audit_actor_id, None
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id, None
    if has_app_context() and "audit_actor_label" in g:
        return None, g.audit_actor_label
    return None, "anonymous" if has_request_context() else "system"


def _ip() -> str | None:
    return request.remote_addr if has_request_context() else None


def _object_id(obj: Any) -> str | None:
    public = getattr(obj, "uuid", None)
    if public is not None:
        return str(public)
    key = sa.inspect(type(obj)).primary_key_from_instance(obj)
    return ":".join(str(part) for part in key) if all(part is not None for part in key) else None


def _is_audited(obj: Any) -> bool:
    return getattr(type(obj), "__audited__", True) and hasattr(type(obj), "__table__")


def _columns(obj: Any):
    return sa.inspect(type(obj)).column_attrs


def _values(obj: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for prop in _columns(obj):
        column = prop.columns[0]
        value = getattr(obj, prop.key)
        if value is None:
            continue
        placeholder = _placeholder(column)
        out[prop.key] = placeholder if placeholder else _jsonable(value)
    return out


def _changes(obj: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for prop in _columns(obj):
        history = attributes.get_history(obj, prop.key)
        if not history.has_changes():
            continue
        placeholder = _placeholder(prop.columns[0])
        if placeholder:
            out[prop.key] = placeholder
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        out[prop.key] = [_jsonable(old), _jsonable(new)]
    return out


def _after_flush(session: Session, _flush_context) -> None:
    actor_id, actor_label = _actor()
    ip = _ip()
    now = utcnow()
    rows: list[dict[str, Any]] = []

    def add(action: str, obj: Any, details: dict[str, Any]) -> None:
        rows.append(
            {
                "at": now,
                "actor_id": actor_id,
                "actor_label": actor_label,
                "action": action,
                "object_type": type(obj).__tablename__,
                "object_id": _object_id(obj),
                "details": details,
                "ip": ip,
            }
        )

    for obj in session.new:
        if _is_audited(obj):
            add("create", obj, _values(obj))
    for obj in session.dirty:
        if _is_audited(obj) and session.is_modified(obj, include_collections=False):
            changes = _changes(obj)
            if changes:
                add("update", obj, changes)
    for obj in session.deleted:
        if _is_audited(obj):
            add("delete", obj, _values(obj))
    if rows:
        session.connection().execute(sa.insert(AuditEntry), rows)


def record(action: str, object_type: str, object_id: str | None = None, **details: Any) -> None:
    """Record a semantic event (login, invitation sent, password reset…) in the current transaction."""
    actor_id, actor_label = _actor()
    db.session.add(
        AuditEntry(
            at=utcnow(),
            actor_id=actor_id,
            actor_label=actor_label,
            action=action,
            object_type=object_type,
            object_id=object_id,
            details=_jsonable(details),
            ip=_ip(),
        )
    )


def init_app(app) -> None:
    if not sa.event.contains(Session, "after_flush", _after_flush):
        sa.event.listen(Session, "after_flush", _after_flush)
