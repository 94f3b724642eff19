"""What a head of department reading a finished job met (hunt 6), in the app (AppTest) against
the real API on uvicorn over a job labelled by the fake predictor:

- *Review → Before release* numbered a comment 1312 and its CSV, right below, 1311 (the page
  counts from 1, the CSV's ``row_index`` from 0), with nothing on the page saying so;
- *One course's own report* started on "(blank)", the rows without a course, so its first
  buttons read "(blank): report (PDF)"."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pandas as pd
import pytest
from apptests import downloads_handed, job_page, page_text, served_job
from streamlit.testing.v1 import AppTest

from pipeline.group_names import BLANK

EMAIL = "Great labs, good notes: write to jo.smith@uni.edu for a copy"
CSV = "\n".join(
    [
        "course,comment",
        ',"good lectures, no course given"',
        'CHEM110,"good lectures and clear slides"',
        f'CHEM110,"{EMAIL}"',
        'PHYS201,"bad exams: far too long"',
        'PHYS201,"good field trip"',
    ]
)
EMAIL_ROW = 2
"""The e-mail's row_index: the third row of data."""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    with served_job(tmp_path_factory.mktemp("polish-app"), CSV) as served:
        yield served


def opened(served: tuple[str, str], monkeypatch: pytest.MonkeyPatch, view: str) -> AppTest:
    return job_page(*served, monkeypatch, view)


def test_the_flagged_list_says_how_its_numbers_read_in_its_csv(
    served: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    handed = downloads_handed(monkeypatch)
    at = opened(served, monkeypatch, "Review")
    listed = next(frame.value for frame in at.dataframe if "in a report" in frame.value)
    made = handed[f"evaluations-{served[1][:8]}-flagged.csv"]()
    csv = pd.read_csv(io.StringIO(made if isinstance(made, str) else made.decode()))
    assert list(listed["comment #"]) == [EMAIL_ROW + 1]
    assert list(csv["row_index"]) == [EMAIL_ROW]
    said = f"comment # {EMAIL_ROW + 1} is row_index {EMAIL_ROW}"
    assert said in page_text(at), "the page says the CSV counts from 0"


def test_one_groups_report_starts_on_a_group_not_on_the_rows_without_one(
    served: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    at = opened(served, monkeypatch, "Downloads")
    which = at.selectbox(key="d-one-group")
    assert which.options == ["CHEM110", "PHYS201", BLANK], "the blank group is offered, last"
    assert which.value == "CHEM110"
    labels = [str(button.label) for button in at.get("download_button")]
    assert not any(label.startswith(BLANK) for label in labels), labels
