"""One owner's many files do not keep another owner's file waiting behind all of them: a
queued job of an owner with more jobs running than another owner who has a job queued goes
behind it, at most ``MAX_DEFERRALS`` times, so no job is held back for good."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from jobfakes import FakeClock, FakePredictor, make_backend, submitted_ago

from pipeline.bootstrap import Backend
from pipeline.db import JobStatus
from pipeline.fair_share import another_owner_first, deferrals
from pipeline.worker import Worker


@pytest.mark.parametrize(
    ("running", "waiting", "first"),
    [
        ({"chem": 1}, {"chem", "bio"}, True),  # bio has none running
        ({"chem": 2, "bio": 1}, {"bio"}, True),
        ({"chem": 1, "bio": 1}, {"bio"}, False),  # even: the order of submission
        ({}, {"bio"}, False),  # chem has none running: its job goes
        ({"chem": 3}, {"chem"}, False),  # nobody else waits
    ],
)
def test_an_owner_with_more_jobs_running_lets_one_with_fewer_go_first(
    running: dict[str, int], waiting: set[str], first: bool
) -> None:
    assert another_owner_first("chem", running, waiting) is first


@pytest.mark.parametrize(("body", "count"), [({}, 0), ({"deferred": 2}, 2), ({"deferred": "x"}, 0)])
def test_a_messages_deferrals_are_read_from_its_body(body: dict[str, Any], count: int) -> None:
    assert deferrals({"request_id": "r", **body}) == count


def submitted(backend: Backend, path: Path, rows: int, owner: str, waited_s: float) -> str:
    return submitted_ago(backend, path, rows, waited_s, owner=owner)


def first_chunks(backend: Backend) -> list[str]:
    """The jobs in the order their first chunk was committed, on one worker whose chunks take
    20 s each (its turn, 30 s, ends after two)."""
    clock = FakeClock()
    order: list[str] = []
    write_chunk = backend.repository.jobs.write_chunk

    def timed(request: str, rows: Any, spent: Any = None) -> Any:
        clock.advance(20.0)
        if request not in order:
            order.append(request)
        return write_chunk(request, rows, spent)

    backend.repository.jobs.write_chunk = timed  # type: ignore[method-assign]
    Worker(backend, lambda _ref: FakePredictor(), "w", timer=clock).run(burst=True)
    return order


def test_another_departments_file_goes_before_the_rest_of_one_departments(
    tmp_path: Path,
) -> None:
    backend = make_backend(tmp_path, turn_s=30.0, first_chunk_rows=4, chunk_target_s=0)
    large = submitted(backend, tmp_path / "large.csv", 40, "chem", waited_s=90)
    second = submitted(backend, tmp_path / "second.csv", 2, "chem", waited_s=80)
    theirs = submitted(backend, tmp_path / "theirs.csv", 2, "bio", waited_s=70)
    assert first_chunks(backend) == [large, theirs, second]
    for request_id in (large, second, theirs):
        assert backend.repository.jobs.get(request_id).status is JobStatus.SUCCEEDED


def test_a_job_is_put_behind_at_most_a_few_times(tmp_path: Path) -> None:
    """Another owner's queued job whose message is gone (it will never be taken) does not
    hold this owner's back for good."""
    backend = make_backend(tmp_path, turn_s=30.0, first_chunk_rows=4, chunk_target_s=0)
    large = submitted(backend, tmp_path / "large.csv", 40, "chem", waited_s=90)
    second = submitted(backend, tmp_path / "second.csv", 2, "chem", waited_s=80)
    lost = submitted(backend, tmp_path / "lost.csv", 2, "bio", waited_s=70)
    backend.queue.delete(_receipt_of(backend, lost))
    order = first_chunks(backend)
    assert order[:2] == [large, second]
    assert backend.repository.jobs.get(second).status is JobStatus.SUCCEEDED
    assert backend.repository.jobs.get(lost).status is JobStatus.QUEUED


def _receipt_of(backend: Backend, request_id: str) -> str:
    """Take every message, keep the receipt of ``request_id``'s and hand the others back."""
    taken = []
    while (message := backend.queue.receive()) is not None:
        taken.append(message)
    for message in taken:
        if message.body["request_id"] != request_id:
            backend.queue.release(message.receipt)
    return next(m.receipt for m in taken if m.body["request_id"] == request_id)
