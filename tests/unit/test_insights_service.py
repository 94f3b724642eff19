"""Aspect and theme summaries: the maths (counts, shares, Wilson intervals, small groups), the
contract's shape, the filters, and the errors the edges map (400, 404, 409)."""

from __future__ import annotations

from pathlib import Path

import pytest
from insightfakes import fake_analyst, worker_stopping_after_a_chunk
from jobfakes import FakePredictor, comments_csv, make_backend

from pipeline import service
from pipeline.bootstrap import Backend
from pipeline.db import InsightRow
from pipeline.errors import Conflict, InputError, JobNotFound, MissingColumnError
from pipeline.insights.aspect_stats import SMALL_GROUP, aspect_figures
from pipeline.report.stats import wilson_interval
from pipeline.settings import Settings
from pipeline.worker import Worker

LABELS = ("negative", "neutral", "positive")
COMMENTS = [
    "bad exam",
    "bad exam again",
    "good exam",
    "good lecture",
    "good lecture notes",
    "bad homework",
    "fine",
    "",
    "bad lecture and bad exam",
]
COURSES = ["A", "A", "B", "A", "B", "B", "A", "B", "A"]


def row(index: int, label: str, found: dict[str, str], group: str | None = None) -> InsightRow:
    return InsightRow(index, label, tuple(found), found, group, None)


def test_figures_count_the_sentiment_toward_each_aspect_with_intervals() -> None:
    rows = [
        row(0, "negative", {"exams": "negative"}, "CHEM110"),
        row(1, "positive", {"exams": "negative", "teaching": "positive"}, "CHEM110"),
        row(2, "positive", {"teaching": "positive"}, "BIO101"),
        row(3, "neutral", {}, None),
    ]
    figures = aspect_figures(rows, ("teaching", "exams", "workload"), LABELS, {}, by_group=True)
    assert (figures.rows_labelled, figures.rows_with_aspects) == (4, 3)
    # teaching and exams are tied on n: the model's order decides
    assert [c["name"] for c in figures.categories] == ["teaching", "exams", "workload"]
    exams = figures.categories[1]
    assert exams["n"] == 2 and exams["counts"] == {"negative": 2, "neutral": 0, "positive": 0}
    assert exams["shares"]["negative"] == 1.0
    interval = wilson_interval(2, 2)
    assert interval is not None
    assert exams["intervals"]["negative"] == [interval.low, interval.high]
    workload = figures.categories[2]
    assert workload["n"] == 0 and workload["shares"]["negative"] is None
    assert workload["intervals"]["negative"] is None
    assert [g["group"] for g in figures.groups] == ["BIO101", "CHEM110", None]  # blank last
    chem = figures.groups[1]
    assert chem["n"] == 2 and chem["small"] is True
    chem_exams = next(a for a in chem["aspects"] if a["name"] == "exams")
    assert chem_exams["counts"]["negative"] == 2
    assert [a["name"] for a in chem["aspects"]] == [c["name"] for c in figures.categories]


def test_categories_are_sorted_by_mentions_and_large_groups_are_not_small() -> None:
    rows = [row(i, "positive", {"workload": "positive"}, "BIG") for i in range(SMALL_GROUP)]
    rows.append(row(99, "negative", {"teaching": "negative"}, "BIG"))
    figures = aspect_figures(rows, ("teaching", "workload"), LABELS, {"workload": "w"}, True)
    assert [c["name"] for c in figures.categories] == ["workload", "teaching"]
    assert figures.categories[0]["meaning"] == "w"
    assert figures.groups[0]["small"] is False


@pytest.fixture
def done(tmp_path: Path) -> tuple[Backend, str]:
    backend = make_backend(tmp_path)
    source = comments_csv(tmp_path / "in.csv", COMMENTS, COURSES)
    request_id = service.submit(backend, source, "comment", ["course"], owner="me").request_id
    Worker(backend, lambda _ref: FakePredictor(), "w", insights=fake_analyst).run(burst=True)
    return backend, request_id


def test_aspect_summary_has_the_contracts_shape_per_group(done: tuple[Backend, str]) -> None:
    backend, request_id = done
    summary = service.aspect_summary(backend, "me", request_id, "course")
    assert set(summary) == {
        "request_id", "complete", "model_version", "group_by", "rows_labelled",
        "rows_with_aspects", "insights_done", "rows_labelled_in_job", "categories", "groups",
    }  # fmt: skip
    assert summary["complete"] is True and summary["model_version"] == "fake-aspects-1"
    assert summary["rows_labelled"] == 8 and summary["rows_with_aspects"] == 7
    assert summary["insights_done"] == 9 and summary["rows_labelled_in_job"] == 8
    exams = next(c for c in summary["categories"] if c["name"] == "exams")
    assert exams["n"] == 4 and exams["counts"] == {"negative": 3, "neutral": 0, "positive": 1}
    groups = {g["group"]: g for g in summary["groups"]}
    assert {name: g["n"] for name, g in groups.items()} == {"A": 5, "B": 3}
    a_exams = next(a for a in groups["A"]["aspects"] if a["name"] == "exams")
    assert a_exams["counts"]["negative"] == 3
    assert service.aspect_summary(backend, "me", request_id)["groups"] == []


