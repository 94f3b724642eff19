"""The repository's part in two recoveries, on SQLite (embedded) and the real PostgreSQL (AWS):
which live jobs look stranded (``JobRepository.stranded``: their queue message may be gone),
and a job whose worker keeps dying past every row gives up its themes, not the job
(``JobRepository.take_delivery``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from jobfakes import new_job
from postgres import fresh_database

from pipeline.db import JobStatus, Repository
from pipeline.db.jobs import Intake, JobRepository
from pipeline.db.migrate import upgrade
from pipeline.poison import THEMES_GIVEN_UP, PoisonPolicy


@contextmanager
def sqlite_database(folder: Path) -> Iterator[str]:
    yield f"sqlite:///{folder / 'lost.sqlite'}"


@contextmanager
def postgresql_database(_folder: Path) -> Iterator[str]:
    with fresh_database("pipeline_lost") as url:
        yield url


DATABASES: dict[str, Callable[[Path], AbstractContextManager[str]]] = {
    "sqlite": sqlite_database,
    "postgresql": postgresql_database,
}


class Calendar:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(params=sorted(DATABASES))
def repo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Repository]:
    with DATABASES[request.param](tmp_path) as url:
        repository = Repository.connect(url)
        upgrade(repository.database.engine)
        yield repository
        repository.database.dispose()


def chunk(start: int, count: int) -> list[dict[str, object]]:
    return [
        {
            "row_index": i,
            "text": f"c{i}",
            "data": {"course": "A"},
            "label": "positive",
            "scores": {"negative": 0.2, "positive": 0.8},
            "error": None,
            "model_version": "v",
        }
        for i in range(start, start + count)
    ]


def test_stranded_jobs_are_the_live_ones_nothing_happened_to(repo: Repository) -> None:
    calendar = Calendar()
    jobs = JobRepository(repo.database, now=calendar)
    for name in ("running", "held", "sent", "unsent", "cancelled", "erased", "recent"):
        calendar.now += timedelta(minutes=9 if name == "recent" else 0, seconds=1)
        jobs.create(new_job(name, owner=name))
        if name != "unsent":
            jobs.mark_sent(name)
        if name in ("running", "held", "recent"):
            assert jobs.begin_attempt(name, "v", ["negative", "positive"]) is not None
    jobs.cancel("cancelled")
    jobs.erase("erased")
    calendar.now += timedelta(minutes=2)
    quiet_before = calendar.now - timedelta(minutes=5)
    found = jobs.stranded(quiet_before, {"held"}, limit=10)
    assert [job.request_id for job in found] == ["running", "sent"]
    assert [job.request_id for job in jobs.stranded(quiet_before, set(), 1)] == ["running"]
    only = jobs.stranded(quiet_before, set(), 10, request_id="sent")
    assert [job.request_id for job in only] == ["sent"]
    jobs.write_chunk("running", chunk(0, 2))  # a row committed: something happened
    jobs.mark_sent("sent")  # sent again just now
    assert [job.request_id for job in jobs.stranded(quiet_before, set(), 10)] == ["held"]


def test_a_job_dying_past_every_row_gives_up_its_themes_then_fails_blaming_no_row(
    repo: Repository,
) -> None:
    policy = PoisonPolicy(max_failures=2, chunk_rows=4)
    jobs = repo.jobs
    jobs.create(new_job("themes", rows=4))
    jobs.begin_attempt("themes", "v", ["negative", "positive"], insights_key="analysis/themes")
    assert jobs.take_delivery("themes", policy) is Intake.WORK
    jobs.write_chunk("themes", chunk(0, 4))
    jobs.write_insights("themes", [{"row_index": i, "aspects": []} for i in range(4)])
    for _ in range(2):  # killed twice in the post-pass: each next delivery finds it open
        assert jobs.take_delivery("themes", policy) is Intake.WORK
    job = jobs.get("themes")
    assert job.status is JobStatus.RUNNING and job.themes_error is not None
    assert job.themes_error.startswith(THEMES_GIVEN_UP)
    assert "crashed twice" in job.themes_error
    assert jobs.take_delivery("themes", policy) is Intake.WORK  # killed publishing, once
    assert jobs.take_delivery("themes", policy) is Intake.POISONED  # and twice
    job = jobs.get("themes")
    assert job.status is JobStatus.FAILED and job.error is not None
    assert "no row is to blame" in job.error and "look for what is unusual" not in job.error
