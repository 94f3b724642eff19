"""A job's copy of its input lives under the data folder while a worker labels it, and a copy a
killed worker left behind is removed when the next worker starts: before, it stayed in
``/tmp/job-*`` for ever, beyond the reach of erasing the job and of the retention period."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from jobfakes import FakePredictor, comments_csv, gone_pid, make_backend

from pipeline import service
from pipeline.scratch import SCRATCH
from pipeline.worker import Worker


def test_a_jobs_copy_is_in_the_data_folder_while_it_runs_and_gone_after(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    source = comments_csv(tmp_path / "in.csv", ["good course", "bad labs", "fine"])
    request_id = service.submit(backend, source, "comment").request_id
    seen: list[list[str]] = []
    write_chunk = backend.repository.jobs.write_chunk

    def looking(request: str, rows, spent=None):  # type: ignore[no-untyped-def]
        scratch = backend.settings.data_dir / SCRATCH
        seen.append(sorted(str(p.relative_to(scratch)) for p in scratch.rglob("input.*")))
        return write_chunk(request, rows, spent)

    backend.repository.jobs.write_chunk = looking  # type: ignore[method-assign]
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)

    assert backend.repository.jobs.get(request_id).rows_done == 3
    (copy,) = seen[0]
    assert copy.startswith(f"{os.getpid()}-job-{socket.gethostname()}-")
    assert copy.endswith("/input.csv")
    assert list((backend.settings.data_dir / SCRATCH).iterdir()) == []


def test_a_copy_a_killed_worker_left_is_removed_when_a_worker_starts(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    scratch = backend.settings.data_dir / SCRATCH
    host = socket.gethostname()
    killed = scratch / f"{gone_pid()}-job-{host}-abc123"
    running = scratch / f"{os.getpid()}-job-{host}-def456"  # a worker of a live process
    elsewhere = scratch / f"{gone_pid()}-job-another-machine-ghi789"  # a shared data folder
    for folder in (killed, running, elsewhere):
        folder.mkdir(parents=True)
        (folder / "input.csv").write_text("comment\nmy private comment\n")

    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)

    assert not killed.exists()
    assert (running / "input.csv").exists() and (elsewhere / "input.csv").exists()