def test_summaries_of_another_owners_job_are_not_found(done: tuple[Backend, str]) -> None:
    backend, request_id = done
    with pytest.raises(JobNotFound):
        service.aspect_summary(backend, "someone-else", request_id)
    with pytest.raises(JobNotFound):
        service.theme_summary(backend, "someone-else", request_id)


def test_unknown_columns_labels_and_aspects_are_refused(done: tuple[Backend, str]) -> None:
    backend, request_id = done
    with pytest.raises(MissingColumnError, match="teacher"):
        service.aspect_summary(backend, "me", request_id, "teacher")
    with pytest.raises(MissingColumnError):
        service.theme_summary(backend, "me", request_id, group_by="teacher", group="x")
    with pytest.raises(InputError, match="label 'great'"):
        service.theme_summary(backend, "me", request_id, label="great")
    with pytest.raises(InputError, match="group needs group_by"):
        service.theme_summary(backend, "me", request_id, group="A")


def test_stored_themes_by_label_with_counts_per_group(done: tuple[Backend, str]) -> None:
    backend, request_id = done
    everything = service.theme_summary(backend, "me", request_id)
    assert everything["n"] == 8 and everything["seed"] == 0
    assert all(theme["counts"] == [] for theme in everything["themes"])
    negative = service.theme_summary(backend, "me", request_id, label="negative", group_by="course")
    assert negative["themes"] and {t["label"] for t in negative["themes"]} == {"negative"}
    assert negative["n"] == sum(t["size"] for t in negative["themes"]) == 4
    counted = sum(c["count"] for t in negative["themes"] for c in t["counts"])
    assert counted == negative["n"]


def test_aspect_and_group_filters_recluster_their_rows(done: tuple[Backend, str]) -> None:
    backend, request_id = done
    exams = service.theme_summary(backend, "me", request_id, aspect="exams")
    assert exams["n"] == 4 and exams["aspect"] == "exams"
    quoted = {quote["row"] for theme in exams["themes"] for quote in theme["quotes"]}
    assert quoted <= {0, 1, 2, 8}  # the original row numbers of the comments about exams
    negative_exams = service.theme_summary(
        backend, "me", request_id, aspect="exams", label="negative"
    )
    assert negative_exams["n"] == 3
    course_b = service.theme_summary(backend, "me", request_id, group_by="course", group="B")
    assert course_b["n"] == 3
    assert {c["group"] for t in course_b["themes"] for c in t["counts"]} == {"B"}
    again = service.theme_summary(backend, "me", request_id, group_by="course", group="B")
    assert again == course_b  # same seed, same themes
    with pytest.raises(InputError, match=r"no row has course = 'b' \(did you mean 'B'\?\)"):
        service.theme_summary(backend, "me", request_id, group_by="course", group="b")
    with pytest.raises(InputError, match="group is empty"):  # never every group's instead
        service.theme_summary(backend, "me", request_id, group_by="course", group="")


def test_the_blank_group_has_themes_of_its_own(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    courses = ["A", "", "", "A", "", "A", "A", "", "A"]  # "" at 7 has no label: its comment is ""
    source = comments_csv(tmp_path / "in.csv", COMMENTS, courses)
    request_id = service.submit(backend, source, "comment", ["course"], owner="me").request_id
    Worker(backend, lambda _ref: FakePredictor(), "w", insights=fake_analyst).run(burst=True)
    blank = service.theme_summary(backend, "me", request_id, group_by="course", group="(blank)")
    assert blank["n"] == 3
    quoted = {quote["row"] for theme in blank["themes"] for quote in theme["quotes"]}
    assert quoted <= {1, 2, 4}
    with pytest.raises(InputError, match="its values: A, \\(blank\\)"):
        service.theme_summary(backend, "me", request_id, group_by="course", group="B")


def test_themes_wait_for_the_job_to_complete_aspects_do_not(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    source = comments_csv(tmp_path / "in.csv", COMMENTS, COURSES)
    request_id = service.submit(backend, source, "comment", ["course"]).request_id
    with pytest.raises(Conflict, match="themes are found when the job completes"):
        service.theme_summary(backend, None, request_id)
    waiting = service.aspect_summary(backend, None, request_id)
    assert (waiting["complete"], waiting["rows_labelled"], waiting["categories"]) == (
        False,
        0,
        [],
    )
    worker_stopping_after_a_chunk(backend).run()
    assert backend.repository.jobs.get(request_id).rows_done == 4
    partial = service.aspect_summary(backend, None, request_id)  # labels first, aspects after
    assert partial["complete"] is False and partial["rows_labelled"] == 0
    with pytest.raises(Conflict, match="is running"):
        service.theme_summary(backend, None, request_id)


def test_the_insights_setting_reads_like_a_switch() -> None:
    assert Settings.from_env({"PIPELINE_INSIGHTS": "0"}).insights is False
    assert Settings.from_env({"PIPELINE_INSIGHTS": "on"}).insights is True
    assert Settings.from_env({}).insights is True
    with pytest.raises(Exception, match="PIPELINE_INSIGHTS='maybe'"):
        Settings.from_env({"PIPELINE_INSIGHTS": "maybe"})
