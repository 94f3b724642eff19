"""Numeric label columns are read by the convention the whole column's numbers show: 0/1 as
SST-2 writes it (negative/positive), 0/1/2 as SST-3 and TweetEval do, -1/0/1; numbers that
cannot say what they mean are refused, naming the file and the choice."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.model.data import load_labelled_csv
from pipeline.model.labels import label_order, normalise_labels


def _csv(path: Path, labels: list[str]) -> Path:
    rows = "".join(f"comment {i},{label}\n" for i, label in enumerate(labels))
    path.write_text("text,label\n" + rows, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (["0", "1", "1", "0"], ["negative", "positive", "positive", "negative"]),
        (["0.0", "1.0"], ["negative", "positive"]),
        (["0", "1", "2"], ["negative", "neutral", "positive"]),
        (["2", "1"], ["positive", "neutral"]),
        (["-1", "0", "1"], ["negative", "neutral", "positive"]),
        (["1", "-1"], ["positive", "negative"]),
        (["positive", "-1", "0"], ["positive", "negative", "neutral"]),
    ],
)
def test_a_numeric_column_is_read_by_its_convention(
    tmp_path: Path, labels: list[str], expected: list[str]
) -> None:
    frame = load_labelled_csv(_csv(tmp_path / "numeric.csv", labels))
    assert frame["label"].tolist() == expected


def test_a_binary_0_1_file_keeps_its_negatives(tmp_path: Path) -> None:
    """The shared SST-2 convention (0 = negative): no negative is read as neutral."""
    frame = load_labelled_csv(_csv(tmp_path / "binary01.csv", ["0"] * 62 + ["1"] * 153))
    assert frame["label"].value_counts().to_dict() == {"positive": 153, "negative": 62}


@pytest.mark.parametrize(
    ("labels", "says"),
    [
        (["1", "1"], "only number is 1"),
        (["0", "positive"], "only number is 0"),
        (["-1", "2"], "both -1 and 2"),
        (["1", "3", "5"], "unknown label '3'"),
    ],
)
def test_numbers_that_cannot_say_what_they_mean_are_refused(
    tmp_path: Path, labels: list[str], says: str
) -> None:
    path = _csv(tmp_path / "unclear.csv", labels)
    with pytest.raises(InputError, match=says) as caught:
        load_labelled_csv(path)
    assert str(path) in str(caught.value)


def test_the_refusal_names_the_accepted_spellings() -> None:
    with pytest.raises(InputError, match=r"0/1 \(negative/positive\)"):
        normalise_labels(["great"])


@pytest.mark.parametrize(
    ("labels", "order"),
    [
        (("negative", "neutral", "positive"), (0, 1, 2)),
        (("positive", "negative", "neutral"), (1, 2, 0)),
        (("NEG", "Neu", "POSITIVE"), (0, 1, 2)),
        (("negative", "positive"), None),
        (("negative", "neutral", "positive", "mixed"), None),
        (("LABEL_0", "LABEL_1", "LABEL_2"), None),
    ],
)
def test_label_order_finds_the_three_classes_by_name(
    labels: tuple[str, ...], order: tuple[int, ...] | None
) -> None:
    assert label_order(labels) == order
