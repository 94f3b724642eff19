"""The repository's contract, run on SQLite (embedded) and on the real PostgreSQL (AWS):
migrations, exactly-once chunk writes over an at-least-once queue, chunk writes racing from
threads, two workers handling duplicate deliveries of one job at the same time, heartbeats,
deliveries judged by progress, 50 identical submissions racing to one job, and the whole
service. The queue and object store contracts are in test_port_contracts.py.

To cover another database, add a context manager to DATABASES that yields a SQLAlchemy URL."""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from jobfakes import AWKWARD_COLUMN_NAMES, FakePredictor, comments_csv, new_job
from postgres import fresh_database

from pipeline import service
from pipeline.bootstrap import init_backend
from pipeline.db import ChunkOutcome, JobStatus, Repository, WorkerRegistry, WorkerTime
from pipeline.db.jobs import Intake, JobRepository
from pipeline.db.migrate import require_current, upgrade
from pipeline.errors import Conflict, ReceiptExpired
from pipeline.model_fault import waiting_note
from pipeline.poison import PoisonPolicy
from pipeline.service.views import Submission
from pipeline.settings import Settings
from pipeline.worker import Worker


@contextmanager
def sqlite_database(folder: Path) -> Iterator[str]:
    yield f"sqlite:///{folder / 'contract.sqlite'}"


@contextmanager
def postgresql_database(_folder: Path) -> Iterator[str]:
    with fresh_database("pipeline_contract") as url:
        yield url


DATABASES: dict[str, Callable[[Path], AbstractContextManager[str]]] = {
    "sqlite": sqlite_database,
    "postgresql": postgresql_database,
}


@pytest.fixture(scope="module", params=sorted(DATABASES))
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with DATABASES[request.param](tmp_path_factory.mktemp(request.param)) as url:
        yield url


@pytest.fixture(scope="module")
def repo(database_url: str) -> Iterator[Repository]:
    repository = Repository.connect(database_url)
    upgrade(repository.database.engine)
    yield repository
    repository.database.dispose()


def chunk(start: int, count: int, error_every: int = 0) -> list[dict[str, object]]:
    return [
        {
            "row_index": i,
            "text": f"c{i}",
            "data": {"course": "A" if i % 2 else "B"},
            "label": None if error_every and i % error_every == 0 else "positive",
            "scores": {"negative": 0.2, "positive": 0.8},
            "error": "empty comment" if error_every and i % error_every == 0 else None,
            "model_version": "v",
        }
        for i in range(start, start + count)
    ]


def running(repo: Repository, rows: int) -> str:
    request_id = f"job-{time.monotonic_ns()}"
    repo.jobs.create(new_job(request_id, rows=rows))
    assert repo.jobs.begin_attempt(request_id, "v", ["negative", "positive"]) is not None
    return request_id


def stored_rows(repo: Repository, request_id: str) -> list[int]:
    return [row.row_index for batch in repo.results.batches(request_id, 7) for row in batch]


def test_migrations_are_idempotent_and_match_the_models(repo: Repository) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from pipeline.db.models import Base

    upgrade(repo.database.engine)
    require_current(repo.database.engine)
    with repo.database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_handing_over_jobs_keeps_each_owners_reuse_keys_unique(repo: Repository) -> None:
    """Both owners hold a live job of the same submission (the same reuse key, unique per
    owner among live jobs): the receiver's stays the one reused, the moved one stops being."""
    tag = time.monotonic_ns()
    source, target = f"from-{tag}", f"to-{tag}"
    repo.jobs.create(new_job(f"moved-{tag}", owner=source))
    repo.jobs.create(new_job(f"kept-{tag}", owner=target))
    assert repo.jobs.hand_over(source, target) == 1
    assert {job.request_id for job in repo.jobs.list_for(target)} == {f"moved-{tag}", f"kept-{tag}"}
    reused, created = repo.jobs.create_unless_reusable(new_job(f"again-{tag}", owner=target))
    assert (reused.request_id, created) == (f"kept-{tag}", False)
    assert repo.jobs.list_for(source) == []


