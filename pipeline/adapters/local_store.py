"""ObjectStore on a local folder: the embedded stand-in for S3. A full disk raises DiskFullError
(HTTP 503), and no half-written object is left behind."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from pipeline.errors import ConfigError, DiskFullError, NotFoundError, StoreUnavailableError
from pipeline.faults import disk_faults
from pipeline.ports import ObjectStore

MIN_FREE_BYTES = 1024 * 1024
"""Below this the store reports its disk full: no upload of any use would fit."""


class LocalObjectStore(ObjectStore):
    """Objects are files under ``root``; writes go through a temporary file and a rename, so a
    reader never sees half an object."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def put_file(self, key: str, source: Path, content_type: str | None = None) -> None:
        target = self._path(key)
        with Path(source).open("rb") as handle:
            self._write(target, lambda out: shutil.copyfileobj(handle, out, 1024 * 1024))

    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> None:
        self._write(self._path(key), lambda out: out.write(data))

    def get_file(self, key: str, destination: Path) -> Path:
        destination = Path(destination)
        source = self._existing(key)
        with disk_faults("for temporary files"):
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)
        return destination

    def get_bytes(self, key: str) -> bytes:
        return self._existing(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        return self._existing(key).stat().st_size

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

    def _existing(self, key: str) -> Path:
        path = self._path(key)
        if not path.is_file():
            raise NotFoundError(f"object {key!r} does not exist in {self.root}")
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
