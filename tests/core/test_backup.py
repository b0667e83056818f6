"""``tremplin backup`` / ``tremplin restore``: the demo, backed up and restored into a fresh database (of the same
kind, and from PostgreSQL into SQLite), comes back row for row, files included, and its badges still verify;
a restore is refused into a database holding data (unless --force), across schema revisions, from a damaged
archive, and is all or nothing."""

from __future__ import annotations

import io
import json
import os
import tarfile
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
from tests.conftest import _admin_url, make_config

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
    evidence = tmp_path / "evidence-source"
    app.config["EVIDENCE_DIR"] = str(evidence)
    (evidence / EVIDENCE_NAME).parent.mkdir(parents=True)
    (evidence / EVIDENCE_NAME).write_bytes(EVIDENCE_BYTES)
    return app


def make_backup(app: Flask, path: Path) -> Path:
    result = app.test_cli_runner().invoke(args=["backup", "--out", str(path)])
    assert result.exit_code == 0, result.output
    assert "Backup written" in result.output
    return path


def target_app(url: str, tmp_path: Path, **extra) -> Flask:
    return create_app(make_config(url, EVIDENCE_DIR=str(tmp_path / "evidence-restored"), **extra))


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
    assert (tmp_path / "evidence-restored" / EVIDENCE_NAME).read_bytes() == EVIDENCE_BYTES
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
    stray = Path(source.config["EVIDENCE_DIR"]) / "zz" / "stray.pdf"
    stray.parent.mkdir()
    stray.write_bytes(b"not in the backup")
    # …are replaced by the backup's state with --force (files too).
    forced = runner.invoke(args=["restore", str(archive), "--force"])
    assert forced.exit_code == 0, forced.output
    assert all_rows() == before
    assert not stray.exists()
    assert (Path(source.config["EVIDENCE_DIR"]) / EVIDENCE_NAME).read_bytes() == EVIDENCE_BYTES


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
    assert not (tmp_path / "evidence-restored").exists()


def test_a_restore_with_another_passphrase_warns_that_no_badge_can_be_signed(source, fresh_database, tmp_path):
    archive = make_backup(source, tmp_path / "backup.tar.gz")
    db.session.remove()
    restored = target_app(fresh_database(), tmp_path, SECRET_KEY="another-secret-key-that-is-long-enough-987654")
    with restored.app_context():
        result = restored.test_cli_runner().invoke(args=["restore", str(archive)])
        assert result.exit_code == 0, result.output
        assert "Warning" in result.output and "passphrase" in result.output
        db.engine.dispose()