def test_a_chunk_delivered_again_leaves_one_copy(repo: Repository) -> None:
    request_id = running(repo, rows=10)
    assert repo.jobs.write_chunk(request_id, chunk(0, 4, error_every=3)) is ChunkOutcome.WRITTEN
    assert repo.jobs.write_chunk(request_id, chunk(0, 4, error_every=3)) is ChunkOutcome.DUPLICATE
    assert repo.jobs.write_chunk(request_id, chunk(2, 4)) is ChunkOutcome.WRITTEN  # overlap
    job = repo.jobs.get(request_id)
    assert (job.rows_done, job.rows_failed) == (6, 2)  # rows 0 and 3, counted once
    assert stored_rows(repo, request_id) == list(range(6))


def test_a_chunk_that_would_leave_a_gap_is_refused_and_changes_nothing(repo: Repository) -> None:
    request_id = running(repo, rows=10)
    repo.jobs.write_chunk(request_id, chunk(0, 3))
    with pytest.raises(Conflict, match="starts at row 5 but 3 rows"):
        repo.jobs.write_chunk(request_id, chunk(5, 3), WorkerTime(1.0, 0.5))
    job = repo.jobs.get(request_id)
    assert (job.rows_done, job.worker_seconds) == (3, 0.0)  # the refused write rolled back
    assert stored_rows(repo, request_id) == [0, 1, 2]


