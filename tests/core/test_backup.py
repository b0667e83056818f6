"""``tremplin backup`` / ``tremplin restore``: the demo, backed up and restored into a fresh database (of the same
kind, and from PostgreSQL into SQLite), comes back row for row, files included, and its badges still verify;
a restore is refused into a database holding data (unless --force), across schema revisions, from a damaged
archive, and is all or nothing."""

from __future__ import annotations

import errno
import io
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from badges import services as badge_services
from badges.models import Award
from core import backup, create_app
from core import services as core_services
from core.db import db
from core.models import User
from core.storage import S3Storage, Storage, storage
from tests.conftest import _admin_url, _empty_all_tables, fresh_storage_url, make_config, require_s3

EVIDENCE_NAME = "ab/abcdef0123456789.pdf"
EVIDENCE_BYTES = b"%PDF-1.7 evidence of a competency\n"


def all_rows() -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order, as the application reads it."""
    db.session.rollback()
    out = {}
    for table in db.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        out[table.name] = [tuple(row) for row in db.session.execute(sa.select(table).order_by(*order))]
    db.session.rollback()
    return out


def not_written(rows: dict[str, list[tuple]]) -> bool:
    """Nothing in the database but the rows its migrations seed (tables marked ``info["seeded"]``)."""
    seeded = {t.name for t in db.metadata.sorted_tables if t.info.get("seeded")}
    return all(not table_rows for name, table_rows in rows.items() if name not in seeded)


@pytest.fixture
def fresh_database(database_url: str, tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """Factory: ``fresh_database(kind)`` → the URL of a new, migrated, empty database; ``kind`` is ``"same"`` (the
    suite's kind) or ``"sqlite"``. Dropped after the test."""
    made: list[str] = []

    def make(kind: str = "same") -> str:
        url = sa.make_url(database_url)
        if kind == "sqlite" or url.get_backend_name() == "sqlite":
            target = f"sqlite:///{tmp_path / f'restored-{len(made)}.db'}"
        else:
            name = f"{url.database}_restore{len(made)}"
            admin = sa.create_engine(_admin_url(url), isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            target = url.set(database=name).render_as_string(hide_password=False)
        made.append(target)
        migrating = create_app(make_config(target))
        with migrating.app_context():
            upgrade()
            db.engine.dispose()
        return target

    yield make
    for target in made:
        url = sa.make_url(target)
        if url.get_backend_name() == "postgresql":
            admin = sa.create_engine(_admin_url(url), isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            admin.dispose()


@pytest.fixture
def source(app: Flask, demo: str, tmp_path: Path) -> Flask:
    """The demo, with one evidence file, in the test's app."""
    app.config["STORAGE_URL"] = (tmp_path / "source-files").as_uri()
    evidence = tmp_path / "source-files" / "evidence"
    (evidence / EVIDENCE_NAME).parent.mkdir(parents=True)
    (evidence / EVIDENCE_NAME).write_bytes(EVIDENCE_BYTES)
    return app


def make_backup(app: Flask, path: Path) -> Path:
    result = app.test_cli_runner().invoke(args=["backup", "--out", str(path)])
    assert result.exit_code == 0, result.output
    assert "Backup written" in result.output
    return path


def target_app(url: str, tmp_path: Path, **extra) -> Flask:
    return create_app(make_config(url, STORAGE_URL=(tmp_path / "restored-files").as_uri(), **extra))


def verifies(app: Flask, award_uuid) -> dict:
    """The verification API's verdict on the badge's OB 3.0 credential, as stored in ``app``'s database."""
    with app.app_context():
        award = db.session.scalar(sa.select(Award).where(Award.uuid == award_uuid))
        credential = award.documents["ob3"]["fr"]
        db.session.remove()
    response = app.test_client().post("/api/v1/verify", json={"credential": credential})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


@pytest.mark.parametrize("kind", ["same", "sqlite"])
def test_the_demo_comes_back_row_for_row_and_its_badges_still_verify(
    source, fresh_database, tmp_path, database_url, kind, monkeypatch
):
    if kind == "sqlite" and sa.make_url(database_url).get_backend_name() == "sqlite":
        pytest.skip("the suite runs on SQLite: 'same' is this case")
    before = all_rows()
    assert sum(len(rows) for rows in before.values()) > 1000  # the demo is there
    awards = [uuid for (uuid,) in db.session.execute(sa.select(Award.uuid).where(Award.revoked_at.is_(None)))]
    revoked = db.session.scalar(sa.select(Award.uuid).where(Award.revoked_at.is_not(None)))
    archive = make_backup(source, tmp_path / "backup.tar.gz")
    db.session.remove()

    forgotten = []
    monkeypatch.setattr(badge_services, "forget_states", lambda: forgotten.append(True))
    restored = target_app(fresh_database(kind), tmp_path)
    with restored.app_context():
        result = restored.test_cli_runner().invoke(args=["restore", str(archive)])
        assert result.exit_code == 0, result.output
        assert "Restored" in result.output and "Warning" not in result.output
        after = all_rows()
        # Ids continue after the restored ones (PostgreSQL's sequences were reset): a new row fits in.
        core_services.create_user("nouvelle@example.org", "Nouvelle Personne", ["trainee"])
        db.session.commit()
        db.session.remove()
    assert forgotten == [True]
    assert after == before
    assert (tmp_path / "restored-files" / "evidence" / EVIDENCE_NAME).read_bytes() == EVIDENCE_BYTES
    # The badges' signatures, keys and status lists came back: a badge verifies, a revoked one says so.
    verdict = verifies(restored, awards[0])
    assert verdict["valid"] is True, verdict
    assert verifies(restored, awards[-1])["valid"] is True
    if revoked is not None:
        assert verifies(restored, revoked)["valid"] is False
    with restored.app_context():
        db.engine.dispose()


def test_the_archive_says_what_it_holds(source, tmp_path):
    archive = make_backup(source, tmp_path / "backup.tar.gz")
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
        names = set(tar.getnames())
        users = [json.loads(line) for line in tar.extractfile("tables/user_account.jsonl").read().splitlines()]
    assert manifest["format"] == "tremplin-backup" and manifest["schema_revision"]
    assert (
        manifest["tables"]["user_account"]["rows"]
        == len(users)
        == db.session.scalar(sa.select(sa.func.count()).select_from(User))
    )
    assert f"files/evidence/{EVIDENCE_NAME}" in names
    assert {f"tables/{t.name}.jsonl" for t in db.metadata.sorted_tables} <= names
    assert manifest["table_order"].index("user_account") < manifest["table_order"].index("badge_award")
    # No private key in clear: only the encrypted PEM travels.
    keys = [json.loads(line) for line in tar_lines(archive, "tables/signing_key.jsonl")]
    assert keys and all("ENCRYPTED" in key["private_key_encrypted"] for key in keys)
    assert not any(name.endswith(".partial") for name in os.listdir(tmp_path))


def tar_lines(archive: Path, name: str) -> list[bytes]:
    with tarfile.open(archive) as tar:
        return tar.extractfile(name).read().splitlines()


def rewrite(archive: Path, target: Path, change: Callable[[str, bytes], bytes]) -> Path:
    """A copy of ``archive`` with ``change(name, data)`` applied to each member."""
    with tarfile.open(archive) as tar, tarfile.open(target, "w:gz") as out:
        for member in tar.getmembers():
            data = change(member.name, tar.extractfile(member).read())
            info = tarfile.TarInfo(member.name)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))
    return target


def test_a_database_holding_data_is_refused_unless_forced(source, runner, tmp_path):
    archive = make_backup(source, tmp_path / "backup.tar.gz")
    before = all_rows()
    refused = runner.invoke(args=["restore", str(archive)])
    assert refused.exit_code != 0 and "already holds data" in refused.output and "--force" in refused.output
    # Changes made after the backup…
    user = db.session.scalar(sa.select(User).where(User.email == "amina.exemple@example.org"))
    user.display_name = "Changée après"
    core_services.create_user("apres@example.org", "Après Sauvegarde", ["trainee"])
    db.session.commit()
    stray = (tmp_path / "source-files" / "evidence") / "zz" / "stray.pdf"
    stray.parent.mkdir()
    stray.write_bytes(b"not in the backup")
    # …are replaced by the backup's state with --force (files too).
    forced = runner.invoke(args=["restore", str(archive), "--force"])
    assert forced.exit_code == 0, forced.output
    assert all_rows() == before
    assert not stray.exists()
    assert ((tmp_path / "source-files" / "evidence") / EVIDENCE_NAME).read_bytes() == EVIDENCE_BYTES


def test_a_restore_that_fails_half_way_writes_nothing(source, runner, tmp_path, monkeypatch):
    archive = make_backup(source, tmp_path / "backup.tar.gz")
    user = db.session.scalar(sa.select(User).where(User.email == "amina.exemple@example.org"))
    user.display_name = "Changée après"
    db.session.commit()
    before = all_rows()
    original = backup._rows
    last = db.metadata.sorted_tables[-1].name

    def fails_on_the_last_table(path, table):
        if table.name == last:
            raise OSError("the disk went away")
        return original(path, table)

    monkeypatch.setattr(backup, "_rows", fails_on_the_last_table)
    failed = runner.invoke(args=["restore", str(archive), "--force"])
    assert failed.exit_code != 0
    assert all_rows() == before  # every table deleted and refilled before the failure: all rolled back


def test_another_schema_revision_is_refused(source, fresh_database, tmp_path):
    archive = make_backup(source, tmp_path / "backup.tar.gz")

    def older(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["schema_revision"] = "0001"
        return json.dumps(manifest).encode()

    other = rewrite(archive, tmp_path / "older.tar.gz", older)
    restored = target_app(fresh_database(), tmp_path)
    with restored.app_context():
        result = restored.test_cli_runner().invoke(args=["restore", str(other)])
        assert result.exit_code != 0 and "schema revision 0001" in result.output
        assert not_written(all_rows())
        db.engine.dispose()


def test_a_damaged_archive_is_refused_and_nothing_is_written(source, fresh_database, tmp_path):
    archive = make_backup(source, tmp_path / "backup.tar.gz")

    def damaged(name: str, data: bytes) -> bytes:
        return data.replace(b"Amina", b"Amine") if name == "tables/user_account.jsonl" else data

    bad = rewrite(archive, tmp_path / "damaged.tar.gz", damaged)
    not_a_backup = tmp_path / "notes.tar.gz"
    not_a_backup.write_bytes(b"hello")
    restored = target_app(fresh_database(), tmp_path)
    with restored.app_context():
        runner = restored.test_cli_runner()
        result = runner.invoke(args=["restore", str(bad)])
        assert result.exit_code != 0 and "checksum" in result.output
        result = runner.invoke(args=["restore", str(not_a_backup)])
        assert result.exit_code != 0 and "not a Tremplin backup" in result.output
        assert not_written(all_rows())
        db.engine.dispose()
    assert not (tmp_path / "restored-files" / "evidence").exists()


def test_a_restore_with_another_passphrase_warns_that_no_badge_can_be_signed(source, fresh_database, tmp_path):
    archive = make_backup(source, tmp_path / "backup.tar.gz")
    db.session.remove()
    restored = target_app(fresh_database(), tmp_path, SECRET_KEY="another-secret-key-that-is-long-enough-987654")
    with restored.app_context():
        result = restored.test_cli_runner().invoke(args=["restore", str(archive)])
        assert result.exit_code == 0, result.output
        assert "Warning" in result.output and "passphrase" in result.output
        db.engine.dispose()


# ------------------------------------------------------------------------------------------------ crafted archives
# An archive is refused as a whole, with a clear message, when any member's path does not resolve inside its area
# after every normalisation, or is not a plain file the manifest lists once: nothing is written anywhere (the
# filesystem is compared before and after) and nothing is committed (the rows are counted).

SMALL_FILES = {"ab/" + "ab" * 32: b"%PDF-1.7 first\n", "cd/" + "cd" * 32: b"%PDF-1.7 second\n"}


@pytest.fixture
def small(app: Flask, tmp_path: Path) -> Path:
    """A small instance (a few users, two evidence files under ``tmp_path/area/evidence``) and its backup."""
    app.config["STORAGE_URL"] = (tmp_path / "area").as_uri()
    evidence = tmp_path / "area" / "evidence"
    for name, data in SMALL_FILES.items():
        (evidence / name).parent.mkdir(parents=True, exist_ok=True)
        (evidence / name).write_bytes(data)
    core_services.create_user("avant@example.org", "Avant Sauvegarde", ["trainee"])
    core_services.create_user("formatrice@example.org", "Formatrice", ["trainer"])
    db.session.commit()
    return make_backup(app, tmp_path / "small.tar.gz")


def tree(root: Path) -> dict[str, object]:
    """Everything under ``root``: files with their bytes, symbolic links with their targets, folders."""
    out: dict[str, object] = {}
    for path in sorted(root.rglob("*")):
        key = path.relative_to(root).as_posix()
        if path.is_symlink():
            out[key] = ("link", os.readlink(path))
        elif path.is_file():
            out[key] = path.read_bytes()
        else:
            out[key] = "folder"
    return out


def row_count() -> int:
    seeded = {t.name for t in db.metadata.sorted_tables if t.info.get("seeded")}
    return sum(len(rows) for name, rows in all_rows().items() if name not in seeded)


def member(name: str, data: bytes = b"", kind: bytes = tarfile.REGTYPE, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    return info


def craft(
    archive: Path,
    target: Path,
    extra: list[tuple[tarfile.TarInfo, bytes]],
    listed: dict[str, bytes] | None = None,
) -> Path:
    """A copy of ``archive`` with the ``extra`` members added, and ``listed`` (name → bytes) in the manifest's
    ``files`` with their true SHA-256, as an attacker who knows the format would make it."""
    import hashlib

    with tarfile.open(archive) as tar, tarfile.open(target, "w:gz", format=tarfile.PAX_FORMAT) as out:
        for original in tar.getmembers():
            data = tar.extractfile(original).read()
            if original.name == "manifest.json":
                manifest = json.loads(data)
                for name, content in (listed or {}).items():
                    manifest["files"][name] = hashlib.sha256(content).hexdigest()
                data = json.dumps(manifest).encode()
            info = tarfile.TarInfo(original.name)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))
        for info, data in extra:
            out.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return target


PAYLOAD = b"#!/bin/sh\necho owned\n"


def crafted_cases(outside: Path) -> dict[str, tuple[list[tuple[tarfile.TarInfo, bytes]], dict[str, bytes]]]:
    """name → (extra members, manifest entries). ``outside`` is a folder beside the area that must stay empty."""

    def one(name: str, data: bytes = PAYLOAD) -> tuple[list, dict]:
        return [(member(name, data), data)], {name: data}

    legit = "files/evidence/ab/" + "ab" * 32
    return {
        "double slash (absolute after the area)": one(f"files/evidence/{outside}/x.sh"),
        "dot segment": one("files/evidence/./ab/x.sh"),
        "dot-dot": one("files/evidence/ab/../../../outside/x.sh"),
        "absolute": one(f"{outside}/x.sh"),
        "backslashes": one("files/evidence/ab\\..\\..\\..\\outside\\x.sh"),
        "NUL byte": one("files/evidence/ab/x.sh\x00.pdf"),
        "two-dot leader (NFKC ..)": one("files/evidence/\u2025/\u2025/outside/x.sh"),
        "fullwidth dots and slash": one("files/evidence/\uff0e\uff0e\uff0f\uff0e\uff0e\uff0foutside\uff0fx.sh"),
        "fullwidth letter in the area": one("files/\uff45vidence/ab/x.sh"),
        "control character": one("files/evidence/ab/x\x1b[2J.sh"),
        "no area": one("files/x.sh"),
        "unknown area": one("files/config/x.sh"),
        "folder only": one("files/evidence/"),
        "overlong name": one("files/evidence/ab/" + "a" * 300),
        "overlong path": one("files/evidence/" + "ab/" * 1500 + "x.sh"),
        "symbolic link": (
            [(member("files/evidence/ab/link", kind=tarfile.SYMTYPE, linkname=f"{outside}/x.sh"), b"")],
            {"files/evidence/ab/link": b""},
        ),
        "hard link": (
            [(member("files/evidence/ab/hard", kind=tarfile.LNKTYPE, linkname=legit), b"")],
            {"files/evidence/ab/hard": SMALL_FILES["ab/" + "ab" * 32]},
        ),
        "device": (
            [(member("files/evidence/ab/null", kind=tarfile.CHRTYPE), b"")],
            {"files/evidence/ab/null": b""},
        ),
        "duplicate name": (
            [(member(legit, b"%PDF-1.7 other\n"), b"%PDF-1.7 other\n")],
            {legit: b"%PDF-1.7 other\n"},
        ),
        "names equal but for case": one("files/evidence/AB/" + "ab" * 32, SMALL_FILES["ab/" + "ab" * 32]),
        "member not in the manifest": ([(member("files/evidence/ab/extra", PAYLOAD), PAYLOAD)], {}),
        "table outside its folder": one("tables/../../outside/x.jsonl"),
        "unknown table": one("tables/not_a_table.jsonl"),
    }


CASES = list(crafted_cases(Path("/placeholder")))


@pytest.mark.parametrize("force", [False, True], ids=["empty database", "--force"])
@pytest.mark.parametrize("case", CASES)
def test_a_crafted_member_refuses_the_whole_archive(app, small, runner, tmp_path, case, force):
    outside = tmp_path / "outside"
    extra, listed = crafted_cases(outside)[case]
    bad = craft(small, tmp_path / "crafted.tar.gz", extra, listed)
    if not force:
        db.session.remove()
        _empty_all_tables()
    before_rows = all_rows()
    before_files = tree(tmp_path)
    result = runner.invoke(args=["restore", str(bad), *(["--force"] if force else [])])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # a message, not a traceback
    assert "refused" in result.output and "nothing was restored" in result.output.lower(), result.output
    assert all_rows() == before_rows
    assert tree(tmp_path) == before_files  # nothing written, nothing left behind, nothing deleted
    assert not outside.exists() and not Path("/outside").exists()


def test_the_reported_attack_writes_nothing_outside(app, small, runner, tmp_path):
    """Issue 14, finding 1, as reported: a member ``files/evidence//tmp/…/x.sh`` listed in the manifest."""
    target = Path(tempfile.mkdtemp(prefix="tremplin-escape-")) / "somewhere" / "x.sh"
    try:
        name = f"files/evidence/{target}"
        assert "//" in name
        bad = craft(small, tmp_path / "crafted.tar.gz", [(member(name, PAYLOAD), PAYLOAD)], {name: PAYLOAD})
        db.session.remove()
        _empty_all_tables()
        result = runner.invoke(args=["restore", str(bad)])
        assert result.exit_code == 1 and "refused" in result.output, result.output
        assert not target.exists() and not target.parent.exists()
        assert row_count() == 0
    finally:
        shutil.rmtree(target.parent.parent, ignore_errors=True)


def test_a_link_inside_the_area_that_leads_outside_is_refused(app, small, runner, tmp_path):
    """The area may already hold a symbolic link (left by someone else): a file is never written through it."""
    evidence = tmp_path / "area" / "evidence"
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.rmtree(evidence / "cd")
    (evidence / "cd").symlink_to(outside, target_is_directory=True)
    before_rows = all_rows()
    before_files = tree(tmp_path)
    result = runner.invoke(args=["restore", str(small), "--force"])
    assert result.exit_code == 1 and "refused" in result.output, result.output
    assert list(outside.iterdir()) == []
    assert all_rows() == before_rows and tree(tmp_path) == before_files


def test_a_malformed_manifest_is_refused_with_a_message(app, small, runner, tmp_path):
    def broken(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["files"] = ["files/evidence/ab/x"]
        return json.dumps(manifest).encode()

    bad = rewrite(small, tmp_path / "broken.tar.gz", broken)
    before = all_rows()
    result = runner.invoke(args=["restore", str(bad), "--force"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "manifest" in result.output
    assert all_rows() == before


# ------------------------------------------------------------------------------------------------ all or nothing


def changed_after_backup() -> None:
    """Data and files that differ from the backup: a failed --force restore must leave them exactly so."""
    user = db.session.scalar(sa.select(User).where(User.email == "avant@example.org"))
    user.display_name = "Changée après"
    core_services.create_user("apres@example.org", "Après Sauvegarde", ["trainee"])
    db.session.commit()


def fail_when(
    function: Callable, condition: Callable[..., bool], error: OSError, after: int = 0, times: int | None = None
) -> Callable:
    """``function``, raising ``error`` when ``condition(*args)`` holds, once it held ``after`` times already
    (``times`` failures at most: a disk that was full for a moment; None: every time, as a permission)."""
    seen = []

    def failing(*args, **kwargs):
        if condition(*args):
            seen.append(args)
            if len(seen) > after and (times is None or len(seen) <= after + times):
                raise error
        return function(*args, **kwargs)

    return failing


def under(folder: Path) -> Callable[..., bool]:
    def inside(*args) -> bool:
        return any(str(arg).startswith(str(folder)) for arg in args[:2])

    return inside


def fd_under(folder: Path) -> Callable[..., bool]:
    def inside(fd, *_args) -> bool:
        return os.readlink(f"/proc/self/fd/{fd}").startswith(str(folder))

    return inside


DISK_FULL = OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize(
    "failure",
    ["disk full while staging", "disk full while placing", "permission denied while placing", "last table"],
)
def test_a_forced_restore_that_fails_keeps_the_previous_data_and_files(
    app, small, runner, tmp_path, monkeypatch, failure
):
    changed_after_backup()
    area = tmp_path / "area"
    stray = area / "evidence" / "zz" / "after.pdf"
    stray.parent.mkdir()
    stray.write_bytes(b"%PDF-1.7 added after the backup\n")
    (area / "evidence" / "ab" / ("ab" * 32)).write_bytes(b"%PDF-1.7 replaced after the backup\n")
    before_rows = all_rows()
    before_files = tree(tmp_path)
    if failure == "disk full while staging":
        monkeypatch.setattr(os, "write", fail_when(os.write, fd_under(area), DISK_FULL, times=1))
    elif failure == "disk full while placing":  # the second file fails, after the first one was placed
        monkeypatch.setattr(os, "replace", fail_when(os.replace, under(area), DISK_FULL, after=1, times=1))
        monkeypatch.setattr(os, "rename", fail_when(os.rename, under(area), DISK_FULL, after=1, times=1))
    elif failure == "permission denied while placing":
        denied = PermissionError(errno.EACCES, "Permission denied")
        monkeypatch.setattr(os, "replace", fail_when(os.replace, under(area / "evidence" / "cd"), denied))
        monkeypatch.setattr(os, "rename", fail_when(os.rename, under(area / "evidence" / "cd"), denied))
    else:
        original, last = backup._rows, db.metadata.sorted_tables[-1].name

        def rows(path, table):
            if table.name == last:  # every table deleted and refilled but this one
                raise DISK_FULL
            return original(path, table)

        monkeypatch.setattr(backup, "_rows", rows)
    result = runner.invoke(args=["restore", str(small), "--force"])
    monkeypatch.undo()
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "nothing was restored" in result.output.lower(), result.output
    assert all_rows() == before_rows
    assert tree(tmp_path) == before_files  # the previous files are back, the staged ones gone


def test_a_restore_into_an_empty_instance_that_fails_while_placing_leaves_it_empty(
    app, small, runner, tmp_path, monkeypatch
):
    db.session.remove()
    _empty_all_tables()
    shutil.rmtree(tmp_path / "area")
    before_files = tree(tmp_path)
    monkeypatch.setattr(os, "replace", fail_when(os.replace, under(tmp_path / "area"), DISK_FULL, after=1, times=1))
    monkeypatch.setattr(os, "rename", fail_when(os.rename, under(tmp_path / "area"), DISK_FULL, after=1, times=1))
    result = runner.invoke(args=["restore", str(small)])
    monkeypatch.undo()
    assert result.exit_code == 1 and "nothing was restored" in result.output.lower(), result.output
    assert row_count() == 0
    assert tree(tmp_path) == before_files and not (tmp_path / "area").exists()
    # Once the disk has room again, the same archive restores completely.
    result = runner.invoke(args=["restore", str(small)])
    assert result.exit_code == 0, result.output
    assert row_count() > 0
    for name, data in SMALL_FILES.items():
        assert (tmp_path / "area" / "evidence" / name).read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    assert sorted(p.name for p in (tmp_path / "area").iterdir()) == ["evidence"]  # no staging folder left


# ------------------------------------------------------------------------------------------------ on S3
# The same guarantees when the files are kept in an S3 bucket (a real SeaweedFS server, started by scripts/test):
# the archive's files are read from the bucket and written back to it, all or nothing, and a crafted archive
# writes nothing there. ``objects`` compares the whole prefix of the app before and after (staging included).


def objects(store: Storage) -> dict[str, bytes]:
    """Every object of the app's storage, with its bytes."""
    return {key: store.read_bytes(key) for key in store.list()}


@pytest.fixture
def s3_small(app: Flask, tmp_path: Path) -> Path:
    """As ``small``, with the evidence files in a prefix of the test bucket."""
    require_s3()
    app.config["STORAGE_URL"] = fresh_storage_url("s3")
    store = storage(app)
    assert isinstance(store, S3Storage)
    for name, data in SMALL_FILES.items():
        store.put(f"evidence/{name}", data)
    store.put("jobs/00000000-0000-0000-0000-000000000000/export.zip", b"PK a job result, not backed up")
    core_services.create_user("avant@example.org", "Avant Sauvegarde", ["trainee"])
    core_services.create_user("formatrice@example.org", "Formatrice", ["trainer"])
    db.session.commit()
    return make_backup(app, tmp_path / "small.tar.gz")


@pytest.mark.parametrize("kind", ["s3", "file"])
def test_s3_files_are_backed_up_and_restored_into_s3_or_a_folder(
    app, s3_small, fresh_database, tmp_path, database_url, kind
):
    with tarfile.open(s3_small) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
        held = {name: tar.extractfile(name).read() for name in manifest["files"]}
    assert held == {f"files/evidence/{name}": data for name, data in SMALL_FILES.items()}  # jobs/ is not kept
    before = all_rows()
    db.session.remove()
    restored = create_app(make_config(fresh_database(), STORAGE_URL=fresh_storage_url(kind)))
    with restored.app_context():
        result = restored.test_cli_runner().invoke(args=["restore", str(s3_small)])
        assert result.exit_code == 0, result.output
        assert f"{len(SMALL_FILES)} files" in result.output
        assert all_rows() == before
        assert objects(storage(restored)) == {f"evidence/{name}": data for name, data in SMALL_FILES.items()}
        db.engine.dispose()


def test_a_forced_restore_on_s3_replaces_the_files_and_leaves_no_staging(app, s3_small, runner):
    store = storage(app)
    before_rows = all_rows()
    first = "evidence/ab/" + "ab" * 32
    changed_after_backup()
    store.put(first, b"%PDF-1.7 replaced after the backup\n")
    store.put("evidence/zz/after.pdf", b"%PDF-1.7 added after the backup\n")
    result = runner.invoke(args=["restore", str(s3_small), "--force"])
    assert result.exit_code == 0, result.output
    assert all_rows() == before_rows
    assert objects(store) == {
        **{f"evidence/{name}": data for name, data in SMALL_FILES.items()},
        "jobs/00000000-0000-0000-0000-000000000000/export.zip": b"PK a job result, not backed up",
    }


@pytest.mark.parametrize("case", CASES)
def test_a_crafted_member_refuses_the_whole_archive_on_s3(app, s3_small, runner, tmp_path, case):
    store = storage(app)
    extra, listed = crafted_cases(tmp_path / "outside")[case]
    bad = craft(s3_small, tmp_path / "crafted.tar.gz", extra, listed)
    before_rows, before_objects = all_rows(), objects(store)
    result = runner.invoke(args=["restore", str(bad), "--force"])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "refused" in result.output and "nothing was restored" in result.output.lower(), result.output
    assert all_rows() == before_rows
    assert objects(store) == before_objects  # nothing uploaded, nothing left behind, nothing deleted
    assert not (tmp_path / "outside").exists()


def test_a_damaged_file_is_refused_before_it_reaches_s3(app, s3_small, runner, tmp_path, monkeypatch):
    first = "files/evidence/ab/" + "ab" * 32

    def damaged(name: str, data: bytes) -> bytes:
        return data.replace(b"first", b"forged") if name == first else data

    bad = rewrite(s3_small, tmp_path / "damaged.tar.gz", damaged)
    store = storage(app)
    uploads = []
    monkeypatch.setattr(store, "put", lambda key, data: uploads.append(key))
    before_rows, before_objects = all_rows(), objects(store)
    result = runner.invoke(args=["restore", str(bad), "--force"])
    assert result.exit_code == 1 and "checksum" in result.output, result.output
    assert first.removeprefix("files/") not in " ".join(uploads)  # checked before the upload, not after
    monkeypatch.undo()
    assert all_rows() == before_rows and objects(store) == before_objects


@pytest.mark.parametrize("failure", ["upload fails", "placing the second file fails", "last table"])
def test_a_forced_restore_on_s3_that_fails_keeps_the_previous_data_and_objects(
    app, s3_small, runner, monkeypatch, failure
):
    store = storage(app)
    changed_after_backup()
    store.put("evidence/ab/" + "ab" * 32, b"%PDF-1.7 replaced after the backup\n")
    store.put("evidence/zz/after.pdf", b"%PDF-1.7 added after the backup\n")
    before_rows, before_objects = all_rows(), objects(store)
    refused = OSError(errno.EIO, "The store refused the request")
    if failure == "upload fails":
        monkeypatch.setattr(store, "put", fail_when(store.put, lambda key, _data: True, refused, after=1))
    elif failure == "placing the second file fails":
        # A staged object moved into evidence/: the first succeeds, the second fails after its previous one was
        # moved aside.
        placing = lambda source, target: ".restoring-" in source and "/new/" in source  # noqa: E731
        monkeypatch.setattr(store, "move", fail_when(store.move, placing, refused, after=1, times=1))
    else:
        original, last = backup._rows, db.metadata.sorted_tables[-1].name

        def rows(path, table):
            if table.name == last:
                raise DISK_FULL
            return original(path, table)

        monkeypatch.setattr(backup, "_rows", rows)
    result = runner.invoke(args=["restore", str(s3_small), "--force"])
    monkeypatch.undo()
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "nothing was restored" in result.output.lower(), result.output
    assert all_rows() == before_rows
    assert objects(store) == before_objects  # the previous objects are back, the staged ones gone
