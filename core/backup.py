"""``tremplin backup`` / ``tremplin restore``: the whole instance in one portable file, and back.

The archive (``.tar.gz``) holds:

* ``manifest.json``: format and version, when and from which kind of database it was made, the schema revision
  (Alembic), and for every table its row count and the SHA-256 of its file, for every file its SHA-256;
* ``tables/<table>.jsonl``: every row of every table, one JSON object a line, tables in foreign-key order, rows
  in primary-key order. Values are written portably (ISO dates and times in UTC, UUIDs as text, bytes in base64),
  so a backup made on SQLite restores into PostgreSQL and the other way round;
* ``files/<area>/…``: the instance's files (today: ``evidence``, the evidence files), read from the storage
  (:mod:`core.storage`: a folder or an S3 bucket) and written back to the storage of the restoring instance, which
  may be of the other kind. Job results are not kept: they are exports, made again on demand, and deleted after
  ``JOBS_KEEP_DAYS`` anyway.

The private signing keys are in the database, encrypted with ``BADGES_KEY_PASSPHRASE`` (by default derived from
``SECRET_KEY``): a backup holds no secret in clear, and the restored instance needs the same passphrase to issue
new badges (the badges already issued verify whatever it is: their public keys are in the backup too).

The backup is a consistent snapshot (one read transaction: REPEATABLE READ on PostgreSQL, a WAL snapshot on
SQLite), written to a temporary file renamed at the end: a backup cut short never looks complete.

The restore checks everything before writing anything (the manifest, the schema revision of the target database,
then every member: exactly the ones the manifest lists, once each, plain files, with names that resolve inside
their area — :mod:`core.backup_files`), refuses a database that already holds data unless ``--force``, stages the
files in a folder beside their area (an S3 storage: under a temporary prefix of the bucket, each file checked
against its SHA-256 before it is uploaded) while checking every SHA-256, then in one transaction writes every table,
resets PostgreSQL's sequences and moves the files in place (the previous ones aside: renamed in a folder, copied
then deleted in S3), and only then commits. Any error before the commit rolls the database back and puts the
previous files back: all or nothing, files included.
Afterwards it sends :data:`database_restored` so that packages forget what they cached (badges' revocation states).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import logging
import os
import shutil
import tarfile
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

import click
import sqlalchemy as sa
from blinker import Namespace
from flask import Flask, current_app
from flask.cli import with_appcontext

from core.backup_files import ChecksumError, Staging, StoreStaging, UnsafeName, check_name
from core.db import db, utcnow
from core.storage import FileStorage, Storage, storage

log = logging.getLogger(__name__)

FORMAT = "tremplin-backup"
FORMAT_VERSION = 1
BATCH = 500

signals = Namespace()
#: Sent after a restore has committed, with ``app=``. Receivers drop what they cached about the old database; one
#: may return a sentence (a warning for the operator) or None.
database_restored = signals.signal("database-restored")


class BackupError(click.ClickException):
    """The backup or the restore cannot go on; nothing was written (the message says why and what to do)."""


#: The storage prefixes whose files a backup keeps (``evidence/``). Job results are not kept (see above).
AREAS = ("evidence",)


def file_areas(app: Flask | None = None) -> dict[str, Path]:
    """The folders of the areas, by name, when the files are kept in a folder storage (else empty)."""
    store = storage(app or current_app)
    if not isinstance(store, FileStorage):
        return {}
    return {area: store.root / area for area in AREAS}


def _staging(app: Flask, spool: Path | None = None) -> Staging | StoreStaging:
    """Where a restore puts its files: folders beside the areas (a rename on one filesystem), or a temporary
    prefix of the object storage."""
    store = storage(app)
    if isinstance(store, FileStorage):
        return Staging(file_areas(app))
    return StoreStaging(store, AREAS, spool)


# ------------------------------------------------------------------------------------------------ values


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Decimal):
        return str(value)
    return value


def _decoder(column: sa.Column) -> Callable[[Any], Any] | None:
    """How a column's value comes back from JSON (None: as it is)."""
    kind = column.type
    if isinstance(kind, sa.types.TypeDecorator):
        kind = kind.impl_instance
    if isinstance(kind, sa.JSON):
        return None
    try:
        python_type = kind.python_type
    except NotImplementedError:
        return None
    return {
        datetime: datetime.fromisoformat,
        date: date.fromisoformat,
        time: time.fromisoformat,
        uuid.UUID: uuid.UUID,
        bytes: base64.b64decode,
        Decimal: Decimal,
    }.get(python_type)


