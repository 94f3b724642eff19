"""Label a whole file of comments and write every input column plus the model's columns.

``analyze`` is the service in one process: the file is submitted to a throwaway embedded
backend (a temporary folder with its own SQLite database and queue) and labelled by a worker in
burst mode, so the command line exercises exactly the path a deployed job takes.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from tqdm import tqdm

from pipeline import service
from pipeline.bootstrap import init_backend
from pipeline.db import JobStatus
from pipeline.errors import PipelineError
from pipeline.inputs import Limits
from pipeline.model.predictor import Predictor
from pipeline.settings import Settings
from pipeline.worker import Worker


def analyze_file(
    source: Path,
    output: Path,
    predictor: Predictor,
    text_column: str | None = None,
    chunk_rows: int = 512,
    limits: Limits | None = None,
    progress: bool = True,
) -> int:
    """Validate, queue and label the file with ``predictor``; returns the rows written."""
    limits = limits or Limits()
    with tempfile.TemporaryDirectory(prefix="analyze-") as folder:
        settings = Settings(
            data_dir=Path(folder),
            model=predictor.version,
            chunk_rows=chunk_rows,
            max_upload_bytes=limits.max_bytes,
            max_rows=limits.max_rows,
            max_comment_chars=limits.max_comment_chars,
            max_receives=1,
        )
        backend = init_backend(settings)
        try:
            request_id = service.submit(backend, Path(source), text_column).request_id
            total = backend.repository.jobs.get(request_id).rows_total
            with tqdm(total=total, unit="comment", file=sys.stderr, disable=not progress) as bar:
                worker = Worker(
                    backend, lambda _reference: predictor, "analyze", on_rows=bar.update
                )
                worker.run(burst=True)
            job = backend.repository.jobs.get(request_id)
            if job.status != JobStatus.SUCCEEDED or job.result_key is None:
                raise PipelineError(f"labelling {source} failed: {job.error or job.status}")
            backend.store.get_file(job.result_key, Path(output))
            return job.rows_done
        finally:
            backend.repository.database.dispose()
