"""An emoticon alone is read as the emoji it stands for, by both shipped models. Read as
punctuation, ":)", ":(", ":D" and "<3" were all neutral (pipeline/model/textprep.py)."""

from __future__ import annotations

import pytest

from pipeline.model.predictor import Predictor


@pytest.fixture(scope="module", params=["default", "fast"])
def predictor(request: pytest.FixtureRequest) -> Predictor:
    return Predictor.load(request.param, precision="fp32")


@pytest.mark.parametrize(
    ("text", "label"),
    [
        (":)", "positive"),
        (":-)", "positive"),
        (":D", "positive"),
        ("<3", "positive"),
        ("^_^", "positive"),
        (":(", "negative"),
        (":'(", "negative"),
        ("-_-", "negative"),
        ("T_T", "negative"),
    ],
)
def test_an_emoticon_alone_gets_the_sentiment_it_shows(
    predictor: Predictor, text: str, label: str
) -> None:
    (prediction,) = predictor.predict([text])
    assert prediction.label == label, prediction
