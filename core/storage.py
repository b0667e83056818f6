"""Every file the app keeps (evidence, job results, what a restore puts back) goes through one small interface.

A file is an object named by a **key**: ``evidence/ab/abcd…``, ``jobs/<uuid>/<name>``. The backend is chosen by
``STORAGE_URL`` (``TREMPLIN_STORAGE_URL``):

* ``file:///abs/path`` — a folder on this host; by default the instance folder itself, so that the files kept
  before this interface existed (``instance/evidence``, ``instance/jobs``) are where their keys say. Writes are
  atomic (a temporary file in the same folder, then a rename); a key never leads out of the folder nor through a
  symbolic link.
* ``s3://bucket/prefix`` — any S3-compatible store, through boto3. Endpoint and credentials come from the standard
  variables (``AWS_ENDPOINT_URL_S3`` or ``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
  ``AWS_DEFAULT_REGION``); ``?addressing=path`` in the URL (or ``S3_ADDRESSING_STYLE = "path"``) asks for
  path-style addressing, which most self-hosted stores want. Objects are written private (no ACL given: the
  bucket's default, private unless someone opened it). An S3 PUT is atomic: readers see the old object or the new.

Nothing here knows who may read what: the views check permissions, then stream the object
(:func:`download_response`). :meth:`Storage.presigned_url` exists for deployments that would rather let the
store serve big files after the check; Tremplin's own views stream, so that their headers (CSP sandbox,
``no-store``) always apply.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qs, unquote, urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from flask import Flask, abort, current_app, send_file

from core.config import ConfigError

CHUNK = 1 << 16
_EXTENSION = "tremplin_storage"


class StorageError(ValueError):
    """A key or a storage URL that cannot be used (the message says why)."""


def check_key(key: str) -> str:
    """``key`` if it is a plain relative name (``a/b/c``), else :class:`StorageError`."""
    if not isinstance(key, str) or not key:
        raise StorageError("empty key")
    if "\\" in key or "\x00" in key or key.startswith("/"):
        raise StorageError(f"refused key {key!r}")
    if any(part in {"", ".", ".."} for part in key.split("/")):
        raise StorageError(f"refused key {key!r}")
    return key


def _prefix(prefix: str) -> str:
    """A listing prefix: empty, or a key, or a key followed by ``/``."""
    if prefix:
        check_key(prefix.rstrip("/") or "/")
    return prefix


@dataclass(frozen=True)
class Stored:
    """A reference to a stored object, where an API takes "bytes or a stored file" (a personal-data export)."""

    key: str


class Storage:
    """The interface; see the module docstring. ``open`` and ``size`` raise :class:`FileNotFoundError` for a
    missing key; ``delete`` of a missing key is not an error."""

    url: str

    def put(self, key: str, data: bytes | IO[bytes]) -> None:
        raise NotImplementedError

    def open(self, key: str) -> IO[bytes]:
        raise NotImplementedError

    def exists(self, key: str) -> bool:
        raise NotImplementedError

    def size(self, key: str) -> int:
        raise NotImplementedError

    def delete(self, key: str) -> bool:
        """Delete ``key``; whether it was there."""
        raise NotImplementedError

    def list(self, prefix: str = "") -> list[str]:
        """Every key starting with ``prefix`` (``"evidence/"``), sorted."""
        raise NotImplementedError

    def move(self, source: str, target: str) -> None:
        """Give ``source``'s content the name ``target`` (replacing it) and remove ``source``."""
        raise NotImplementedError

    def presigned_url(self, key: str, *, expires: int = 60, filename: str | None = None) -> str | None:
        """A short-lived URL that downloads ``key`` without the app, or None when the backend has none."""
        return None

    # What every backend does the same way, on top of the above.

    def read_bytes(self, key: str) -> bytes:
        with self.open(key) as handle:
            return handle.read()

    def stream(self, key: str, chunk: int = CHUNK) -> Iterator[bytes]:
        with self.open(key) as handle:
            yield from iter(lambda: handle.read(chunk), b"")

    def delete_prefix(self, prefix: str) -> int:
        """Delete every key under ``prefix`` (which must end with ``/``); how many there were."""
        if not prefix.endswith("/"):
            raise StorageError("a prefix to delete must end with '/'")
        keys = self.list(prefix)
        for key in keys:
            self.delete(key)
        return len(keys)


