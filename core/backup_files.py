"""The files of a restore (``tremplin restore``): which archive members may be written where, and how they are put
in place all together or not at all. No Flask, no database: :mod:`core.backup` drives it.

A member's name is accepted only in its one plain spelling: ``tables/<table>.jsonl`` or ``files/<area>/<a>/<b>…``
with non-empty parts other than ``.`` and ``..``, no backslash, no control or invisible character, nothing that
Unicode's compatibility normalisation (NFKC) would change (``‥``, ``／``, ``ｅ`` are refused rather than guessed
at), parts of at most 255 bytes, names of at most 1024. Its place, once every link on the way is followed, must be
exactly ``<area>/<a>/<b>…``: a symbolic link on the way (even one that stays inside) refuses the archive.

:class:`Staging` then writes the files into a temporary folder beside each area (the area's parent, so that moving
them in place is a rename on one filesystem), checking each SHA-256 as it writes; :meth:`Staging.place` moves the
files the previous ones aside (kept until :meth:`Staging.finish`) and the staged ones in; :meth:`Staging.undo`
puts everything back as it was — the restore calls it on any error before its transaction has committed.
:class:`StoreStaging` does the same in an object storage (S3), under a temporary prefix of the bucket.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import tempfile
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

log = logging.getLogger(__name__)

MAX_PART_BYTES = 255  # one file or folder name (ext4, XFS, APFS, NTFS)
MAX_NAME_BYTES = 1024  # a whole member name
# Unicode categories never found in a name a backup writes: controls, format characters (zero-width, direction
# marks), surrogates, private use, unassigned, line and paragraph separators.
_REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
BLOCK = 1 << 16
SPOOL = 8 << 20  # a file staged into an object storage is held in memory up to this size, then on disk


class UnsafeName(ValueError):
    """A member name that may not be written (the message says why, in a few words)."""


class ChecksumError(ValueError):
    """A staged file whose content is not what the manifest says (the message is its member name)."""


def check_name(name: object, areas: Iterable[str], tables: Iterable[str]) -> tuple[str | None, PurePosixPath]:
    """``(area, path inside it)`` of a ``files/…`` member, ``(None, path)`` of a ``tables/…`` one; or
    :class:`UnsafeName`."""
    if not isinstance(name, str) or not name:
        raise UnsafeName("not a name")
    if any(unicodedata.category(char) in _REFUSED_CATEGORIES for char in name):
        raise UnsafeName("control or invisible character")
    if "\\" in name:
        raise UnsafeName("backslash")
    if unicodedata.normalize("NFKC", name) != name:
        raise UnsafeName("characters that stand for others (Unicode NFKC)")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise UnsafeName(f"longer than {MAX_NAME_BYTES} bytes")
    parts = name.split("/")
    if any(part in {"", ".", ".."} for part in parts):
        raise UnsafeName("empty, '.' or '..' part (absolute, '//', './', '../' or a trailing '/')")
    if any(len(part.encode("utf-8")) > MAX_PART_BYTES for part in parts):
        raise UnsafeName(f"a part longer than {MAX_PART_BYTES} bytes")
    if parts[0] == "tables" and len(parts) == 2 and parts[1].endswith(".jsonl") and parts[1][:-6] in set(tables):
        return None, PurePosixPath(parts[1])
    if parts[0] == "files" and len(parts) >= 3 and parts[1] in set(areas):
        return parts[1], PurePosixPath(*parts[2:])
    raise UnsafeName("not a table of this schema nor a file of a known area")


def check_place(root: Path, relative: PurePosixPath) -> Path:
    """Where ``relative`` goes in the area ``root``, refused unless it is exactly there once every symbolic link on
    the way is followed, and not a folder."""
    base = root.resolve()
    target = base.joinpath(*relative.parts)
    if target.resolve() != target:
        raise UnsafeName("leads through a symbolic link")
    if target.is_dir():
        raise UnsafeName("a folder of that name is already there")
    return target


def _write(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


@dataclass
class _Area:
    root: Path  # where the files go, resolved
    staging: Path  # .<area>.restoring-* beside it (or inside it when it is a mount point)
    files: dict[Path, Path] = field(default_factory=dict)  # target → staged file


@dataclass
class Staging:
    """The files of one restore, from staging to their place (see the module docstring)."""

    roots: Mapping[str, Path]
    areas: dict[str, _Area] = field(default_factory=dict)
    created: list[Path] = field(default_factory=list)  # folders this restore made, in order
    placed: list[Path] = field(default_factory=list)  # targets now holding a staged file
    aside: list[tuple[Path, Path]] = field(default_factory=list)  # (previous file, where it waits)

    def _mkdirs(self, folder: Path) -> None:
        missing = []
        while not folder.exists() and not folder.is_symlink():
            missing.append(folder)
            folder = folder.parent
        for path in reversed(missing):
            path.mkdir()
            self.created.append(path)

    def _area(self, area: str) -> _Area:
        if area not in self.areas:
            root = Path(os.path.abspath(self.roots[area]))
            self._mkdirs(root.parent)
            beside = root.parent
            if root.is_dir() and os.stat(root).st_dev != os.stat(beside).st_dev:
                beside = root  # a mount point: stage inside, so that the files stay on its filesystem
            staging = Path(tempfile.mkdtemp(prefix=f".{root.name}.restoring-", dir=beside))
            self.areas[area] = _Area(root.resolve(), staging)
        return self.areas[area]

    def check(self, area: str, relative: PurePosixPath) -> None:
        """Refuse (:class:`UnsafeName`) a file that may not be written at its place."""
        check_place(Path(self.roots[area]), relative)

    def stage(self, area: str, relative: PurePosixPath, data: IO[bytes], sha256: str) -> None:
        """Write one file into the area's staging folder, refusing it unless its content has ``sha256``."""
        target = check_place(Path(self.roots[area]), relative)
        place = self._area(area)
        staged = place.staging.joinpath("new", *relative.parts)
        staged.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        try:
            for block in iter(lambda: data.read(BLOCK), b""):
                digest.update(block)
                _write(fd, block)
            os.fsync(fd)
        finally:
            os.close(fd)
        if digest.hexdigest() != sha256:
            raise ChecksumError(f"files/{area}/{relative}")
        place.files[target] = staged

    def place(self, replace: bool) -> None:
        """Move the staged files in place (the previous ones aside); with ``replace``, also move aside every file of
        the areas that the backup does not hold."""
        for area in self.roots:
            if not replace and area not in self.areas:
                continue  # nothing to put there
            place = self._area(area)
            self._mkdirs(place.root)
            for target, staged in sorted(place.files.items()):
                check_place(place.root, PurePosixPath(target.relative_to(place.root)))  # unchanged since staging
                self._mkdirs(target.parent)
                if target.exists() or target.is_symlink():
                    self._aside(place, target)
                os.replace(staged, target)
                self.placed.append(target)
            if replace:
                for previous in self._previous(place):
                    if previous not in place.files:
                        self._aside(place, previous)

    @staticmethod
    def _previous(place: _Area) -> list[Path]:
        found = []
        for folder, folders, files in os.walk(place.root):  # links are not followed
            here = Path(folder)
            folders[:] = [name for name in folders if here / name != place.staging]
            found.extend(here / name for name in files)
            found.extend(here / name for name in folders if (here / name).is_symlink())
        return sorted(found)

    def _aside(self, place: _Area, path: Path) -> None:
        waiting = place.staging.joinpath("old", *path.relative_to(place.root).parts)
        waiting.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, waiting)
        self.aside.append((path, waiting))

    def undo(self) -> list[str]:
        """Put every file back as it was before this restore; returns what could not be (empty: all done)."""
        problems = []
        for target in reversed(self.placed):
            try:
                target.unlink()
            except OSError as exc:
                problems.append(f"{target}: {exc.strerror or exc}")
        self.placed.clear()
        for previous, waiting in reversed(self.aside):
            try:
                os.replace(waiting, previous)
            except OSError as exc:
                problems.append(f"{previous} (it waits in {waiting}): {exc.strerror or exc}")
        kept = {waiting for _previous, waiting in self.aside if waiting.exists()}
        self.aside.clear()
        for place in self.areas.values():
            if not any(place.staging in path.parents for path in kept):
                shutil.rmtree(place.staging, ignore_errors=True)
        for folder in reversed(self.created):
            with contextlib.suppress(OSError):  # not empty: something we could not take back is in it (listed)
                folder.rmdir()
        self.created.clear()
        for problem in problems:
            log.error("restore: could not put back %s", problem)
        return problems

    def finish(self) -> None:
        """After the database committed: delete the previous files and the staging folders, and the folders that
        moving the previous files aside left empty."""
        emptied = {previous.parent for previous, _waiting in self.aside}
        for place in self.areas.values():
            shutil.rmtree(place.staging, ignore_errors=True)
            for folder in sorted(emptied, key=lambda path: len(path.parts), reverse=True):
                while folder != place.root and place.root in folder.parents:
                    try:
                        folder.rmdir()
                    except OSError:
                        break
                    folder = folder.parent
        self.aside.clear()
        self.placed.clear()
        self.created.clear()


