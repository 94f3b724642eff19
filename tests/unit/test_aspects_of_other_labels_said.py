"""A job labelled by a model whose labels are not negative/neutral/positive has themes but no
aspects: asking for its aspects (API, CLI, report) says why, not "labelled without insights"."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from insightfakes import DIMENSION, fake_embed
from jobfakes import comments_csv, make_backend

from pipeline import service
from pipeline.errors import Conflict
from pipeline.insights.chunk import ChunkAnalyst
from pipeline.service import insights
from pipeline.worker import Worker


class _Binary:
    labels = ("negative", "positive")
    version = "binary-1"
    low_confidence = None

    def predict_proba(self, texts: Sequence[object]) -> np.ndarray:
        return np.array([[0.9, 0.1] if "bad" in str(t) else [0.1, 0.9] for t in texts])


def test_the_aspects_of_a_binary_models_job_say_why_there_are_none(
    tmp_path: Path,
) -> None:
    backend = make_backend(tmp_path)
    source = comments_csv(tmp_path / "in.csv", ["good lecture", "bad exam", "good notes"])
    request_id = service.submit(backend, source, "comment").request_id
    predictor = _Binary()

    def analyst(_predictor: object) -> ChunkAnalyst:
        return ChunkAnalyst(
            score_sentiment=predictor.predict_proba,
            embed=fake_embed,
            dimension=DIMENSION,
        )

    Worker(backend, lambda _ref: predictor, "w", insights=analyst).run(burst=True)  # type: ignore[arg-type]

    with pytest.raises(Conflict) as caught:
        insights.aspect_summary(backend, None, request_id)
    told = str(caught.value)
    assert "labels (negative, positive) are not negative, neutral and positive" in told
    assert "themes are there" in told and "PIPELINE_INSIGHTS" not in told
