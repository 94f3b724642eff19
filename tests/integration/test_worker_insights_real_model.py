"""A tiny job through the worker with the shipped model, the base MiniLM embedder and the
shipped aspect model, on SQLite and on PostgreSQL: aspects, per-aspect sentiments, themes,
explanations, and the summaries built from them."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
from jobfakes import comments_csv
from postgres import fresh_database

from pipeline import service
from pipeline.bootstrap import init_backend
from pipeline.db import JobStatus
from pipeline.insights import storage
from pipeline.insights.loading import insights_source
from pipeline.model.predictor import Predictor
from pipeline.settings import Settings
from pipeline.worker import Worker

pytestmark = pytest.mark.slow

COMMENTS = [
    "The lectures were great but the exams were unfair.",
    "Too much homework every week, the workload is crazy.",
    "",
    "The professor explained every concept clearly and was always helpful.",
    "The final exam had questions we never covered in class.",
    "n/a",
    "Grading was harsh and the marks came back late.",
    "Great course, I loved the labs and the projects.",
    "The textbook was expensive and useless.",
    "Lectures were boring and the slides were hard to read.",
    "The teacher was very knowledgeable and kind.",
    "The midterm was far too long for the time we had.",
]
COURSES = ["CHEM110", "CHEM110", "BIO101", "BIO101"] * 3


@pytest.fixture(scope="module")
def predictor() -> Predictor:
    return Predictor.load("default", precision="fp32")


@contextmanager
def database(name: str, folder: Path) -> Iterator[str]:
    if name == "sqlite":
        yield f"sqlite:///{folder / 'insights.sqlite'}"
        return
    with fresh_database("pipeline_insights") as url:
        yield url


@pytest.mark.parametrize("name", ["sqlite", "postgresql"])
def test_a_real_job_gets_aspects_themes_and_explanations(
    name: str, predictor: Predictor, tmp_path: Path
) -> None:
    with database(name, tmp_path) as url:
        settings = Settings(
            data_dir=tmp_path / "data", database_url=url, model="default", chunk_rows=5
        )
        backend = init_backend(settings)
        source = comments_csv(tmp_path / "c.csv", COMMENTS, COURSES)
        request_id = service.submit(backend, source, "comment", ["course"], explain=True).request_id
        worker = Worker(backend, lambda _ref: predictor, "w", insights=insights_source(settings))
        assert worker.run(burst=True) == 1
        job = backend.repository.jobs.get(request_id)
        assert job.status is JobStatus.SUCCEEDED and job.themes_error is None
        assert job.aspect_model is not None and job.aspect_model.startswith("aspects-")

        key = job.result_key or ""
        frame = pd.read_csv(io.BytesIO(backend.store.get_bytes(key)), keep_default_na=False)
        assert "exams" in frame.loc[0, "aspects"].split(";")
        assert "exams:negative" in frame.loc[0, "aspect_sentiments"]
        assert "workload" in frame.loc[1, "aspects"]
        assert frame.loc[2, "aspects"] == "" and frame.loc[2, "theme"] == ""
        labelled = frame["label"] != ""
        assert (frame.loc[labelled, "theme"] != "").all()
        assert (frame.loc[labelled, "explanation"] != "").all()
        assert "unfair" in frame.loc[0, "explanation"] or "great" in frame.loc[0, "explanation"]

        vectors = storage.load_vectors(backend.store, job.insights_key or "")
        assert vectors.shape == (len(COMMENTS), 384)

        aspects = service.aspect_summary(backend, None, request_id, "course")
        exams = next(c for c in aspects["categories"] if c["name"] == "exams")
        assert exams["n"] >= 2 and exams["meaning"]
        assert exams["counts"]["negative"] >= 1
        assert {g["group"] for g in aspects["groups"]} == {"BIO101", "CHEM110"}
        themes = service.theme_summary(backend, None, request_id)
        assert themes["n"] == int(labelled.sum())
        assert sum(theme["size"] for theme in themes["themes"]) == themes["n"]
        by_exams = service.theme_summary(backend, None, request_id, aspect="exams")
        assert by_exams["n"] == exams["n"]
        backend.repository.database.dispose()
