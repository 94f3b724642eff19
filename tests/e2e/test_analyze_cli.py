"""`sentiment-pipeline analyze` as a user runs it: CSV, XLSX and TXT in, labelled CSV out."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.slow

ADDED = [
    "label", "score_negative", "score_neutral", "score_positive", "error", "model_version",
    "language", "aspects", "aspect_sentiments", "theme",
]  # fmt: skip


def _run(args: list[str], model: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PIPELINE_MODEL": str(model), "PIPELINE_DATA_DIR": str(tmp_path / "d")}
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def test_csv_keeps_every_column_and_adds_the_model_columns(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    source = tmp_path / "comments.csv"
    source.write_text(
        '\ufeffcourse,comment\nCS101,Great course\nCS102,\nCS103,"Too long, too dull"\n',
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    done = _run(
        ["analyze", str(source), "--text-column", "comment", "--output", str(out)],
        tiny_model_dir,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    frame = pd.read_csv(out, keep_default_na=False)
    assert list(frame.columns) == ["course", "comment", *ADDED]
    assert frame["course"].tolist() == ["CS101", "CS102", "CS103"]
    assert frame.loc[1, "label"] == "" and frame.loc[1, "error"].startswith("empty comment")
    assert set(frame.loc[[0, 2], "label"]) <= {"negative", "neutral", "positive"}
    scores = frame.loc[[0, 2], ADDED[1:4]].astype(float).sum(axis=1)
    assert scores.round(5).eq(1.0).all()
    assert "comment" in done.stderr  # the progress bar counts comments on stderr


def test_xlsx_and_txt_inputs(tiny_model_dir: Path, tmp_path: Path) -> None:
    workbook = tmp_path / "comments.xlsx"
    pd.DataFrame({"Kommentar": ["gut", "schlecht"], "term": ["S1", "S2"]}).to_excel(
        workbook, index=False
    )
    out = tmp_path / "x.csv"
    done = _run(
        ["analyze", str(workbook), "--text-column", "Kommentar", "--output", str(out)],
        tiny_model_dir,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert pd.read_csv(out)["term"].tolist() == ["S1", "S2"]

    text = tmp_path / "comments.txt"
    text.write_text("first comment\n\nsecond comment\n", encoding="utf-8")
    out = tmp_path / "t.csv"
    done = _run(["analyze", str(text), "--output", str(out)], tiny_model_dir, tmp_path)
    assert done.returncode == 0, done.stderr
    assert pd.read_csv(out)["text"].tolist() == ["first comment", "second comment"]


def test_bad_input_is_refused_with_a_message_naming_the_problem(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    source = tmp_path / "c.csv"
    source.write_text("course,comment\nCS101,ok\n", encoding="utf-8")
    done = _run(
        ["analyze", str(source), "--text-column", "feedback", "--output", str(tmp_path / "o.csv")],
        tiny_model_dir,
        tmp_path,
    )
    assert done.returncode == 2
    assert "'feedback'" in done.stderr and "course, comment" in done.stderr
    odd = tmp_path / "odd.csv"
    odd.write_bytes(b"comment\nTr\x81s bien\n")
    done = _run(
        ["analyze", str(odd), "--text-column", "comment", "--output", str(tmp_path / "o.csv")],
        tiny_model_dir,
        tmp_path,
    )
    assert done.returncode == 2 and "neither UTF-8 nor Windows-1252" in done.stderr


def test_explain_adds_the_words_that_drove_each_label(tiny_model_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "comments.csv"
    source.write_text(
        "course,comment\nCS101,Great course and a kind lecturer\nCS102,\n"
        "CS103,Dull slides and rushed exams\n",
        encoding="utf-8",
    )
    out = tmp_path / "explained.csv"
    args = ["analyze", str(source), "--text-column", "comment", "--output", str(out)]
    done = _run([*args, "--explain"], tiny_model_dir, tmp_path)
    assert done.returncode == 0, done.stderr
    frame = pd.read_csv(out, keep_default_na=False)
    assert list(frame.columns) == ["course", "comment", *ADDED, "explanation"]
    assert frame.loc[1, "explanation"] == ""  # a blank comment has no label, so no words
    for row in (0, 2):
        cells = frame.loc[row, "explanation"].split(";")
        assert 1 <= len(cells) <= 5
        for cell in cells:
            word, _, weight = cell.rpartition(":")
            assert word.lower() in frame.loc[row, "comment"].lower()
            assert weight[0] in "+-" and float(weight) != 0.0
