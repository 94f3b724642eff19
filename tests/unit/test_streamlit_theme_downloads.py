"""The app's results downloads name each row's theme (AppTest against a canned HTTP API).

The Comments table shows a theme by name (``homework / week (negative)``), but the *Results
(CSV)* and *Results (Excel)* files held only the theme's id (``1``), which nothing in the file
or on the Downloads tab mapped to a name: a reader in a spreadsheet could not use the column.
The app's files now carry ``theme_name`` beside ``theme``; the API's own results keep their
format."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from apptests import downloads_handed, job_page, page_text
from httpfakes import serving
from test_streamlit_insights import InsightsApi

from pipeline.ui.explore import THEME, THEME_NAME, with_theme_names

CSV_NAME = "evaluations-insightj-results.csv"
XLSX_NAME = "evaluations-insightj-results.xlsx"


@pytest.fixture(scope="module")
def api() -> Iterator[str]:
    with serving(InsightsApi) as url:
        yield url


@pytest.fixture
def handed(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What the page hands its download buttons, by file name: bytes, or the callable a click
    runs."""
    return downloads_handed(monkeypatch)


def _bytes(made: Any) -> bytes:
    data = made() if callable(made) else made
    return data if isinstance(data, bytes) else str(data).encode()


def test_the_results_downloads_name_each_rows_theme(
    api: str, monkeypatch: pytest.MonkeyPatch, handed: dict[str, Any]
) -> None:
    at = job_page(api, "insightjob", monkeypatch)
    assert not at.error, page_text(at)
    assert CSV_NAME in handed and XLSX_NAME in handed, sorted(handed)

    csv = pd.read_csv(io.BytesIO(_bytes(handed[CSV_NAME])), dtype=str, keep_default_na=False)
    xlsx = pd.read_excel(io.BytesIO(_bytes(handed[XLSX_NAME])), dtype=str)
    for table in (csv, xlsx):
        columns = list(table.columns)
        assert columns[columns.index(THEME) + 1] == THEME_NAME, columns
        named = dict(zip(table[THEME], table[THEME_NAME], strict=True))
        assert named["1"] == "homework / week (negative)", named
        assert named["2"] == "lectures / clear (positive)", named
    assert f"`{THEME_NAME}` (its name and label" in page_text(at)


def test_a_row_in_no_theme_gets_a_blank_name_and_an_input_column_is_never_overwritten() -> None:
    frame = pd.DataFrame({"comment": ["a", "b"], THEME: ["0", ""], "course": ["X", "Y"]})
    named = with_theme_names(frame, {"0": "exams / unfair (negative)"})
    assert list(named.columns) == ["comment", THEME, THEME_NAME, "course"]
    assert list(named[THEME_NAME]) == ["exams / unfair (negative)", ""]
    assert THEME_NAME not in frame.columns, "the page's own table is left as it was"

    own = frame.assign(theme_name=["mine", "mine"])
    assert with_theme_names(own, {"0": "exams"}).equals(own)
    assert with_theme_names(frame, {}).equals(frame), "no themes: the results as they are"