class FileStorage(Storage):
    """Objects as files under a folder (see the module docstring)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(os.path.abspath(root))
        self.url = self.root.as_uri()

    def path(self, key: str) -> Path:
        """The file of ``key``, refused when the way to it goes through a symbolic link."""
        check_key(key)
        path = self.root.joinpath(*key.split("/"))
        here = self.root
        for part in key.split("/"):
            here = here / part
            if here.is_symlink():
                raise StorageError(f"refused key {key!r}: it leads through a symbolic link")
        return path

    def put(self, key: str, data: bytes | IO[bytes]) -> None:
        path = self.path(key)
        if path.is_dir():
            raise StorageError(f"refused key {key!r}: a folder of that name is there")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            with tmp.open("xb") as out:
                if isinstance(data, bytes | bytearray | memoryview):
                    out.write(data)
                else:
                    shutil.copyfileobj(data, out, CHUNK)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    def open(self, key: str) -> IO[bytes]:
        path = self.path(key)
        if path.is_dir():
            raise FileNotFoundError(key)
        return path.open("rb")

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def size(self, key: str) -> int:
        path = self.path(key)
        if not path.is_file():
            raise FileNotFoundError(key)
        return path.stat().st_size

    def delete(self, key: str) -> bool:
        path = self.path(key)
        try:
            path.unlink()
        except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
            if isinstance(exc, FileNotFoundError) or path.is_dir():
                return False
            raise
        self._prune(path.parent)
        return True

    def _prune(self, folder: Path) -> None:
        """Remove the folders a deletion left empty, up to the root."""
        while folder != self.root and self.root in folder.parents:
            try:
                folder.rmdir()
            except OSError:
                return
            folder = folder.parent

    def list(self, prefix: str = "") -> list[str]:
        _prefix(prefix)
        start = self.root
        head = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        if head:
            start = self.path(head)
        if not start.is_dir():
            return []
        found = []
        for folder, folders, files in os.walk(start):  # links are not followed
            here = Path(folder)
            for name in files:
                if name.startswith(".") and name.endswith(".tmp"):
                    continue  # a write in progress
                path = here / name
                if not stat.S_ISREG(os.lstat(path).st_mode):
                    continue
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    found.append(key)
            folders[:] = [name for name in folders if not (here / name).is_symlink()]
        return sorted(found)

    def move(self, source: str, target: str) -> None:
        src, dst = self.path(source), self.path(target)
        if not src.is_file():
            raise FileNotFoundError(source)
        if dst.is_dir():
            raise StorageError(f"refused key {target!r}: a folder of that name is there")
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dst)  # one filesystem: a rename
        self._prune(src.parent)


class S3Storage(Storage):
    """Objects in an S3 bucket, under a prefix (see the module docstring)."""

    def __init__(self, bucket: str, prefix: str = "", *, addressing_style: str | None = None, client: Any = None):
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.url = f"s3://{bucket}/{self.prefix}"
        if client is None:
            config = Config(
                signature_version="s3v4",
                s3={"addressing_style": addressing_style} if addressing_style else {},
                retries={"max_attempts": 3, "mode": "standard"},
                connect_timeout=5,
                read_timeout=60,
            )
            client = boto3.session.Session().client("s3", config=config)
        self.client = client

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _missing(self, exc: Exception) -> bool:
        if not isinstance(exc, ClientError):
            return False
        code = str(exc.response.get("Error", {}).get("Code", ""))  # type: ignore[attr-defined]
        return code in {"404", "NoSuchKey", "NotFound"}

    def put(self, key: str, data: bytes | IO[bytes]) -> None:
        name = self._name(key)
        if isinstance(data, bytes | bytearray | memoryview):
            self.client.put_object(Bucket=self.bucket, Key=name, Body=bytes(data))
        else:
            self.client.upload_fileobj(data, self.bucket, name)

    def open(self, key: str) -> IO[bytes]:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._name(key))["Body"]
        except Exception as exc:
            if self._missing(exc):
                raise FileNotFoundError(key) from None
            raise

    def _head(self, key: str) -> dict[str, Any] | None:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except Exception as exc:
            if self._missing(exc):
                return None
            raise

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def size(self, key: str) -> int:
        head = self._head(key)
        if head is None:
            raise FileNotFoundError(key)
        return int(head["ContentLength"])

    def delete(self, key: str) -> bool:
        there = self.exists(key)
        if there:
            self.client.delete_object(Bucket=self.bucket, Key=self._name(key))
        return there

    def list(self, prefix: str = "") -> list[str]:
        _prefix(prefix)
        keys = []
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
            keys.extend(item["Key"][len(self.prefix) :] for item in page.get("Contents", ()))
        return sorted(keys)

    def move(self, source: str, target: str) -> None:
        if not self.exists(source):
            raise FileNotFoundError(source)
        self.client.copy({"Bucket": self.bucket, "Key": self._name(source)}, self.bucket, self._name(target))
        self.client.delete_object(Bucket=self.bucket, Key=self._name(source))

    def presigned_url(self, key: str, *, expires: int = 60, filename: str | None = None) -> str | None:
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": self._name(key)}
        if filename:
            params["ResponseContentDisposition"] = f'attachment; filename="{filename}"'
        return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires)


def from_url(url: str, *, default_root: Path | str, addressing_style: str | None = None) -> Storage:
    """The storage a ``STORAGE_URL`` names (empty: a folder, ``default_root``)."""
    if not url:
        return FileStorage(default_root)
    parts = urlsplit(url)
    if parts.scheme == "file":
        path = unquote(parts.path)
        if parts.netloc not in {"", "localhost"} or not path.startswith("/"):
            raise StorageError(f"STORAGE_URL {url!r}: a folder is written file:///absolute/path")
        return FileStorage(path)
    if parts.scheme == "s3":
        if not parts.netloc:
            raise StorageError(f"STORAGE_URL {url!r}: a bucket is written s3://bucket/prefix")
        style = parse_qs(parts.query).get("addressing", [addressing_style])[0] or None
        if style not in {None, "path", "virtual", "auto"}:
            raise StorageError(f"STORAGE_URL {url!r}: addressing is path, virtual or auto")
        return S3Storage(parts.netloc, unquote(parts.path), addressing_style=style)
    raise StorageError(f"STORAGE_URL {url!r}: file:///… or s3://bucket/prefix")


def init_app(app: Flask) -> None:
    try:
        app.extensions[_EXTENSION] = (
            app.config.get("STORAGE_URL"),
            from_url(
                app.config.get("STORAGE_URL") or "",
                default_root=app.instance_path,
                addressing_style=app.config.get("S3_ADDRESSING_STYLE") or None,
            ),
        )
    except StorageError as exc:
        raise ConfigError(f"TREMPLIN_{exc}") from exc


def storage(app: Flask | None = None) -> Storage:
    """This app's storage."""
    app = app or current_app
    found = app.extensions.get(_EXTENSION)
    if found is None or found[0] != app.config.get("STORAGE_URL"):  # configured anew (tests, a CLI override)
        init_app(app)
        found = app.extensions[_EXTENSION]
    return found[1]


def download_response(key: str, *, mimetype: str, filename: str, store: Storage | None = None):
    """The object ``key`` as a download streamed from storage (the caller has checked permissions); 404 when it is
    not there. ``Cache-Control: no-store``: these are personal files."""
    store = store or storage()
    try:
        size = store.size(key)
        handle = store.open(key)
    except FileNotFoundError:
        abort(404)
    try:
        response = send_file(
            handle, mimetype=mimetype, as_attachment=True, download_name=filename, conditional=False, etag=False
        )
    except BaseException:
        with contextlib.suppress(Exception):
            handle.close()
        raise
    response.content_length = size
    response.headers["Cache-Control"] = "no-store"
    return response
