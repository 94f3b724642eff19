"""py3langid's model as plain arrays, unpacked once and kept as ``.npy`` files.

py3langid ships its model LZMA-compressed: unpacking it takes over a second in every process
that screens languages (docs/performance.md). The arrays are saved once under
``cache_root()/langid/<key>`` and then memory-mapped, which takes milliseconds and lets worker
processes share one copy. The key hashes what the arrays depend on: py3langid's version and its
model file's name, size and modification time. The cache is an optimisation: one that cannot
be read or written is logged and the model is unpacked as before.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import uuid
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

from pipeline.model.locate import cache_root
from pipeline.model.merged_cache import prune, touch

log = logging.getLogger(__name__)

FORMAT = "langid-v1"
"""Part of every key: bump it when what is saved changes meaning."""
KEEP = 2
_ARRAYS = ("nextmove", "rowbase", "root2", "output", "ptc", "pc")
_META = "meta.json"
_TEMPORARY = ".partial-"


@dataclass(frozen=True)
class LangidArrays:
    """py3langid's byte n-gram automaton and naive-Bayes tables."""

    nextmove: np.ndarray
    """The next state is ``nextmove[rowbase[state] + byte]``."""
    rowbase: np.ndarray
    root2: np.ndarray
    """The state after two bytes from the start state, at ``first << 8 | second``."""
    output: np.ndarray
    """The feature a state completes, or -1."""
    ptc: np.ndarray
    """log P(feature | language), features × classes: py3langid's float16 values as float32,
    which its product casts them to anyway (NumPy's float16 casts are slow)."""
    pc: np.ndarray
    classes: tuple[str, ...]
    depth: int
    """The longest n-gram (at least 2): the state after a byte depends only on the last
    ``depth`` bytes."""


def model_file() -> Path:
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    return Path(MODEL_DIR) / MODEL_FILE


def cache_key(model: Path) -> str:
    facts = model.stat()
    digest = hashlib.sha256(FORMAT.encode())
    digest.update(
        json.dumps(
            [
                metadata.version("py3langid"),
                model.name,
                facts.st_size,
                facts.st_mtime_ns,
            ]
        ).encode()
    )
    return digest.hexdigest()[:32]


def load_arrays(root: Path | None = None) -> LangidArrays:
    """The cached arrays when they load, else unpacked from py3langid and cached."""
    model = model_file()
    entry = (root or cache_root()) / "langid" / cache_key(model)
    if (entry / _META).exists():
        try:
            arrays = read(entry)
        except (OSError, ValueError, KeyError) as exc:
            log.warning("the language model cache at %s cannot be read (%s); unpacking", entry, exc)
        else:
            touch(entry)
            return arrays
    arrays = unpack(model)
    save(arrays, entry)
    return arrays


def unpack(model: Path) -> LangidArrays:
    """Decompress py3langid's model (the slow part) and find its automaton's depth."""
    from py3langid.modelio import load_model

    ptc, pc, classes, nextmove, rows, output = load_model(model)
    moves = np.frombuffer(nextmove, dtype=np.dtype(nextmove.typecode))
    rowbase = np.frombuffer(rows, dtype=np.dtype(rows.typecode)).astype(np.int64) << 8
    every_byte = np.arange(256, dtype=np.int64)
    first = moves[rowbase[0] + every_byte]
    return LangidArrays(
        nextmove=moves,
        rowbase=rowbase,
        root2=moves[(rowbase[first][:, None] + every_byte).ravel()].astype(np.int64),
        output=np.asarray(output, dtype=np.int32),
        ptc=np.asarray(ptc, dtype=np.float32),
        pc=np.asarray(pc, dtype=np.float32),
        classes=tuple(classes),
        depth=max(automaton_depth(moves, rowbase), 2),
    )


def automaton_depth(moves: np.ndarray, rowbase: np.ndarray) -> int:
    """The most bytes any state needs from the start state (breadth first, each shared row
    of transitions followed once): in an Aho-Corasick automaton, its longest pattern."""
    table = moves.reshape(-1, 256)
    row_of = rowbase >> 8
    seen = np.zeros(len(rowbase), dtype=bool)
    seen[0] = True
    followed = np.zeros(len(table), dtype=bool)
    frontier = np.zeros(1, dtype=np.int64)
    depth = 0
    while True:
        rows = np.unique(row_of[frontier])
        rows = rows[~followed[rows]]
        followed[rows] = True
        reached = np.zeros(len(rowbase), dtype=bool)
        reached[table[rows].ravel()] = True
        frontier = np.flatnonzero(reached & ~seen)
        if not len(frontier):
            return depth
        seen[frontier] = True
        depth += 1


def read(entry: Path) -> LangidArrays:
    meta = json.loads((entry / _META).read_text())
    arrays = {
        name: np.load(entry / f"{name}.npy", mmap_mode="r").view(np.ndarray) for name in _ARRAYS
    }
    return LangidArrays(classes=tuple(meta["classes"]), depth=int(meta["depth"]), **arrays)


def save(arrays: LangidArrays, entry: Path, keep: int = KEEP) -> None:
    """Write every array, then rename the folder into place: a reader sees all or nothing."""
    partial = entry.with_name(f"{_TEMPORARY}{uuid.uuid4().hex}")
    try:
        partial.mkdir(parents=True)
        for name in _ARRAYS:
            np.save(partial / f"{name}.npy", getattr(arrays, name))
        meta = {"classes": list(arrays.classes), "depth": arrays.depth}
        (partial / _META).write_text(json.dumps(meta))
        os.rename(partial, entry)
    except OSError as exc:
        if not (entry / _META).exists():  # not another process saving it first
            log.warning("cannot cache the language model in %s (%s)", entry.parent, exc)
        shutil.rmtree(partial, ignore_errors=True)
        return
    prune(entry.parent, keep)
