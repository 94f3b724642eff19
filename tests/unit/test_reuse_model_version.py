"""An identical submission after an upgrade gets the labels of the model that labels now: a
job labelled by another model version (the product shipped a new model since) is not handed
out, nor one that finished without insights while insights are on. Where the version cannot be
told at submit time (no card names it), the job is reused as before."""

from __future__ import annotations

import json
from pathlib import Path

from insightfakes import fake_analyst
from jobfakes import FakePredictor, comments_csv, make_backend

from pipeline import service
from pipeline.bootstrap import Backend
from pipeline.db import JobStatus
from pipeline.worker import Worker

COMMENTS = ["a good course", "a bad exam", "fine"]


def model_folder(tmp_path: Path, card: dict[str, str]) -> Path:
    """A local model as its card describes it (the fake predictor labels; version fake-1)."""
    folder = tmp_path / "model"
    folder.mkdir(exist_ok=True)
    (folder / "model_card.json").write_text(json.dumps(card))
    return folder


def label(backend: Backend, insights: bool = False) -> None:
    analyst = {"insights": fake_analyst} if insights else {}
    Worker(backend, lambda _ref: FakePredictor(), "w", **analyst).run(burst=True)


def test_a_job_labelled_by_another_model_version_is_not_reused(tmp_path: Path) -> None:
    folder = model_folder(tmp_path, {"version": "fake-1"})
    backend = make_backend(tmp_path, model=str(folder), insights=False)
    source = comments_csv(tmp_path / "c.csv", COMMENTS)
    first = service.submit(backend, source, "comment")
    label(backend)
    assert service.submit(backend, source, "comment").request_id == first.request_id

    model_folder(tmp_path, {"version": "fake-2"})  # an upgrade ships another model
    again = service.submit(backend, source, "comment")

    assert again.reused is False and again.request_id != first.request_id
    old = backend.repository.jobs.get(first.request_id)
    assert (old.status, old.model_version, old.erased_at) == (JobStatus.SUCCEEDED, "fake-1", None)
    assert service.submit(backend, source, "comment").request_id == again.request_id


def test_where_no_card_names_the_version_the_job_is_reused_as_before(tmp_path: Path) -> None:
    folder = model_folder(tmp_path, {"description": "no version"})
    backend = make_backend(tmp_path, model=str(folder), insights=False)
    source = comments_csv(tmp_path / "c.csv", COMMENTS)
    first = service.submit(backend, source, "comment")
    label(backend)
    again = service.submit(backend, source, "comment")
    assert (again.reused, again.request_id) == (True, first.request_id)


def test_a_job_that_finished_without_insights_is_not_reused_while_insights_are_on(
    tmp_path: Path,
) -> None:
    backend = make_backend(tmp_path, insights=True)
    source = comments_csv(tmp_path / "c.csv", COMMENTS)
    before = service.submit(backend, source, "comment")
    label(backend)  # labelled only, as a version before insights did
    assert backend.repository.jobs.get(before.request_id).insights_key is None

    again = service.submit(backend, source, "comment")
    assert again.reused is False and again.request_id != before.request_id
    assert service.submit(backend, source, "comment").request_id == again.request_id  # queued

    label(backend, insights=True)
    assert backend.repository.jobs.get(again.request_id).insights_key is not None
    assert service.submit(backend, source, "comment").request_id == again.request_id


def test_the_shipped_models_version_is_known_at_submit_time_an_s3_ones_is_not() -> None:
    """The default deployment (the shipped model) is the upgrade that changes the version."""
    from pipeline.model.loading import read_card
    from pipeline.model.locate import shipped_model_dir
    from pipeline.service.jobs import current_model_version

    assert current_model_version("default") == read_card(shipped_model_dir())["version"]
    assert current_model_version("s3://bucket/models/sentiment") is None
    assert current_model_version("/no/such/model") is None
