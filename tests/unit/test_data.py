"""Loaders of labelled CSVs, label names and the stratified split."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.errors import InputError, MissingColumnError
from pipeline.model.data import label_counts, load_labelled_csv, sample_rows, stratified_split
from pipeline.model.labels import LABELS, normalise_label


def _frame(counts: dict[str, int]) -> pd.DataFrame:
    rows = [(f"{label} comment {i}", label) for label, n in counts.items() for i in range(n)]
    return pd.DataFrame(rows, columns=["text", "label"])


def _write(path: Path, content: str, encoding: str = "utf-8") -> Path:
    path.write_text(content, encoding=encoding)
    return path


# --- stratified_split ---------------------------------------------------------------------


def test_stratified_split_keeps_the_share_of_every_class() -> None:
    frame = _frame({"positive": 50, "neutral": 30, "negative": 20})

    train, val = stratified_split(frame, val_fraction=0.2, seed=13)

    assert label_counts(val) == {"negative": 4, "neutral": 6, "positive": 10}
    assert label_counts(train) == {"negative": 16, "neutral": 24, "positive": 40}
    assert set(train["text"]).isdisjoint(val["text"])
    assert set(train["text"]) | set(val["text"]) == set(frame["text"])


def test_stratified_split_is_deterministic_for_a_seed() -> None:
    frame = _frame({"positive": 40, "neutral": 40, "negative": 40})

    first = stratified_split(frame, 0.25, seed=7)
    again = stratified_split(frame, 0.25, seed=7)
    other = stratified_split(frame, 0.25, seed=8)

    pd.testing.assert_frame_equal(first[0], again[0])
    pd.testing.assert_frame_equal(first[1], again[1])
    assert set(first[1]["text"]) != set(other[1]["text"])


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 1.5])
def test_stratified_split_refuses_a_fraction_outside_zero_one(fraction: float) -> None:
    with pytest.raises(ValueError, match="val_fraction"):
        stratified_split(_frame({"positive": 5}), fraction, seed=1)


# --- load_labelled_csv --------------------------------------------------------------------


def test_load_labelled_csv_maps_label_aliases(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "aliases.csv",
        "text,label\n"
        "great course,POS\n"
        "it was fine, Neutral \n"
        "awful,neg\n"
        "loved it,1\n"
        "meh,0\n"
        "hated it,-1\n"
        "ok,neu\n",
    )

    frame = load_labelled_csv(path)

    assert list(frame.columns) == ["text", "label"]
    assert frame["label"].tolist() == [
        "positive",
        "neutral",
        "negative",
        "positive",
        "neutral",
        "negative",
        "neutral",
    ]


def test_load_labelled_csv_reads_a_utf8_bom_header(tmp_path: Path) -> None:
    path = _write(tmp_path / "bom.csv", "text,label\nsehr gut,positive\n", encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")

    frame = load_labelled_csv(path)

    assert frame.to_dict("records") == [{"text": "sehr gut", "label": "positive"}]


def test_load_labelled_csv_drops_blank_rows_and_keeps_extra_columns_out(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "blanks.csv",
        "id,text,label,source\n1,  good  ,positive,a\n2,,negative,b\n3,   ,neutral,c\n4,bad,,d\n",
    )

    frame = load_labelled_csv(path)

    assert frame.to_dict("records") == [{"text": "good", "label": "positive"}]


def test_load_labelled_csv_numeric_labels_with_a_blank_cell(tmp_path: Path) -> None:
    # a blank label must not turn the -1/0/1 column into floats ("1.0") that match no alias
    path = _write(tmp_path / "numeric.csv", "text,label\nyes,1\nno,-1\nso so,0\nunlabelled,\n")

    frame = load_labelled_csv(path)

    assert frame["label"].tolist() == ["positive", "negative", "neutral"]


def test_load_labelled_csv_names_the_missing_column(tmp_path: Path) -> None:
    path = _write(tmp_path / "nolabel.csv", "comment,label\nnice,positive\n")

    with pytest.raises(MissingColumnError, match="text"):
        load_labelled_csv(path)


def test_load_labelled_csv_refuses_unknown_labels(tmp_path: Path) -> None:
    path = _write(tmp_path / "unknown.csv", "text,label\nnice,great\n")

    with pytest.raises(InputError, match="great"):
        load_labelled_csv(path)


def test_load_labelled_csv_reports_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_labelled_csv(tmp_path / "absent.csv")


# --- labels and helpers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("negative", "negative"),
        (" NEG ", "negative"),
        (-1, "negative"),
        ("-1", "negative"),
        ("Neutral", "neutral"),
        ("neu", "neutral"),
        ("positive", "positive"),
        ("Pos", "positive"),
        ("2", "positive"),  # only 0/1/2 has a 2
    ],
)
def test_normalise_label_accepts_names_short_names_and_numbers(raw: object, expected: str) -> None:
    assert normalise_label(raw) == expected


@pytest.mark.parametrize("raw", ["good", "", "5", None, "positive!"])
def test_normalise_label_refuses_anything_else(raw: object) -> None:
    with pytest.raises(InputError, match="unknown label"):
        normalise_label(raw)


@pytest.mark.parametrize("raw", [0, 1, "1.0"])
def test_a_lone_0_or_1_is_refused_for_what_it_means_depends_on_the_convention(
    raw: object,
) -> None:
    with pytest.raises(InputError, match="write the labels as names"):
        normalise_label(raw)


def test_sample_rows_caps_and_is_seeded() -> None:
    frame = _frame({"positive": 30})

    assert sample_rows(frame, None, seed=1) is frame
    assert sample_rows(frame, 50, seed=1) is frame
    capped = sample_rows(frame, 10, seed=1)
    assert len(capped) == 10
    pd.testing.assert_frame_equal(capped, sample_rows(frame, 10, seed=1))


def test_label_counts_lists_every_label() -> None:
    assert label_counts(_frame({"positive": 2})) == {
        label: 2 * (label == "positive") for label in LABELS
    }
