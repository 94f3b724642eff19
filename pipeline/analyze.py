"""Label a whole file of comments and write every input column plus the model's columns.

``analyze`` is the service in one process: the file is submitted to a throwaway embedded
backend (a temporary folder with its own SQLite database and queue) and labelled by a worker in
burst mode, so the command line exercises exactly the path a deployed job takes: the output
has the aspects and themes of every row (unless insights are off) and, with ``explain``, its
top words; the themes themselves are written beside it (``themes_path``).
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
from pipeline.insights import storage
from pipeline.insights.loading import insights_source
from pipeline.model.predictor import Predictor
from pipeline.service import export
from pipeline.settings import Settings
from pipeline.worker import Worker


def analyze_file(
    source: Path,
    output: Path,
    predictor: Predictor,
    text_column: str | None = None,
    chunk_rows: int | None = None,
    limits: Limits | None = None,
    progress: bool = True,
    raw: bool = False,
    screening: Settings | None = None,
    sheet: str | None = None,
    explain: bool = False,
) -> int:
    """Validate, queue and label the file with ``predictor``; returns the rows written. The
    output is formula-escaped, like every results download, unless ``raw``. ``screening``
    gives the languages to label, the extra no-opinion phrases and how chunks are sized
    (default: English, the default phrases, chunks sized by time, so the progress bar moves
    within a second). ``chunk_rows`` caps a chunk's rows (default: ``screening``'s).
    ``sheet`` chooses a workbook's sheet (name or 1-based number). ``explain`` adds each
    row's top words toward its label (slower). ``screening.insights`` off leaves out aspects
    and themes; on, the job's themes are written to ``themes_path(output)``."""
    limits = limits or Limits()
    screening = screening or Settings()
    with tempfile.TemporaryDirectory(prefix="analyze-") as folder:
        settings = Settings(
            data_dir=Path(folder),
            model=predictor.version,
            chunk_rows=chunk_rows or screening.chunk_rows,
            first_chunk_rows=screening.first_chunk_rows,
            chunk_target_s=screening.chunk_target_s,
            max_upload_bytes=limits.max_bytes,
            max_rows=limits.max_rows,
            max_comment_chars=limits.max_comment_chars,
            max_receives=1,
            languages=screening.languages,
            no_opinion_extra=screening.no_opinion_extra,
            no_opinion_file=screening.no_opinion_file,
            insights=screening.insights,
            batch_size=screening.batch_size,
        )
        backend = init_backend(settings)
        try:
            submitted = service.submit(
                backend, Path(source), text_column, sheet=sheet, explain=explain
            )
            request_id = submitted.request_id
            total = backend.repository.jobs.get(request_id).rows_total
            with tqdm(total=total, unit="comment", file=sys.stderr, disable=not progress) as bar:
                worker = Worker(
                    backend,
                    lambda _reference: predictor,
                    "analyze",
                    on_rows=bar.update,
                    insights=insights_source(settings),
                )
                worker.run(burst=True)
            job = backend.repository.jobs.get(request_id)
            if job.status != JobStatus.SUCCEEDED or job.result_key is None:
                raise PipelineError(f"labelling {source} failed: {job.error or job.status}")
            stored = job.result_key if raw else export.escaped_key(job.result_key)
            backend.store.get_file(stored, Path(output))
            if job.insights_key is not None and job.themes_error is None:
                themes = backend.store.get_bytes(storage.themes_key(job.insights_key))
                themes_path(Path(output)).write_bytes(themes)
            return job.rows_done
        finally:
            backend.repository.database.dispose()


def themes_path(output: Path) -> Path:
    """Where ``analyze_file`` writes the themes of ``output``: ``results.csv`` →
    ``results.themes.json``."""
    return output.with_suffix(".themes.json")
