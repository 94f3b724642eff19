"""The group-by names of a submit: blanks and repeats dropped in order, and more distinct names
than a file can have columns refused at once, before any of them is looked for in the file (a
form field of 60,000 names once cost 46 s of CPU, deduplicated pairwise)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pipeline import service
from pipeline.bootstrap import Backend
from pipeline.errors import InputError
from pipeline.input_header import MAX_COLUMNS

CSV = b"course,teacher,comment\nA,T1,good\nB,T2,bad\n"
TOO_MANY = "group_by asks for 60,000 columns, more than a file can have (16,384)"


def names(count: int) -> str:
    return ",".join(f"column {i}" for i in range(count))


def test_more_group_by_names_than_a_file_has_columns_are_refused(
    backend: Backend, tmp_path: Path
) -> None:
    source = tmp_path / "c.csv"
    source.write_bytes(CSV)
    with pytest.raises(InputError, match=r"group_by asks for 60,000 columns"):
        service.submit(backend, source, "comment", [f"column {i}" for i in range(60_000)])
    assert backend.queue.depth().total == 0


def test_the_api_answers_400_naming_the_limit(client: TestClient) -> None:
    answer = client.post(
        "/v1/jobs",
        files={"file": ("c.csv", CSV)},
        data={"text_column": "comment", "group_by": names(60_000)},
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "input"
    assert answer.json()["detail"].startswith(TOO_MANY)


def test_repeated_names_count_once_and_keep_their_order(backend: Backend, tmp_path: Path) -> None:
    source = tmp_path / "c.csv"
    source.write_bytes(CSV)
    repeated = ["teacher", " course ", "", "teacher", *["course"] * (MAX_COLUMNS + 1)]
    request_id = service.submit(backend, source, "comment", repeated).request_id
    assert backend.repository.jobs.get(request_id).group_by == ("teacher", "course")
