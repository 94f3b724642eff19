"""A job none of whose comments got a label (all in a language the model does not read, all
placeholders) says so at the top of its page, with the reasons, instead of empty shares, flat
charts, comparisons and an aspect note that blames the settings: its tabs are its comments,
their screening and its results files. A group none of whose comments got a label is not
compared as if its blank shares were a finding (AppTest against the real API)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from apptests import job_page, page_text
from fastapi.testclient import TestClient
from httpfakes import serving_app
from insightfakes import fake_analyst
from jobfakes import FakePredictor, make_backend
from streamlit.testing.v1 import AppTest

from pipeline.api.app import create_app
from pipeline.ui.explore import nothing_labelled
from pipeline.worker import Worker

FRENCH = (
    "course,comment\n"
    "CHIM101,Le cours était vraiment excellent et très bien organisé\n"
    "CHIM101,Les examens étaient beaucoup trop difficiles pour nous\n"
    "CHIM102,N/A\n"
).encode()
# The tester's file: placeholders and blanks in two courses, submitted grouped by course.
PLACEHOLDERS = b"course,comment\n" + b"CHEM110,N/A\n" * 5 + b"BIO9,\n" * 3
# A labelled course and one of blank comments only.
ONE_BLANK_COURSE = (
    b"course,comment\n" + b"CHEM110,good labs\nCHEM110,bad exams\n" * 3 + b"BIO9,\n" * 3
)


def test_the_reasons_are_counted_most_common_first_and_a_label_means_no_note() -> None:
    note = nothing_labelled(["no comment", "language fr is x", "language fr is x"])
    assert note is not None
    assert note.startswith("None of the 3 comments got a label")
    assert "2 × language fr is x; 1 × no comment." in note
    assert nothing_labelled(["no comment", None]) is None
    assert nothing_labelled(["no comment", float("nan")]) is None, "pandas' missing value"
    assert nothing_labelled([]) is None
    many = nothing_labelled(["a", "b", "c", "d", "d", "e"])
    assert many is not None and "2 × d; 1 × a; 1 × b; 2 for other reasons" in many


@contextmanager
def _job_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, data: bytes, group_by: str = ""
) -> Iterator[AppTest]:
    """The app on the page of ``data`` labelled by the fake predictor, its API serving."""
    backend = make_backend(tmp_path, auth="none")
    api = TestClient(create_app(backend))
    answer = api.post("/v1/jobs", files={"file": (name, data)}, data={"group_by": group_by})
    assert answer.status_code == 202, answer.text
    Worker(backend, lambda _ref: FakePredictor(), "w", insights=fake_analyst).run(burst=True)
    with serving_app(create_app(backend), log_level="warning") as url:
        at = job_page(url, answer.json()["request_id"], monkeypatch)
        assert not at.error, page_text(at)
        yield at


def test_the_page_of_a_job_with_no_label_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _job_page(tmp_path, monkeypatch, "chimie.csv", FRENCH) as at:
        (warning,) = [w.value for w in at.warning if "got a label" in w.value]
        assert warning.startswith("None of the 3 comments got a label")
        assert "2 × language fr is not supported" in warning and "1 × no comment" in warning
        assert "PIPELINE_INSIGHTS" not in page_text(at)


def test_a_job_with_no_label_draws_no_share_chart_or_comparison(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _job_page(tmp_path, monkeypatch, "zero.csv", PLACEHOLDERS, group_by="course") as at:
        text = page_text(at)

    assert text.count("None of the 8 comments got a label") == 1
    assert [tab.label for tab in at.tabs] == ["Comments", "Review", "Downloads"]
    assert not at.metric, [(m.label, m.value) for m in at.metric]
    assert not at.get("vega_lite_chart")
    for empty in ("n=0", "tests of this comparison", "beyond the noise", "Most negative"):
        assert empty not in text, empty
    (comments,) = [frame.value for frame in at.tabs[0].dataframe]
    assert len(comments) == 8
    assert sorted(set(comments["error"])) == ["empty comment: nothing to classify", "no comment"]
    downloads = [getattr(button, "label", "") for button in at.tabs[2].get("download_button")]
    assert downloads == ["Results (CSV)", "Results (Excel)"]
    assert "No summary or report" in text


def test_a_group_with_no_label_is_not_compared_as_a_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _job_page(tmp_path, monkeypatch, "mixed.csv", ONE_BLANK_COURSE, "course") as at:
        assert "got a label" not in page_text(at) and at.get("vega_lite_chart")
        at.selectbox(key="c-first-course").select("BIO9").run()
    compare = at.tabs[2]
    said = "\n".join(str(getattr(e, "value", "")) for e in [*compare.info, *compare.caption])

    assert "BIO9: no comment with a label, so there are no shares to compare" in said
    assert "beyond the noise" not in said and "0 tests" not in said
    assert not compare.dataframe and not compare.get("vega_lite_chart")
