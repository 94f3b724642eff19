"""The repository on a real PostgreSQL: migrations, JSON summaries, and chunk writes racing
from several threads (row locks make exactly one of them win)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from jobfakes import FakePredictor, comments_csv
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from pipeline import service
from pipeline.bootstrap import init_backend
from pipeline.db import ChunkOutcome, JobStatus, NewJob, Repository
from pipeline.db.migrate import require_current, upgrade
from pipeline.settings import Settings
from pipeline.worker import Worker

pytest.importorskip("psycopg2", reason="pip install psycopg2-binary")

SERVER = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    name = f"pipeline_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(SERVER, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no server here: nothing to test against
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 is not available: {exc}")
    try:
        yield make_url(SERVER).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def repo(database_url: str) -> Iterator[Repository]:
    repository = Repository.connect(database_url)
    upgrade(repository.database.engine)
    yield repository
    repository.database.dispose()


def new_job(request_id: str, rows: int) -> NewJob:
    return NewJob(
        request_id=request_id,
        owner="o",
        input_key="k",
        input_name="n.csv",
        input_format="csv",
        input_columns=("course", "comment"),
        text_column="comment",
        group_by=("course",),
        content_hash="h",
        dedup_key="d",
        model="m",
        rows_total=rows,
    )


def chunk(start: int, count: int) -> list[dict[str, object]]:
    return [
        {
            "row_index": i,
            "text": f"c{i}",
            "data": {"course": "A" if i % 2 else "B"},
            "label": "positive" if i % 3 else "negative",
            "scores": {"negative": 0.2, "positive": 0.8},
            "error": None,
            "model_version": "v",
        }
        for i in range(start, start + count)
    ]


def test_migrations_are_idempotent_and_match_the_models(repo: Repository) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from pipeline.db.models import Base

    upgrade(repo.database.engine)
    require_current(repo.database.engine)
    with repo.database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_racing_chunk_writes_leave_exactly_one_copy(repo: Repository) -> None:
    repo.jobs.create(new_job("race", rows=40))
    repo.jobs.begin_attempt("race", "v", ["negative", "positive"])
    outcomes: list[ChunkOutcome] = []
    barrier = threading.Barrier(4)

    def write(start: int) -> None:
        barrier.wait()
        outcomes.append(repo.jobs.write_chunk("race", chunk(start, 10)))

    for start in (0, 10, 20, 30):
        threads = [threading.Thread(target=write, args=(start,)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert outcomes.count(ChunkOutcome.WRITTEN) == 4
    assert outcomes.count(ChunkOutcome.DUPLICATE) == 12
    job = repo.jobs.get("race")
    assert job.rows_done == 40
    rows = [r.row_index for batch in repo.results.batches("race", 7) for r in batch]
    assert rows == list(range(40))
    assert repo.jobs.complete("race", "results/race.csv")
    assert repo.jobs.get("race").status is JobStatus.SUCCEEDED


def test_summaries_group_by_a_json_column(repo: Repository) -> None:
    repo.jobs.create(new_job("sum", rows=6))
    repo.jobs.begin_attempt("sum", "v", ["negative", "positive"])
    repo.jobs.write_chunk("sum", chunk(0, 6))
    (overall,) = repo.results.summarize("sum", ["negative", "positive"])
    assert overall.rows == 6 and overall.counts == {"negative": 2, "positive": 4}
    assert overall.mean_scores["positive"] == pytest.approx(0.8)
    groups = repo.results.summarize("sum", ["negative", "positive"], "course")
    assert [(g.group, g.rows) for g in groups] == [("A", 3), ("B", 3)]


def test_the_whole_service_runs_on_postgresql(database_url: str, tmp_path: Path) -> None:
    backend = init_backend(
        Settings(data_dir=tmp_path, database_url=database_url, model="fake", chunk_rows=3)
    )
    source = comments_csv(tmp_path / "c.csv", ["good", "bad", "", "fine", "good"])
    request_id = service.submit(backend, source, "comment", ["course"]).request_id
    Worker(backend, lambda _ref: FakePredictor(), "pg-worker").run(burst=True)
    status = service.get_status(backend, request_id)
    assert (status.status, status.rows_done, status.rows_failed) == ("succeeded", 5, 1)
    summary = service.summary(backend, request_id, group_by="course")
    assert sum(group.rows for group in summary.groups) == 5
    assert service.results_page(backend, request_id).rows[1]["label"] == "negative"
    backend.repository.database.dispose()
