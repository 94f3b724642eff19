"""What is downloaded or shown of a job that has not finished (running, cancelled, failed) is
its rows so far, and every output says so, truthfully: ``results`` on stderr like ``summary``,
the API's CSV in a header and a ``-partial`` file name (both edges), and ``ratings`` and
``flagged`` in their heading, naming what happened to the job rather than "still running" for
one that never will finish."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import pytest
from apigw_events import answer, load_event
from fastapi.testclient import TestClient
from httpfakes import in_process_client
from jobfakes import LABELS, FakePredictor

from pipeline.api.gateway import Gateway
from pipeline.bootstrap import Backend
from pipeline.cli import flagged_commands, job_commands, rating_commands
from pipeline.cli.exit_codes import EXIT_UNFINISHED
from pipeline.cli.main import main
from pipeline.worker import Worker

ROWS = [("CHEM110", "4", "good labs"), ("CHEM110", "1", "bad exams")] * 2


def label_first(backend: Backend, request_id: str, count: int) -> None:
    """The job running, its first ``count`` rows of ``ROWS`` labelled as a worker would."""
    backend.repository.jobs.begin_attempt(request_id, "fake-1", list(LABELS))
    positive = {"negative": 0.1, "neutral": 0.1, "positive": 0.8}
    rows = [
        {"row_index": i, "text": text, "data": {"course": course, "Q2": rating}}
        | {"label": "positive", "scores": positive, "error": None, "model_version": "fake-1"}
        for i, (course, rating, text) in enumerate(ROWS[:count])
    ]
    backend.repository.jobs.write_chunk(request_id, rows)


@pytest.fixture
def running(backend: Backend, client: TestClient, monkeypatch: pytest.MonkeyPatch) -> str:
    """A job of four rows, two labelled, still running; the commands ask the app in process."""
    content = "course,Q2,comment\n" + "".join(f"{c},{q},{t}\n" for c, q, t in ROWS)
    posted = client.post(
        "/v1/jobs", files={"file": ("evals.csv", content.encode())}, data={"text_column": "comment"}
    )
    request_id = str(posted.json()["request_id"])
    label_first(backend, request_id, 2)
    for module in (job_commands, rating_commands, flagged_commands):
        monkeypatch.setattr(module, "api_client", lambda _args: in_process_client(client))
    return request_id


def test_results_of_an_unfinished_job_say_the_file_holds_the_rows_so_far(
    running: str,
    backend: Backend,
    client: TestClient,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["results", running, "-o", str(tmp_path / "so-far.csv")]) == EXIT_UNFINISHED
    assert capsys.readouterr().err.splitlines() == [
        f"results written to {tmp_path / 'so-far.csv'}",
        "job running: 2 of 4 rows labelled so far; this file holds those rows only",
    ]

    client.delete(f"/v1/jobs/{running}")
    assert main(["results", running, "-o", str(tmp_path / "so-far.xlsx")]) == EXIT_UNFINISHED
    err = capsys.readouterr().err
    assert "job cancelled: 2 of 4 rows labelled; this file holds those rows only" in err

    assert main(["results", running]) == EXIT_UNFINISHED  # to stdout: the note on stderr
    assert "job cancelled: 2 of 4 rows labelled" in capsys.readouterr().err


def test_results_of_a_finished_job_say_nothing_more(
    running: str, backend: Backend, client: TestClient, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    done = client.post("/v1/jobs", files={"file": ("f.csv", b"comment\ngood\nbad\n")}, data={})
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    request_id = done.json()["request_id"]
    assert main(["results", request_id, "-o", str(tmp_path / "all.csv")]) == 0
    assert main(["results", request_id, "-o", str(tmp_path / "all.xlsx")]) == 0
    assert "rows labelled" not in capsys.readouterr().err


def test_the_api_marks_the_csv_of_an_unfinished_job_partial(
    running: str, backend: Backend, client: TestClient
) -> None:
    csv = client.get(f"/v1/jobs/{running}/results", params={"format": "csv"})
    assert csv.status_code == 200 and csv.headers["x-job-complete"] == "false"
    assert csv.headers["content-disposition"] == (
        f'attachment; filename="evals-{running[:8]}-results-partial.csv"'
    )

    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)  # labels the rest
    done = client.get(f"/v1/jobs/{running}/results", params={"format": "csv"})
    assert done.headers["x-job-complete"] == "true"
    assert done.headers["content-disposition"].endswith(f'-{running[:8]}-results.csv"')


def test_the_lambda_marks_the_csv_of_an_unfinished_job_partial_too(backend: Backend) -> None:
    handle = Gateway(backend).handle
    request_id = str(answer(handle(load_event("submit_multipart"))).json()["request_id"])
    backend.repository.jobs.begin_attempt(request_id, "v", list(LABELS))

    inline = answer(handle(load_event("results_csv", request_id)))

    assert inline.status == 200 and inline.headers["X-Job-Complete"] == "false"
    named = inline.headers["Content-Disposition"]
    assert unquote(named).endswith(f'-{request_id[:8]}-results-partial.csv"')


@pytest.mark.parametrize(
    ("ending", "said"),
    [
        ("cancel", "job cancelled: 2 of 4 rows labelled; "),
        ("fail", "job failed: 2 of 4 rows labelled; "),
        (None, "job running: 2 of 4 rows labelled so far; "),
    ],
)
def test_ratings_and_flagged_say_what_became_of_the_job(
    running: str,
    backend: Backend,
    capsys: pytest.CaptureFixture[str],
    ending: str | None,
    said: str,
) -> None:
    if ending == "cancel":
        backend.repository.jobs.cancel(running)
    elif ending == "fail":
        backend.repository.jobs.fail(running, "the worker crashed")

    assert main(["ratings", running, "--column", "Q2"]) == EXIT_UNFINISHED
    heading = capsys.readouterr().out.splitlines()[0]
    assert heading.endswith(f"({said}these figures are of those rows only)"), heading
    assert main(["flagged", running]) == EXIT_UNFINISHED
    heading = capsys.readouterr().out.splitlines()[0]
    assert heading.endswith(f"({said}only those were screened)"), heading
