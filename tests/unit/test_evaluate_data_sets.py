"""``evaluate --data``: every file given is a row of its own (two ``validation.csv`` of two
folders were one, the first dropped without a word); the ``--output`` file and the data are
checked before the model loads and labels them; a ragged CSV or a bad label is refused naming
its file, never with a pandas traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jobfakes import FakePredictor

from pipeline.cli.main import main
from pipeline.errors import InputError
from pipeline.model import evaluate as evaluate_module
from pipeline.model.evaluate import data_set_names


@pytest.fixture
def model(monkeypatch: pytest.MonkeyPatch) -> list[FakePredictor]:
    """The fake model ``evaluate`` loads, kept to count its loads."""
    loaded: list[FakePredictor] = []

    def load(*_args: Any, **_options: Any) -> FakePredictor:
        loaded.append(FakePredictor())
        return loaded[-1]

    monkeypatch.setattr(evaluate_module.Predictor, "load", load)
    return loaded


def _csv(path: Path, rows: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("text,label\n" + rows, encoding="utf-8")
    return path


def test_two_files_of_one_name_are_two_rows_named_by_their_folders(
    tmp_path: Path, model: list[FakePredictor], capsys: pytest.CaptureFixture[str]
) -> None:
    first = _csv(tmp_path / "a" / "validation.csv", "good course,positive\nbad course,negative\n")
    second = _csv(tmp_path / "b" / "validation.csv", "good course,negative\n")
    output = tmp_path / "report.json"

    assert main(["evaluate", "--data", str(first), str(second), "--output", str(output)]) == 0

    table = capsys.readouterr().out
    assert "| a/validation | 2 | 1.0000 |" in table and "| b/validation | 1 | 0.0000 |" in table
    reports = json.loads(output.read_text(encoding="utf-8"))
    assert list(reports) == ["a/validation", "b/validation"]
    assert [reports[name]["n"] for name in reports] == [2, 1]


def test_names_take_only_the_folders_that_tell_files_apart(tmp_path: Path) -> None:
    names = data_set_names(
        [
            Path("professor_reviews/train.csv"),
            Path("sst_phrases/train.csv"),
            Path("tweeteval/validation.csv"),
            Path("x/a.csv"),
            Path("x/a.txt"),
        ]
    )
    assert names == ["professor_reviews/train", "sst_phrases/train", "validation", "a.csv", "a.txt"]
    with pytest.raises(InputError, match="given twice"):
        data_set_names([Path("a/v.csv"), Path("a/../a/v.csv")])


@pytest.mark.parametrize("output", ["nosuch/afile/r.json", "adir"])
def test_an_output_that_cannot_be_written_is_refused_before_the_model_loads(
    tmp_path: Path, output: str, model: list[FakePredictor], capsys: pytest.CaptureFixture[str]
) -> None:
    data = _csv(tmp_path / "v.csv", "good,positive\n")
    (tmp_path / "nosuch").mkdir()
    (tmp_path / "nosuch" / "afile").write_text("kept")
    (tmp_path / "adir").mkdir()

    assert main(["evaluate", "--data", str(data), "--output", str(tmp_path / output)]) == 2

    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err and output in err
    assert model == []


def test_a_ragged_csv_is_refused_naming_the_file_and_line(
    tmp_path: Path, model: list[FakePredictor], capsys: pytest.CaptureFixture[str]
) -> None:
    ragged = _csv(tmp_path / "ragged.csv", '"good course",positive\nbad,negative,extra\n')

    assert main(["evaluate", "--data", str(ragged)]) == 2

    err = capsys.readouterr().err
    assert f"{ragged} is not a readable CSV: Expected 2 fields in line 3, saw 3" in err
    assert "Traceback" not in err and model == []


def test_an_unknown_label_names_its_file(
    tmp_path: Path, model: list[FakePredictor], capsys: pytest.CaptureFixture[str]
) -> None:
    fine = _csv(tmp_path / "a" / "validation.csv", "good,positive\n")
    bad = _csv(tmp_path / "bad2.csv", "fine,good\n")

    assert main(["evaluate", "--data", str(fine), str(bad)]) == 2

    err = capsys.readouterr().err
    assert f"error: {bad}: " in err and "'good'" in err
    assert model == []
