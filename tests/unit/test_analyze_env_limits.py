"""``analyze`` meets PIPELINE_MAX_ROWS, PIPELINE_MAX_COMMENT_CHARS and PIPELINE_MAX_UPLOAD_BYTES
as a file submitted to ``up`` does: it once labelled every row whatever they said."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from jobfakes import FakePredictor, comments_csv

from pipeline.cli import model_commands
from pipeline.cli.main import main

COMMENTS = [f"good comment number {n} about the lectures" for n in range(6)]


@pytest.fixture
def analyze(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Runs ``sentiment-pipeline analyze`` on six comments with the fake model, the
    environment given; returns (exit status, output path)."""
    monkeypatch.setattr(model_commands, "_predictor", lambda _settings: FakePredictor())
    for name in ("PIPELINE_MAX_ROWS", "PIPELINE_MAX_COMMENT_CHARS", "PIPELINE_MAX_UPLOAD_BYTES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PIPELINE_INSIGHTS", "0")  # the fake has no encoder to embed with
    source = comments_csv(tmp_path / "in.csv", COMMENTS)
    output = tmp_path / "out.csv"

    def run(**environ: str) -> tuple[int, Path]:
        for name, value in environ.items():
            monkeypatch.setenv(name, value)
        return main(["analyze", str(source), "--text-column", "comment", "-o", str(output)]), output

    return run


def test_a_file_over_the_row_limit_is_refused(
    analyze: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    status, output = analyze(PIPELINE_MAX_ROWS="5")
    assert status == 2 and not output.exists()
    assert "the file has more than 5 rows" in capsys.readouterr().err


def test_a_file_over_the_byte_limit_is_refused(
    analyze: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    status, output = analyze(PIPELINE_MAX_UPLOAD_BYTES="100")
    assert status == 2 and not output.exists()
    assert "over the limit of 100 bytes" in capsys.readouterr().err


def test_a_comment_over_the_character_limit_is_kept_unlabelled(analyze: Any) -> None:
    status, output = analyze(PIPELINE_MAX_COMMENT_CHARS="20")
    assert status == 0
    with output.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["label"] for row in rows] == [""] * len(COMMENTS)
    assert all("over the limit of 20 (PIPELINE_MAX_COMMENT_CHARS)" in row["error"] for row in rows)


def test_within_the_limits_every_comment_is_labelled(analyze: Any) -> None:
    status, output = analyze(PIPELINE_MAX_ROWS="6", PIPELINE_MAX_COMMENT_CHARS="100")
    assert status == 0
    with output.open(encoding="utf-8-sig", newline="") as handle:
        assert [row["label"] for row in csv.DictReader(handle)] == ["positive"] * len(COMMENTS)
