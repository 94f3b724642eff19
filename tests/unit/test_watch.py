"""``status --watch`` shows the service's figures: rows done, its rate and its ETA, never
tqdm's own rate and ETA timed from this client's polls. The bar is drawn on a terminal (a
stderr that is none gets plain lines: test_cli_progress_lines.py), so these tests give it one."""

from __future__ import annotations

import re

import pytest

from pipeline.cli import job_commands
from pipeline.cli.job_commands import _describe, _watch
from pipeline.client import JobStatus
from pipeline.ui.progress import progress_text


@pytest.fixture(autouse=True)
def on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """stderr taken for a terminal, its text still captured: the bar is drawn."""
    monkeypatch.setattr(job_commands, "on_terminal", lambda _stream: True)


class FakeClient:
    """Answers ``status`` with the given statuses in turn, the last one for ever."""

    def __init__(self, statuses: list[JobStatus]) -> None:
        self.statuses = statuses
        self.calls = 0

    def status(self, request_id: str) -> JobStatus:
        answer = self.statuses[min(self.calls, len(self.statuses) - 1)]
        self.calls += 1
        return answer


def job(status: str, done: int, rate: float | None = None, eta: float | None = None) -> JobStatus:
    return JobStatus("r1", status, rows_total=21_000, rows_done=done, rows_per_s=rate, eta_s=eta)


def test_the_bar_shows_the_services_rows_rate_and_eta(capsys: pytest.CaptureFixture[str]) -> None:
    client = FakeClient(
        [
            job("queued", 0),
            job("running", 0),
            job("running", 512, rate=35.0, eta=720.0),
            job("running", 1_536, rate=36.4, eta=690.0),
            job("succeeded", 21_000, rate=36.0, eta=0.0),
        ]
    )
    assert _watch(client, "r1", interval_s=0) == 0
    captured = capsys.readouterr()
    bar = captured.err
    assert "0/21000, waiting for a worker" in bar
    assert "0/21000, estimating time left…" in bar
    assert "512/21000, 35 rows/s, about 12 min left" in bar
    assert "1536/21000, 36 rows/s, about 11 min left" in bar
    assert "21000/21000, 36 rows/s, succeeded" in bar
    assert not re.search(r"comment/s|it/s|<\d", bar)  # nothing tqdm timed itself
    assert captured.out.strip() == "r1 succeeded: 21000/21000 rows at 36 rows/s"


def test_a_failed_job_ends_the_watch_with_status_one(capsys: pytest.CaptureFixture[str]) -> None:
    failed = JobStatus("r1", "failed", rows_total=10, rows_done=3, rows_per_s=2.5, error="boom")
    assert _watch(FakeClient([failed]), "r1", interval_s=0) == 1
    captured = capsys.readouterr()
    assert "3/10, 2.5 rows/s, failed" in captured.err
    assert captured.out.strip() == "r1 failed: 3/10 rows at 2.5 rows/s; boom"


def test_the_watch_follows_the_insights_after_the_labels(
    capsys: pytest.CaptureFixture[str],
) -> None:
    labelled = {"labelled_at": "2026-12-02T01:00:00+00:00"}
    client = FakeClient(
        [
            JobStatus("r1", "running", 300, 300, rows_per_s=270.0, eta_s=0.0, **labelled,
                      insights_done=0),
            JobStatus("r1", "running", 300, 300, rows_per_s=270.0, **labelled, insights_done=128),
            JobStatus("r1", "succeeded", 300, 300, rows_per_s=120.0, **labelled,
                      insights_done=300),
        ]
    )  # fmt: skip
    assert _watch(client, "r1", interval_s=0) == 0
    bar = capsys.readouterr().err
    assert "300/300, all labelled, about what: 0 / 300" in bar
    assert "300/300, all labelled, about what: 128 / 300" in bar
    assert "300/300, 120 rows/s, succeeded" in bar


def test_status_says_every_row_is_labelled_while_the_insights_are_worked_out() -> None:
    status = JobStatus("r1", "running", 300, 300, labelled_at="x", insights_done=128)
    assert _describe(status) == "r1 running: 300/300 rows; every row labelled, about what: 128/300"
    timed = JobStatus("r1", "running", 300, 300, eta_s=7.4, labelled_at="x", insights_done=128)
    assert _describe(timed).endswith("every row labelled, about what: 128/300, about 7 s left")


def test_a_job_finding_its_themes_is_almost_done_as_in_the_app(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Every row has its insights and the post-pass runs: the service's ETA is 0, which the
    app shows as "almost done"; the CLI says the same, never "about 0 s left"."""
    themes = JobStatus(
        "r1", "running", 300, 300, rows_per_s=270.0, eta_s=0.0, labelled_at="x", insights_done=300
    )
    assert _describe(themes).endswith("every row labelled, about what: 300/300, almost done")
    assert progress_text(themes).endswith("almost done")
    done = JobStatus("r1", "succeeded", 300, 300, rows_per_s=120.0, eta_s=0.0, insights_done=300)
    assert _watch(FakeClient([themes, done]), "r1", interval_s=0) == 0
    shown = capsys.readouterr()
    assert "300/300, all labelled, about what: 300 / 300, almost done" in shown.err
    assert "about 0 s" not in shown.err + shown.out


def test_status_words_the_time_left_as_the_app_does() -> None:
    assert _describe(job("running", 20_900, rate=35.0, eta=0.4)).endswith(
        "at 35 rows/s, almost done"
    )
    assert _describe(job("running", 512, rate=35.0, eta=720.0)).endswith(
        "at 35 rows/s, about 12 min left"
    )
    assert _describe(job("running", 0)) == "r1 running: 0/21000 rows"


def test_a_survey_job_says_its_rows_are_answers_to_its_questions() -> None:
    survey = JobStatus(
        "r2",
        "succeeded",
        rows_total=637,
        rows_done=637,
        rows_failed=37,
        input_options={"comment_columns": ["What helped?", "What should change?", "Other"]},
    )
    assert _describe(survey) == (
        "r2 succeeded: 637/637 rows, answers to 3 questions (37 without a label)"
    )


def test_the_line_names_the_sheet_read_or_every_sheet_with_its_header_row() -> None:
    one = JobStatus("r1", "succeeded", rows_total=9, rows_done=9)
    one.input_options.update({"sheet": "Answers", "header_row": 3})
    assert "from sheet 'Answers' (header on row 3)" in _describe(one)
    every = JobStatus("r2", "succeeded", rows_total=150, rows_done=150)
    every.input_options.update(
        {"sheet": "*", "sheets": ["BIOL 1010", "CHEM 2210"], "header_rows": [1, 3]}
    )
    line = _describe(every)
    assert "from 2 sheets, header on: 'BIOL 1010' (row 1), 'CHEM 2210' (row 3)" in line
    assert "None" not in line and "'*'" not in line
    assert "sheet" not in _describe(JobStatus("r3", "succeeded", rows_total=1, rows_done=1))
