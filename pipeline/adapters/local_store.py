"""ObjectStore on a local folder: the embedded stand-in for S3."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from pipeline.errors import ConfigError, NotFoundError
from pipeline.ports import ObjectStore


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
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self._existing(key), destination)
        return destination

    def get_bytes(self, key: str) -> bytes:
        return self._existing(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        return self._existing(key).stat().st_size

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

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
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".partial-")
        try:
            with os.fdopen(fd, "wb") as out:
                fill(out)
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
