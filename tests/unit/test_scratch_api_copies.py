"""The API's passing copies of comments live in the data folder's scratch, as a worker's do, and
the ones an API killed mid-work left are removed when an API starts: an upload spooled in
``/tmp/upload-*`` by an API killed mid-submit (``kill -9``, an out-of-memory kill) stayed there
for ever, before any job named it, beyond erasing and the retention period; so did a results
file copied to ``/tmp/results-*`` for the length of a download."""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jobfakes import FakePredictor, comments_csv, gone_pid, make_backend

from pipeline import service
from pipeline.api import app as app_module
from pipeline.api.app import create_app
from pipeline.scratch import SCRATCH
from pipeline.worker import Worker

CSV = b"course,comment\nA,my private comment\nB,another one\n"


@pytest.fixture
def system_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The system's temporary folder, this test's own: nothing may be left in it."""
    folder = tmp_path / "system-tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_an_upload_is_spooled_in_the_data_folder_and_gone_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, system_tmp: Path
) -> None:
    backend = make_backend(tmp_path)
    spooled: list[Path] = []
    submit_upload = app_module.submit_upload

    def looking(*args: Any, **kwargs: Any) -> Any:
        spooled.append(kwargs["file"])
        return submit_upload(*args, **kwargs)

    monkeypatch.setattr(app_module, "submit_upload", looking)
    answer = TestClient(create_app(backend)).post(
        "/v1/jobs", files={"file": ("c.csv", CSV)}, data={"text_column": "comment"}
    )
    assert answer.status_code == 202, answer.text
    scratch = backend.settings.data_dir / SCRATCH
    (path,) = spooled
    assert path.parent.parent == scratch
    assert path.parent.name.startswith(f"{os.getpid()}-upload-{socket.gethostname()}-")
    assert list(scratch.iterdir()) == []
    assert list(system_tmp.iterdir()) == []


def test_what_a_killed_api_left_is_removed_when_an_api_starts(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    scratch = backend.settings.data_dir / SCRATCH
    host = socket.gethostname()
    killed_upload = scratch / f"{gone_pid()}-upload-{host}-abc123"
    killed_download = scratch / f"{gone_pid()}-results-{host}-def456"
    running = scratch / f"{os.getpid()}-upload-{host}-ghi789"  # this live process's
    elsewhere = scratch / f"{gone_pid()}-upload-another-machine-jkl012"  # a shared data folder
    for folder in (killed_upload, killed_download, running, elsewhere):
        folder.mkdir(parents=True)
        (folder / "upload").write_bytes(CSV)

    create_app(backend)

    assert not killed_upload.exists() and not killed_download.exists()
    assert (running / "upload").exists() and (elsewhere / "upload").exists()


def test_a_download_under_way_leaves_no_copy_of_the_results_on_disk(
    tmp_path: Path, system_tmp: Path
) -> None:
    backend = make_backend(tmp_path)
    source = comments_csv(tmp_path / "in.csv", ["good course", "bad labs", "fine"])
    request_id = service.submit(backend, source, "comment").request_id
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)

    _job, blocks = service.results_csv(backend, request_id)
    first = next(blocks)  # the download is under way: the stream is suspended here

    scratch = backend.settings.data_dir / SCRATCH
    assert list(scratch.iterdir()) == []
    assert list(system_tmp.iterdir()) == []
    assert b"good course" in first + b"".join(blocks)