def test_racing_chunk_writes_leave_exactly_one_copy(repo: Repository) -> None:
    request_id = running(repo, rows=40)
    outcomes: list[ChunkOutcome] = []
    barrier = threading.Barrier(4)

    def write(start: int) -> None:
        barrier.wait()
        outcomes.append(repo.jobs.write_chunk(request_id, chunk(start, 10), WorkerTime(1, 0)))

    for start in (0, 10, 20, 30):
        threads = [threading.Thread(target=write, args=(start,)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert outcomes.count(ChunkOutcome.WRITTEN) == 4
    assert outcomes.count(ChunkOutcome.DUPLICATE) == 12
    job = repo.jobs.get(request_id)
    assert (job.rows_done, job.worker_seconds) == (40, 16.0)  # no lost update either
    assert stored_rows(repo, request_id) == list(range(40))
    assert repo.jobs.complete(request_id, "results/race.csv")
    assert not repo.jobs.complete(request_id, "results/race.csv")  # the twin finds it done
    assert repo.jobs.get(request_id).status is JobStatus.SUCCEEDED


def test_summaries_group_by_a_json_column(repo: Repository) -> None:
    request_id = running(repo, rows=6)
    repo.jobs.write_chunk(request_id, chunk(0, 6, error_every=5))
    (overall,) = repo.results.summarize(request_id, ["negative", "positive"])
    assert (overall.rows, overall.errors) == (6, 2)
    assert overall.counts == {"negative": 0, "positive": 4}
    assert overall.mean_scores["positive"] == pytest.approx(0.8)
    groups = repo.results.summarize(request_id, ["negative", "positive"], "course")
    assert [(g.group, g.rows) for g in groups] == [("A", 3), ("B", 3)]


def test_heartbeats_tell_busy_workers_and_forget_silent_ones(repo: Repository) -> None:
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    workers = WorkerRegistry(repo.database, now=lambda: now[0])
    task = "arn:aws:ecs:us-east-1:123456789012:task/sentiment/0f1e2d3c4b5a6978"
    receipt = "AQEB" + "r" * 1000  # SQS receipt handles run to about a kilobyte
    workers.beat(task, "job-1", host="ip-10-0-0-1", pid=1, receipt=receipt)
    workers.beat("i-0abc123def4567890", None, host="ip-10-0-0-2", pid=1)
    assert workers.busy(stale_after_s=30) == {task: "job-1"}
    now[0] += timedelta(seconds=20)
    workers.beat("i-0abc123def4567890", None, host="ip-10-0-0-2", pid=1)
    now[0] += timedelta(seconds=15)
    assert workers.busy(stale_after_s=30) == {}
    (gone,) = workers.prune(stale_after_s=30)
    assert (gone.worker_id, gone.current_job, gone.receipt) == (task, "job-1", receipt)
    assert [w.worker_id for w in workers.all()] == ["i-0abc123def4567890"]
    workers.remove("i-0abc123def4567890")
    assert workers.all() == []


def test_a_worker_known_gone_is_forgotten_with_the_receipt_it_held(repo: Repository) -> None:
    workers = repo.workers
    workers.beat("local-a", "job-1", host="h", pid=1, receipt="receipt-1")
    workers.beat("local-b", "job-2", host="h", pid=2, receipt="receipt-2")
    workers.beat("local-a", None, host="h", pid=1)  # between deliveries: holds nothing
    workers.beat("local-a", "job-3", host="h", pid=1, receipt="receipt-3")
    gone = workers.forget("local-a")
    assert gone is not None and (gone.current_job, gone.receipt) == ("job-3", "receipt-3")
    assert workers.forget("local-a") is None
    assert [(w.worker_id, w.receipt) for w in workers.all()] == [("local-b", "receipt-2")]
    workers.remove("local-b")


def test_a_job_is_claimed_by_one_live_worker_at_a_time(repo: Repository) -> None:
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    workers = WorkerRegistry(repo.database, now=lambda: now[0])
    assert workers.claim("w1", "job-9", host="h", pid=1, receipt="r1", stale_after_s=30) is None
    assert workers.claim("w2", "job-9", host="h", pid=2, receipt="r2", stale_after_s=30) == "w1"
    assert workers.claim("w1", "job-9", host="h", pid=1, receipt="r1", stale_after_s=30) is None
    assert workers.busy(stale_after_s=30) == {"w1": "job-9"}, "the refused claim wrote nothing"
    now[0] += timedelta(seconds=31)  # w1 stopped beating: killed
    assert workers.claim("w2", "job-9", host="h", pid=2, receipt="r2", stale_after_s=30) is None
    assert workers.busy(stale_after_s=30) == {"w2": "job-9"}
    for name in ("w1", "w2"):
        workers.remove(name)


class SlowPredictor(FakePredictor):
    """Yields the processor between batches so two workers' chunks interleave."""

    def predict_proba(self, texts: Sequence[object]) -> np.ndarray:
        time.sleep(0.01)
        return super().predict_proba(texts)


def test_two_workers_on_duplicate_deliveries_of_one_job_label_it_once(
    database_url: str, tmp_path: Path
) -> None:
    backend = init_backend(
        Settings(data_dir=tmp_path, database_url=database_url, model="fake", chunk_rows=3)
    )
    comments = [f"{'good' if i % 3 else 'bad'} lecture {i}" for i in range(30)]
    source = comments_csv(tmp_path / "dup.csv", comments)
    request_id = service.submit(backend, source, "comment").request_id
    backend.queue.send({"request_id": request_id})  # at-least-once: delivered twice
    receipts: list[str] = []
    predictors = [SlowPredictor(), SlowPredictor()]
    barrier = threading.Barrier(2)

    def work(index: int) -> None:
        message = backend.queue.receive()
        assert message is not None
        receipts.append(message.receipt)
        barrier.wait()
        Worker(backend, lambda _ref: predictors[index], f"w{index}").handle(message)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    job = backend.repository.jobs.get(request_id)
    assert (job.status, job.rows_done, job.attempts) == (JobStatus.SUCCEEDED, 30, 1)
    assert sorted(bool(p.calls) for p in predictors) == [False, True], "one worker labelled"
    texts = [row.text for batch in backend.repository.results.batches(request_id) for row in batch]
    assert texts == comments
    for receipt in receipts:  # the one that waited comes back, and is dropped
        with contextlib.suppress(ReceiptExpired):
            backend.queue.release(receipt)
    Worker(backend, lambda _ref: SlowPredictor(), "w2").run(burst=True)
    assert backend.queue.depth().total == 0
    backend.repository.database.dispose()


def test_the_whole_service_runs_on_each_database(database_url: str, tmp_path: Path) -> None:
    backend = init_backend(
        Settings(data_dir=tmp_path, database_url=database_url, model="fake", chunk_rows=3)
    )
    source = comments_csv(tmp_path / "c.csv", ["good", "bad", "", "fine", "good"])
    request_id = service.submit(backend, source, "comment", ["course"]).request_id
    Worker(backend, lambda _ref: FakePredictor(), "contract-worker").run(burst=True)
    status = service.get_status(backend, request_id)
    assert (status.status, status.rows_done, status.rows_failed) == ("succeeded", 5, 1)
    assert status.worker_seconds > 0
    summary = service.summary(backend, request_id, group_by="course")
    assert sum(group.rows for group in summary.groups) == 5
    assert service.results_page(backend, request_id).rows[1]["label"] == "negative"
    backend.repository.database.dispose()


def test_a_survey_of_several_open_questions_runs_on_each_database(
    database_url: str, tmp_path: Path
) -> None:
    """The job keeps its comment columns (a JSON list in input_options) and is summarised by
    the question column it reads them into."""
    backend = init_backend(
        Settings(data_dir=tmp_path, database_url=database_url, model="fake", chunk_rows=2)
    )
    source = tmp_path / "survey.csv"
    source.write_text("course,liked,change\nA,good labs,bad exams\nB,,bad room\nB,good,\n")
    request_id = service.submit(backend, source, ["liked", "change"], ["course"]).request_id
    Worker(backend, lambda _ref: FakePredictor(), "contract-worker").run(burst=True)

    status = service.get_status(backend, request_id)
    assert (status.status, status.rows_done, status.rows_failed) == ("succeeded", 4, 0)
    assert status.input_options["comment_columns"] == ["liked", "change"]
    by_question = service.summary(backend, request_id, group_by="question")
    assert {group.group: group.counts["negative"] for group in by_question.groups} == {
        "change": 2,
        "liked": 0,
    }
    backend.repository.database.dispose()


def test_fifty_identical_submissions_at_once_make_one_job(
    database_url: str, tmp_path: Path
) -> None:
    backend = init_backend(Settings(data_dir=tmp_path, database_url=database_url, model="fake"))
    source = comments_csv(tmp_path / "same.csv", ["good", "bad", "fine"])
    owner = f"race-{time.monotonic_ns()}"
    barrier = threading.Barrier(50)
    answers: list[Submission] = []

    def submit() -> None:
        barrier.wait()
        answers.append(service.submit(backend, source, "comment", owner=owner))

    threads = [threading.Thread(target=submit) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 50 and len({answer.request_id for answer in answers}) == 1
    assert [answer.reused for answer in answers].count(False) == 1
    assert [job.request_id for job in backend.repository.jobs.list_for(owner)] == [
        answers[0].request_id
    ]
    assert backend.queue.depth().visible == 1
    backend.repository.database.dispose()


def test_reuse_is_per_owner_skips_ended_jobs_and_follows_fresh_ones(repo: Repository) -> None:
    owner = f"reuse-{time.monotonic_ns()}"

    def reusable() -> str | None:
        job = repo.jobs.find_reusable(owner, "d")
        return None if job is None else job.request_id

    first, created = repo.jobs.create_unless_reusable(new_job(f"{owner}-1", owner))
    assert created and reusable() == first.request_id
    again, created = repo.jobs.create_unless_reusable(new_job(f"{owner}-2", owner))
    assert not created and again.request_id == first.request_id
    fresh = repo.jobs.create(new_job(f"{owner}-3", owner))
    assert reusable() == fresh.request_id  # the newest job is the one reused
    repo.jobs.cancel(fresh.request_id)
    assert reusable() is None  # the displaced first job is not offered again
    assert repo.jobs.find_reusable("someone-else", "d") is None
    after, created = repo.jobs.create_unless_reusable(new_job(f"{owner}-4", owner))
    assert created and reusable() == after.request_id
    repo.jobs.fail(after.request_id, "broken")
    assert reusable() is None


def test_deliveries_are_judged_by_progress(repo: Repository) -> None:
    policy = PoisonPolicy(max_failures=2, chunk_rows=4)
    request_id = running(repo, rows=10)
    assert repo.jobs.take_delivery(request_id, policy) is Intake.WORK
    for start in (0, 4):  # a worker commits a chunk, then is killed: never poison
        repo.jobs.write_chunk(request_id, chunk(start, 4))
        assert repo.jobs.take_delivery(request_id, policy) is Intake.WORK
    repo.jobs.note_error(request_id, "RuntimeError: boom")  # the second failure at row 8
    assert repo.jobs.take_delivery(request_id, policy) is Intake.POISONED
    job = repo.jobs.get(request_id)
    assert job.status is JobStatus.FAILED and job.rows_done == 8
    assert job.error == (
        "the worker crashed twice on rows 9–10 without committing a row, so the job was stopped "
        "rather than retried forever: look for what is unusual in those rows, fix or remove it "
        "and submit the file again (last error: RuntimeError: boom)"
    )
    assert repo.jobs.take_delivery(request_id, policy) is Intake.FINISHED


def test_a_model_fault_closes_the_delivery_without_counting_a_failure(repo: Repository) -> None:
    policy = PoisonPolicy(max_failures=1, chunk_rows=4)
    request_id = running(repo, rows=10)
    note = "the model could not be loaded (PIPELINE_MODEL=/nope): ModelLoadError: not found"
    for _ in range(3):
        assert repo.jobs.take_delivery(request_id, policy) is Intake.WORK
        repo.jobs.note_fault(request_id, note)
        assert repo.jobs.get(request_id).error == note
    assert repo.jobs.take_delivery(request_id, policy) is Intake.WORK  # never poison
    started = repo.jobs.begin_attempt(request_id, "v", ["negative", "positive"])
    assert started is not None and started.error is None  # the model loaded: no longer waiting


def test_a_job_waiting_for_its_first_delivery_counts_once_it_has_waited(
    repo: Repository,
) -> None:
    """``any_queued(waited_s)`` compares the submit times the database holds with the
    repository's clock: an hour on, a job queued now has waited 50 minutes but not two
    hours (only this run's jobs are in the database)."""
    repo.jobs.create(new_job(f"waits-{time.monotonic_ns()}"))
    hour_later = JobRepository(repo.database, now=lambda: datetime.now(UTC) + timedelta(hours=1))
    assert hour_later.any_queued(waited_s=50 * 60)
    assert not hour_later.any_queued(waited_s=2 * 3600)


def test_a_queued_job_counts_the_jobs_queued_before_it_and_those_running(
    repo: Repository,
) -> None:
    """``queue_place``: counted against what the module's other tests left (differences), by
    the submit times the database holds; a job waiting for its model is not ahead."""
    tag = time.monotonic_ns()
    first, second, third = (repo.jobs.create(new_job(f"line-{tag}-{i}")) for i in range(3))
    before = repo.jobs.queue_place(first)
    assert repo.jobs.queue_place(third).ahead == before.ahead + 2
    assert repo.jobs.begin_attempt(first.request_id, "v", ["negative", "positive"]) is not None
    now = repo.jobs.queue_place(third)
    assert (now.ahead, now.running) == (before.ahead + 1, before.running + 1)
    note = waiting_note("/models/gone", FileNotFoundError("no such folder"))
    repo.jobs.note_fault(second.request_id, note)
    assert repo.jobs.get(second.request_id).error == note
    assert repo.jobs.queue_place(third).ahead == before.ahead
    repo.jobs.cancel(second.request_id)
    repo.jobs.cancel(third.request_id)
    repo.jobs.cancel(first.request_id)


@pytest.mark.parametrize("name", sorted(DATABASES))
def test_the_reuse_migration_keeps_one_reusable_job_among_old_duplicates(
    name: str, tmp_path: Path
) -> None:
    from alembic import command
    from sqlalchemy import text

    from pipeline.db.migrate import alembic_config

    with DATABASES[name](tmp_path) as url:
        repository = Repository.connect(url)
        with repository.database.engine.begin() as connection:
            command.upgrade(alembic_config(connection), "0003")
            for request_id, status, created in [
                ("old", "succeeded", "2026-01-01 00:00:00"),
                ("newer", "succeeded", "2026-01-02 00:00:00"),
                ("newest-failed", "failed", "2026-01-03 00:00:00"),
            ]:
                connection.execute(
                    text(
                        "INSERT INTO jobs (request_id, owner, status, input_key, input_name, "
                        "input_format, input_columns, text_column, group_by, content_hash, "
                        "dedup_key, model, rows_total, rows_done, rows_failed, attempts, "
                        "created_at, updated_at) VALUES (:id, 'o', :status, 'k', 'n.csv', "
                        "'csv', '[]', 'c', '[]', 'h', 'd', 'm', 1, 1, 0, 1, :at, :at)"
                    ),
                    {"id": request_id, "status": status, "at": created},
                )
        upgrade(repository.database.engine)
        reused = repository.jobs.find_reusable("o", "d")
        assert reused is not None and reused.request_id == "newer"
        _job, created = repository.jobs.create_unless_reusable(new_job("new", "o"))
        assert not created
        repository.database.dispose()


def test_insight_columns_round_trip_and_themes_are_set_in_bulk(repo: Repository) -> None:
    request_id = f"job-{time.monotonic_ns()}"
    repo.jobs.create(dataclasses.replace(new_job(request_id, rows=6001), explain=True))
    started = repo.jobs.begin_attempt(
        request_id, "v", ["negative", "positive"], insights_key="analysis/x", aspect_model="a1"
    )
    assert started is not None and started.explain
    assert (started.insights_key, started.aspect_model) == ("analysis/x", "a1")
    rows = chunk(0, 6001, error_every=1000)
    for row in rows:
        found = {"exams": "negative", "teaching": "positive"} if row["label"] else {}
        row.update(aspects=list(found), aspect_sentiments=found, explanation="bad:+0.41")
    assert repo.jobs.write_chunk(request_id, rows) is ChunkOutcome.WRITTEN
    (first,) = repo.results.page(request_id, 1, 1)
    assert first.aspects == ("exams", "teaching") and first.explanation == "bad:+0.41"
    assert first.aspect_sentiments == {"exams": "negative", "teaching": "positive"}
    labelled = [row["row_index"] for row in rows if row["label"]]
    repo.results.assign_themes(request_id, {row: row % 3 for row in labelled})  # > one IN list
    read = list(repo.results.insight_rows(request_id, "course", batch_size=2500))
    assert [r.row_index for r in read] == labelled  # unlabelled rows are left out
    assert all(r.theme == r.row_index % 3 for r in read)
    assert {r.group for r in read} == {"A", "B"} and read[0].aspects == ("exams", "teaching")
    repo.results.assign_themes(request_id, {labelled[0]: 7})
    again = list(repo.results.insight_rows(request_id))
    assert again[0].theme == 7 and {r.theme for r in again[1:]} == {None}
    repo.jobs.note_themes(request_id, "finding the themes failed: boom")
    assert repo.jobs.get(request_id).themes_error == "finding the themes failed: boom"


def test_aspects_and_themes_of_a_whole_job_on_each_database(
    database_url: str, tmp_path: Path
) -> None:
    from insightfakes import fake_analyst

    backend = init_backend(
        Settings(data_dir=tmp_path, database_url=database_url, model="fake", chunk_rows=3)
    )
    comments = ["bad exam", "good lecture", "", "bad exam again", "good exam", "fine"]
    source = comments_csv(tmp_path / "c.csv", comments)
    request_id = service.submit(backend, source, "comment", ["course"]).request_id
    Worker(backend, lambda _ref: FakePredictor(), "w", insights=fake_analyst).run(burst=True)
    aspects = service.aspect_summary(backend, None, request_id, "course")
    exams = next(c for c in aspects["categories"] if c["name"] == "exams")
    assert exams["counts"] == {"negative": 2, "neutral": 0, "positive": 1}
    assert sum(g["n"] for g in aspects["groups"]) == aspects["rows_labelled"] == 5
    themes = service.theme_summary(backend, None, request_id, group_by="course")
    assert themes["n"] == 5
    assert sum(c["count"] for t in themes["themes"] for c in t["counts"]) == 5
    rows = service.results_page(backend, request_id).rows
    assert [row["theme"] is None for row in rows] == [False, False, True, False, False, False]
    backend.repository.database.dispose()


def test_one_groups_rows_are_read_alone_as_summaries_group_them(repo: Repository) -> None:
    request_id = running(repo, rows=40)
    rows = chunk(0, 40)
    cells: list[object] = ["A", "B", "", None, 101]  # None: the row has no such column
    for row in rows:
        cell = cells[int(row["row_index"]) % 5]  # type: ignore[call-overload]
        row["data"] = {} if cell is None else {"course": cell}
    repo.jobs.write_chunk(request_id, rows)

    def read(group: str) -> list[int]:
        found = repo.results.group_batches(request_id, "course", group, batch_size=3)
        return [record.row_index for batch in found for record in batch]

    assert read("A") == list(range(0, 40, 5))  # batches of 3 over rows that are 5 apart
    assert read("101") == list(range(4, 40, 5))  # a number, as the summary names it
    assert read("") == sorted([*range(2, 40, 5), *range(3, 40, 5)])  # empty or missing
    assert read("a") == [] and read("C") == []
    named = {g.group for g in repo.results.summarize(request_id, ["positive"], "course")}
    assert {"A", "101"} <= named
    insight = repo.results.insight_rows(request_id, "course", batch_size=4, group="B")
    assert [r.row_index for r in insight] == list(range(1, 40, 5))


GROUP_COLUMN_NAMES = (*AWKWARD_COLUMN_NAMES, "it's")


def test_groups_are_read_by_any_column_name_however_a_rows_json_was_written(
    repo: Repository,
) -> None:
    """Rows 0-5 as every version has written them (``"Intitul\\u00e9"``), rows 6-11 with the
    letters as they are (``"Intitulé"``): each column groups all twelve alike, on each
    database, whatever its name holds."""
    import json

    from sqlalchemy import text

    request_id = running(repo, rows=12)
    rows = chunk(0, 12)
    for row in rows:
        i = int(row["row_index"])  # type: ignore[call-overload]
        row["data"] = {name: f"{n}-{i % 3}" for n, name in enumerate(GROUP_COLUMN_NAMES)}
    assert repo.jobs.write_chunk(request_id, rows) is ChunkOutcome.WRITTEN
    as_json = "CAST(:data AS JSON)" if repo.database.dialect == "postgresql" else ":data"
    with repo.database.write() as session:
        for row in rows[6:]:
            session.execute(
                text(
                    f"UPDATE result_rows SET data = {as_json} "
                    "WHERE request_id = :request_id AND row_index = :row_index"
                ),
                {
                    "data": json.dumps(row["data"], ensure_ascii=False),
                    "request_id": request_id,
                    "row_index": row["row_index"],
                },
            )
        stored = session.execute(
            text(
                "SELECT CAST(data AS TEXT) FROM result_rows "
                "WHERE request_id = :request_id ORDER BY row_index"
            ),
            {"request_id": request_id},
        ).scalars()
        written = list(stored)
    assert "Intitul\\u00e9" in written[0] and "Intitulé" in written[6]

    for n, name in enumerate(GROUP_COLUMN_NAMES):
        groups = repo.results.summarize(request_id, ["positive"], name)
        assert [(g.group, g.rows) for g in groups] == [(f"{n}-{v}", 4) for v in range(3)], name
        found = repo.results.group_batches(request_id, name, f"{n}-1", batch_size=3)
        assert [record.row_index for batch in found for record in batch] == [1, 4, 7, 10]
        insight = repo.results.insight_rows(request_id, name, group=f"{n}-2")
        assert [(r.row_index, r.group) for r in insight] == [(i, f"{n}-2") for i in (2, 5, 8, 11)]
