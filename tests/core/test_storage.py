"""The storage contract (core.storage), the same tests on both backends: a folder, and a real S3 server
(SeaweedFS, started by ``scripts/test``; without it the S3 half is skipped, or fails under
``TREMPLIN_S3_REQUIRED``)."""

from __future__ import annotations

import io
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from core import create_app
from core.config import ConfigError
from core.storage import FileStorage, S3Storage, Storage, StorageError, from_url
from tests.conftest import fresh_storage_url, make_config, require_s3


@pytest.fixture(params=["file", "s3"])
def store(request) -> Storage:
    if request.param == "s3":
        require_s3()
    return from_url(fresh_storage_url(request.param), default_root="/nowhere")


def test_put_read_size_exists_delete(store: Storage) -> None:
    assert not store.exists("evidence/ab/abc")
    store.put("evidence/ab/abc", b"%PDF-1.7 hello")
    assert store.exists("evidence/ab/abc")
    assert store.size("evidence/ab/abc") == 14
    assert store.read_bytes("evidence/ab/abc") == b"%PDF-1.7 hello"
    assert b"".join(store.stream("evidence/ab/abc", chunk=4)) == b"%PDF-1.7 hello"
    assert store.delete("evidence/ab/abc") is True
    assert store.delete("evidence/ab/abc") is False
    assert not store.exists("evidence/ab/abc")
    assert store.list("") == []


def test_put_a_stream_larger_than_a_chunk_and_replace(store: Storage) -> None:
    data = bytes(range(256)) * 5000  # 1.28 MB: several chunks, several multipart parts of nothing smaller
    store.put("jobs/u/result.zip", io.BytesIO(data))
    assert store.size("jobs/u/result.zip") == len(data)
    with store.open("jobs/u/result.zip") as handle:
        assert handle.read() == data
    store.put("jobs/u/result.zip", b"new")
    assert store.read_bytes("jobs/u/result.zip") == b"new"


def test_missing_keys_raise_file_not_found(store: Storage) -> None:
    with pytest.raises(FileNotFoundError):
        store.open("evidence/zz/none")
    with pytest.raises(FileNotFoundError):
        store.size("evidence/zz/none")
    with pytest.raises(FileNotFoundError):
        store.move("evidence/zz/none", "evidence/zz/other")


def test_list_by_prefix_is_sorted_and_exact(store: Storage) -> None:
    for key in ["evidence/b/2", "evidence/a/1", "jobs/x/r.zip", "evidence-not/1"]:
        store.put(key, key.encode())
    assert store.list("evidence/") == ["evidence/a/1", "evidence/b/2"]
    assert store.list("evidence") == ["evidence-not/1", "evidence/a/1", "evidence/b/2"]
    assert store.list("") == ["evidence-not/1", "evidence/a/1", "evidence/b/2", "jobs/x/r.zip"]
    assert store.delete_prefix("evidence/") == 2
    assert store.list("") == ["evidence-not/1", "jobs/x/r.zip"]
    with pytest.raises(StorageError):
        store.delete_prefix("jobs")  # a prefix to delete ends with '/': "jobs" would take "jobs-other/" too


def test_move_replaces_the_target(store: Storage) -> None:
    store.put("a/old", b"old")
    store.put("a/new", b"new")
    store.move("a/new", "a/old")
    assert store.list("a/") == ["a/old"]
    assert store.read_bytes("a/old") == b"new"


@pytest.mark.parametrize("key", ["", "/abs", "a/../b", "a//b", "./a", "a/.", "a\\b", "a\x00b", ".."])
def test_refused_keys_change_nothing(store: Storage, key: str) -> None:
    with pytest.raises(StorageError):
        store.put(key, b"x")
    assert store.list("") == []


def test_objects_are_private_and_presigned_urls_expire(store: Storage) -> None:
    store.put("evidence/ab/secret", b"private")
    url = store.presigned_url("evidence/ab/secret", expires=60, filename="proof.pdf")
    if isinstance(store, FileStorage):
        assert url is None  # the app streams local files itself
        return
    assert isinstance(store, S3Storage)
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 — a loopback S3 server
        assert response.read() == b"private"
    bare = url.split("?", 1)[0]
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(bare, timeout=10)  # noqa: S310 — no signature: refused
    refused.value.close()
    assert refused.value.code == 403


def test_file_backend_writes_atomically_and_never_through_a_link(tmp_path: Path) -> None:
    store = FileStorage(tmp_path / "files")
    store.put("evidence/ab/abc", b"content")
    assert sorted(p.name for p in (tmp_path / "files" / "evidence" / "ab").iterdir()) == ["abc"]  # no temp left
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "files" / "link").symlink_to(outside)
    with pytest.raises(StorageError):
        store.put("link/x", b"x")
    assert list(outside.iterdir()) == []
    assert store.list("") == ["evidence/ab/abc"]  # the link is not followed
    store.delete("evidence/ab/abc")
    assert not (tmp_path / "files" / "evidence").exists()  # emptied folders go too


def test_default_storage_is_the_instance_folder(database_url: str) -> None:
    config = make_config(database_url)
    config.pop("STORAGE_URL")
    app = create_app({**config, "STORAGE_URL": None})
    from core.storage import storage

    found = storage(app)
    assert isinstance(found, FileStorage)
    assert found.root == Path(app.instance_path)  # instance/evidence, instance/jobs: where files always were


@pytest.mark.parametrize("url", ["file://relative/path", "s3://", "ftp://host/x", "s3://b/p?addressing=odd"])
def test_malformed_storage_url_refuses_to_start(database_url: str, url: str) -> None:
    with pytest.raises(ConfigError, match="STORAGE_URL"):
        create_app(make_config(database_url, STORAGE_URL=url))
