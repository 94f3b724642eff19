"""Spreadsheet-safe downloads: formula cells escaped in CSV and XLSX, numbers and text kept."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from pipeline.client import GroupCounts, Summary
from pipeline.errors import LimitExceededError
from pipeline.ui import exports
from pipeline.ui.exports import (
    escape_frame,
    results_frame,
    summary_frame,
    to_csv_bytes,
    to_xlsx_bytes,
)


def _results() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "course": ["CS1", "=EVIL()"],
            "comment": ['=HYPERLINK("http://x")', "fine\x01 text"],
            "label": ["positive", "negative"],
            "score_positive": [0.9, 0.1],
        }
    )


def test_escape_frame_escapes_text_cells_and_headers_but_not_scores() -> None:
    frame = _results().rename(columns={"course": "=course"})
    escaped = escape_frame(frame)
    assert list(escaped.columns) == ["'=course", "comment", "label", "score_positive"]
    assert escaped["comment"].tolist()[0] == '\'=HYPERLINK("http://x")'
    assert escaped["score_positive"].tolist() == [0.9, 0.1]
    assert frame["comment"].tolist()[0] == '=HYPERLINK("http://x")', "the input is not changed"


def test_csv_download_is_escaped_utf8_with_bom() -> None:
    data = to_csv_bytes(_results())
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert back["course"].tolist() == ["CS1", "'=EVIL()"]
    assert back["comment"].tolist()[0] == '\'=HYPERLINK("http://x")'


def test_xlsx_download_holds_no_formula_and_drops_illegal_control_characters() -> None:
    workbook = load_workbook(io.BytesIO(to_xlsx_bytes(_results())))
    sheet = workbook.active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == ["course", "comment", "label", "score_positive"]
    assert values[1] == ["CS1", '=HYPERLINK("http://x")', "positive", 0.9]
    assert values[2] == ["=EVIL()", "fine text", "negative", 0.1]
    # Held as text as written, marked as Excel marks a cell typed with a leading apostrophe:
    # it never runs, and reads, sorts and matches as the file's text.
    quoted = {cell.coordinate for cell in cells if cell.quotePrefix}
    assert quoted == {"B2", "A3"}
    assert all(sheet[name].data_type == "s" for name in quoted)


def test_a_legitimate_leading_sign_reads_as_written_in_a_workbook() -> None:
    """The workbook held "'-3 stars…" and a course "'-2 section": an apostrophe in the text,
    so the group no longer matched its name in the file or the report."""
    frame = pd.DataFrame(
        {"course": ["-2 section", "@home"], "comment": ["-3 stars, unfair", "+1 for the labs"]}
    )
    sheet = load_workbook(io.BytesIO(to_xlsx_bytes(frame))).active
    assert [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)] == [
        ["-2 section", "-3 stars, unfair"],
        ["@home", "+1 for the labs"],
    ]
    assert all(cell.quotePrefix and cell.data_type == "s" for row in sheet["A2:B3"] for cell in row)
    assert not sheet["A1"].quotePrefix, "a plain header is left as it is"


def test_a_control_character_dropped_for_xlsx_bares_no_formula() -> None:
    """XML cannot hold "\x01": the writer drops it, and what was behind it is escaped."""
    frame = pd.DataFrame(
        {
            "\x02=H()": ['\x01=HYPERLINK("http://evil","x")', "\x0b=1+1 good"],
            "course": ['\x02=HYPERLINK("http://evil/g")', "CS1"],
        }
    )
    sheet = load_workbook(io.BytesIO(to_xlsx_bytes(frame))).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["=H()", "course"],
        ['=HYPERLINK("http://evil","x")', '=HYPERLINK("http://evil/g")'],
        ["=1+1 good", "CS1"],
    ]
    assert {cell.coordinate for cell in cells if cell.quotePrefix} == {"A1", "A2", "B2", "A3"}


def test_xlsx_refuses_more_rows_than_a_sheet_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 1)
    with pytest.raises(LimitExceededError, match="download the CSV"):
        exports.to_xlsx_bytes(_results())


def test_results_frame_keeps_input_text_as_text_and_scores_as_numbers() -> None:
    csv = (
        b"id,comment,label,score_negative,score_positive,error\n"
        b"007,Great,positive,0.1,0.9,\n"
        b"008,,,,,empty comment: nothing to classify\n"
    )
    frame = results_frame(csv)
    assert frame["id"].tolist() == ["007", "008"]
    assert frame["score_positive"].tolist()[0] == 0.9
    assert pd.isna(frame["score_positive"].tolist()[1])
    assert frame["label"].tolist() == ["positive", ""]


def test_summary_frame_has_a_row_for_all_and_one_per_group() -> None:
    def group(name: str | None, neg: int, pos: int) -> GroupCounts:
        total = neg + pos
        return GroupCounts(
            name,
            total,
            0,
            {"negative": neg, "positive": pos},
            {"negative": neg / total, "positive": pos / total},
            {"negative": 0.2, "positive": 0.8},
        )

    summary = Summary(
        "r", "succeeded", ["negative", "positive"], 4, 4, group(None, 1, 3), "course",
        [group("CS1", 1, 1), group("CS2", 0, 2)],
    )  # fmt: skip
    table = summary_frame(summary)
    assert table["course"].tolist() == ["(all)", "CS1", "CS2"]
    assert table["count_negative"].tolist() == [1, 1, 0]
    assert table["share_positive"].tolist() == [0.75, 0.5, 1.0]
    assert list(table.columns) == [
        "course",
        "rows",
        "errors",
        "count_negative",
        "share_negative",
        "mean_score_negative",
        "count_positive",
        "share_positive",
        "mean_score_positive",
    ]


def test_results_workbook_writes_plain_number_columns_as_numbers_and_codes_as_text() -> None:
    csv = (
        "course,Q1 rating,count,id,code,big,sci,odd,thousands,formula,mixed,comment,"
        "label,score_positive\n"
        '001,2,-3,0123,1e5,12345678901234567,inf,nan,"1,000",=1+1,4,12345,positive,0.9\n'
        "002,5,+4.5,0007,1E5,1,1,1,2,=SUM(A1),x,fine,positive,0.8\n"
        "003,,0.25,12,3,2,2,2,3,-3,5,ok,negative,0.1\n"
    ).encode("utf-8-sig")
    sheet = load_workbook(io.BytesIO(exports.results_workbook(csv))).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = rows[0]
    cells = {name: [row[i] for row in rows[1:]] for i, name in enumerate(header)}
    assert cells["Q1 rating"] == [2, 5, None]  # numbers Excel can average; blank stays blank
    assert all(cell.data_type == "n" for cell in sheet["B"][1:3]), (
        "ratings are numeric cells, not text"
    )
    assert cells["count"] == [-3, 4.5, 0.25]
    assert cells["score_positive"] == [0.9, 0.8, 0.1]
    # A code, an id with leading zeros, 1e5, inf, nan, 1,000, a long id: text as written.
    assert cells["course"] == ["001", "002", "003"]
    assert cells["id"] == ["0123", "0007", "12"]
    assert cells["code"] == ["1e5", "1E5", "3"]
    assert cells["big"] == ["12345678901234567", "1", "2"]
    assert cells["sci"] == ["inf", "1", "2"]
    assert cells["odd"] == ["nan", "1", "2"]
    assert cells["thousands"] == ["1,000", "2", "3"]
    assert cells["mixed"] == ["4", "x", "5"]
    # A formula-looking column stays text, held as text; its plain -3 left as written.
    assert cells["formula"] == ["=1+1", "=SUM(A1)", "-3"]
    assert [cell.quotePrefix for cell in sheet["J"][1:]] == [True, True, False]
    assert all(cell.data_type == "s" for cell in sheet["J"][1:])
    assert cells["comment"] == ["12345", "fine", "ok"]
    assert cells["label"] == ["positive", "positive", "negative"]


def test_results_frame_for_the_page_keeps_numbers_of_the_input_as_text() -> None:
    frame = results_frame(b"rating,comment,score_positive\n2,Great,0.9\n")
    assert frame["rating"].tolist() == ["2"]  # the page groups and filters by the text


def test_decimals_that_make_a_code_keep_a_column_text() -> None:
    """Sections "1.10" and "1.1" were both the number 1.1 in the workbook: two groups the job
    counts apart made one. Ratings "4.0" and "3.5" are numbers shown as written."""
    csv = (
        "section,rating,gpa,version,sign,comment,label,score_positive\n"
        "1.10,4.0,3.5,1.10,4,a,positive,0.9\n"
        "1.1,3.5,3.75,2.50,+4,b,positive,0.8\n"
        "10.0,5.0,4,2,5,c,negative,0.1\n"
    ).encode("utf-8-sig")
    sheet = load_workbook(io.BytesIO(exports.results_workbook(csv))).active
    header = [cell.value for cell in sheet[1]]
    cells = {name: [row[i] for row in sheet.iter_rows(min_row=2)] for i, name in enumerate(header)}
    assert [cell.value for cell in cells["section"]] == ["1.10", "1.1", "10.0"]
    assert [cell.value for cell in cells["version"]] == ["1.10", "2.50", "2"]
    assert [cell.value for cell in cells["sign"]] == ["4", "+4", "5"], "4 and +4: one number"
    assert [cell.value for cell in cells["rating"]] == [4, 3.5, 5]
    assert {cell.number_format for cell in cells["rating"]} == {"0.0"}, "4.0 shown as 4.0"
    assert [cell.value for cell in cells["gpa"]] == [3.5, 3.75, 4]
    assert {cell.number_format for cell in cells["gpa"]} == {"General"}
