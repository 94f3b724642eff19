"""A chunk's characters as one array of code points, with per-text sums over them: how the
screen's checks (placeholders, language evidence) count for every text of a chunk at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ChunkChars:
    """``points``: every text's code points back to back; text i is ``starts[i]:ends[i]``."""

    points: np.ndarray
    starts: np.ndarray
    ends: np.ndarray

    @classmethod
    def of(cls, texts: Sequence[str]) -> ChunkChars:
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        ends = np.cumsum(lengths)
        joined = "".join(texts).encode("utf-32-le", errors="surrogatepass")
        return cls(np.frombuffer(joined, dtype=np.uint32), ends - lengths, ends)

    def count(self, flags: np.ndarray) -> np.ndarray:
        """Per text, how many of its characters ``flags`` (a bool per point) marks."""
        running = np.concatenate(([0], np.cumsum(flags, dtype=np.int64)))
        return np.asarray(running[self.ends] - running[self.starts], dtype=np.int64)
