"""The authored training comments: their shape, their coverage, and that they stay independent
of the behavioural suite (training on near-copies of its cases would inflate its scores)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from pipeline.errors import InputError, MissingColumnError
from pipeline.model.behaviour import load_cases
from pipeline.model.data import AUTHORED_COMMENTS, load_authored_comments
from pipeline.model.labels import LABELS
from pipeline.model.textprep import prepare_text

SMALL_PHENOMENA = {
    "sarcasm_contrast_sincere": 10,
    "suggestion_neutral": 12,
    "intensifier_mixed": 20,
    "implicit_comparison": 25,
}
LARGE_PHENOMENA = {
    "sarcasm",
    "complaint_as_fact",
    "factual_neutral",
    "suggestion_negative",
    "litotes",
    "negation",
    "contrast",
    "emoji",
    "comparative",
    "negated_complaint",
    "nothing_to_improve",
}
MAX_JACCARD = 0.6
_WORD = re.compile(r"[^\W_]+")


def _tokens(text: str) -> list[str]:
    # Emoji spelled out first, as the model reads them: otherwise every emoji-only comment
    # would normalise to the empty string and "match" every other one.
    return _WORD.findall(prepare_text(text).lower())


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


@pytest.fixture(scope="module")
def authored() -> pd.DataFrame:
    return load_authored_comments()


def test_the_shipped_file_loads_with_valid_labels(authored: pd.DataFrame) -> None:
    raw = pd.read_csv(AUTHORED_COMMENTS, dtype=str, keep_default_na=False)

    assert list(raw.columns) == ["text", "label", "phenomenon"]
    assert set(raw["label"]) == set(LABELS)
    assert len(authored) == len(raw) >= 500
    assert (authored["text"].str.len() > 0).all()


def test_every_phenomenon_has_enough_rows(authored: pd.DataFrame) -> None:
    counts = Counter(authored["phenomenon"])

    assert set(counts) == LARGE_PHENOMENA | set(SMALL_PHENOMENA)
    assert {p: counts[p] for p in LARGE_PHENOMENA if counts[p] < 30} == {}
    assert {p: counts[p] for p, least in SMALL_PHENOMENA.items() if counts[p] < least} == {}


def test_labels_are_roughly_balanced(authored: pd.DataFrame) -> None:
    shares = authored["label"].value_counts(normalize=True)

    assert {label: float(shares[label]) for label in LABELS if shares[label] < 0.2} == {}


def test_phenomena_that_go_both_ways_have_both_directions(authored: pd.DataFrame) -> None:
    for phenomenon in (
        "litotes",
        "negation",
        "contrast",
        "emoji",
        "comparative",
        "implicit_comparison",
    ):
        labels = set(authored.loc[authored["phenomenon"] == phenomenon, "label"])
        assert {"negative", "positive"} <= labels, phenomenon


def test_no_two_comments_are_the_same_text(authored: pd.DataFrame) -> None:
    normalised = Counter("".join(_tokens(text)) for text in authored["text"])

    assert [text for text, n in normalised.items() if n > 1] == []


def test_no_comment_copies_or_nearly_copies_a_behaviour_case(authored: pd.DataFrame) -> None:
    case_tokens = [_tokens(text) for text in load_cases()["text"]]
    case_sets = [frozenset(tokens) for tokens in case_tokens]
    case_texts = {"".join(tokens) for tokens in case_tokens}
    clashes = []
    for text in authored["text"]:
        tokens = _tokens(text)
        closest = max(_jaccard(frozenset(tokens), case) for case in case_sets)
        if closest >= MAX_JACCARD or "".join(tokens) in case_texts:
            clashes.append(f"{closest:.2f} {text}")

    # Only the authored side is shown: the suite's cases stay unread by whoever writes data.
    assert not clashes, "too close to a behaviour case:\n" + "\n".join(clashes)


def test_the_overlap_measure_sees_through_case_punctuation_and_emoji() -> None:
    assert "".join(_tokens("Great PROF!! 👍")) == "".join(_tokens("great prof 👍"))
    assert _jaccard(frozenset(_tokens("😡")), frozenset(_tokens("👍"))) == 0.0
    assert (
        _jaccard(frozenset(_tokens("the lab was fun")), frozenset(_tokens("lab was fun"))) == 0.75
    )


def test_loader_names_a_missing_phenomenon_column(tmp_path: Path) -> None:
    path = tmp_path / "authored.csv"
    path.write_text("text,label\nGreat TA,positive\n", encoding="utf-8")

    with pytest.raises(MissingColumnError, match="phenomenon"):
        load_authored_comments(path)


def test_loader_refuses_an_unknown_label(tmp_path: Path) -> None:
    path = tmp_path / "authored.csv"
    path.write_text("text,label,phenomenon\nGreat TA,great,emoji\n", encoding="utf-8")

    with pytest.raises(InputError, match="unknown label 'great'"):
        load_authored_comments(path)


def test_loader_keeps_placeholder_like_text_and_drops_blank_rows(tmp_path: Path) -> None:
    path = tmp_path / "authored.csv"
    path.write_text(
        "text,label,phenomenon\nNone,neutral,factual_neutral\n  ,negative,sarcasm\n"
        " 👍 ,pos,emoji\n",
        encoding="utf-8",
    )

    frame = load_authored_comments(path)

    assert frame.to_dict("records") == [
        {"text": "None", "label": "neutral", "phenomenon": "factual_neutral"},
        {"text": "👍", "label": "positive", "phenomenon": "emoji"},
    ]
