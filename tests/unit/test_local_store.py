"""The local-folder object store: round trips, missing keys, and keys that try to escape."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.adapters.local_store import LocalObjectStore
from pipeline.errors import ConfigError, Conflict, NotFoundError


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


def test_a_copy_of_a_version_refuses_a_file_replaced_since(tmp_path: Path) -> None:
    """The upload submitted is the version validated: a key written again since (a new file
    under it) is refused with Conflict, and nothing is written to the target."""
    store = LocalObjectStore(tmp_path)
    store.put_bytes("uploads/u/upload", b"validated")
    seen = store.stat("uploads/u/upload")
    store.put_bytes("uploads/u/upload", b"replaced!")  # same size, a new file
    with pytest.raises(Conflict, match="changed"):
        store.copy("uploads/u/upload", "uploads/job/input.csv", seen.version)
    assert not store.exists("uploads/job/input.csv")
    assert not list(tmp_path.rglob(".partial-*"))
    store.copy("uploads/u/upload", "uploads/job/input.csv", store.stat("uploads/u/upload").version)
    assert store.get_bytes("uploads/job/input.csv") == b"replaced!"
