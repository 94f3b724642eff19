"""The local-folder object store: round trips, missing keys, and keys that try to escape."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.adapters.local_store import LocalObjectStore
from pipeline.errors import ConfigError, NotFoundError


def test_round_trip_of_files_and_bytes(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "objects")
    source = tmp_path / "in.csv"
    source.write_bytes(b"a,b\n1,2\n")
    store.put_file("uploads/x/input.csv", source)
    store.put_bytes("results/x/results.csv", b"done")
    assert store.exists("uploads/x/input.csv") and store.size("uploads/x/input.csv") == 8
    copy = store.get_file("uploads/x/input.csv", tmp_path / "out" / "copy.csv")
    assert copy.read_bytes() == b"a,b\n1,2\n"
    assert store.get_bytes("results/x/results.csv") == b"done"
    assert not list((tmp_path / "objects").rglob(".partial-*"))


def test_missing_objects_and_deletes(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path)
    with pytest.raises(NotFoundError, match="nope"):
        store.size("nope")
    with pytest.raises(NotFoundError):
        store.get_bytes("nope")
    store.delete("nope")
    store.put_bytes("k", b"1")
    store.delete("k")
    assert not store.exists("k")
    assert store.presigned_get("k") is None


@pytest.mark.parametrize(
    "key", ["", "/etc/passwd", "../outside", "a/../../b", "a\\b", "a/./b", "a//b", "a/"]
)
def test_keys_that_could_leave_the_folder_are_refused(tmp_path: Path, key: str) -> None:
    with pytest.raises(ConfigError, match="invalid object key"):
        LocalObjectStore(tmp_path / "objects").put_bytes(key, b"x")