class StoreStaging:
    """The files of one restore into an object storage (S3), with :class:`Staging`'s guarantees: every file is
    checked against its SHA-256 before it is uploaded under a temporary prefix (``.restoring-<random>/new/…``);
    :meth:`place` moves the previous objects aside (``…/old/…``) and the staged ones in; :meth:`undo` puts
    everything back as it was; :meth:`finish` deletes the previous objects and the temporary prefix.

    ``store`` is a :class:`core.storage.Storage` (``put``, ``open``, ``exists``, ``list``, ``move``, ``delete``,
    ``delete_prefix``); a member's key is ``<area>/<path>``, refused unless the store accepts it as a plain key."""

    def __init__(self, store, areas: Iterable[str], spool: Path | None = None) -> None:
        self.store = store
        self.area_names = list(areas)
        self.spool = spool
        self.prefix = f".restoring-{os.urandom(8).hex()}/"
        self.files: dict[str, str] = {}  # target key → staged key
        self.staged_any = False
        self.placed: list[str] = []  # target keys now holding a staged object
        self.aside: list[tuple[str, str]] = []  # (previous key, where it waits)

    def key(self, area: str, relative: PurePosixPath) -> str:
        """The key of ``relative`` in ``area``, or :class:`UnsafeName`."""
        key = f"{area}/{relative.as_posix()}"
        if area not in self.area_names or any(part in {"", ".", ".."} for part in key.split("/")):
            raise UnsafeName("not a plain key of a known area")
        if "\\" in key or "\x00" in key:
            raise UnsafeName("not a plain key")
        return key

    def check(self, area: str, relative: PurePosixPath) -> None:
        self.key(area, relative)

    def stage(self, area: str, relative: PurePosixPath, data: IO[bytes], sha256: str) -> None:
        """Upload one file under the temporary prefix, refusing it (before the upload) unless its content has
        ``sha256``."""
        target = self.key(area, relative)
        digest = hashlib.sha256()
        with tempfile.SpooledTemporaryFile(max_size=SPOOL, dir=self.spool) as copy:
            for block in iter(lambda: data.read(BLOCK), b""):
                digest.update(block)
                copy.write(block)
            if digest.hexdigest() != sha256:
                raise ChecksumError(f"files/{target}")
            copy.seek(0)
            staged = f"{self.prefix}new/{target}"
            self.staged_any = True
            self.store.put(staged, copy)
        self.files[target] = staged

    def place(self, replace: bool) -> None:
        """Move the staged objects in place (the previous ones aside); with ``replace``, also move aside every
        object of the areas that the backup does not hold."""
        for target, staged in sorted(self.files.items()):
            if self.store.exists(target):
                self._aside(target)
            self.store.move(staged, target)
            self.placed.append(target)
        if replace:
            for area in self.area_names:
                for previous in self.store.list(f"{area}/"):
                    if previous not in self.files:
                        self._aside(previous)

    def _aside(self, key: str) -> None:
        waiting = f"{self.prefix}old/{key}"
        self.store.move(key, waiting)
        self.aside.append((key, waiting))

    def undo(self) -> list[str]:
        """Put every object back as it was before this restore; returns what could not be (empty: all done)."""
        problems = []
        for target in reversed(self.placed):
            try:
                self.store.delete(target)
            except Exception as exc:  # noqa: BLE001 — every object is tried, the failures are listed
                problems.append(f"{target}: {exc}")
        self.placed.clear()
        kept = False
        for previous, waiting in reversed(self.aside):
            try:
                self.store.move(waiting, previous)
            except Exception as exc:  # noqa: BLE001 — as above
                kept = True
                problems.append(f"{previous} (it waits in {waiting}): {exc}")
        self.aside.clear()
        if not kept and self.staged_any:
            try:
                self.store.delete_prefix(self.prefix)
            except Exception as exc:  # noqa: BLE001 — as above
                problems.append(f"{self.prefix} (staged copies): {exc}")
        for problem in problems:
            log.error("restore: could not put back %s", problem)
        return problems

    def finish(self) -> None:
        """After the database committed: delete the previous objects and the temporary prefix."""
        if self.staged_any or self.aside:
            try:
                self.store.delete_prefix(self.prefix)
            except Exception:  # the restore is done; what is left is only a copy of the old files
                log.exception("restore: could not delete the temporary prefix %s", self.prefix)
        self.aside.clear()
        self.placed.clear()
