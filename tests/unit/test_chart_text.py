"""Every chart of the app says its figures in words (its Vega-Lite ``description``, which Vega
makes the chart's ``aria-label``): a screen reader heard each one only as "Vega
visualization". Checked in each chart's spec, and on a job's page (AppTest against the real
API) in the specs Streamlit sends to the browser."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from apptests import job_page
from fastapi.testclient import TestClient
from httpfakes import serving_app
from jobfakes import FakePredictor, make_backend

from pipeline.api.app import create_app
from pipeline.client import GroupCounts, Summary
from pipeline.ui import charts
from pipeline.worker import Worker

LABELS = ["negative", "neutral", "positive"]


def _group(name: str | None, counts: dict[str, int]) -> GroupCounts:
    total = sum(counts.values())
    return GroupCounts(name, total, 0, counts, {k: v / total for k, v in counts.items()}, {})


def test_the_label_distribution_says_each_labels_share_and_count() -> None:
    chart = charts.distribution_chart({"negative": 24, "neutral": 12, "positive": 24}, LABELS)
    assert chart.to_dict()["description"] == (
        "Label distribution: negative 40% (24 comments); neutral 20% (12 comments); "
        "positive 40% (24 comments)."
    )


def test_the_group_chart_says_each_groups_shares_in_the_order_drawn() -> None:
    overall = _group(None, {"negative": 14, "neutral": 6, "positive": 20})
    summary = Summary(
        "r", "succeeded", LABELS, 40, 40, overall, "course",
        [_group("CS1", {"negative": 2, "neutral": 2, "positive": 16}),
         _group("MATH201", {"negative": 12, "neutral": 4, "positive": 4})],
    )  # fmt: skip
    said = charts.group_chart(summary).to_dict()["description"]
    assert said == (
        "Labels per course: MATH201 (n=20): negative 60%, neutral 20%, positive 20%; "
        "CS1 (n=20): negative 10%, neutral 10%, positive 80%."
    )


def test_the_confidence_chart_says_how_sure_the_model_was() -> None:
    frame = pd.DataFrame(
        {"label": ["negative", "positive", "positive", "neutral"],
         "score_negative": [0.9, 0.1, 0.2, 0.3], "score_neutral": [0.05, 0.1, 0.1, 0.4],
         "score_positive": [0.05, 0.8, 0.7, 0.3]}
    )  # fmt: skip
    said = charts.confidence_chart(frame, LABELS).to_dict()["description"]
    assert said.startswith("Confidence, the probability of the chosen label, of 4 comments:")
    assert "median 0.75" in said and "lowest 0.40" in said


def test_the_change_and_the_trend_say_each_part_earlier_and_now() -> None:
    change = pd.DataFrame(
        [
            ("all comments", 0, "earlier", 0.4, "40 %", 50, "beyond the noise"),
            ("all comments", 0, "now", 0.3, "30 %", 60, "beyond the noise"),
            ("BIO9", 1, "now", 0.5, "50 %", 4, "within the noise"),
        ],
        columns=["part", "order", "when", "share", "percent", "n", "flagged"],
    )
    assert charts.change_chart(change).to_dict()["description"] == (
        "Share negative, earlier → now: all comments 40 % → 30 % (beyond the noise); "
        "BIO9 – → 50 % (within the noise)."
    )
    trend = pd.DataFrame(
        [
            ("all comments", "2 spring.csv", 1, 0.3, "30 %", 60, "falling"),
            ("all comments", "1 fall.csv", 0, 0.4, "40 %", 50, "falling"),
        ],
        columns=["part", "job", "position", "share", "percent", "n", "trend"],
    )
    assert charts.trend_chart(trend).to_dict()["description"] == (
        "Share negative in each job, oldest first: all comments: 1 fall.csv 40 %, "
        "2 spring.csv 30 % (falling)."
    )


def test_every_chart_on_a_jobs_page_is_described(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = make_backend(tmp_path, auth="none")
    comments = b"course,comment\n" + b"".join(
        f"CHEM110,bad exam {i}\nPHYS201,good lectures {i}\nPHYS201,fine {i}\n".encode()
        for i in range(4)
    )
    api = TestClient(create_app(backend))
    answer = api.post(
        "/v1/jobs", files={"file": ("evals.csv", comments)}, data={"group_by": "course"}
    )
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    with serving_app(create_app(backend), log_level="warning") as url:
        at = job_page(url, answer.json()["request_id"], monkeypatch)

    specs = [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]
    assert len(specs) >= 3, "the label distribution, the confidence and the courses"
    described = [spec.get("description", "") for spec in specs]
    assert all(described), described
    assert any("negative 34% (4 comments)" in text for text in described), described
    assert any(text.startswith("Labels per course: CHEM110 (n=4") for text in described), described
