"""The SQLAlchemy repository on SQLite: states move as designed (the exactly-once chunk writes
and heartbeats are in the contract suite, tests/integration/test_repository_contracts.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from jobfakes import new_job

from pipeline.db import ChunkOutcome, JobStatus, NewJob, Repository, WorkerTime
from pipeline.db.migrate import require_current, upgrade
from pipeline.errors import ConfigError, Conflict, JobNotFound, NotFoundError


@pytest.fixture
def repo(tmp_path: Path) -> Repository:
    repository = Repository.connect(f"sqlite:///{tmp_path / 'db.sqlite'}")
    upgrade(repository.database.engine)
    return repository


def rows(start: int, count: int, course: str = "C1", error_every: int = 0) -> list[dict[str, Any]]:
    out = []
    for i in range(start, start + count):
        failed = bool(error_every) and i % error_every == 0
        out.append(
            {
                "row_index": i,
                "text": f"comment {i}",
                "data": {"course": course if i % 2 else "C2"},
                "label": None if failed else ("positive" if i % 3 else "negative"),
                "scores": None if failed else {"negative": 0.25, "positive": 0.75},
                "error": "empty comment" if failed else None,
                "model_version": "v1",
            }
        )
    return out


def running(repo: Repository, job: NewJob | None = None) -> str:
    job = job or new_job()
    repo.jobs.create(job)
    assert repo.jobs.begin_attempt(job.request_id, "v1", ["negative", "positive"]) is not None
    return job.request_id


def test_progress_counts_failed_rows_and_completion_needs_every_row(repo: Repository) -> None:
    request_id = running(repo)
    repo.jobs.write_chunk(request_id, rows(0, 4, error_every=2))
    with pytest.raises(Conflict, match="4 of 6"):
        repo.jobs.complete(request_id, "results/r1.csv")
    repo.jobs.write_chunk(request_id, rows(4, 2))
    assert repo.jobs.complete(request_id, "results/r1.csv")
    job = repo.jobs.get(request_id)
    assert job.status is JobStatus.SUCCEEDED and job.rows_failed == 2
    assert job.result_key == "results/r1.csv" and job.finished_at is not None


def test_cancel_keeps_rows_and_stops_further_chunks(repo: Repository) -> None:
    request_id = running(repo)
    repo.jobs.write_chunk(request_id, rows(0, 2))
    assert repo.jobs.cancel(request_id, "o1").status is JobStatus.CANCELLED
    assert repo.jobs.cancel(request_id, "o1").status is JobStatus.CANCELLED
    assert repo.jobs.write_chunk(request_id, rows(2, 2)) is ChunkOutcome.STOPPED
    assert repo.jobs.begin_attempt(request_id, "v1", ["negative", "positive"]) is None
    assert len(repo.results.page(request_id, 0, 10)) == 2
    assert not repo.jobs.fail(request_id, "late failure")


def test_finished_jobs_cannot_be_cancelled_and_other_owners_see_nothing(
    repo: Repository,
) -> None:
    request_id = running(repo)
    with pytest.raises(JobNotFound):
        repo.jobs.cancel(request_id, "someone-else")
    with pytest.raises(JobNotFound):
        repo.jobs.get(request_id, "someone-else")
    assert repo.jobs.fail(request_id, "boom")
    with pytest.raises(Conflict, match="already failed"):
        repo.jobs.cancel(request_id, "o1")


def test_attempts_count_and_labels_must_not_change(repo: Repository) -> None:
    request_id = running(repo)
    again = repo.jobs.begin_attempt(request_id, "v1", ["negative", "positive"])
    assert again is not None and again.attempts == 2
    repo.jobs.write_chunk(request_id, rows(0, 2))  # a committed row pins its model
    with pytest.raises(Conflict, match="labels"):
        repo.jobs.begin_attempt(request_id, "v2", ["bad", "good"])


def test_reusable_jobs_are_per_owner_and_skip_failed_ones(repo: Repository) -> None:
    repo.jobs.create(new_job("a", owner="o1"))
    assert repo.jobs.find_reusable("o1", "d") is not None
    assert repo.jobs.find_reusable("o2", "d") is None
    repo.jobs.fail("a", "broken")
    assert repo.jobs.find_reusable("o1", "d") is None


def test_summary_overall_and_per_group(repo: Repository) -> None:
    request_id = running(repo)
    repo.jobs.write_chunk(request_id, rows(0, 6, course="C1", error_every=5))
    labels = ["negative", "positive"]
    (overall,) = repo.results.summarize(request_id, labels)
    assert overall.group is None and overall.rows == 6 and overall.errors == 2
    assert overall.counts == {"negative": 1, "positive": 3}
    assert overall.mean_scores == {"negative": pytest.approx(0.25), "positive": pytest.approx(0.75)}
    groups = {g.group: g for g in repo.results.summarize(request_id, labels, "course")}
    assert set(groups) == {"C1", "C2"}
    assert groups["C1"].rows == 3 and groups["C2"].rows == 3
    assert sum(g.errors for g in groups.values()) == 2


def test_api_keys_are_unique_by_name_and_revocable(repo: Repository) -> None:
    assert not repo.keys.any_active()
    repo.keys.add("k1", "alice", "hash1")
    with pytest.raises(Conflict, match="alice"):
        repo.keys.add("k2", "alice", "hash2")
    assert repo.keys.find_active("hash1") is not None and repo.keys.any_active()
    repo.keys.revoke("alice")
    assert repo.keys.find_active("hash1") is None and not repo.keys.any_active()
    with pytest.raises(NotFoundError):
        repo.keys.revoke("bob")


def test_an_uninitialised_database_is_refused_with_the_fix(tmp_path: Path) -> None:
    repository = Repository.connect(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    with pytest.raises(ConfigError, match="sentiment-pipeline init"):
        require_current(repository.database.engine)
    upgrade(repository.database.engine)
    upgrade(repository.database.engine)
    require_current(repository.database.engine)


def test_the_migrations_create_exactly_the_models(repo: Repository) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from pipeline.db.models import Base

    with repo.database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_the_cost_migration_keeps_existing_jobs_at_zero(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import text

    from pipeline.db.migrate import alembic_config

    repository = Repository.connect(f"sqlite:///{tmp_path / 'old.sqlite'}")
    engine = repository.database.engine
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0001")
        connection.execute(
            text(
                "INSERT INTO jobs (request_id, owner, status, input_key, input_name, "
                "input_format, input_columns, text_column, group_by, content_hash, dedup_key, "
                "model, rows_total, rows_done, rows_failed, attempts, created_at, updated_at) "
                "VALUES ('old', 'o', 'succeeded', 'k', 'n.csv', 'csv', '[]', 'c', '[]', 'h', "
                "'d', 'm', 1, 1, 0, 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
    upgrade(engine)
    job = repository.jobs.get("old")
    assert (job.worker_seconds, job.cost_usd) == (0.0, 0.0)


def test_worker_time_adds_up_whatever_the_chunk_outcome(repo: Repository) -> None:
    request_id = running(repo)
    spent = WorkerTime.at_price(3600.0, 0.5)
    assert repo.jobs.write_chunk(request_id, rows(0, 3), spent) is ChunkOutcome.WRITTEN
    assert repo.jobs.write_chunk(request_id, rows(0, 3), spent) is ChunkOutcome.DUPLICATE
    repo.jobs.note_error(request_id, "CUDA out of memory", WorkerTime.at_price(-5.0, 0.5))
    repo.jobs.cancel(request_id)
    assert repo.jobs.write_chunk(request_id, rows(3, 3), spent) is ChunkOutcome.STOPPED
    job = repo.jobs.get(request_id)
    assert (job.worker_seconds, job.cost_usd) == (3 * 3600.0, 1.5)


def insight_rows(start: int, count: int) -> list[dict[str, Any]]:
    return [
        {
            "row_index": i,
            "aspects": ["exams"],
            "aspect_sentiments": {"exams": "negative"},
            "explanation": f"word{i}:+0.50",
        }
        for i in range(start, start + count)
    ]


def test_the_last_label_chunk_records_labelled_at_and_insights_follow_in_order(
    repo: Repository,
) -> None:
    request_id = running(repo)
    repo.jobs.write_chunk(request_id, rows(0, 4))
    assert repo.jobs.get(request_id).labelled_at is None
    with pytest.raises(Conflict, match="4 are labelled"):  # only labelled rows get insights
        repo.jobs.write_insights(request_id, insight_rows(0, 5))
    repo.jobs.write_chunk(request_id, rows(4, 2))
    job = repo.jobs.get(request_id)
    assert job.labelled_at is not None and job.status is JobStatus.RUNNING
    assert repo.jobs.write_insights(request_id, insight_rows(0, 3)) is ChunkOutcome.WRITTEN
    with pytest.raises(Conflict, match="cover rows 4–5 but 3 rows have insights"):
        repo.jobs.write_insights(request_id, insight_rows(4, 2))  # a gap
    # a chunk analysed again after a crash lands once: the rows done are skipped
    assert repo.jobs.write_insights(request_id, insight_rows(0, 3)) is ChunkOutcome.DUPLICATE
    assert repo.jobs.write_insights(request_id, insight_rows(2, 4)) is ChunkOutcome.WRITTEN
    assert repo.jobs.get(request_id).insights_done == 6
    stored = repo.results.page(request_id, 0, 10)
    assert [row.explanation for row in stored] == [f"word{i}:+0.50" for i in range(6)]
    assert stored[5].aspect_sentiments == {"exams": "negative"}
    assert [row.label for row in stored] == [row["label"] for row in rows(0, 6)]  # untouched
    assert repo.jobs.complete(request_id, "results/r1.csv")
    assert repo.jobs.get(request_id).labelled_at == job.labelled_at


def test_insights_stop_with_the_job_and_a_job_without_rows_is_labelled_when_done(
    repo: Repository,
) -> None:
    request_id = running(repo)
    repo.jobs.write_chunk(request_id, rows(0, 6))
    repo.jobs.cancel(request_id, "o1")
    assert repo.jobs.write_insights(request_id, insight_rows(0, 2)) is ChunkOutcome.STOPPED
    assert repo.jobs.get(request_id).insights_done == 0
    empty = running(repo, new_job("r0", rows=0))
    assert repo.jobs.complete(empty, "results/r0.csv")
    assert repo.jobs.get(empty).labelled_at is not None


def test_the_labels_first_migration_gives_older_jobs_their_insights_and_labels(
    tmp_path: Path,
) -> None:
    from alembic import command
    from sqlalchemy import text

    from pipeline.db.migrate import alembic_config

    repository = Repository.connect(f"sqlite:///{tmp_path / 'old.sqlite'}")
    engine = repository.database.engine
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0008")
        for request_id, status, key, finished in (
            ("done", "succeeded", "'analysis/done'", "'2026-01-01 00:05:00'"),
            ("half", "running", "'analysis/half'", "NULL"),
            ("plain", "running", "NULL", "NULL"),
        ):
            connection.execute(
                text(
                    "INSERT INTO jobs (request_id, owner, status, input_key, input_name, "
                    "input_format, input_columns, text_column, group_by, content_hash, "
                    "dedup_key, model, rows_total, rows_done, rows_failed, attempts, "
                    "insights_key, finished_at, created_at, updated_at) VALUES "
                    f"('{request_id}', 'o', '{status}', 'k', 'n.csv', 'csv', '[]', 'c', '[]', "
                    f"'h', 'd', 'm', 8, {8 if status == 'succeeded' else 3}, 0, 1, {key}, "
                    f"{finished}, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                )
            )
    upgrade(engine)
    done, half, plain = (repository.jobs.get(name) for name in ("done", "half", "plain"))
    assert (done.insights_done, done.labelled_at) == (8, done.finished_at)
    assert (half.insights_done, half.labelled_at) == (3, None)  # its rows so far had them
    assert (plain.insights_done, plain.labelled_at) == (0, None)
