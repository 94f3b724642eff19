"""Explanations on the shipped model: faithful (well above a random ranking of the words) and
naming the obvious words. Fails if the attributions degrade to noise — a wrong sign, a wrong
baseline, tokens merged into the wrong words — which no unit test on a random model can see.

The comments are 40 polar cases of the behaviour suite (pipeline/model/behaviour_cases.csv),
which the explainer's calibration never saw (it uses the student-feedback validation split).
benchmarks/explanations.py measures the same on 300 unseen comments.
"""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.model.behaviour import load_cases
from pipeline.model.explain import Explainer
from pipeline.model.faithfulness import faithfulness, random_attributions
from pipeline.model.predictor import Predictor

pytestmark = pytest.mark.slow

COMMENTS = 40
MARGIN = 0.15
"""How far above the random ranking comprehensiveness must be (and sufficiency below it).
Measured on these 40 comments: see the docstring of the test for the figures."""


@pytest.fixture(scope="module")
def predictor() -> Predictor:
    return Predictor.load("default", device="cpu", precision="fp32")


@pytest.fixture(scope="module")
def comments() -> list[str]:
    cases = load_cases()
    polar = cases[cases["expected"].isin(["negative", "positive"])]
    return polar.sample(n=COMMENTS, random_state=13)["text"].tolist()


def test_attributions_are_far_more_faithful_than_a_random_ranking(
    predictor: Predictor, comments: list[str]
) -> None:
    explainer = Explainer.from_predictor(predictor)
    targets = np.asarray(predictor.predict_proba(comments).argmax(axis=1), dtype=np.int64)
    encoded = explainer.encode(comments)
    scorer = predictor.engine.exact
    method = faithfulness(
        explainer, comments, targets, explainer.attribute(encoded, targets), scorer
    )
    random = faithfulness(
        explainer,
        comments,
        targets,
        random_attributions([len(w) for w in encoded.words], seed=13),
        scorer,
    )
    assert method.comprehensiveness >= random.comprehensiveness + MARGIN, (method, random)
    assert method.sufficiency <= random.sufficiency - MARGIN, (method, random)


@pytest.mark.parametrize(
    ("text", "label", "word"),
    [
        ("The lectures were great", "positive", "great"),
        ("the exams were unfair", "negative", "unfair"),
        ("Honestly the most boring class I have ever taken.", "negative", "boring"),
        ("Dr. Lee is very helpful and patient.", "positive", "helpful"),
    ],
)
def test_the_obvious_word_wins(predictor: Predictor, text: str, label: str, word: str) -> None:
    (row,) = Explainer.from_predictor(predictor).explain_words([text], [label])
    top_word, top_score = row.top(1)[0]
    assert (top_word, top_score > 0) == (word, True), row.words


def test_a_mixed_comment_names_both_sides(predictor: Predictor) -> None:
    text = "The lectures were great but the exams were unfair"
    (row,) = Explainer.from_predictor(predictor).explain_words([text], ["negative"])
    scores = {w.word: w.score for w in row.words}
    assert scores["unfair"] > 0 > scores["great"]
    assert row.cell().count(";") == 4


def test_bf16_explains_like_fp32(predictor: Predictor, comments: list[str]) -> None:
    labels = [p.label for p in predictor.predict(comments)]
    exact = Explainer.from_predictor(predictor).explain(comments, labels, top_k=1)
    fast_predictor = Predictor(predictor.loaded, device="cpu", precision="bf16")
    fast = Explainer.from_predictor(fast_predictor).explain(comments, labels, top_k=1)
    same = sum(a[0][0] == b[0][0] for a, b in zip(exact, fast, strict=True) if a and b)
    assert same >= 0.9 * len(comments)
