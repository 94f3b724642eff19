"""A results workbook holds at most 32,767 characters a cell (Excel's limit): a longer comment
is cut there by the product, which says which rows and that the CSV holds them whole, on the
command line as a line of its own; no raw pandas warning leaks."""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest
from apptests import job_page, page_text
from fastapi.testclient import TestClient
from httpfakes import serving_app
from jobfakes import FakePredictor, comments_csv, make_backend
from openpyxl import load_workbook

from pipeline.api.app import create_app
from pipeline.cli import model_commands
from pipeline.cli.main import main
from pipeline.client import PipelineClient
from pipeline.ui.exports import (
    XLSX_CELL_CHARS,
    CellsCut,
    cells_past_limit,
    cut_note,
    to_xlsx_bytes,
)
from pipeline.worker import Worker

LONG = "word " * 8000  # 40,000 characters


def cells(content: bytes, column: str = "B") -> list[Any]:
    return [cell.value for cell in load_workbook(io.BytesIO(content)).active[column]]


def test_a_cell_past_excels_limit_is_cut_and_named_with_no_pandas_warning() -> None:
    frame = pd.DataFrame({"course": ["A", "B", "C"], "comment": [LONG, "short", LONG]})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        content = to_xlsx_bytes(frame)
    assert [type(w.message) for w in caught] == [CellsCut]
    assert str(caught[0].message) == (
        "2 cells cut to 32,767 characters in the workbook (the most an Excel cell holds): "
        "'comment' in rows 2 and 4; the CSV holds them whole"
    )
    assert cells(content) == ["comment", LONG[:XLSX_CELL_CHARS], "short", LONG[:XLSX_CELL_CHARS]]
    assert frame["comment"][0] == LONG, "the caller's table is left whole"


def test_a_table_within_the_limit_says_nothing() -> None:
    frame = pd.DataFrame({"comment": ["x" * XLSX_CELL_CHARS]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cells(to_xlsx_bytes(frame), "A")[1] == "x" * XLSX_CELL_CHARS


def test_many_rows_are_named_ten_and_counted() -> None:
    cuts = [(row, "comment") for row in range(2, 27)] + [(7, "explanation")]
    assert cut_note(cuts) == (
        "26 cells cut to 32,767 characters in the workbook (the most an Excel cell holds): "
        "'comment' in rows 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 and 15 more; 'explanation' in row 7; "
        "the CSV holds them whole"
    )


def test_results_o_xlsx_says_the_rows_cut_on_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stored = f"course,comment,label\nA,{LONG},neutral\nB,short,positive\n".encode()
    done = SimpleNamespace(status="succeeded", rows_done=2, rows_total=2)
    monkeypatch.setattr(PipelineClient, "results_csv", lambda *_args, **_options: stored)
    monkeypatch.setattr(PipelineClient, "status", lambda *_args: done)
    monkeypatch.setenv("PIPELINE_API_URL", "http://api.test")
    assert main(["results", "AAAAAAAAAAAAAAAAAAAAAA", "-o", str(tmp_path / "r.xlsx")]) == 0
    err = capsys.readouterr().err
    assert "'comment' in row 2; the CSV holds it whole" in err
    assert "UserWarning" not in err and "exports.py" not in err
    assert len(cells((tmp_path / "r.xlsx").read_bytes())[1]) == XLSX_CELL_CHARS


def test_analyze_o_xlsx_says_the_rows_cut_on_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(model_commands, "_predictor", lambda _settings: FakePredictor())
    monkeypatch.setenv("PIPELINE_INSIGHTS", "0")  # the fake has no encoder to embed with
    source = comments_csv(tmp_path / "long.csv", [LONG, "short and good"])
    assert main(["analyze", str(source), "-o", str(tmp_path / "long.xlsx")]) == 0
    err = capsys.readouterr().err
    assert "'comment' in row 2; the CSV holds it whole" in err
    assert "UserWarning" not in err


def test_the_app_says_beside_its_excel_button_which_cells_the_workbook_cuts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app's Excel file is written when its button is clicked, so nothing could be said
    then: the page says it beside the button, from the rows it holds."""
    backend = make_backend(tmp_path, auth="none")
    content = f'course,comment\nA,"{LONG}"\nB,short\n'.encode()
    request_id = (
        TestClient(create_app(backend))
        .post("/v1/jobs", files={"file": ("long.csv", content)})
        .json()["request_id"]
    )
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    with serving_app(create_app(backend), log_level="warning") as url:
        text = page_text(job_page(url, request_id, monkeypatch))
    assert (
        "1 cell cut to 32,767 characters in the workbook (the most an Excel cell holds): " in text
    )
    assert "'comment' in row 2; the CSV holds it whole" in text


def test_cells_past_the_limit_are_known_without_cutting_them() -> None:
    frame = pd.DataFrame({"n": [1, 2], "comment": ["short", LONG], LONG: ["x", None]})
    before = frame.copy()
    assert cells_past_limit(frame) == [(1, LONG), (3, "comment")]
    pd.testing.assert_frame_equal(frame, before)
