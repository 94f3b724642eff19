"""An emoticon alone is read as the emoji it stands for, by both shipped models. Read as
punctuation, ":)", ":(", ":D" and "<3" were all neutral (pipeline/model/textprep.py). So are
Cyrillic look-alikes of Latin letters read as those letters, and fullwidth ones as ASCII."""

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


@pytest.mark.parametrize(
    ("spoofed", "plain"),
    [
        ("Grеat cоurse, I lеarned a lot", "Great course, I learned a lot"),
        ("Тhе lесturеs wеrе tеrriblе", "The lectures were terrible"),
        ("Ｔｈｅ ｌｅｃｔｕｒｅｓ ｗｅｒｅ ｔｅｒｒｉｂｌｅ", "The lectures were terrible"),
    ],
)
def test_cyrillic_look_alikes_score_as_the_latin_spelling(
    predictor: Predictor, spoofed: str, plain: str
) -> None:
    """Cyrillic е, о, с, Т in an English comment (pipeline/model/lookalikes.py): read as
    written the default model gave the first positive 0.52 instead of 0.96."""
    read, written = predictor.predict([spoofed, plain])
    assert read.label == written.label
    assert read.scores == pytest.approx(written.scores)
