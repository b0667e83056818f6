"""Evidence files in storage (``core.storage``): every file operation on evidence lives here.

A file is stored once per content, under a key named by its SHA-256 (``evidence/ab/abcd…``), and shared by every
``EvidenceFile`` record with that hash. Sharing makes two operations race: erasing the last record of a content
while someone attaches the same content again. The attachment skips the write (the file is there), the erasure
commits first and removes the file after its commit, then the attachment commits a record pointing at nothing.

The two sides each re-check *after their commit*, when what they see is what other transactions committed:

* :func:`put` (attaching) writes the file before the commit if it is missing, so a record never commits without
  it; after the commit, if the file has gone meanwhile, it writes it again (the bytes are still in hand).
* :func:`release` (erasing, retention) decides nothing before the commit. After it, the file is moved aside
  (a rename in a folder; a copy then a delete on S3), then removed only if no committed record refers to its
  hash; otherwise it is moved back.

Why nothing is lost in any order: if an attachment committed before the releaser's check, the check sees its
record and the file goes back; if it commits after the check, its own re-check comes after the move aside, sees
no file and writes it again (on S3, a re-check between the copy and the delete sees the file and skips the
write; then the releaser's check sees its record and moves the file back). A rolled-back transaction releases the
files it created (an orphan otherwise).
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.db import db
from core.storage import storage
from courses.models import EvidenceFile

_PUT = "courses_evidence_put"  # session.info: {sha256: (key, bytes, created by this transaction)}
_RELEASE = "courses_evidence_release"  # session.info: {sha256: key}
PREFIX = "evidence/"  # every evidence file's key starts so (a backup's area of that name)
_HEX = frozenset("0123456789abcdef")


def evidence_key(sha256: str) -> str:
    """The storage key of an evidence file, by content hash: ``evidence/ab/abcd…``."""
    if len(sha256) != 64 or not set(sha256) <= _HEX:
        raise ValueError("not a SHA-256 in hexadecimal")
    return f"{PREFIX}{sha256[:2]}/{sha256}"


def evidence_size(sha256: str) -> int | None:
    """The size of the stored file of this hash (None: not there)."""
    try:
        return storage().size(evidence_key(sha256))
    except FileNotFoundError:
        return None


def put(sha256: str, data: bytes) -> str:
    """Store ``data`` under its hash now if it is not there, and make sure it is still there after the commit."""
    key = evidence_key(sha256)
    store = storage()
    created = not store.exists(key)
    if created:
        store.put(key, data)  # atomic: readers see the whole file or none
    pending = db.session.info.setdefault(_PUT, {})
    pending[sha256] = (key, data, created or pending.get(sha256, (None, None, False))[2])
    return key


def release(sha256: str) -> None:
    """Remove the file of this hash after the commit, if no committed record refers to it any more."""
    db.session.info.setdefault(_RELEASE, {})[sha256] = evidence_key(sha256)


def is_referenced(engine: sa.Engine, sha256: str) -> bool:
    """Whether a committed record refers to this hash (read on a connection of its own)."""
    with engine.connect() as connection:
        query = sa.select(EvidenceFile.id).where(EvidenceFile.sha256 == sha256).limit(1)
        return connection.execute(query).first() is not None


def remove_if_unreferenced(engine: sa.Engine, sha256: str, key: str) -> bool:
    """Move the file aside, then delete it if no committed record refers to its hash, else move it back.
    Returns whether it was deleted."""
    store = storage()
    aside = f"{key}.{secrets.token_hex(4)}.releasing"
    try:
        store.move(key, aside)
    except FileNotFoundError:
        return False
    if is_referenced(engine, sha256):
        store.move(aside, key)  # if an attachment wrote it again meanwhile: the same bytes
        return False
    store.delete(aside)
    return True


def _engine(session: Session) -> sa.Engine:
    return session.get_bind().engine


def _after_commit(session: Session) -> None:
    released = session.info.pop(_RELEASE, None) or {}
    put_ = session.info.pop(_PUT, None) or {}
    if not released and not put_:
        return
    engine = _engine(session)
    store = storage()
    for sha256, key in released.items():
        remove_if_unreferenced(engine, sha256, key)
    for key, data, _created in put_.values():
        if not store.exists(key):  # released by a transaction that committed after we skipped the write
            store.put(key, data)


def _after_soft_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is not None:  # a savepoint, not the whole transaction
        return
    session.info.pop(_RELEASE, None)
    put_ = session.info.pop(_PUT, None) or {}
    created = [(sha256, key) for sha256, (key, _data, was_created) in put_.items() if was_created]
    if created:
        engine = _engine(session)
        for sha256, key in created:
            remove_if_unreferenced(engine, sha256, key)


def install_hooks() -> None:
    for name, hook in (("after_commit", _after_commit), ("after_soft_rollback", _after_soft_rollback)):
        if not sa.event.contains(Session, name, hook):
            sa.event.listen(Session, name, hook)
