"""Where a job's analysis files live in the object store, and their byte formats.

``analysis/{request_id}/embeddings/{first_row:09d}.npy``: one chunk's float16 sentence vectors
[rows, 384], stored before the chunk's rows commit, so a resumed job never misses one (a chunk
delivered again overwrites its own file). When the job completes, the post-pass gathers them
into ``analysis/{request_id}/embeddings.npy`` (every row in order, zero rows for unlabelled
ones: what on-demand re-clustering reads) and writes ``analysis/{request_id}/themes.json``.
"""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from pipeline.errors import NotFoundError
from pipeline.ports import ObjectStore

ANALYSIS_PREFIX = "analysis/"
log = logging.getLogger(__name__)


def insights_key(request_id: str) -> str:
    """The prefix of one job's analysis files (stored on the job as ``insights_key``)."""
    return f"{ANALYSIS_PREFIX}{request_id}"


def chunk_key(prefix: str, first_row: int) -> str:
    return f"{prefix}/embeddings/{first_row:09d}.npy"


def embeddings_key(prefix: str) -> str:
    return f"{prefix}/embeddings.npy"


def themes_key(prefix: str) -> str:
    return f"{prefix}/themes.json"


def encode_vectors(vectors: np.ndarray) -> bytes:
    """``.npy`` bytes of float16 vectors (no pickle: safe to read back from any store)."""
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(vectors, dtype=np.float16), allow_pickle=False)
    return buffer.getvalue()


def decode_vectors(data: bytes) -> np.ndarray:
    return np.asarray(np.load(io.BytesIO(data), allow_pickle=False))


def save_chunk(store: ObjectStore, prefix: str, first_row: int, vectors: np.ndarray) -> None:
    store.put_bytes(chunk_key(prefix, first_row), encode_vectors(vectors))


@dataclass(frozen=True)
class Gathered:
    """Vectors of rows 0..``covered``-1 from the chunk files (zero after), and their starts."""

    vectors: np.ndarray
    covered: int
    starts: tuple[int, ...]


def gather_chunks(store: ObjectStore, prefix: str, rows_total: int, dimension: int) -> Gathered:
    """Every row's vector from the chunk files. Each file starts where the previous one ends;
    where two deliveries of one job raced with different chunk sizes the chain can break, and
    the rows from the break on are left zero for the caller to embed again."""
    vectors = np.zeros((rows_total, dimension), dtype=np.float16)
    row, starts = 0, []
    while row < rows_total:
        try:
            found = decode_vectors(store.get_bytes(chunk_key(prefix, row)))
        except NotFoundError:
            log.warning("embeddings of %s stop at row %d of %d", prefix, row, rows_total)
            break
        if found.ndim != 2 or found.shape[1] != dimension or len(found) == 0:
            break
        end = min(rows_total, row + len(found))
        vectors[row:end] = found[: end - row]
        starts.append(row)
        row = end
    return Gathered(vectors, row, tuple(starts))


def delete_chunks(store: ObjectStore, prefix: str, starts: tuple[int, ...]) -> None:
    for first_row in starts:
        store.delete(chunk_key(prefix, first_row))


def load_vectors(store: ObjectStore, prefix: str) -> np.ndarray:
    """The gathered vectors of a completed job; NotFoundError when it has none."""
    return decode_vectors(store.get_bytes(embeddings_key(prefix)))


def save_themes(store: ObjectStore, prefix: str, report: dict[str, Any]) -> None:
    body = json.dumps(report, ensure_ascii=False).encode("utf-8")
    store.put_bytes(themes_key(prefix), body, content_type="application/json")


def load_themes(store: ObjectStore, prefix: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(store.get_bytes(themes_key(prefix)).decode("utf-8"))
    return loaded
