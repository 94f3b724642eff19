"""Fair share with one worker: owners with as many jobs running (with one worker, none while it
is free) take turns, so one key's queued files do not all go before another key's first. Only
jobs running were counted, which with one worker is never more than nothing when a job is
received: a key's six files all went before another key's one (hunt 2, finding 1)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from jobfakes import FakePredictor, make_backend, submitted_ago

from pipeline.bootstrap import Backend
from pipeline.db import JobStatus
from pipeline.fair_share import another_owner_first
from pipeline.worker import Worker


@pytest.mark.parametrize(
    ("last_taken", "first"),
    [
        ({"chem": 1.0}, True),  # bio never had a turn
        ({"bio": 1.0, "chem": 2.0}, True),  # bio's turn came first
        ({"chem": 1.0, "bio": 2.0}, False),  # chem's turn came first: its job goes
        ({}, False),  # nobody had a turn: the order of submission
        ({"bio": 1.0}, False),  # chem never had a turn
    ],
)
def test_owners_with_as_many_jobs_running_take_turns(
    last_taken: dict[str, float], first: bool
) -> None:
    assert another_owner_first("chem", {}, {"chem", "bio"}, last_taken) is first
    assert another_owner_first("chem", {"chem": 1, "bio": 1}, {"bio"}, last_taken) is first


def test_fewer_jobs_running_still_goes_first_whatever_the_turns() -> None:
    assert another_owner_first("chem", {"chem": 1}, {"bio"}, {"bio": 2.0, "chem": 1.0})
    assert not another_owner_first("bio", {"chem": 1}, {"chem"}, {"chem": 2.0, "bio": 1.0})
    assert not another_owner_first("chem", {}, {"chem"}, {"chem": 1.0})  # nobody else waits


def labelled_in_order(backend: Backend) -> list[str]:
    """The jobs in the order one worker committed their first chunk (each job a file of its
    own: identical files of one key would be one job)."""
    order: list[str] = []
    write_chunk = backend.repository.jobs.write_chunk

    def noted(request: str, rows: Any, spent: Any = None) -> Any:
        if request not in order:
            order.append(request)
        return write_chunk(request, rows, spent)

    backend.repository.jobs.write_chunk = noted  # type: ignore[method-assign]
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    return order


def files(backend: Backend, tmp_path: Path, owner: str, count: int, waited_s: float) -> list[str]:
    """``count`` jobs of ``owner``, one a second, the first submitted ``waited_s`` ago."""
    return [
        submitted_ago(backend, tmp_path / f"{owner}{i}.csv", 2 + i, waited_s - i, owner=owner)
        for i in range(count)
    ]


def test_with_one_worker_another_keys_file_goes_before_the_rest_of_one_keys(
    tmp_path: Path,
) -> None:
    backend = make_backend(tmp_path, turn_s=0)
    chem = files(backend, tmp_path, "chem", 4, waited_s=90)
    [bio] = files(backend, tmp_path, "bio", 1, waited_s=60)
    assert labelled_in_order(backend) == [chem[0], bio, *chem[1:]]
    for request_id in (*chem, bio):
        assert backend.repository.jobs.get(request_id).status is JobStatus.SUCCEEDED


def test_with_one_worker_two_keys_files_alternate(tmp_path: Path) -> None:
    backend = make_backend(tmp_path, turn_s=0)
    chem = files(backend, tmp_path, "chem", 3, waited_s=90)
    bio = files(backend, tmp_path, "bio", 3, waited_s=80)
    assert labelled_in_order(backend) == [chem[0], bio[0], chem[1], bio[1], chem[2], bio[2]]
