"""A LoRA adapter merged into its base once, saved, and loaded from then on.

Building the classifier from an adapter loads the base checkpoint through transformers' key
conversions and merges the low-rank factors into every adapted layer: over a second of a
worker's start (docs/performance.md). The merged result is an ordinary checkpoint: saved once
under ``cache_root()/merged/<key>``, it loads in a fraction of that, with the same fp32 weights,
so the same predictions. The key hashes everything the merge depends on (the adapter's files,
the labels, the base's config and weight files, the transformers version): a changed adapter or
base gets a new entry. Only the newest ``KEEP`` entries are kept. The cache is an optimisation:
one that cannot be read or written is logged and the merge is used as it is.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pipeline.model.locate import cache_root

log = logging.getLogger(__name__)

FORMAT = "merged-v1"
"""Part of every key: bump it when what is saved changes meaning."""
KEEP = 3
ADAPTER_PREFIX = "adapter_"
BASE_WEIGHTS = ("model.safetensors", "pytorch_model.bin")
_TEMPORARY = ".partial-"
ABANDONED_AFTER_S = 3600.0
"""A partial entry this old was left by a process that died while saving it."""


def merged_key(adapter_dir: Path, base_dir: Path, labels: Sequence[str], library: str) -> str:
    """The cache key of ``adapter_dir`` merged into ``base_dir``: the adapter's files by
    content, the base's config by content and its weights by size and modification time (a
    reinstalled base changes both), the labels and the transformers version ``library``."""
    digest = hashlib.sha256(FORMAT.encode())
    digest.update(json.dumps([list(labels), library]).encode())
    for path in sorted(adapter_dir.glob(f"{ADAPTER_PREFIX}*")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    digest.update((base_dir / "config.json").read_bytes())
    for name in BASE_WEIGHTS:
        path = base_dir / name
        if path.exists():
            facts = path.stat()
            digest.update(f"{name}:{facts.st_size}:{facts.st_mtime_ns}".encode())
    return digest.hexdigest()[:32]


def merged_dir(key: str, root: Path | None = None) -> Path:
    return (root or cache_root()) / "merged" / key


def load_or_merge(
    entry: Path, load: Callable[[Path], Any], merge: Callable[[], Any], keep: int = KEEP
) -> Any:
    """The model saved at ``entry`` when there is one that loads, else ``merge()``'s, which is
    then saved there for the next time."""
    if (entry / "config.json").exists():
        try:
            model = load(entry)
        except Exception as exc:  # a damaged entry (SafetensorError is no OSError): merge again
            log.warning("the merged model at %s cannot be loaded (%s); merging again", entry, exc)
            _discard(entry)
        else:
            touch(entry)
            return model
    model = merge()
    save(model, entry, keep)
    return model


def save(model: Any, entry: Path, keep: int = KEEP) -> None:
    """Save ``model`` (``save_pretrained``) at ``entry`` as one atomic rename, so that no
    reader sees half a checkpoint; drop all but the newest ``keep`` entries."""
    partial = entry.with_name(f"{_TEMPORARY}{uuid.uuid4().hex}")
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        model.save_pretrained(partial)
        os.rename(partial, entry)
    except (OSError, RuntimeError, ValueError) as exc:
        if not (entry / "config.json").exists():  # not another process saving it first
            log.warning("cannot save the merged model in %s (%s)", entry.parent, exc)
        shutil.rmtree(partial, ignore_errors=True)
        return
    prune(entry.parent, keep)


def _discard(entry: Path) -> None:
    """Move a damaged entry out of the way (one rename: a reader sees it or nothing), so that
    the new merge can be saved in its place, and delete it."""
    doomed = entry.with_name(f"{_TEMPORARY}{uuid.uuid4().hex}")
    with contextlib.suppress(OSError):  # another process moved it first
        os.rename(entry, doomed)
    shutil.rmtree(doomed, ignore_errors=True)


def prune(folder: Path, keep: int, now: float | None = None) -> None:
    """Remove the entries beyond the ``keep`` used last, and abandoned partial ones."""
    now = time.time() if now is None else now
    entries: list[Path] = []
    partial: list[Path] = []
    for path in folder.iterdir():
        (partial if path.name.startswith(_TEMPORARY) else entries).append(path)
    entries.sort(key=_used_at, reverse=True)
    abandoned = [path for path in partial if now - _used_at(path) > ABANDONED_AFTER_S]
    for stale in [*entries[keep:], *abandoned]:
        shutil.rmtree(stale, ignore_errors=True)


def _used_at(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def touch(entry: Path) -> None:
    """Mark ``entry`` used now, so that pruning keeps it."""
    with contextlib.suppress(OSError):  # a read-only cache still serves
        os.utime(entry)
