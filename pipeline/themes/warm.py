"""Run the themes' code once, on made-up comments, before a worker's first job.

Why: a job's themes post-pass is the first code in a worker to import scikit-learn and SciPy
(≈ 450 modules, ≈ 0.7 CPU seconds on a 2-core Xeon) and to call k-means, whose first call
also sets up its thread pools. Done during the worker's warm-up, that time is no longer on
the first job's path (``Worker.warm_up``); the fork server only imports these modules, as it
runs no OpenMP code (``pipeline.adapters.worker_launch``).
"""

from __future__ import annotations

import numpy as np

from pipeline.themes.find import find_themes
from pipeline.themes.report import ThemeReport

WARM_UP_ROWS = 12
"""Enough comments of one label for k-means to split them into two themes."""
_WORDS = ("lecture", "homework", "exam", "tutor", "slides", "feedback")


def warm_up_themes(dimension: int) -> ThemeReport:
    """Themes of ``WARM_UP_ROWS`` made-up comments with random unit vectors of ``dimension``."""
    vectors = np.random.default_rng(0).standard_normal((WARM_UP_ROWS, dimension))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    texts = [
        f"the {_WORDS[i % len(_WORDS)]} and the {_WORDS[(i * 5 + 1) % len(_WORDS)]} were good"
        for i in range(WARM_UP_ROWS)
    ]
    return find_themes(texts, vectors.astype(np.float32), ["positive"] * WARM_UP_ROWS)
