"""ObjectStore on a local folder: the embedded stand-in for S3. A full disk raises DiskFullError
(HTTP 503), and no half-written object is left behind."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from pipeline.errors import (
    ConfigError,
    Conflict,
    DiskFullError,
    NotFoundError,
    StoreUnavailableError,
)
from pipeline.faults import disk_faults
from pipeline.ports import ObjectStore, StoredObject

MIN_FREE_BYTES = 1024 * 1024
"""Below this the store reports its disk full: no upload of any use would fit."""
_BLOCK = 1024 * 1024


class LocalObjectStore(ObjectStore):
    """Objects are files under ``root``; writes go through a temporary file and a rename, so a
    reader never sees half an object, and a file once written never changes: writing a key
    again makes a new file. An object's version is therefore its file's identity (inode,
    size, times), and an open file keeps the content its version names."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def put_file(self, key: str, source: Path, content_type: str | None = None) -> None:
        target = self._path(key)
        with Path(source).open("rb") as handle:
            self._write(target, lambda out: shutil.copyfileobj(handle, out, 1024 * 1024))

    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> None:
        self._write(self._path(key), lambda out: out.write(data))

    def get_file(self, key: str, destination: Path, version: str | None = None) -> Path:
        destination = Path(destination)
        if version is None:
            source = self._existing(key)
            with disk_faults("for temporary files"):
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, destination)
            return destination
        with self._opened(key, version) as handle, disk_faults("for temporary files"):
            destination.parent.mkdir(parents=True, exist_ok=True)
            with destination.open("wb") as out:
                shutil.copyfileobj(handle, out, _BLOCK)
        return destination

    def get_bytes(self, key: str) -> bytes:
        return self._existing(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        return self._existing(key).stat().st_size

    def stat(self, key: str) -> StoredObject:
        info = self._existing(key).stat()
        return StoredObject(size=info.st_size, version=_version(info))

    def copy(self, source: str, target: str, version: str | None = None) -> None:
        with self._opened(source, version) as handle:
            self._write(self._path(target), lambda out: shutil.copyfileobj(handle, out, _BLOCK))

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def delete_under(self, prefix: str) -> int:
        folder = self._path(prefix.rstrip("/"))
        if not folder.is_dir():
            return 0
        removed = sum(1 for path in folder.rglob("*") if path.is_file())
        shutil.rmtree(folder)
        return removed

    def check(self) -> None:
        """For /health: the folder exists and can be written, and its disk has space left."""
        with disk_faults("of the object store"):
            self.root.mkdir(parents=True, exist_ok=True)
        if not os.access(self.root, os.W_OK):
            raise StoreUnavailableError("the object store's folder cannot be written")
        if shutil.disk_usage(self.root).free < MIN_FREE_BYTES:
            raise DiskFullError(
                "no space is left on the disk of the object store; try again once space has "
                "been freed"
            )

    @contextmanager
    def _opened(self, key: str, version: str | None) -> Iterator[BinaryIO]:
        """The object's file, open for reading; with ``version``, only if it is still the file
        that version names (Conflict otherwise), whose content then cannot change under it."""
        try:
            handle = self._path(key).open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            raise NotFoundError(_missing(key)) from exc
        with handle:
            if version is not None and _version(os.fstat(handle.fileno())) != version:
                raise Conflict(f"object {key!r} changed since it was inspected")
            yield handle

    def _existing(self, key: str) -> Path:
        path = self._path(key)
        if not path.is_file():
            raise NotFoundError(_missing(key))
        return path

    def _path(self, key: str) -> Path:
        """Map a key to a path inside ``root``; anything that could escape the folder is refused."""
        parts = key.split("/")
        if "\\" in key or any(part in ("", ".", "..") for part in parts):
            raise ConfigError(f"invalid object key {key!r}")
        return self.root.joinpath(*parts)

    @staticmethod
    def _write(target: Path, fill: Callable[[BinaryIO], object]) -> None:
        with disk_faults("of the object store"):
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".partial-")
            try:
                with os.fdopen(fd, "wb") as out:
                    fill(out)
                os.replace(temp, target)
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise


def _missing(key: str) -> str:
    """Why a key cannot be read, naming no folder: the message may reach a client (an API
    404, a job's error), and ``pipeline.faults`` keeps the server's paths from them."""
    return f"object {key!r} is not in the object store"


def _version(info: os.stat_result) -> str:
    """Names one file: a write makes a new file (a new inode, new times) under the key."""
    return f"{info.st_dev}:{info.st_ino}:{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}"