def _tables() -> list[sa.Table]:
    """Every table of the schema, parents before children."""
    return list(db.metadata.sorted_tables)


def _order(table: sa.Table) -> list[sa.Column]:
    return list(table.primary_key.columns) or list(table.columns)


def _self_references(table: sa.Table) -> list[str]:
    """Columns pointing at their own table (a row may point at a later one: written in a second pass)."""
    return sorted({fk.parent.name for fk in table.foreign_keys if fk.column.table is table})


def schema_revision(connection: sa.Connection) -> str | None:
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def _snapshot(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection that sees one consistent state of the database for as long as it is open."""
    if engine.dialect.name == "postgresql":
        with (
            engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection,
            connection.begin(),
        ):
            connection.execute(sa.text("SET TRANSACTION READ ONLY"))
            yield connection
        return
    with engine.connect() as connection, connection.begin() as transaction:
        raw = connection.connection.dbapi_connection
        if raw is not None and not raw.in_transaction:  # sqlite3 begins only before writes: begin the read
            raw.execute("BEGIN")
        yield connection
        transaction.rollback()


# ------------------------------------------------------------------------------------------------ backup


@dataclass
class Summary:
    path: Path
    revision: str | None
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    warnings: list[str] = field(default_factory=list)


def backup(target: Path, app: Flask | None = None) -> Summary:
    """Write the archive of the database and the instance's files to ``target`` (a file, replaced if there)."""
    app = app or current_app
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tremplin-backup-") as work_dir:
        work = Path(work_dir)
        (work / "tables").mkdir()
        tables: dict[str, dict[str, Any]] = {}
        with _snapshot(db.engine) as connection:
            revision = schema_revision(connection)
            if revision is None:
                raise BackupError("This database has no schema revision: run `tremplin db upgrade` first.")
            for table in _tables():
                path = work / "tables" / f"{table.name}.jsonl"
                count = 0
                with path.open("w", encoding="utf-8") as handle:
                    result = connection.execution_options(yield_per=BATCH).execute(
                        sa.select(table).order_by(*_order(table))
                    )
                    for row in result.mappings():
                        handle.write(json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False))
                        handle.write("\n")
                        count += 1
                tables[table.name] = {"rows": count, "sha256": _sha256(path)}
        store = storage(app)
        files: dict[str, str] = {}  # member name → SHA-256
        sizes: dict[str, int] = {}
        for area in AREAS:
            for key in store.list(f"{area}/"):
                files[f"files/{key}"], sizes[f"files/{key}"] = _stored_sha256(store, key)
        manifest = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "created_at": utcnow().isoformat(),
            "source": db.engine.dialect.name,
            "schema_revision": revision,
            "table_order": [table.name for table in _tables()],
            "tables": tables,
            "files": files,
        }
        partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
        try:
            with tarfile.open(partial, "w:gz") as archive:
                _add_bytes(archive, "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2).encode())
                for name in tables:
                    archive.add(work / "tables" / f"{name}.jsonl", arcname=f"tables/{name}.jsonl", recursive=False)
                for name, digest in files.items():
                    _add_stored(archive, store, name, digest, sizes[name])
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
    return Summary(target, revision, {name: meta["rows"] for name, meta in tables.items()}, len(files))


def _stored_sha256(store: Storage, key: str) -> tuple[str, int]:
    """The SHA-256 and the size of a stored object, read as a stream."""
    digest, size = hashlib.sha256(), 0
    for block in store.stream(key):
        digest.update(block)
        size += len(block)
    return digest.hexdigest(), size


class _Checked(io.RawIOBase):
    """A stored object read into the archive, hashed on the way."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        block = self.handle.read(size)
        self.digest.update(block)
        return block


def _add_stored(archive: tarfile.TarFile, store: Storage, name: str, digest: str, size: int) -> None:
    """Add the stored object of the member ``name`` (``files/<key>``); refused if it changed since it was hashed."""
    key = name.removeprefix("files/")
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(utcnow().timestamp())
    try:
        with contextlib.closing(store.open(key)) as handle:
            reader = _Checked(handle)
            archive.addfile(info, reader)
            changed = reader.digest.hexdigest() != digest or handle.read(1)
    except (FileNotFoundError, OSError) as exc:
        raise BackupError(f"{key} changed or disappeared during the backup ({exc}): try again.") from exc
    if changed:
        raise BackupError(f"{key} changed during the backup: try again.")


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(utcnow().timestamp())
    archive.addfile(info, io.BytesIO(data))


# ------------------------------------------------------------------------------------------------ restore


_HEX = frozenset("0123456789abcdef")


def _is_digest(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64 and set(value) <= _HEX


def _check_manifest(manifest: object, source: Path) -> dict[str, Any]:
    """The manifest, if it has the shape this version writes (else a :class:`BackupError`)."""
    if not isinstance(manifest, dict):
        raise BackupError(f"{source}: manifest.json is not an object: not a Tremplin backup.")
    if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
        raise BackupError(f"{source}: not a Tremplin backup of format version {FORMAT_VERSION}.")
    tables, files = manifest.get("tables"), manifest.get("files")
    if (
        not isinstance(manifest.get("schema_revision"), str)
        or not isinstance(tables, dict)
        or not all(
            isinstance(meta, dict)
            and type(meta.get("rows")) is int
            and meta["rows"] >= 0
            and _is_digest(meta.get("sha256"))
            for meta in tables.values()
        )
        or not isinstance(files, dict)
        or not all(_is_digest(digest) for digest in files.values())
    ):
        raise BackupError(f"{source}: its manifest.json is malformed (schema revision, tables or files): refused.")
    return manifest


def _open_archive(source: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(source, "r:gz")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{source}: not a Tremplin backup ({exc}).") from exc


def _read_manifest(archive: tarfile.TarFile, source: Path) -> dict[str, Any]:
    try:
        data = archive.extractfile("manifest.json").read()  # type: ignore[union-attr]
        manifest = json.loads(data)
    except (KeyError, AttributeError, ValueError, tarfile.TarError) as exc:
        raise BackupError(f"{source}: no readable manifest.json: not a Tremplin backup.") from exc
    return _check_manifest(manifest, source)


def _check_members(
    archive: tarfile.TarFile, source: Path, manifest: dict[str, Any], staging: Staging | StoreStaging
) -> dict[str, tuple[tarfile.TarInfo, str | None, PurePosixPath, str]]:
    """Every member, checked before anything is written: ``name → (member, area or None, path, sha256)``.

    The archive is refused as a whole unless it holds exactly the members its manifest lists (and manifest.json),
    each once (names that differ only by case count as the same), each a plain file, each with a safe name that
    resolves inside its area (:func:`core.backup_files.check_name`, then the staging's ``check``)."""
    tables = [table.name for table in _tables()]
    expected = {f"tables/{name}.jsonl": meta["sha256"] for name, meta in manifest["tables"].items()}
    expected.update(manifest["files"])
    checked: dict[str, tuple[tarfile.TarInfo, str | None, PurePosixPath, str]] = {}
    for name, digest in expected.items():
        try:
            area, relative = check_name(name, AREAS, tables)
            if area is not None:
                staging.check(area, relative)
        except UnsafeName as reason:
            raise BackupError(f"{source}: the member {name!r} is refused ({reason}).") from None
        checked[name] = (None, area, relative, digest)  # type: ignore[assignment]
    seen: set[str] = set()
    try:
        members = archive.getmembers()
    except (OSError, tarfile.TarError, EOFError) as exc:
        raise BackupError(f"{source}: the archive cannot be read to its end ({exc}): refused.") from exc
    for member in members:
        folded = member.name.casefold()
        if folded in seen:
            raise BackupError(f"{source}: the member {member.name!r} is there twice: refused.")
        seen.add(folded)
        if member.name == "manifest.json":
            continue
        if member.name not in checked:
            raise BackupError(f"{source}: the member {member.name!r} is not in the manifest: refused.")
        if member.type not in {tarfile.REGTYPE, tarfile.AREGTYPE} or member.issparse():
            raise BackupError(f"{source}: the member {member.name!r} is not a plain file (a link?): refused.")
        _none, area, relative, digest = checked[member.name]
        checked[member.name] = (member, area, relative, digest)
    for name, (found, *_rest) in checked.items():
        if found is None:
            raise BackupError(f"{source}: {name} is missing: the backup is incomplete.")
    return checked


def _unpack(
    archive: tarfile.TarFile,
    source: Path,
    members: dict[str, tuple[tarfile.TarInfo, str | None, PurePosixPath, str]],
    manifest: dict[str, Any],
    work: Path,
    staging: Staging | StoreStaging,
) -> None:
    """The tables into ``work``, the files into their areas' staging folders; every checksum and count verified."""
    for name, (member, area, relative, digest) in members.items():
        data = archive.extractfile(member)
        if data is None:
            raise BackupError(f"{source}: the member {name!r} is not a plain file: refused.")
        with data:
            if area is None:
                target = work / relative.name
                with target.open("xb") as out:
                    shutil.copyfileobj(data, out)
                if _sha256(target) != digest:
                    raise BackupError(f"{source}: {name} does not match its checksum: the backup is damaged.")
            else:
                try:
                    staging.stage(area, relative, data, digest)
                except ChecksumError:
                    raise BackupError(f"{source}: {name} does not match its checksum: the backup is damaged.") from None
                except UnsafeName as reason:
                    raise BackupError(f"{source}: the member {name!r} is refused ({reason}).") from None
    for table, meta in manifest["tables"].items():
        with (work / f"{table}.jsonl").open("rb") as handle:
            if sum(1 for _line in handle) != meta["rows"]:
                raise BackupError(f"{source}: tables/{table}.jsonl does not hold {meta['rows']} rows.")


def _rows(path: Path, table: sa.Table) -> Iterator[dict[str, Any]]:
    decoders = {column.name: _decoder(column) for column in table.columns}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            unknown = set(row) - set(decoders)
            if unknown:
                raise BackupError(f"table {table.name}: unknown columns {sorted(unknown)}.")
            yield {
                name: (decoders[name](value) if value is not None and decoders[name] else value)
                for name, value in row.items()
            }


def _batches(rows: Iterator[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _occupied(connection: sa.Connection) -> dict[str, int]:
    counts = {}
    for table in _tables():
        if table.info.get("seeded"):  # rows a migration puts in every database (e.g. the badge state version)
            continue
        count = connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        if count:
            counts[table.name] = count
    return counts


def _load_tables(connection: sa.Connection, work: Path, manifest: dict[str, Any]) -> dict[str, int]:
    for table in reversed(_tables()):  # children first
        connection.execute(table.delete())
    counts: dict[str, int] = {}
    for table in _tables():
        later = _self_references(table)
        pending: list[dict[str, Any]] = []
        count = 0
        for batch in _batches(_rows(work / f"{table.name}.jsonl", table)):
            if later:
                pk = [c.name for c in table.primary_key.columns]
                for row in batch:
                    links = {name: row[name] for name in later if row.get(name) is not None}
                    if links:
                        pending.append({**{f"pk_{name}": row[name] for name in pk}, **links})
                        row.update(dict.fromkeys(links))
            connection.execute(table.insert(), batch)
            count += len(batch)
        if pending:
            pk_columns = list(table.primary_key.columns)
            for row in pending:
                links = {name: row[name] for name in later if name in row}
                condition = sa.and_(*(column == row[f"pk_{column.name}"] for column in pk_columns))
                connection.execute(table.update().where(condition).values(**links))
        counts[table.name] = count
    if connection.dialect.name == "postgresql":
        _reset_sequences(connection)
    return counts


def _reset_sequences(connection: sa.Connection) -> None:
    """After rows were written with their ids, the next id of each table follows the largest one."""
    for table in _tables():
        columns = list(table.primary_key.columns)
        if len(columns) != 1 or not isinstance(columns[0].type, sa.Integer):
            continue
        column = columns[0]
        sequence = connection.execute(
            sa.text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": f'"{table.name}"', "column": column.name},
        ).scalar()
        if sequence is None:
            continue
        highest = connection.execute(sa.select(sa.func.max(column))).scalar()
        connection.execute(
            sa.text("SELECT setval(CAST(:sequence AS regclass), :value, :called)"),
            {"sequence": sequence, "value": highest or 1, "called": highest is not None},
        )


NOTHING_RESTORED = "Nothing was restored: the database and the files are as they were."


def restore(source: Path, *, force: bool = False, app: Flask | None = None) -> Summary:
    """Restore the archive ``source`` into this instance's database (and files); see the module docstring."""
    app = app or current_app
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source}: no such file.")
    db.session.remove()  # nothing of this process's session may survive the change
    with tempfile.TemporaryDirectory(prefix="tremplin-restore-") as work_dir:
        return _restore(app, source, force, Path(work_dir))


def _restore(app: Flask, source: Path, force: bool, work: Path) -> Summary:
    staging = _staging(app, spool=work)
    try:
        with _open_archive(source) as archive:
            manifest, occupied = _check(archive, source, force)
            members = _check_members(archive, source, manifest, staging)
            _unpack(archive, source, members, manifest, work, staging)
            engine = db.engine
            with engine.connect() as connection:
                raw = connection.connection.dbapi_connection
                with connection.begin():
                    if raw is not None and engine.dialect.name == "sqlite" and not raw.in_transaction:
                        raw.execute("BEGIN IMMEDIATE")  # one transaction from the first DELETE to the last INSERT
                    counts = _load_tables(connection, work, manifest)
                    staging.place(replace=bool(occupied))  # the commit comes after the files are in place
    except BaseException as exc:
        left = staging.undo()
        db.session.remove()
        if left:
            raise BackupError(
                f"The restore failed ({_reason(exc)}) and these files could not be put back: {'; '.join(left)}. "
                "The database is as it was."
            ) from exc
        if isinstance(exc, BackupError):
            raise BackupError(f"{exc.message} {NOTHING_RESTORED}") from exc
        if isinstance(exc, Exception):
            log.warning("restore of %s failed", source, exc_info=exc)
            raise BackupError(f"The restore failed ({_reason(exc)}). {NOTHING_RESTORED}") from exc
        raise
    staging.finish()
    engine.dispose()  # pooled connections may hold state (SQLite caches, prepared plans) of the old data
    files = len(manifest["files"])
    warnings = [str(w) for _receiver, w in database_restored.send(app, app=app) if w]
    summary = Summary(source, manifest["schema_revision"], counts, files, warnings)
    log.info("restored %s: %d rows, %d files", source.name, sum(counts.values()), files)
    return summary


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}{f': {exc.filename}' if exc.filename else ''}"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _check(archive: tarfile.TarFile, source: Path, force: bool) -> tuple[dict[str, Any], dict[str, int]]:
    """The manifest and the tables of this database holding data, once the archive may be restored here."""
    manifest = _read_manifest(archive, source)
    engine = db.engine
    with engine.connect() as connection:
        revision = schema_revision(connection)
        occupied = _occupied(connection) if revision is not None else {}
    if revision is None:
        raise BackupError("This database has no schema yet: run `tremplin db upgrade` first, then restore.")
    if revision != manifest["schema_revision"]:
        raise BackupError(
            f"The backup is of schema revision {manifest['schema_revision']}, this database is at {revision}: "
            "restore into a database at the backup's revision (`tremplin db upgrade "
            f"{manifest['schema_revision']}` on an empty database), then `tremplin db upgrade`."
        )
    differ = set(manifest["tables"]) ^ {table.name for table in _tables()}
    if differ:
        raise BackupError(f"The backup's tables and this schema differ ({', '.join(sorted(differ))}).")
    if occupied and not force:
        listed = ", ".join(f"{name} ({count})" for name, count in sorted(occupied.items())[:5])
        raise BackupError(
            f"This database already holds data ({listed}…). Restore into an empty database, or add --force to "
            "replace everything in this one."
        )
    return manifest, occupied


# ------------------------------------------------------------------------------------------------ commands


@click.command("backup")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The archive to write (default: instance/backups/tremplin-<date>.tar.gz).",
)
@with_appcontext
def backup_command(out: Path | None) -> None:
    """Write the whole instance (every table, portable, and the evidence files) to one .tar.gz archive."""
    if out is None:
        out = Path(current_app.instance_path) / "backups" / f"tremplin-{utcnow():%Y%m%d-%H%M%S}.tar.gz"
    summary = backup(out)
    total = sum(summary.rows.values())
    click.echo(f"Backup written to {summary.path}: {total} rows in {len(summary.rows)} tables, {summary.files} files ")
    click.echo(f"(schema revision {summary.revision}). It holds personal data: keep it as safe as the database.")


@click.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--force", is_flag=True, help="Replace everything in a database that already holds data.")
@with_appcontext
def restore_command(archive: Path, force: bool) -> None:
    """Restore an archive made by `tremplin backup` (all or nothing; refused into a database holding data)."""
    summary = restore(archive, force=force)
    total = sum(summary.rows.values())
    click.echo(f"Restored {archive}: {total} rows in {len(summary.rows)} tables, {summary.files} files.")
    for warning in summary.warnings:
        click.echo(f"Warning: {warning}", err=True)


def init_app(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
