"""The language model's array cache: unpacked once, then read back; a changed model or a
damaged entry unpacks again, and a cache that cannot be written still serves."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pytest

from pipeline.model import langid_cache
from pipeline.model.langid_cache import LangidArrays


def small_arrays() -> LangidArrays:
    return LangidArrays(
        nextmove=np.arange(512, dtype=np.uint16) % 2,
        rowbase=np.array([0, 256], dtype=np.int64),
        root2=np.zeros(65536, dtype=np.int64),
        output=np.array([-1, 0], dtype=np.int32),
        ptc=np.array([[-1.0, -2.0]], dtype=np.float32),
        pc=np.array([-0.5, -0.7], dtype=np.float32),
        classes=("en", "de"),
        depth=2,
    )


@pytest.fixture
def unpacked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Path]:
    """A fake model file; records every unpack instead of decompressing py3langid's."""
    model = tmp_path / "model.npz.xz"
    model.write_bytes(b"model")
    calls: list[Path] = []

    def unpack(path: Path) -> LangidArrays:
        calls.append(path)
        return small_arrays()

    monkeypatch.setattr(langid_cache, "model_file", lambda: model)
    monkeypatch.setattr(langid_cache, "unpack", unpack)
    return calls


def same(left: LangidArrays, right: LangidArrays) -> bool:
    names = ("nextmove", "rowbase", "root2", "output", "ptc", "pc")
    arrays_equal = all(np.array_equal(getattr(left, n), getattr(right, n)) for n in names)
    return arrays_equal and (left.classes, left.depth) == (right.classes, right.depth)


def test_the_model_is_unpacked_once_then_read_back(unpacked: list[Path], tmp_path: Path) -> None:
    first = langid_cache.load_arrays(tmp_path / "cache")
    second = langid_cache.load_arrays(tmp_path / "cache")
    assert len(unpacked) == 1
    assert same(first, small_arrays()) and same(second, small_arrays())
    assert second.ptc.dtype == np.float32 and second.nextmove.dtype == np.uint16


def test_a_changed_model_file_gets_a_new_key(tmp_path: Path) -> None:
    model = tmp_path / "model.npz.xz"
    model.write_bytes(b"model")
    before = langid_cache.cache_key(model)
    os.utime(model, ns=(1, 1))
    assert langid_cache.cache_key(model) != before


def test_a_damaged_entry_is_unpacked_again(
    unpacked: list[Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = tmp_path / "cache"
    langid_cache.load_arrays(root)
    (entry,) = (root / "langid").iterdir()
    (entry / "ptc.npy").write_bytes(b"not an array")
    with caplog.at_level(logging.WARNING, logger="pipeline.model.langid_cache"):
        arrays = langid_cache.load_arrays(root)
    assert len(unpacked) == 2 and same(arrays, small_arrays())
    assert "cannot be read" in caplog.text


def test_a_cache_that_cannot_be_written_still_serves(
    unpacked: list[Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache folder should be")
    with caplog.at_level(logging.WARNING, logger="pipeline.model.langid_cache"):
        arrays = langid_cache.load_arrays(blocked)
    assert same(arrays, small_arrays())
    assert "cannot cache the language model" in caplog.text


def test_only_the_newest_entries_are_kept(tmp_path: Path) -> None:
    folder = tmp_path / "langid"
    for age, name in enumerate(["old", "older", "oldest"]):
        langid_cache.save(small_arrays(), folder / name)
        os.utime(folder / name, (1000 - age, 1000 - age))
    langid_cache.save(small_arrays(), folder / "new")
    assert sorted(path.name for path in folder.iterdir()) == ["new", "old"]


def test_the_automaton_depth_is_its_longest_path_from_the_start() -> None:
    # states 0 -a-> 1 -b-> 2 -c-> 3, every other byte back to 0
    rowbase = np.arange(4, dtype=np.int64) << 8
    moves = np.zeros(4 * 256, dtype=np.uint16)
    moves[0 * 256 + ord("a")], moves[1 * 256 + ord("b")], moves[2 * 256 + ord("c")] = 1, 2, 3
    assert langid_cache.automaton_depth(moves, rowbase) == 3
