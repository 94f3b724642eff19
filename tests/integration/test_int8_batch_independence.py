"""An int8 predictor scores a comment the same whatever comments share its batch (shipped model).

With one activation scale per batch, "The exams were unfair and covered things we never saw."
was scored 0.64-0.92 negative across one job's batches (docs/performance.md); with one scale
per token row only the rounding of the fp32 parts (attention over a wider padding) is left.
"""

from __future__ import annotations

import numpy as np
import pytest
from cpu_features import int8_marks

from pipeline.model.encoding import WindowEncoder
from pipeline.model.predictor import Predictor

pytestmark = [pytest.mark.slow, *int8_marks()]

TEXTS = [
    "The course covers organic chemistry.",
    "The exams were unfair and covered things we never saw.",
    "It was a required course for my major.",
    "Great lecturer, but the labs were badly organised.",
    "Good",
]
OUTLIERS = [
    ("WORST. COURSE. EVER!!!!! " * 12) + "?!?! #### $$$$ " * 20,
    "The professor explained every proof twice and the homework matched the lectures. " * 30,
]
TOLERANCE = 0.05
"""What the rounding of the fp32 parts can still move a comment (a wider padding changes the
attention's sums in the last bit, and that can move a value across an int8 step): at most
0.025 over 300 validation comments (benchmarks/int8_rows.py), under 0.001 for these. A
batch-wide activation scale moved these comments by up to 0.23."""


@pytest.fixture(scope="module")
def predictor() -> Predictor:
    return Predictor.load("default", device="cpu", precision="int8")


def test_each_comment_scores_alike_alone_together_and_beside_an_outlier(
    predictor: Predictor,
) -> None:
    alone = np.concatenate([predictor.predict_proba([text]) for text in TEXTS])
    batches = [TEXTS, *([*TEXTS, outlier] for outlier in OUTLIERS), [*TEXTS, *OUTLIERS]]
    for batch in batches:
        scores = predictor.predict_proba(batch)[: len(TEXTS)]
        assert np.abs(scores - alone).max() < TOLERANCE
        assert scores.argmax(axis=1).tolist() == alone.argmax(axis=1).tolist()


def test_the_fast_int8_pass_alone_is_batch_independent(predictor: Predictor) -> None:
    """Without the fp32 re-scoring of unsure comments, which would hide a near-tie's drift."""
    engine = predictor.engine
    loaded = predictor.loaded
    encoder = WindowEncoder(loaded.tokenizer, loaded.max_length, loaded.max_length // 4)
    windows = encoder.encode([*TEXTS, OUTLIERS[0]])
    width = int(windows.lengths.max())
    rows = np.flatnonzero(windows.owners < len(TEXTS))
    outlier_rows = np.flatnonzero(windows.owners == len(TEXTS))
    ids, mask = windows.padded(rows, encoder.pad_id, width)
    alone = np.concatenate([engine.fast(ids[i : i + 1], mask[i : i + 1]) for i in range(len(rows))])
    both = np.concatenate([rows, outlier_rows])
    ids, mask = windows.padded(both, encoder.pad_id, width)
    beside = engine.fast(ids, mask)[: len(rows)]
    np.testing.assert_allclose(beside, alone, rtol=0, atol=1e-4)
