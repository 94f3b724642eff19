"""*Review → Before release* and the report's *Screen before release* switch in the app
(AppTest), against the real API on uvicorn over a job labelled by the fake predictor. The chair
must see the threat and the words of self-harm first with a message to act on them, every
flagged comment whole with what was found, and get reports screened unless the switch is off;
the list is asked for only when the tab is open (it screens every comment)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from apptests import job_page, page_text, served_job
from streamlit.testing.v1 import AppTest
from test_release_edges import ABUSIVE, CSV, DISTRESS, EMAIL, THREAT

from pipeline.client import PipelineClient


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    with served_job(tmp_path_factory.mktemp("release-app"), CSV) as served:
        yield served


def opened(served: tuple[str, str], monkeypatch: pytest.MonkeyPatch, view: str) -> AppTest:
    return job_page(*served, monkeypatch, view)


def flagged_table(at: AppTest) -> pd.DataFrame:
    return next(frame.value for frame in at.dataframe if "in a report" in frame.value)


def test_the_chair_sees_what_to_act_on_first_and_every_flagged_comment_whole(
    served: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    at = opened(served, monkeypatch, "Review")

    urgent = [e.value for e in at.error]
    note = (
        "1 comment holds a threat of violence; 1 comment speaks of self-harm or suicide. Read "
        "them first, and follow your institution's procedure for student welfare and safety."
    )
    assert urgent == [f"{note} They are at the top of *Review → Before release*."]  # said once
    assert "6 of 9 comments flagged, 4 withheld from reports" in page_text(at)
    table = flagged_table(at)
    assert list(table.columns) == [
        "comment #", "in a report", "found", "group", "label", "comment"
    ]  # fmt: skip
    assert list(table["comment #"]) == [8, 4, 2, 3, 1, 9]  # the file's data rows, from 1
    assert list(table["comment"][:3]) == [THREAT, DISTRESS, ABUSIVE]
    assert list(table["in a report"]) == ["left out"] * 4 + ["masked"] * 2
    assert table["found"][4] == "email: jo.smith@uni.edu"
    assert list(table["group"][:2]) == ["BIO101", "CHEM110"]
    assert at.selectbox(key=f"r-flagged-by-{served[1]}").value == "course"


def test_the_list_is_not_asked_for_while_another_tab_is_open_but_the_urgent_ones_are_told(
    served: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    every_flagged = PipelineClient.every_flagged

    def counted(self: PipelineClient, *args: Any, **kwargs: Any) -> dict[str, Any]:
        asked.append(args[0])
        return every_flagged(self, *args, **kwargs)

    monkeypatch.setattr(PipelineClient, "every_flagged", counted)
    at = opened(served, monkeypatch, "Overview")

    assert not asked and not any("in a report" in f.value for f in at.dataframe)
    assert "Before release" not in [h.value for h in at.header]
    # but whichever tab is open, a finished job with a threat or distress says so above them
    assert [e.value for e in at.error] == [
        "1 comment holds a threat of violence; 1 comment speaks of self-harm or suicide. Read "
        "them first, and follow your institution's procedure for student welfare and safety. "
        "They are at the top of *Review → Before release*."
    ]


def test_reports_are_screened_unless_the_switch_is_off(
    served: tuple[str, str], monkeypatch: pytest.MonkeyPatch, served_files: dict[str, Any]
) -> None:
    at = opened(served, monkeypatch, "Downloads")
    stem = f"evaluations-{served[1][:8]}"

    screened = served_files[f"{stem}-report-by-course.html"]().decode()
    assert "Screened before release" in screened
    assert THREAT not in screened and "jo.smith@uni.edu" not in screened

    at.toggle(key="d-screen").set_value(False).run()
    assert not at.exception, at.exception
    raw = served_files[f"{stem}-unscreened-report-by-course.html"]().decode()
    assert "Not screened" in raw


def test_the_csv_download_holds_every_flagged_comment(
    served: tuple[str, str], monkeypatch: pytest.MonkeyPatch, served_files: dict[str, Any]
) -> None:
    opened(served, monkeypatch, "Review")

    made = served_files[f"evaluations-{served[1][:8]}-flagged.csv"]()
    rows = pd.read_csv(io.StringIO(made if isinstance(made, str) else made.decode()))
    assert list(rows["row_index"]) == [7, 3, 1, 2, 0, 8]
    assert EMAIL in set(rows["text"])
