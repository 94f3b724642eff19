"""The shipped aspect model: it loads, is small, keeps its measured figures on the held-out
part with the real encoders, and tags clear comments the way a reader would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pipeline.model.aspects import AspectTagger, format_aspect_sentiments
from pipeline.model.aspects.artefact import default_aspect_dir, load_aspect_model
from pipeline.model.aspects.categories import categories_for

pytestmark = pytest.mark.slow

GOALS = {"micro_f1": 0.75, "macro_f1": 0.60, "polarity": 0.85}
"""Issue 13's goals on the held-out part. Measured with the shipped model (model card, fp32,
461 comments, 825 scored pairs): micro-F1 0.766, macro-F1 0.606, per-aspect polarity 0.842:
the polarity goal is not reached, and the test that asks for it is an expected failure that
turns red (strict) the day it is."""
POLARITY_FLOOR = 0.838
"""0.004 (3 of 825 pairs) under the measured 0.842: no lower than the model before clause
vectors were pooled from the comment's pass (0.838); a label flipping on another CPU moves
it by 0.0012."""


@pytest.fixture(scope="module")
def figures(shared_data_dir: Path) -> dict[str, Any]:
    from pipeline.model.aspects.evaluation import evaluate

    return evaluate(shared_data_dir)


def test_shipped_aspect_model_is_small_and_complete() -> None:
    directory = default_aspect_dir()
    assert sum(f.stat().st_size for f in directory.iterdir()) < 2 * 1024 * 1024
    model = load_aspect_model()
    assert model.categories == categories_for(model.card["granularity"])
    assert model.version.startswith(f"aspects-{model.card['granularity']}-")


def test_held_out_detection_reaches_the_goals(figures: dict[str, Any]) -> None:
    detection = figures["detection"]
    assert figures["comments"] == 461
    assert detection["micro_f1"] >= GOALS["micro_f1"]
    assert detection["macro_f1"] >= GOALS["macro_f1"]


def test_aspect_sentiment_beats_the_comments_own_label_and_each_head_alone(
    figures: dict[str, Any],
) -> None:
    polarity = {name: report["accuracy"] for name, report in figures["polarity"].items()}
    assert polarity["polarity_head"] >= POLARITY_FLOOR
    assert polarity["polarity_head"] >= polarity["comment_label"] + 0.06
    assert polarity["polarity_head"] > max(polarity["sentiment_head"], polarity["wording_head"])


@pytest.mark.xfail(strict=True, reason="issue 13's 0.85 per-aspect polarity is not reached yet")
def test_aspect_sentiment_reaches_the_goal(figures: dict[str, Any]) -> None:
    assert figures["polarity"]["polarity_head"]["accuracy"] >= GOALS["polarity"]


CASES = {
    "The lectures were great but the exams were unfair.": "teaching:positive;exams:negative",
    "The slides were clear and well organised.": "materials:positive",
    "She is always helpful and kind to students.": "lecturer:positive",
    "Please upload the lecture notes earlier.": "materials:neutral",
    "Attendance is mandatory and counts for 20% of the grade.": "course_policies:neutral",
    "The course content was outdated.": "course_content:negative",
    "Way too many assignments, the workload is crazy.": "workload:negative",
}
"""Comment → aspect:sentiment pairs it must contain (others may come with them)."""


def test_clear_comments_get_their_aspects_and_each_its_own_sentiment() -> None:
    from pipeline.model.aspects.clauses import clause_layout
    from pipeline.model.embeddings import embed, embed_with_spans
    from pipeline.model.predictor import Predictor

    predictor = Predictor.load("default", precision="fp32")
    tagger = AspectTagger.load(sentiment_labels=predictor.labels)
    texts = [*CASES, "", "N/A"]
    probs = predictor.predict_proba(texts)
    probs[-1] = float("nan")  # a placeholder the labelling pass screened out
    vectors, clause_vectors = embed_with_spans(texts, clause_layout(texts)[2])
    results = tagger.tag(
        texts,
        vectors,
        probs,
        embed=embed,
        score_sentiment=predictor.predict_proba,
        clause_embeddings=clause_vectors,
    )
    for (text, wanted), result in zip(CASES.items(), results, strict=False):
        got = set(format_aspect_sentiments(result).split(";"))
        assert set(wanted.split(";")) <= got, (text, got)
    assert results[-2].aspects == () and results[-1].aspects == ()
