"""The worker's real analyst source: what PIPELINE_INSIGHTS switches, the embedder's precision
beside the predictor's, and labels that never wait on a broken aspect model."""

from __future__ import annotations

import pytest
from jobfakes import FakePredictor

from pipeline.errors import ModelLoadError
from pipeline.insights import loading
from pipeline.settings import Settings


class Predictor(FakePredictor):
    precision = "bf16"
    device = "cpu"


def refuse(*_args: object, **_kwargs: object) -> None:
    raise ModelLoadError("the aspect card is of another format")


def test_insights_off_loads_no_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loading, "shared_embedder", refuse)
    build = loading.insights_source(Settings(insights=False))
    analyst = build(Predictor())  # type: ignore[arg-type]
    assert not analyst.computes_insights


def test_a_broken_aspect_model_leaves_the_worker_labelling(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(loading, "shared_embedder", lambda *_args: object())
    monkeypatch.setattr("pipeline.model.aspects.AspectTagger.load", refuse)
    analyst = loading.insights_source(Settings())(Predictor())  # type: ignore[arg-type]
    assert not analyst.computes_insights
    assert "cannot be loaded" in caplog.text


@pytest.mark.parametrize(
    ("predictor", "embedder"), [("bf16", "bf16"), ("fp32", "fp32"), ("int8", None)]
)
def test_the_embedder_runs_in_the_predictors_precision(
    monkeypatch: pytest.MonkeyPatch, predictor: str, embedder: str | None
) -> None:
    monkeypatch.setattr(
        "pipeline.model.embeddings.fast_default", lambda _device, _capabilities, _times: "bf16"
    )
    monkeypatch.setattr("pipeline.model.embeddings.machine_capabilities", lambda _device: {})
    fake = Predictor()
    fake.precision = predictor
    assert loading.embedding_precision(fake) == (embedder or "bf16")  # type: ignore[arg-type]
