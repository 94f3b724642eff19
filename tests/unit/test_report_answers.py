"""A report of a job of several open questions counts what its rows are: answers, from so
many respondents ("102 rows" read as 102 responses where 60 students wrote them); a job of one
comment column still counts rows."""

from __future__ import annotations

import re
from html import unescape

from fastapi.testclient import TestClient
from jobfakes import FakePredictor

from pipeline.bootstrap import Backend
from pipeline.worker import Worker

ROWS = [
    "course,What helped?,What should change?",
    *(f"C{n % 2},good labs {n},bad pace {n}" for n in range(4)),  # 4 students, 8 answers
    "C1,good exams,",  # 1 student, 1 answer
    "C0,,",  # answered nothing: no row, no respondent
]


def finished(backend: Backend, client: TestClient, text_column: list[str]) -> str:
    answer = client.post(
        "/v1/jobs",
        files={"file": ("survey.csv", "\n".join(ROWS).encode())},
        data={"text_column": text_column},
    )
    assert answer.status_code == 202, answer.text
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    return str(answer.json()["request_id"])


def file_fact(client: TestClient, request_id: str, **params: str) -> str:
    answer = client.get(f"/v1/jobs/{request_id}/report", params={"format": "html", **params})
    assert answer.status_code == 200, answer.text
    text = unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", answer.text)))
    found = re.search(r"File (survey\.csv[^A-Z]*?)(?= Labelled)", text)
    assert found is not None, text
    return found.group(1).strip()


def test_a_job_of_several_questions_counts_answers_from_respondents(
    backend: Backend, client: TestClient
) -> None:
    request_id = finished(backend, client, ["What helped?", "What should change?"])
    assert file_fact(client, request_id, group_by="course") == (
        "survey.csv, 9 answers from 5 respondents"
    )
    assert file_fact(client, request_id, group_by="course", group="C1") == (
        "survey.csv: 5 of its 9 answers are this course's"
    )


def test_a_job_of_one_comment_column_counts_rows(backend: Backend, client: TestClient) -> None:
    request_id = finished(backend, client, ["What helped?"])
    assert (
        file_fact(client, request_id, group_by="course") == "survey.csv, 6 rows"
    )  # a blank cell is a row
