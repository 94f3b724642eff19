"""The worker loop with a fake predictor: whole jobs, resume after a crash, graceful stop,
cancel, row errors, and poison judged by progress: a job killed after every chunk finishes, a
job that crashes twice on the same chunk fails with the rows named."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from insightfakes import DIMENSION, FakeTagger, fake_embed
from jobfakes import FakeClock, FakePredictor, comments_csv, make_backend

from pipeline import service
from pipeline.bootstrap import Backend
from pipeline.db import JobStatus
from pipeline.db.engine import utcnow
from pipeline.db.workers import WorkerRegistry
from pipeline.insights.chunk import ChunkAnalyst
from pipeline.ports import QueueMessage
from pipeline.worker import Worker

COMMENTS = ["good course", "bad labs", "", "okay I guess", "good", "bad", "fine", "meh", "good!"]


class Killed(BaseException):
    """Stands in for kill -9: nothing in the worker catches it, nothing is cleaned up."""


def submit(backend: Backend, tmp_path: Path, comments: list[str] = COMMENTS) -> str:
    source = comments_csv(tmp_path / "in.csv", comments)
    return service.submit(backend, source, "comment", ["course"]).request_id


def result_frame(backend: Backend, request_id: str) -> pd.DataFrame:
    key = backend.repository.jobs.get(request_id).result_key
    assert key is not None
    return pd.read_csv(io.BytesIO(backend.store.get_bytes(key)), keep_default_na=False)


def test_a_job_is_labelled_published_and_acknowledged(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    request_id = submit(backend, tmp_path)
    assert Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True) == 1
    job = backend.repository.jobs.get(request_id)
    assert job.status is JobStatus.SUCCEEDED
    assert (job.rows_done, job.rows_failed, job.attempts) == (9, 1, 1)
    assert job.model_version == "fake-1" and job.labels == ("negative", "neutral", "positive")
    frame = result_frame(backend, request_id)
    assert list(frame.columns) == [
        "course", "comment", "label", "score_negative", "score_neutral", "score_positive",
        "error", "model_version", "language", "aspects", "aspect_sentiments", "theme",
    ]  # fmt: skip
    assert frame["comment"].tolist() == COMMENTS
    assert frame["label"].tolist()[:3] == ["positive", "negative", ""]
    assert frame.loc[2, "error"].startswith("empty comment")
    assert backend.queue.depth().total == 0
    assert backend.repository.workers.all() == []


def test_input_columns_named_like_bookkeeping_are_kept_as_they_are(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    source = tmp_path / "rows.csv"
    rows = ["r9", "r8", "r7", "r6", "r5"]
    pd.DataFrame({"row": rows, "comment": ["good", "bad", "", "fine", "good"]}).to_csv(
        source, index=False
    )
    request_id = service.submit(backend, source, "comment", ["row"]).request_id
    assert Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True) == 1
    assert backend.repository.jobs.get(request_id).status is JobStatus.SUCCEEDED
    frame = result_frame(backend, request_id)
    assert list(frame.columns[:3]) == ["row", "comment", "label"]
    assert frame["row"].tolist() == rows


def test_input_columns_named_like_the_models_output_are_kept_renamed(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    source = tmp_path / "labelled.csv"
    human = ["positive", "neutral", "negative", "positive", "neutral"]
    pd.DataFrame(
        {
            "label": human,
            "comment": ["good", "bad", "fine", "good", "bad"],
            "score_positive": ["5", "1", "3", "4", "2"],
        }
    ).to_csv(source, index=False)
    request_id = service.submit(backend, source, "comment", ["label"]).request_id
    assert Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True) == 1
    frame = result_frame(backend, request_id)
    assert list(frame.columns) == [
        "input_label", "comment", "input_score_positive", "label", "score_negative",
        "score_neutral", "score_positive", "error", "model_version", "language", "aspects",
        "aspect_sentiments", "theme",
    ]  # fmt: skip
    assert frame["input_label"].tolist() == human
    assert frame["input_score_positive"].tolist() == [5, 1, 3, 4, 2]
    assert frame["label"].tolist() == ["positive", "negative", "neutral", "positive", "negative"]
    page = service.results_page(backend, request_id)
    assert page.columns == list(frame.columns)
    assert page.rows[1]["input_label"] == "neutral" and page.rows[1]["label"] == "negative"
    for name in ("label", "input_label"):  # the file's name and the results table's both work
        groups = service.summary(backend, request_id, group_by=name).groups
        assert [g.group for g in groups] == ["negative", "neutral", "positive"]
        assert [g.rows for g in groups] == [1, 2, 2]


def test_a_worker_killed_mid_job_loses_nothing_and_the_next_resumes(tmp_path: Path) -> None:
    clock = FakeClock()
    backend = make_backend(tmp_path, clock=clock, visibility_timeout_s=30)
    request_id = submit(backend, tmp_path)

    def die_after_first_chunk(_rows: int) -> None:
        raise Killed

    with pytest.raises(Killed):
        Worker(backend, lambda _ref: FakePredictor(), "w1", on_rows=die_after_first_chunk).run()
    assert backend.repository.jobs.get(request_id).rows_done == 4
    second = FakePredictor()
    assert Worker(backend, lambda _ref: second, "w2").run(burst=True) == 0  # still hidden
    clock.advance(31)
    assert Worker(backend, lambda _ref: second, "w2").run(burst=True) == 1
    job = backend.repository.jobs.get(request_id)
    assert job.status is JobStatus.SUCCEEDED and job.attempts == 2
    assert second.calls == 2  # rows 4-7 and 8: the committed chunk was not labelled again
    assert result_frame(backend, request_id)["comment"].tolist() == COMMENTS


def test_a_stop_request_finishes_the_chunk_and_hands_the_message_back(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    request_id = submit(backend, tmp_path)
    workers: list[Worker] = []
    workers.append(
        Worker(
            backend, lambda _ref: FakePredictor(), "w1", on_rows=lambda _: workers[0].request_stop()
        )
    )
    workers[0].run()
    job = backend.repository.jobs.get(request_id)
    assert job.status is JobStatus.RUNNING and job.rows_done == 4
    assert backend.queue.depth().visible == 1
    Worker(backend, lambda _ref: FakePredictor(), "w2").run(burst=True)
    assert backend.repository.jobs.get(request_id).status is JobStatus.SUCCEEDED


def test_cancel_mid_job_keeps_the_finished_rows_and_drops_the_message(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    request_id = submit(backend, tmp_path)
    worker = Worker(
        backend,
        lambda _ref: FakePredictor(),
        "w1",
        on_rows=lambda _rows: service.cancel(backend, request_id),
    )
    worker.run(burst=True)
    job = backend.repository.jobs.get(request_id)
    assert job.status is JobStatus.CANCELLED and job.rows_done == 4
    page = service.results_page(backend, request_id)
    assert [row["comment"] for row in page.rows] == COMMENTS[:4]
    assert backend.queue.depth().total == 0


def test_a_job_that_fails_twice_on_the_same_chunk_fails_with_the_rows(tmp_path: Path) -> None:
    backend = make_backend(tmp_path, max_receives=3)  # the queue's limit is only a backstop
    comments = ["fine", "good", "bad", "okay", "good", "explode here", "good", "bad", "fine"]
    request_id = submit(backend, tmp_path, comments)  # chunks of 4: rows 1-4, 5-8, 9
    failing = FakePredictor(fail_on="explode")
    Worker(backend, lambda _ref: failing, "w1").run(burst=True)
    job = backend.repository.jobs.get(request_id)
    assert job.status is JobStatus.FAILED and job.attempts == 2 and job.rows_done == 4
    assert (job.error or "").startswith("the worker crashed twice on rows 5–8 without committing")
    assert (job.error or "").endswith("(last error: RuntimeError: cannot score 'explode here')")
    assert backend.queue.depth().total == 0 and backend.queue.dead_letters() == []
    assert [row["comment"] for row in service.results_page(backend, request_id).rows] == (
        comments[:4]
    )


def test_a_job_killed_after_every_chunk_finishes_past_the_queues_limit(tmp_path: Path) -> None:
    clock = FakeClock()
    backend = make_backend(tmp_path, clock=clock, visibility_timeout_s=30, max_receives=3)
    comments = [f"good comment {n}" for n in range(22)]  # six chunks of 4: six kills
    request_id = submit(backend, tmp_path, comments)

    def die_after_a_chunk(_rows: int) -> None:
        raise Killed

    kills = 0
    while backend.repository.jobs.get(request_id).status is not JobStatus.SUCCEEDED:
        worker = Worker(
            backend, lambda _ref: FakePredictor(), f"w{kills}", on_rows=die_after_a_chunk
        )
        try:
            worker.run(burst=True)
        except Killed:
            kills += 1
        clock.advance(31)  # the dead worker's message becomes visible again
    job = backend.repository.jobs.get(request_id)
    assert kills == 6 and job.attempts == 7 and job.rows_done == 22  # 7th: publishes
    assert result_frame(backend, request_id)["comment"].tolist() == comments
    assert backend.queue.depth().total == 0 and backend.queue.dead_letters() == []


def test_a_worker_crashing_on_the_same_chunk_twice_fails_the_job_at_receive(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    backend = make_backend(tmp_path, clock=clock, visibility_timeout_s=30)
    request_id = submit(backend, tmp_path)

    class DiesOnSecondChunk(FakePredictor):
        def predict_proba(self, texts: Sequence[object]) -> np.ndarray:
            if "meh" in texts:  # row 8, in the second chunk
                raise Killed
            return super().predict_proba(texts)

    for attempt in (1, 2):
        with pytest.raises(Killed):
            Worker(backend, lambda _ref: DiesOnSecondChunk(), f"w{attempt}").run()
        clock.advance(31)
    assert backend.repository.jobs.get(request_id).status is JobStatus.RUNNING
    predictor = FakePredictor()
    assert Worker(backend, lambda _ref: predictor, "w3").run(burst=True) == 1
    job = backend.repository.jobs.get(request_id)
    assert job.status is JobStatus.FAILED and job.attempts == 2 and predictor.calls == 0
    assert job.error is not None and "crashed twice on rows 5–8" in job.error
    assert "last error" not in job.error  # nothing was raised: the workers just died
    assert backend.queue.depth().total == 0


def test_stopping_on_request_is_not_counted_as_a_failure(tmp_path: Path) -> None:
    backend = make_backend(tmp_path, max_failures_per_chunk=1)
    request_id = submit(backend, tmp_path)
    for name in ("w1", "w2", "w3"):  # each one is asked to stop before its first chunk
        worker = Worker(backend, lambda _ref: FakePredictor(), name)
        worker._stop.set()
        worker.handle(_received(backend))
    assert backend.repository.jobs.get(request_id).status is JobStatus.QUEUED
    stopper: list[Worker] = []
    stopper.append(
        Worker(
            backend, lambda _ref: FakePredictor(), "w4", on_rows=lambda _: stopper[0].request_stop()
        )
    )
    stopper[0].handle(_received(backend))  # one chunk, then handed back
    assert Worker(backend, lambda _ref: FakePredictor(), "w5").run(burst=True) == 1
    job = backend.repository.jobs.get(request_id)
    assert job.status is JobStatus.SUCCEEDED and job.attempts == 2


def _received(backend: Backend) -> QueueMessage:
    message = backend.queue.receive()
    assert message is not None
    return message


def test_an_input_that_cannot_be_read_fails_at_once(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    request_id = submit(backend, tmp_path)
    job = backend.repository.jobs.get(request_id)
    backend.store.put_bytes(job.input_key, b'course,comment\nC1,"never closed\n')
    Worker(backend, lambda _ref: FakePredictor(), "w1").run(burst=True)
    job = backend.repository.jobs.get(request_id)
    assert job.status is JobStatus.FAILED and job.attempts == 1
    assert (job.error or "").startswith("the input cannot be read")


def test_messages_for_unknown_or_finished_jobs_are_acknowledged(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    request_id = submit(backend, tmp_path)
    service.cancel(backend, request_id)
    backend.queue.send({"request_id": "no-such-job"})
    predictor = FakePredictor()
    assert Worker(backend, lambda _ref: predictor, "w1").run(burst=True) == 2
    assert predictor.calls == 0 and backend.queue.depth().total == 0


def test_the_predictor_is_loaded_once_per_model(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    submit(backend, tmp_path)
    submit(backend, tmp_path, ["another", "file"])
    loads: list[str] = []

    def load(reference: str) -> FakePredictor:
        loads.append(reference)
        return FakePredictor()

    assert Worker(backend, load, "w1").run(burst=True) == 2
    assert loads == ["fake"]


def test_worker_time_and_its_cost_are_recorded_per_chunk_across_attempts(tmp_path: Path) -> None:
    queue_clock = FakeClock()
    backend = make_backend(
        tmp_path, clock=queue_clock, visibility_timeout_s=30, worker_price_per_hour=1.8
    )
    request_id = submit(backend, tmp_path)  # 9 rows in chunks of 4
    seconds = FakeClock(0.0)

    def two_seconds_per_reading() -> float:
        seconds.advance(2.0)
        return seconds()

    def die_after_first_chunk(_rows: int) -> None:
        raise Killed

    first = Worker(
        backend,
        lambda _ref: FakePredictor(),
        "w1",
        on_rows=die_after_first_chunk,
        clock=two_seconds_per_reading,
    )
    with pytest.raises(Killed):
        first.run()
    assert backend.repository.jobs.get(request_id).worker_seconds == 2.0  # the chunk it committed
    queue_clock.advance(31)
    second = Worker(backend, lambda _ref: FakePredictor(), "w2", clock=two_seconds_per_reading)
    assert second.run(burst=True) == 1

    job = backend.repository.jobs.get(request_id)
    assert job.worker_seconds == 8.0  # + two chunks and publishing the results, 2 s each
    assert job.cost_usd == pytest.approx(8.0 * 1.8 / 3600)
    status = service.get_status(backend, request_id).to_dict()
    assert (status["worker_seconds"], status["cost_usd"]) == (8.0, 0.004)


class TimedPredictor(FakePredictor):
    """Takes ``seconds_per_row`` of ``clock`` time per comment, as a model would."""

    def __init__(self, clock: FakeClock, seconds_per_row: float) -> None:
        super().__init__()
        self.clock = clock
        self.seconds_per_row = seconds_per_row

    def predict_proba(self, texts: Sequence[object]) -> np.ndarray:
        self.clock.advance(len(texts) * self.seconds_per_row)
        return super().predict_proba(texts)


def chunk_sizes(backend: Backend, predictor: FakePredictor, timer: FakeClock) -> list[int]:
    sizes: list[int] = []
    worker = Worker(backend, lambda _ref: predictor, "w", on_rows=sizes.append, timer=timer)
    assert worker.run(burst=True) == 1
    return sizes


def _timed_chunks(
    tmp_path: Path, comments: list[str], first_chunk_rows: int, seconds_per_row: float
) -> tuple[list[int], list[str]]:
    """The chunk sizes of one job labelled at ``seconds_per_row`` (a fake clock), and the
    comments of its results in order."""
    backend = make_backend(
        tmp_path, chunk_rows=2048, first_chunk_rows=first_chunk_rows, chunk_target_s=1.0
    )
    request_id = submit(backend, tmp_path, comments)
    timer = FakeClock()
    sizes = chunk_sizes(backend, TimedPredictor(timer, seconds_per_row), timer)
    return sizes, result_frame(backend, request_id)["comment"].tolist()


def test_a_small_job_shows_progress_after_a_small_first_chunk(tmp_path: Path) -> None:
    comments = [f"good course {n:03d}" for n in range(300)]
    sizes, results = _timed_chunks(tmp_path, comments, 32, 1 / 270)
    # the worker's first job: the read-ahead waits for the first chunk's time, and the rest
    # (about a second at 270 rows/s) comes in one chunk, not 64 + 128 + ... as timed blind
    assert sizes == [32, 268]
    assert results == comments


def test_a_large_job_shows_progress_in_chunks_of_about_the_target_time(tmp_path: Path) -> None:
    comments = [f"good course {n:04d}" for n in range(3000)]
    sizes, results = _timed_chunks(tmp_path, comments, 32, 1 / 270)
    assert sizes[0] == 32 and sum(sizes) == 3000  # committed chunk by chunk
    assert all(size <= 4 * 32 for size in sizes[1:4])  # at most 4x what was measured before
    assert set(sizes[4:-1]) == {270}  # then a second each at 270 rows/s
    assert results == comments


def test_slow_labelling_makes_chunks_of_about_the_target_time(tmp_path: Path) -> None:
    comments = [f"long course comment {n:03d}" for n in range(200)]
    sizes, results = _timed_chunks(tmp_path, comments, 4, 0.125)  # 8 rows a second
    assert sizes[:2] == [4, 16] and sum(sizes) == 200  # the second sized from the first's time
    assert set(sizes[4:-1]) == {8}  # once measured (read-ahead delays it): a second each
    assert results == comments


def _insight_chunks(tmp_path: Path, insight_target_s: float) -> tuple[list[int], list[int]]:
    """The label and the insight chunk sizes of a 3,000-row job labelled at 270 rows/s and
    analysed at 90 rows/s (a fake clock), label chunks aimed at 1 s."""
    backend = make_backend(
        tmp_path,
        chunk_rows=2048,
        first_chunk_rows=32,
        chunk_target_s=1.0,
        insight_chunk_target_s=insight_target_s,
    )
    submit(backend, tmp_path, [f"good lecture {n:04d}" for n in range(3000)])
    timer = FakeClock()

    def slow_embed(texts: Sequence[str]) -> np.ndarray:
        timer.advance(len(texts) / 90)
        return fake_embed(texts)

    def analyst(_predictor: object) -> ChunkAnalyst:
        return ChunkAnalyst(
            score_sentiment=FakePredictor().predict_proba,
            embed=slow_embed,
            tagger=FakeTagger(),
            dimension=DIMENSION,
        )

    labels: list[int] = []
    insights: list[int] = []
    worker = Worker(
        backend,
        lambda _ref: TimedPredictor(timer, 1 / 270),
        "w",
        on_rows=labels.append,
        insights=analyst,
        on_insights=insights.append,
        timer=timer,
    )
    assert worker.run(burst=True) == 1
    assert sum(labels) == sum(insights) == 3000
    return labels, insights


def test_the_insights_pass_sizes_its_chunks_to_its_own_target(tmp_path: Path) -> None:
    labels, insights = _insight_chunks(tmp_path / "long", 3.0)
    assert set(labels[4:-1]) == {270}  # a second of labelling each
    # three seconds of analysis each (the fake clock's float sums round a row either way)
    assert insights[0] == 32 and all(269 <= size <= 271 for size in insights[4:-1])
    _labels, same_target = _insight_chunks(tmp_path / "short", 1.0)
    assert all(89 <= size <= 91 for size in same_target[4:-1])


def test_chunks_of_a_fixed_size_when_time_sizing_is_off(tmp_path: Path) -> None:
    backend = make_backend(tmp_path, chunk_rows=7, chunk_target_s=0)
    submit(backend, tmp_path, [f"fine {n}" for n in range(30)])
    timer = FakeClock()
    assert chunk_sizes(backend, TimedPredictor(timer, 0.5), timer) == [7, 7, 7, 7, 2]


def test_with_chunks_sized_by_time_poison_is_cornered_in_a_first_chunk(tmp_path: Path) -> None:
    backend = make_backend(tmp_path, chunk_rows=64, first_chunk_rows=4, chunk_target_s=1.0)
    comments = [f"fine comment {n}" for n in range(120)]
    comments[50] = "explode here"  # row 51, counted from 1
    request_id = submit(backend, tmp_path, comments)
    timer = FakeClock()
    failing = TimedPredictor(timer, 0.01)
    failing.fail_on = "explode"
    Worker(backend, lambda _ref: failing, "w1", timer=timer).run(burst=True)
    job = backend.repository.jobs.get(request_id)
    assert job.status is JobStatus.FAILED and job.rows_done <= 50 < job.rows_done + 4
    # each retry starts with a first chunk of 4 rows: the last one died on the culprit's
    assert f"crashed twice on rows {job.rows_done + 1}–{job.rows_done + 4} " in (job.error or "")
    rows = [row["comment"] for row in service.results_page(backend, request_id).rows]
    assert rows == comments[: job.rows_done]


def test_a_second_message_of_a_job_a_live_worker_holds_waits_instead_of_labelling_it_again(
    tmp_path: Path,
) -> None:
    """Two messages of one job (a re-send's old message not yet deleted, SQS delivering one
    twice) reach two workers: the second finds the first holding the job and leaves its
    delivery hidden, not deleted; it comes back once the job has ended and is dropped."""
    clock = FakeClock()
    backend = make_backend(tmp_path, clock=clock, visibility_timeout_s=30)
    request_id = submit(backend, tmp_path)
    backend.queue.send({"request_id": request_id})
    other = FakePredictor()
    tried: list[int] = []

    def meanwhile(_rows: int) -> None:
        if not tried:  # the first worker holds the job; the other message reaches another
            tried.append(Worker(backend, lambda _ref: other, "w2").run(burst=True))
            assert backend.queue.depth().visible == 0, "hidden again, not deleted"
            assert backend.queue.depth().in_flight == 2

    assert Worker(backend, lambda _ref: FakePredictor(), "w1", on_rows=meanwhile).run(burst=True)
    assert other.calls == 0, "the job was not labelled a second time"
    job = backend.repository.jobs.get(request_id)
    assert job.status is JobStatus.SUCCEEDED and job.attempts == 1
    assert backend.queue.depth().total == 1
    clock.advance(31)
    Worker(backend, lambda _ref: other, "w3").run(burst=True)
    assert backend.queue.depth().total == 0 and other.calls == 0


def test_a_job_whose_holder_stopped_beating_is_taken_by_the_next_worker(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    request_id = submit(backend, tmp_path)
    stale = timedelta(seconds=backend.settings.worker_stale_s + 1)
    earlier = WorkerRegistry(backend.repository.database, now=lambda: utcnow() - stale)
    earlier.beat("gone", request_id, host="h", pid=1, receipt="r")  # its last beat, then kill -9
    assert Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True) == 1
    assert backend.repository.jobs.get(request_id).status is JobStatus.SUCCEEDED
