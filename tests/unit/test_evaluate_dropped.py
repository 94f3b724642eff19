"""``evaluate`` on a file with blank cells: a row with no text or no label is left out, and
the report says how many, in the printed table and in the ``--output`` JSON (it said ``n 3``
for a file of 5 rows, without a word of the 2 it dropped)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jobfakes import FakePredictor

from pipeline.cli.main import main
from pipeline.model import evaluate as evaluate_module


@pytest.fixture(autouse=True)
def model(monkeypatch: pytest.MonkeyPatch) -> None:
    def load(*_args: Any, **_options: Any) -> FakePredictor:
        return FakePredictor()

    monkeypatch.setattr(evaluate_module.Predictor, "load", load)


def _csv(path: Path, rows: str) -> Path:
    path.write_text("text,label\n" + rows, encoding="utf-8")
    return path


def test_rows_with_no_text_or_no_label_are_counted_and_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _csv(
        tmp_path / "eval1.csv",
        "good course,positive\n,negative\nbad course,negative\n   ,neutral\nso so,\nfine,neutral\n",
    )
    output = tmp_path / "report.json"

    assert main(["evaluate", "--data", str(data), "--output", str(output)]) == 0

    printed = capsys.readouterr().out
    assert "| eval1 | 3 |" in printed
    assert "eval1: left out 2 rows with no text and 1 row with no label (not in n)" in printed
    report = json.loads(output.read_text(encoding="utf-8"))["eval1"]
    assert report["n"] == 3
    assert report["left_out"] == {"no_text": 2, "no_label": 1}


def test_a_whole_file_says_nothing_of_rows_left_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = _csv(tmp_path / "whole.csv", "good course,positive\nbad course,negative\n")
    second = _csv(tmp_path / "gaps.csv", "good course,positive\nno label here,\n")
    output = tmp_path / "report.json"

    assert main(["evaluate", "--data", str(first), str(second), "--output", str(output)]) == 0

    printed = capsys.readouterr().out
    assert "whole: left out" not in printed
    assert "gaps: left out 1 row with no label (not in n)" in printed
    reports = json.loads(output.read_text(encoding="utf-8"))
    assert "left_out" not in reports["whole"]


def test_the_module_entry_point_says_it_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _csv(tmp_path / "eval1.csv", "good course,positive\n,negative\n")
    assert evaluate_module.main(["--data", str(data)]) == 0
    assert "eval1: left out 1 row with no text (not in n)" in capsys.readouterr().out
