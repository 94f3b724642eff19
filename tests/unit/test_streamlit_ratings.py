"""*Compare → A rating against the comments* in the app (AppTest), against the real API on
uvicorn over an Excel export labelled by the fake predictor: the rating columns are offered
(never the course or the comments), the course whose scale reads the other way round is
named, the contradicting comments are listed, and a file without ratings says so."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from apptests import job_page, page_text
from fastapi.testclient import TestClient
from httpfakes import serving_app
from insightfakes import fake_analyst
from jobfakes import FakePredictor, make_backend
from streamlit.testing.v1 import AppTest
from test_ratings_edges import INSTRUCTOR, SATISFIED, evaluation_workbook
from test_survey_questions import COURSE
from test_survey_questions import export as qualtrics_export

from pipeline.api.app import create_app
from pipeline.worker import Worker

APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"
TWO_QUESTIONS = (
    b"course,rating,helped,change\n"
    b"A,4,good labs,good pace\nA,1,bad exams,bad notes\nB,3,fine,\nB,2,bad room,bad hours\n"
)
"""Four students, three of whom answered both questions: the respondents are numbered 1-4,
which would read as a scale of ratings were they offered as one."""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    backend = make_backend(tmp_path_factory.mktemp("ratings-app"), auth="none")
    api = TestClient(create_app(backend))
    ids = {}
    for name, content in (
        ("rated", ("evaluations.xlsx", evaluation_workbook())),
        ("plain", ("plain.csv", b"course,comment\nA,good\nB,bad\nA,fine\n")),
        ("qualtrics", ("qualtrics.csv", qualtrics_export())),
        ("questions", ("questions.csv", TWO_QUESTIONS)),
    ):
        column = {"qualtrics": ["Q3"], "questions": ["helped", "change"]}.get(name, ["comment"])
        answer = api.post("/v1/jobs", files={"file": content}, data={"text_column": column})
        assert answer.status_code == 202, answer.text
        ids[name] = answer.json()["request_id"]
    Worker(backend, lambda _ref: FakePredictor(), "w", insights=fake_analyst).run(burst=True)
    with serving_app(create_app(backend), log_level="warning") as url:
        yield url, ids


def ratings_mode(url: str, request_id: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    at = job_page(url, request_id, monkeypatch)
    at.radio(key="c-mode").set_value("A rating against the comments").run()
    assert not at.exception, at.exception
    return at


def test_the_rating_columns_the_reversed_course_and_the_contradictions(
    served: tuple[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, ids = served
    at = ratings_mode(url, ids["rated"], monkeypatch)
    column = at.selectbox(key="r-column")
    assert column.options == [SATISFIED, INSTRUCTOR]
    column.set_value(INSTRUCTOR).run()
    assert at.selectbox(key="r-by").options == ["no column (all comments)", "course", SATISFIED], (
        "not the rating itself"
    )
    at.selectbox(key="r-by").set_value("course").run()
    assert not at.exception and not at.error, page_text(at)
    text = page_text(at)
    assert "**PHYS201**: its ratings fall as its comments get warmer" in text
    assert "CHEM110" not in "".join(w.value for w in at.warning)
    table = next(f.value for f in at.dataframe if "mean rating" in f.value)
    assert list(table["course"]) == ["CHEM110", "PHYS201"]
    assert list(table["reads reversed"]) == [False, True]
    shares = table[["% negative", "% neutral", "% positive"]]
    assert shares.sum(axis=1).tolist() == [100, 100], "whole percentages that add up"
    assert all(float(x).is_integer() for x in shares.to_numpy().ravel())
    assert all(round(m, 1) == m for m in table["mean rating"])
    found = next(f.value for f in at.dataframe if "comment #" in f.value)
    assert len(found) == 25 and set(found["course"]) == {"PHYS201"}
    drivers = next(f.value for f in at.dataframe if "beyond the noise" in f.value)
    assert list(drivers["aspect"]) == ["exams"] and bool(drivers["beyond the noise"].iloc[0])
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Comments that contradict their rating"] == "25"
    # given its real scale, the reversed warning moves to the other course
    at.text_input(key="r-scale").set_value("5-1").run()
    assert "**CHEM110**: its ratings fall" in page_text(at)
    at.text_input(key="r-scale").set_value("best").run()
    assert "scale 'best' is not worst-best" in page_text(at)


def test_a_file_without_ratings_says_so(
    served: tuple[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, ids = served
    at = ratings_mode(url, ids["plain"], monkeypatch)
    assert "No column of this file reads as ratings" in page_text(at)


def test_the_report_adds_the_rating_chosen_under_downloads(
    served: tuple[str, dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
    served_files: dict[str, Any],
) -> None:
    url, ids = served
    monkeypatch.setenv("PIPELINE_API_URL", url)
    monkeypatch.delenv("PIPELINE_API_KEY", raising=False)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["job"] = ids["rated"]
    at.session_state["view"] = "Downloads"
    at.run()
    assert not at.exception, at.exception
    choice = at.selectbox(key="d-rating")
    assert choice.options == ["none", SATISFIED, INSTRUCTOR]
    name = f"evaluations-{ids['rated'][:8]}-report-by-course.html"
    assert "Ratings and comments" not in served_files[name]().decode()
    choice.set_value(INSTRUCTOR).run()
    assert not at.exception, at.exception
    report = served_files[name]().decode()
    assert "Ratings and comments" in report and "reads reversed" in report


def test_a_survey_exports_rating_is_offered_with_its_question(
    served: tuple[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, ids = served
    at = ratings_mode(url, ids["qualtrics"], monkeypatch)
    assert at.selectbox(key="r-column").options == [f"Q2: {SATISFIED}"]
    assert at.selectbox(key="r-by").options == ["no column (all comments)", f"Q1: {COURSE}"]
    assert at.selectbox(key="r-by").value == "Q1"
    assert not at.exception and not at.error, page_text(at)
    assert f"Rating 'Q2' ({SATISFIED})" in page_text(at)


def test_a_job_of_several_questions_offers_no_respondent_and_counts_each_once(
    served: tuple[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, ids = served
    at = ratings_mode(url, ids["questions"], monkeypatch)
    assert at.selectbox(key="r-column").options == ["rating"]
    assert at.selectbox(key="r-by").options == ["no column (all comments)", "course", "question"]
    at.selectbox(key="r-by").set_value("course").run()
    assert not at.exception and not at.error, page_text(at)
    text = page_text(at)
    assert "7 rated comments by 4 respondents" in text
    assert "take each student once" in text
    assert {m.label: m.value for m in at.metric}["Mean rating"] == "2.5"
