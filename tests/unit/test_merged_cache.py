"""The merged-model cache: its key follows what the merge depends on; an entry is saved once,
loaded after, replaced when it cannot be loaded, and the oldest entries are dropped."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pipeline.model import merged_cache


class FakeModel:
    """Saves itself like ``save_pretrained``: a config.json holding its name."""

    def __init__(self, name: str) -> None:
        self.name = name

    def save_pretrained(self, folder: Path) -> None:
        folder.mkdir(parents=True)
        (folder / "config.json").write_text(json.dumps({"name": self.name}))


def load(folder: Path) -> FakeModel:
    config = json.loads((folder / "config.json").read_text())
    if "name" not in config:
        raise ValueError("not a model")
    return FakeModel(config["name"])


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    adapter, base = tmp_path / "adapter", tmp_path / "base"
    adapter.mkdir()
    base.mkdir()
    (adapter / "adapter_config.json").write_text('{"r": 8}')
    (adapter / "adapter_model.safetensors").write_bytes(b"factors")
    (adapter / "model_card.json").write_text('{"version": "1"}')
    (base / "config.json").write_text('{"hidden_size": 384}')
    (base / "model.safetensors").write_bytes(b"weights")
    return adapter, base


def key(dirs: tuple[Path, Path], labels: tuple[str, ...] = ("neg", "pos"), lib: str = "5") -> str:
    return merged_cache.merged_key(dirs[0], dirs[1], labels, lib)


def test_the_key_changes_with_the_adapter_the_base_the_labels_and_the_library(
    dirs: tuple[Path, Path],
) -> None:
    adapter, base = dirs
    first = key(dirs)
    assert key(dirs) == first
    (adapter / "model_card.json").write_text('{"version": "2", "calibration": {}}')
    assert key(dirs) == first  # the card's other facts are read at load, not merged
    keys = {first, key(dirs, labels=("pos", "neg")), key(dirs, lib="6")}
    (adapter / "adapter_model.safetensors").write_bytes(b"factorz")
    keys.add(key(dirs))
    (base / "config.json").write_text('{"hidden_size": 768}')
    keys.add(key(dirs))
    (base / "model.safetensors").write_bytes(b"reinstalled")
    keys.add(key(dirs))
    assert len(keys) == 6


def test_the_first_load_merges_and_saves_and_the_next_one_loads(tmp_path: Path) -> None:
    merges: list[str] = []

    def merge() -> FakeModel:
        merges.append("merged")
        return FakeModel("fresh")

    entry = merged_cache.merged_dir("k1", tmp_path)
    first = merged_cache.load_or_merge(entry, load, merge)
    second = merged_cache.load_or_merge(entry, load, merge)
    assert (first.name, second.name, merges) == ("fresh", "fresh", ["merged"])
    assert [path.name for path in entry.parent.iterdir()] == ["k1"]


def test_an_entry_that_cannot_be_loaded_is_merged_again(tmp_path: Path) -> None:
    entry = merged_cache.merged_dir("k1", tmp_path)
    entry.mkdir(parents=True)
    (entry / "config.json").write_text("{}")
    model = merged_cache.load_or_merge(entry, load, lambda: FakeModel("fresh"))
    assert model.name == "fresh"

    def no_merge() -> FakeModel:
        raise AssertionError("the damaged entry must have been replaced by the new merge")

    assert merged_cache.load_or_merge(entry, load, no_merge).name == "fresh"
    assert [path.name for path in entry.parent.iterdir()] == ["k1"]


def test_a_cache_that_cannot_be_written_still_gives_the_merged_model(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    model = merged_cache.load_or_merge(blocked / "merged" / "k1", load, lambda: FakeModel("x"))
    assert model.name == "x"


def test_only_the_entries_used_last_are_kept(tmp_path: Path) -> None:
    def used(name: str, at: float) -> None:
        entry = merged_cache.merged_dir(name, tmp_path)
        if not entry.exists():
            merged_cache.save(FakeModel(name), entry, keep=10)
        os.utime(entry, (at, at))

    for at, name in enumerate(["a", "b", "c", "d"]):
        used(name, 1_000 + at)
    used("a", 2_000)  # a hit makes "a" the newest again
    merged_cache.prune(tmp_path / "merged", keep=2, now=2_000)
    assert sorted(path.name for path in (tmp_path / "merged").iterdir()) == ["a", "d"]


def test_partial_entries_are_left_to_their_writer_until_abandoned(tmp_path: Path) -> None:
    folder = tmp_path / "merged"
    writing, abandoned = folder / ".partial-1", folder / ".partial-2"
    for partial in (writing, abandoned):
        partial.mkdir(parents=True)
    os.utime(abandoned, (1_000, 1_000))
    os.utime(writing, (4_000, 4_000))
    merged_cache.prune(folder, keep=3, now=4_700)
    assert [path.name for path in folder.iterdir()] == [".partial-1"]
