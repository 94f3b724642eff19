"""The worker's insights with a fake analyst: aspect and explanation columns, embeddings stored
before each chunk commits, themes found when the job completes (deterministically, also after
a crash), and a failing post-pass that leaves the labels whole."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from insightfakes import DIMENSION, FakeTagger, fake_analyst, fake_embed
from jobfakes import FakeClock, FakePredictor, comments_csv, make_backend

from pipeline import service
from pipeline.bootstrap import Backend
from pipeline.db import JobStatus
from pipeline.errors import Conflict
from pipeline.insights import storage
from pipeline.insights.chunk import ChunkAnalyst
from pipeline.insights.postpass import find_job_themes
from pipeline.worker import Worker

COMMENTS = [
    "good lecture and good exam",
    "bad exam",
    "",
    "okay homework I guess",
    "good lecture",
    "bad homework load",
    "n/a",
    "bad exam again",
    "good good lecture",
    "fine",
]


class Killed(BaseException):
    """Stands in for kill -9."""


def submit(backend: Backend, tmp_path: Path, explain: bool = False) -> str:
    source = comments_csv(tmp_path / "in.csv", COMMENTS)
    return service.submit(backend, source, "comment", ["course"], explain=explain).request_id


def worker(backend: Backend, name: str = "w", **options: object) -> Worker:
    return Worker(
        backend,
        lambda _ref: FakePredictor(),
        name,
        insights=fake_analyst,
        **options,  # type: ignore[arg-type]
    )


def result_frame(backend: Backend, request_id: str) -> pd.DataFrame:
    key = backend.repository.jobs.get(request_id).result_key
    assert key is not None
    return pd.read_csv(io.BytesIO(backend.store.get_bytes(key)), keep_default_na=False)


def stored_rows(backend: Backend, request_id: str) -> list:  # type: ignore[type-arg]
    return [row for batch in backend.repository.results.batches(request_id) for row in batch]


def test_rows_carry_aspects_and_themes_and_the_csv_their_cells(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    request_id = submit(backend, tmp_path)
    assert worker(backend).run(burst=True) == 1
    job = backend.repository.jobs.get(request_id)
    assert job.status is JobStatus.SUCCEEDED and job.themes_error is None
    assert (job.insights_key, job.aspect_model) == (f"analysis/{request_id}", "fake-aspects-1")
    rows = stored_rows(backend, request_id)
    assert rows[0].aspects == ("exams", "teaching")
    assert rows[0].aspect_sentiments == {"exams": "positive", "teaching": "positive"}
    assert rows[1].aspect_sentiments == {"exams": "negative"}
    assert rows[2].aspects == () and rows[2].theme is None  # blank: no label, nothing else
    labelled = [row for row in rows if row.label is not None]
    assert all(row.theme is not None for row in labelled)
    assert all(row.explanation is None for row in rows)  # not asked for
    frame = result_frame(backend, request_id)
    assert "explanation" not in frame.columns
    assert frame.loc[0, "aspects"] == "exams;teaching"
    assert frame.loc[1, "aspect_sentiments"] == "exams:negative"
    assert frame["theme"].astype(str).tolist() == [
        "" if r.theme is None else str(r.theme) for r in rows
    ]
    themes = storage.load_themes(backend.store, f"analysis/{request_id}")
    assert themes["n"] == len(labelled) and themes["group_by"] == "course"
    assert sum(theme["size"] for theme in themes["themes"]) == len(labelled)
    page = service.results_page(backend, request_id)
    assert page.rows[0]["aspects"] == ["exams", "teaching"]
    assert page.rows[1]["aspect_sentiments"] == {"exams": "negative"}


def test_explanations_are_stored_only_for_jobs_that_ask(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    request_id = submit(backend, tmp_path, explain=True)
    assert service.get_status(backend, request_id).to_dict()["explain"] is True
    worker(backend).run(burst=True)
    rows = stored_rows(backend, request_id)
    assert rows[0].explanation == "good:+0.50"
    assert rows[2].explanation is None  # a blank comment has no words
    frame = result_frame(backend, request_id)
    assert frame.columns[-1] == "explanation"
    assert frame.loc[1, "explanation"] == "bad:+0.50"


def test_explain_is_part_of_what_makes_a_submission_identical(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    plain = submit(backend, tmp_path)
    explained = submit(backend, tmp_path, explain=True)
    assert explained != plain
    assert submit(backend, tmp_path, explain=True) == explained


def test_each_insight_chunks_embeddings_are_stored_before_its_rows_commit(
    tmp_path: Path,
) -> None:
    backend = make_backend(tmp_path)
    request_id = submit(backend, tmp_path)
    prefix = storage.insights_key(request_id)
    write_insights = backend.repository.jobs.write_insights
    seen: list[tuple[int, int]] = []

    def checked(request: str, rows, spent=None):  # type: ignore[no-untyped-def]
        first = rows[0]["row_index"]
        vectors = storage.decode_vectors(backend.store.get_bytes(storage.chunk_key(prefix, first)))
        assert vectors.shape == (len(rows), DIMENSION)
        seen.append((first, len(rows)))
        return write_insights(request, rows, spent)

    backend.repository.jobs.write_insights = checked  # type: ignore[method-assign]
    worker(backend).run(burst=True)
    assert seen[0][0] == 0  # chunk after chunk, each starting where the last one ended
    assert [first for first, _ in seen[1:]] == [a + n for a, n in seen[:-1]]
    assert sum(n for _, n in seen) == len(COMMENTS)
    gathered = storage.load_vectors(backend.store, prefix)
    assert gathered.shape == (len(COMMENTS), DIMENSION)
    assert np.array_equal(gathered[1], fake_embed(["bad exam"])[0])
    assert not np.any(gathered[2])  # blank: a zero row
    assert not backend.store.exists(storage.chunk_key(prefix, 0))  # gathered, then removed


def test_labels_commit_first_and_insights_after_while_the_job_runs(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    request_id = submit(backend, tmp_path, explain=True)
    labelled_commits: list[tuple[int, object]] = []
    write_chunk, write_insights = (
        backend.repository.jobs.write_chunk,
        backend.repository.jobs.write_insights,
    )

    def labelling(request: str, rows, spent=None):  # type: ignore[no-untyped-def]
        assert all(row["aspects"] is None and row["explanation"] is None for row in rows)
        outcome = write_chunk(request, rows, spent)
        job = backend.repository.jobs.get(request)
        labelled_commits.append((job.rows_done, job.labelled_at))
        return outcome

    def first_insights(request: str, rows, spent=None):  # type: ignore[no-untyped-def]
        if rows[0]["row_index"] == 0:  # the moment the user has every label and no aspect
            status = service.get_status(backend, request).to_dict()
            assert status["status"] == "running" and status["rows_done"] == len(COMMENTS)
            assert status["labelled_at"] is not None and status["insights_done"] == 0
            page = service.results_page(backend, request)
            assert [row["label"] for row in page.rows][:2] == ["positive", "negative"]
            assert page.available == len(COMMENTS) and page.complete is False
            assert all(row["aspects"] == [] for row in page.rows)
            assert service.summary(backend, request).overall.rows == len(COMMENTS)
            _job, blocks = service.results_csv(backend, request)
            assert b"".join(blocks).count(b"\n") == len(COMMENTS) + 1
            aspects = service.aspect_summary(backend, None, request)
            assert (aspects["complete"], aspects["rows_labelled"]) == (False, 0)
            with pytest.raises(Conflict, match="what 0 of them are about worked out"):
                service.theme_summary(backend, None, request)
        else:  # rows with insights count, the others not yet
            done = backend.repository.jobs.get(request).insights_done
            labelled = sum(1 for row in stored_rows(backend, request)[:done] if row.label)
            aspects = service.aspect_summary(backend, None, request)
            assert (aspects["complete"], aspects["rows_labelled"]) == (False, labelled)
        return write_insights(request, rows, spent)

    backend.repository.jobs.write_chunk = labelling  # type: ignore[method-assign]
    backend.repository.jobs.write_insights = first_insights  # type: ignore[method-assign]
    worker(backend).run(burst=True)
    assert [done for done, _ in labelled_commits] == [4, 8, 10]
    assert [at is None for _, at in labelled_commits] == [True, True, False]
    job = backend.repository.jobs.get(request_id)
    assert job.status is JobStatus.SUCCEEDED and job.insights_done == len(COMMENTS)
    assert job.labelled_at is not None and job.finished_at is not None
    assert job.labelled_at <= job.finished_at
    rows = stored_rows(backend, request_id)
    assert rows[0].aspects == ("exams", "teaching") and rows[0].explanation == "good:+0.50"
    assert service.aspect_summary(backend, None, request_id)["complete"] is True


def test_a_job_killed_in_its_second_phase_resumes_where_the_insights_stopped(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    backend = make_backend(tmp_path, clock=clock, visibility_timeout_s=30)
    request_id = submit(backend, tmp_path)
    taggers: list[FakeTagger] = []

    def analyst(_predictor: object) -> ChunkAnalyst:
        taggers.append(FakeTagger())
        return ChunkAnalyst(
            score_sentiment=FakePredictor().predict_proba,
            embed=fake_embed,
            tagger=taggers[-1],
            dimension=DIMENSION,
        )

    write_insights = backend.repository.jobs.write_insights
    calls: list[int] = []

    def dies_before_the_second_commit(request: str, rows, spent=None):  # type: ignore[no-untyped-def]
        calls.append(rows[0]["row_index"])
        if len(calls) == 2:  # analysed, its embeddings stored, not committed: kill -9
            raise Killed
        return write_insights(request, rows, spent)

    backend.repository.jobs.write_insights = dies_before_the_second_commit  # type: ignore[method-assign]
    first = Worker(backend, lambda _ref: FakePredictor(), "w1", insights=analyst)
    with pytest.raises(Killed):
        first.run()
    job = backend.repository.jobs.get(request_id)
    assert job.status is JobStatus.RUNNING and job.labelled_at is not None
    stopped_at = job.insights_done
    assert 0 < stopped_at < len(COMMENTS) and stopped_at == calls[1]
    backend.repository.jobs.write_insights = write_insights  # type: ignore[method-assign]
    clock.advance(31)
    assert Worker(backend, lambda _ref: FakePredictor(), "w2", insights=analyst).run(burst=True)
    job = backend.repository.jobs.get(request_id)
    assert job.status is JobStatus.SUCCEEDED and job.insights_done == len(COMMENTS)
    assert job.rows_done == len(COMMENTS)  # no row labelled again
    # the second worker analysed exactly the rows without insights, each once
    labelled_after = [t for t in COMMENTS[stopped_at:] if t.strip() and t != "n/a"]
    assert sorted(taggers[-1].tagged) == sorted(labelled_after)
    rows = stored_rows(backend, request_id)
    assert [row.row_index for row in rows] == list(range(len(COMMENTS)))
    assert rows[1].aspect_sentiments == {"exams": "negative"}
    assert rows[7].aspect_sentiments == {"exams": "negative"}
    vectors = storage.load_vectors(backend.store, job.insights_key or "")
    labelled = [row.row_index for row in rows if row.label is not None]
    assert np.array_equal(vectors[labelled], fake_embed([COMMENTS[i] for i in labelled]))
    found = find_job_themes(backend.store, backend.repository.results, job, fake_embed, DIMENSION)
    assert found.embedded_again == 0  # every chunk's file was there


def test_a_stop_request_in_the_second_phase_hands_the_job_back_without_a_failure(
    tmp_path: Path,
) -> None:
    backend = make_backend(tmp_path)
    request_id = submit(backend, tmp_path)
    workers: list[Worker] = []
    write_insights = backend.repository.jobs.write_insights

    def then_sigterm(request: str, rows, spent=None):  # type: ignore[no-untyped-def]
        outcome = write_insights(request, rows, spent)
        workers[0].request_stop()
        return outcome

    backend.repository.jobs.write_insights = then_sigterm  # type: ignore[method-assign]
    workers.append(worker(backend, "w1"))
    assert workers[0].run() == 1
    job = backend.repository.jobs.get(request_id)
    assert job.status is JobStatus.RUNNING and 0 < job.insights_done < len(COMMENTS)
    assert job.labelled_at is not None and job.error is None
    done = job.insights_done
    backend.repository.jobs.write_insights = write_insights  # type: ignore[method-assign]
    assert worker(backend, "w2").run(burst=True) == 1  # the message was handed back at once
    job = backend.repository.jobs.get(request_id)
    assert job.status is JobStatus.SUCCEEDED and job.insights_done == len(COMMENTS) > done
    assert job.attempts == 2 and job.error is None


def test_a_second_phase_killed_after_every_chunk_still_finishes(tmp_path: Path) -> None:
    clock = FakeClock()
    backend = make_backend(tmp_path, clock=clock, visibility_timeout_s=30)
    request_id = submit(backend, tmp_path)
    write_insights = backend.repository.jobs.write_insights

    def commits_then_dies(request: str, rows, spent=None):  # type: ignore[no-untyped-def]
        write_insights(request, rows, spent)
        raise Killed

    backend.repository.jobs.write_insights = commits_then_dies  # type: ignore[method-assign]
    kills = 0
    while backend.repository.jobs.get(request_id).insights_done < len(COMMENTS):
        kills += 1
        with pytest.raises(Killed):
            worker(backend, f"w{kills}").run()
        clock.advance(31)
        assert backend.repository.jobs.get(request_id).status is JobStatus.RUNNING
    assert kills >= 3  # more than max_failures_per_chunk, each after some progress
    assert worker(backend, "last").run(burst=True) == 1
    job = backend.repository.jobs.get(request_id)
    assert job.status is JobStatus.SUCCEEDED and job.insights_done == len(COMMENTS)


def test_a_job_killed_mid_way_resumes_with_every_rows_embedding(tmp_path: Path) -> None:
    clock = FakeClock()
    backend = make_backend(tmp_path, clock=clock, visibility_timeout_s=30)
    request_id = submit(backend, tmp_path)

    def die(_rows: int) -> None:
        raise Killed

    with pytest.raises(Killed):
        worker(backend, "w1", on_rows=die).run()
    assert backend.repository.jobs.get(request_id).rows_done == 4
    clock.advance(31)
    assert worker(backend, "w2").run(burst=True) == 1
    job = backend.repository.jobs.get(request_id)
    assert job.status is JobStatus.SUCCEEDED and job.themes_error is None
    rows = stored_rows(backend, request_id)
    assert [row.row_index for row in rows] == list(range(len(COMMENTS)))  # each row once
    vectors = storage.load_vectors(backend.store, job.insights_key or "")
    labelled = [row.row_index for row in rows if row.label is not None]
    assert np.array_equal(vectors[labelled], fake_embed([COMMENTS[i] for i in labelled]))
    assert all(rows[i].theme is not None for i in labelled)


def test_themes_are_the_same_when_found_again(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    request_id = submit(backend, tmp_path)
    worker(backend).run(burst=True)
    job = backend.repository.jobs.get(request_id)
    prefix = job.insights_key or ""
    first = storage.load_themes(backend.store, prefix)
    themes_before = [row.theme for row in stored_rows(backend, request_id)]
    found = find_job_themes(backend.store, backend.repository.results, job, fake_embed, DIMENSION)
    assert found.embedded_again == 0
    assert storage.load_themes(backend.store, prefix) == first
    assert [row.theme for row in stored_rows(backend, request_id)] == themes_before
    assert json.dumps(first)  # JSON-ready


def test_rows_a_chunk_file_missed_are_embedded_again(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    request_id = submit(backend, tmp_path)
    worker(backend, on_rows=lambda _rows: None).run(burst=True)
    job = backend.repository.jobs.get(request_id)
    prefix = job.insights_key or ""
    vectors = storage.load_vectors(backend.store, prefix)
    backend.store.delete(storage.embeddings_key(prefix))
    storage.save_chunk(backend.store, prefix, 0, vectors[:4])  # the chain breaks at row 4
    found = find_job_themes(backend.store, backend.repository.results, job, fake_embed, DIMENSION)
    labelled_after = sum(1 for row in stored_rows(backend, request_id)[4:] if row.label)
    assert found.embedded_again == labelled_after
    assert np.array_equal(storage.load_vectors(backend.store, prefix), vectors)


def test_a_failing_post_pass_keeps_the_labels_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object) -> None:
        raise MemoryError("no room to cluster")

    monkeypatch.setattr("pipeline.worker.find_job_themes", broken)
    backend = make_backend(tmp_path)
    request_id = submit(backend, tmp_path)
    assert worker(backend).run(burst=True) == 1
    job = backend.repository.jobs.get(request_id)
    assert job.status is JobStatus.SUCCEEDED and job.rows_done == len(COMMENTS)
    assert job.themes_error is not None and "no room to cluster" in job.themes_error
    frame = result_frame(backend, request_id)
    assert frame["label"].tolist()[:2] == ["positive", "negative"]
    assert frame.loc[1, "aspects"] == "exams"  # the per-chunk columns are whole
    assert set(frame["theme"]) == {""}
    with pytest.raises(Conflict, match=r"themes are unavailable.*no room to cluster"):
        service.theme_summary(backend, None, request_id)
    assert service.aspect_summary(backend, None, request_id)["rows_with_aspects"] > 0


def test_with_insights_off_rows_are_labelled_and_explained_only(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    request_id = submit(backend, tmp_path, explain=True)
    Worker(
        backend,
        lambda _ref: FakePredictor(),
        "w",
        insights=lambda predictor: fake_analyst(predictor, insights=False),
    ).run(burst=True)
    job = backend.repository.jobs.get(request_id)
    assert job.status is JobStatus.SUCCEEDED and job.insights_key is None
    rows = stored_rows(backend, request_id)
    assert rows[0].aspects == () and rows[0].theme is None
    assert rows[0].explanation == "good:+0.50"
    assert not backend.store.exists(storage.embeddings_key(storage.insights_key(request_id)))
    with pytest.raises(Conflict, match="PIPELINE_INSIGHTS=0"):
        service.theme_summary(backend, None, request_id)
    with pytest.raises(Conflict, match="no aspects"):
        service.aspect_summary(backend, None, request_id)
