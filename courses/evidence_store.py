"""Evidence files on disk: every file operation on evidence lives here (the storage interface will replace it).

A file is stored once per content, named by its SHA-256 (``EVIDENCE_DIR/ab/abcd…``), and shared by every
``EvidenceFile`` record with that hash. Sharing makes two operations race: erasing the last record of a content
while someone attaches the same content again. The attachment skips the write (the file is there), the erasure
commits first and removes the file after its commit, then the attachment commits a record pointing at nothing.

The two sides each re-check *after their commit*, when what they see is what other transactions committed:

* :func:`put` (attaching) writes the file before the commit if it is missing, so a record never commits without
  it; after the commit, if the file has gone meanwhile, it writes it again (the bytes are still in hand).
* :func:`release` (erasing, retention) decides nothing before the commit. After it, the file is moved aside
  (an atomic rename), then removed only if no committed record refers to its hash; otherwise it is moved back.

Why nothing is lost in any order: if an attachment committed before the releaser's check, the check sees its
record and the file goes back; if it commits after the check, its own re-check comes after the move aside, sees
no file and writes it again. A rolled-back transaction releases the files it created (an orphan otherwise).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from core.db import db
from courses.models import EvidenceFile

_PUT = "courses_evidence_put"  # session.info: {sha256: (path, bytes, created by this transaction)}
_RELEASE = "courses_evidence_release"  # session.info: {sha256: path}


def evidence_path(sha256: str) -> Path:
    """Where an evidence file lives: ``EVIDENCE_DIR`` (default instance/evidence), by content hash."""
    root = current_app.config.get("EVIDENCE_DIR") or Path(current_app.instance_path) / "evidence"
    return Path(root) / sha256[:2] / sha256


def _write(path: Path, data: bytes) -> None:
    """Write atomically: readers see the whole file or none."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def put(sha256: str, data: bytes) -> Path:
    """Store ``data`` under its hash now if it is not there, and make sure it is still there after the commit."""
    path = evidence_path(sha256)
    created = not path.exists()
    if created:
        _write(path, data)
    pending = db.session.info.setdefault(_PUT, {})
    pending[sha256] = (path, data, created or pending.get(sha256, (None, None, False))[2])
    return path


def release(sha256: str) -> None:
    """Remove the file of this hash after the commit, if no committed record refers to it any more."""
    db.session.info.setdefault(_RELEASE, {})[sha256] = evidence_path(sha256)


def is_referenced(engine: sa.Engine, sha256: str) -> bool:
    """Whether a committed record refers to this hash (read on a connection of its own)."""
    with engine.connect() as connection:
        query = sa.select(EvidenceFile.id).where(EvidenceFile.sha256 == sha256).limit(1)
        return connection.execute(query).first() is not None


def remove_if_unreferenced(engine: sa.Engine, sha256: str, path: Path) -> bool:
    """Move the file aside, then delete it if no committed record refers to its hash, else move it back.
    Returns whether it was deleted."""
    aside = path.with_name(f"{path.name}.{secrets.token_hex(4)}.releasing")
    try:
        os.replace(path, aside)
    except FileNotFoundError:
        return False
    if is_referenced(engine, sha256):
        os.replace(aside, path)  # if an attachment wrote it again meanwhile: the same bytes
        return False
    aside.unlink(missing_ok=True)
    return True


def _engine(session: Session) -> sa.Engine:
    return session.get_bind().engine


def _after_commit(session: Session) -> None:
    released = session.info.pop(_RELEASE, None) or {}
    put_ = session.info.pop(_PUT, None) or {}
    if not released and not put_:
        return
    engine = _engine(session)
    for sha256, path in released.items():
        remove_if_unreferenced(engine, sha256, path)
    for path, data, _created in put_.values():
        if not path.exists():  # released by a transaction that committed after we skipped the write
            _write(path, data)


def _after_soft_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is not None:  # a savepoint, not the whole transaction
        return
    session.info.pop(_RELEASE, None)
    put_ = session.info.pop(_PUT, None) or {}
    created = [(sha256, path) for sha256, (path, _data, was_created) in put_.items() if was_created]
    if created:
        engine = _engine(session)
        for sha256, path in created:
            remove_if_unreferenced(engine, sha256, path)


def install_hooks() -> None:
    for name, hook in (("after_commit", _after_commit), ("after_soft_rollback", _after_soft_rollback)):
        if not sa.event.contains(Session, name, hook):
            sa.event.listen(Session, name, hook)
