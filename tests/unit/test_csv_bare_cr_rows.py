"""A comment's bare carriage return (kept as written) never splits its row in a CSV the
product writes: the results (raw and escaped), the app's tables and the flagged comments."""

from __future__ import annotations

import csv
import io

import pandas as pd

from pipeline.csv_rows import DictRowWriter, RowWriter
from pipeline.release.flagged_table import to_csv
from pipeline.ui.exports import to_csv_bytes
from pipeline.ui.review import CORRECT_LABEL, REVIEWED, corrections_csv

TEXTS = ["line one\rline two", "plain, with a comma", "three\r\nlines\nhere"]


def test_a_row_holding_a_bare_cr_reads_back_as_one_row() -> None:
    buffer = io.StringIO()
    RowWriter(buffer).writerows([[text, 3] for text in TEXTS])
    written = buffer.getvalue()
    assert written.startswith('"line one\rline two","3"\n')
    assert [row[0] for row in csv.reader(io.StringIO(written, newline=""))] == TEXTS
    assert pd.read_csv(io.StringIO(written), header=None)[0].tolist() == TEXTS


def test_rows_without_one_keep_minimal_quoting() -> None:
    buffer = io.StringIO()
    RowWriter(buffer).writerow(["plain", 3, None])
    assert buffer.getvalue() == "plain,3,\n"


def test_the_apps_csv_keeps_a_bare_cr_in_its_cell() -> None:
    content = to_csv_bytes(pd.DataFrame({"comment": TEXTS, "n": [1, 2, 3]}))
    back = pd.read_csv(io.BytesIO(content), encoding="utf-8-sig")
    assert back["comment"].tolist() == TEXTS and back["n"].tolist() == [1, 2, 3]


def test_the_flagged_csv_keeps_a_bare_cr_in_its_cell() -> None:
    comment = {"row": 1, "text": TEXTS[0], "kinds": ["threat"], "found": []}
    back = list(csv.DictReader(io.StringIO(to_csv([comment], raw=True), newline="")))
    assert [row["text"] for row in back] == [TEXTS[0]]


def test_the_review_corrections_keep_a_bare_cr_in_their_text() -> None:
    """Training data: a split row would teach the model a wrong label."""
    reviewed = pd.DataFrame(
        {"comment": TEXTS[:2], REVIEWED: [True, True], CORRECT_LABEL: ["negative", "positive"]}
    )
    back = pd.read_csv(io.BytesIO(corrections_csv(reviewed, "comment")))
    assert back["text"].tolist() == TEXTS[:2]
    assert back["label"].tolist() == ["negative", "positive"]


def test_a_dict_row_holding_a_bare_cr_reads_back_as_one_row() -> None:
    buffer = io.StringIO()
    writer = DictRowWriter(buffer, ["group", "n"])
    writer.writeheader()
    for text in TEXTS:
        writer.writerow({"group": text, "n": 2})
    back = list(csv.DictReader(io.StringIO(buffer.getvalue(), newline="")))
    assert [row["group"] for row in back] == TEXTS
