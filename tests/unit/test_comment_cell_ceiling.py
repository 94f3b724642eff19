"""A comment far past any course comment refuses its file at submit, naming its row: one
quoted cell of 120 MB was accepted, stored whole and screened whole at every call of the
flagged list (minutes of a core each). A comment over the comment limit but under the ceiling
is still accepted and left unlabelled by the worker, as before."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from jobfakes import make_backend

from pipeline.api.app import create_app
from pipeline.errors import LimitExceededError
from pipeline.inputs import CELL_CEILING_CHARS, Limits, validate_input


def csv_file(tmp_path: Path, *comments: str) -> Path:
    path = tmp_path / "comments.csv"
    path.write_text("course,comment\n" + "".join(f'C1,"{text}"\n' for text in comments))
    return path


def test_a_comment_over_the_ceiling_refuses_the_file_naming_its_row(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "fine", "x" * (CELL_CEILING_CHARS + 1))
    with pytest.raises(LimitExceededError) as refused:
        validate_input(path, None)
    said = str(refused.value)
    assert said.startswith("the comment of data row 2 is 1,000,001 characters long, over the")
    assert "1,000,000 a comment may hold (one over 20,000, PIPELINE_MAX_COMMENT_CHARS" in said


def test_a_long_comment_under_the_ceiling_is_still_accepted(tmp_path: Path) -> None:
    summary = validate_input(csv_file(tmp_path, "x" * 30_000, "fine"), None)
    assert summary.rows == 2


def test_a_comment_limit_above_the_ceiling_raises_it() -> None:
    assert Limits(max_comment_chars=3_000_000).max_cell_chars == 3_000_000
    assert Limits(max_comment_chars=5).max_cell_chars == CELL_CEILING_CHARS


def test_the_api_answers_413_and_keeps_no_job(tmp_path: Path) -> None:
    backend = make_backend(tmp_path, auth="none")
    api = TestClient(create_app(backend))
    content = csv_file(tmp_path, "x" * (CELL_CEILING_CHARS + 5)).read_bytes()
    answer = api.post("/v1/jobs", files={"file": ("big.csv", content)})
    assert answer.status_code == 413, answer.text
    assert answer.json()["error"] == "limit_exceeded"
    assert "data row 1 is 1,000,005 characters long" in answer.json()["detail"]
    assert api.get("/v1/jobs").json()["jobs"] == []
