"""A job's insights pass keeps its worker for a turn (``PIPELINE_TURN_S``), as its labels do:
it gives the worker up between two chunks only once it has worked on them for the turn and a
job has waited as long for its first delivery. It used to give it up after every chunk to any
queued job, so under a queue that never emptied a job labelled in seconds got one chunk of
insights per trip round the queue and succeeded last (hunt 4: 10-15 minutes for 120 rows)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from insightfakes import fake_analyst
from jobfakes import FakeClock, FakePredictor, make_backend, submitted_ago

from pipeline.bootstrap import Backend
from pipeline.db import JobStatus
from pipeline.worker import Worker

INSIGHT_CHUNK_S = 10.0
"""How long each insights chunk takes on the worker's clock: a turn of 30 s is three."""
ROWS = 40


def submitted(backend: Backend, path: Path, rows: int, waited_s: float = 0.0) -> str:
    return submitted_ago(backend, path, rows, waited_s, group_by=["course"])


def worked_in_order(
    tmp_path: Path, turn_s: float, waited_s: float
) -> tuple[Backend, str, str, list[tuple[str, str, int]], list[dict[str, str]]]:
    """A 40-row job on one worker, whose first insights chunk sees a 2-row job submitted
    ``waited_s`` earlier: each chunk's (pass, job, first row) in the order of their commits,
    and the jobs held when the first job's message was sent again."""
    backend = make_backend(
        tmp_path,
        turn_s=turn_s,
        chunk_rows=4,
        first_chunk_rows=4,
        chunk_target_s=0,
        insight_chunk_target_s=0,
    )
    first = submitted(backend, tmp_path / "first.csv", ROWS)
    clock = FakeClock()
    events: list[tuple[str, str, int]] = []
    later: list[str] = []
    write_chunk = backend.repository.jobs.write_chunk
    write_insights = backend.repository.jobs.write_insights

    def labelling(request: str, rows: Any, spent: Any = None) -> Any:
        events.append(("labels", request, rows[0]["row_index"]))
        return write_chunk(request, rows, spent)

    def insights(request: str, rows: Any, spent: Any = None) -> Any:
        clock.advance(INSIGHT_CHUNK_S)
        events.append(("insights", request, rows[0]["row_index"]))
        outcome = write_insights(request, rows, spent)
        if not later:  # a user submits while the first job's insights are worked out
            later.append(submitted(backend, tmp_path / "second.csv", 2, waited_s))
        return outcome

    send = backend.queue.send
    held_when_sent: list[dict[str, str]] = []

    def requeue(body: dict[str, object]) -> str:
        if body["request_id"] == first:
            held_when_sent.append(backend.repository.workers.busy(stale_after_s=30))
        return send(body)

    backend.repository.jobs.write_chunk = labelling  # type: ignore[method-assign]
    backend.repository.jobs.write_insights = insights  # type: ignore[method-assign]
    backend.queue.send = requeue  # type: ignore[method-assign]
    worker = Worker(backend, lambda _ref: FakePredictor(), "w", timer=clock, insights=fake_analyst)
    worker.run(burst=True)
    return backend, first, later[0], events, held_when_sent


def assert_both_succeeded(backend: Backend, *requests: str) -> None:
    for request in requests:
        job = backend.repository.jobs.get(request)
        assert job.status is JobStatus.SUCCEEDED and job.insights_done == job.rows_done, request
        assert job.error is None and job.themes_error is None


def test_insights_keep_their_worker_for_a_turn_then_a_waiting_jobs_labels_go(
    tmp_path: Path,
) -> None:
    backend, first, second, events, held_when_sent = worked_in_order(
        tmp_path, turn_s=30.0, waited_s=31.0
    )

    first_insights = [row for kind, job, row in events if (kind, job) == ("insights", first)]
    assert first_insights == list(range(0, ROWS, 4)), "each chunk analysed once, in order"
    second_labels = events.index(("labels", second, 0))
    # three chunks of 10 s (the turn), then the waiting job's labels, then the rest
    assert events[second_labels - 3 : second_labels] == [
        ("insights", first, 0),
        ("insights", first, 4),
        ("insights", first, 8),
    ]
    assert events.index(("insights", first, 12)) > second_labels
    assert held_when_sent == [{}], "whoever takes the new message does not find it held"
    assert_both_succeeded(backend, first, second)


@pytest.mark.parametrize(
    ("turn_s", "waited_s"),
    [(30.0, 0.0), (0.0, 31.0)],
    ids=["submitted-a-moment-ago", "turns-off"],
)
def test_insights_keep_their_worker_otherwise(
    tmp_path: Path, turn_s: float, waited_s: float
) -> None:
    """A job submitted a moment ago is not waited for (a free worker may take it; the master
    starts one within seconds where it may), and with turns off a job is worked on to its
    end: its insights then finish before the next job's labels start."""
    backend, first, second, events, held_when_sent = worked_in_order(tmp_path, turn_s, waited_s)

    last_insights = events.index(("insights", first, ROWS - 4))
    assert last_insights < events.index(("labels", second, 0))
    assert held_when_sent == []
    assert_both_succeeded(backend, first, second)
