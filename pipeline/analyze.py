"""Label a whole file of comments and write every input column plus the model's columns.

``analyze`` is the service in one process: the file is submitted to a throwaway embedded
backend (a temporary folder with its own SQLite database and queue) and labelled by a worker in
burst mode, so the command line exercises exactly the path a deployed job takes: the output
has the aspects and themes of every row (unless insights are off) and, with ``explain``, its
top words; the themes themselves are written beside it (``themes_path``).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO, NoReturn

from tqdm import tqdm

from pipeline import service
from pipeline.bootstrap import Backend, init_backend
from pipeline.cli.output import is_stream, writable, write_whole, writing
from pipeline.cli.progress_lines import on_terminal
from pipeline.db import JobStatus
from pipeline.errors import InputError, PipelineError
from pipeline.input_header import unlabelled_note
from pipeline.inputs import ReadOptions, asked_columns
from pipeline.insights import storage
from pipeline.insights.loading import insights_source
from pipeline.model.predictor import Predictor
from pipeline.release.alert import urgent_line, urgent_rows
from pipeline.release.screen import ReleaseScreen
from pipeline.service import export
from pipeline.settings import Settings
from pipeline.ui.exports import RAW_WORKBOOK, results_workbook
from pipeline.worker import Worker


def check_output(output: Path | str, raw: bool) -> bool:
    """Whether ``output`` is an Excel workbook, refusing it ``raw`` (a raw ``=…`` cell would
    run there): from the arguments alone, so a command can refuse before loading a model."""
    as_workbook = Path(output).suffix.lower() == ".xlsx"
    if as_workbook and raw:
        raise InputError(RAW_WORKBOOK)
    return as_workbook


def analyze_file(
    source: Path,
    output: Path,
    load_predictor: Callable[[], Predictor],
    text_column: str | Sequence[str] | None = None,
    chunk_rows: int | None = None,
    progress: bool = True,
    raw: bool = False,
    screening: Settings | None = None,
    sheet: str | None = None,
    explain: bool = False,
) -> int:
    """Validate, queue and label the file with the model ``load_predictor`` loads, once the file
    is accepted (a file refused is refused without waiting seconds for a model to load); returns
    the rows written. The output is formula-escaped, like every results download, unless
    ``raw``; an ``output`` ending in ``.xlsx`` is an Excel workbook (never raw). ``screening``
    gives the model to record, the languages to label, the extra no-opinion phrases, how chunks
    are sized and the limits on the file, its rows and comments (PIPELINE_MAX_*, as a submitted
    file meets them) (default: English, the default phrases, chunks sized by time, so the
    progress bar moves within a second, the default limits). ``chunk_rows`` caps a chunk's rows
    (default: ``screening``'s). ``sheet`` chooses a workbook's sheet (name or 1-based number).
    ``explain`` adds each row's top words toward its label (slower). ``screening.insights`` off
    leaves out aspects and themes; on, the job's themes are written to ``themes_path(output)``
    (checked before any work; none beside a stream such as ``/dev/stdout``). Both are written
    whole or not at all (``pipeline.cli.output.writing``: a full disk leaves neither, and names
    the output). Without ``text_column`` the column named like comments is read, and named on
    stderr with ``progress``."""
    as_workbook = check_output(output, raw)
    screening = screening or Settings()
    themes_to = themes_file(output, screening.insights)
    if progress and screening.insights and themes_to is None:
        print(f"no themes file: {output} is no file to put one beside", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="analyze-") as folder:
        settings = Settings(
            data_dir=Path(folder),
            model=screening.model,
            chunk_rows=chunk_rows or screening.chunk_rows,
            first_chunk_rows=screening.first_chunk_rows,
            chunk_target_s=screening.chunk_target_s,
            insight_chunk_target_s=screening.insight_chunk_target_s,
            max_upload_bytes=screening.max_upload_bytes,
            max_rows=screening.max_rows,
            max_comment_chars=screening.max_comment_chars,
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
            queued = backend.repository.jobs.get(request_id)
            if progress and queued.input_format != "txt" and not asked_columns(text_column):
                print(f"comments from column {queued.text_column!r}", file=sys.stderr)
            if progress and submitted.other_text_columns:
                print(unlabelled_note(submitted.other_text_columns), file=sys.stderr)
            read = ReadOptions.from_json(queued.input_options)
            if progress and (read.skips_rows() or read.melt or read.escape):  # not plain CSV
                print(f"read as {read.describe()}", file=sys.stderr)
            predictor = load_predictor()
            total = queued.rows_total
            bars = progress and on_terminal(sys.stderr)  # a log or cron's mail: no frames
            if progress and not bars:  # one line for the log instead of the bars' frames
                print(f"labelling {total:,} comments of {Path(source).name}", file=sys.stderr)
            with PhasedProgress(total, enabled=bars, insights=settings.insights) as shown:
                worker = Worker(
                    backend,
                    lambda _reference: predictor,
                    "analyze",
                    on_rows=shown.labelled,
                    insights=insights_source(settings),
                    on_insights=shown.analysed,
                )
                worker.run(burst=True)
            job = backend.repository.jobs.get(request_id)
            if job.status != JobStatus.SUCCEEDED or job.result_key is None:
                raise PipelineError(f"labelling {source} failed: {job.error or job.status}")
            themes = None
            if themes_to is not None and job.insights_key is not None and job.themes_error is None:
                themes = backend.store.get_bytes(storage.themes_key(job.insights_key))
            with writing(Path(output)) as handle:  # whole or not at all
                if as_workbook:  # escaped as it is written, as the app's Excel download is
                    raw_csv = backend.store.get_bytes(job.result_key)
                    handle.write(results_workbook(raw_csv))
                else:
                    stored = job.result_key if raw else export.escaped_key(job.result_key)
                    _copy_out(backend, stored, Path(folder), handle)
            if themes is not None and themes_to is not None:  # once the results are in place
                write_whole(themes_to, themes)
            elif progress and themes_to is not None and job.themes_error is not None:
                print(f"no themes file: {job.themes_error}", file=sys.stderr)
            if progress:
                screen = ReleaseScreen.from_settings(screening)
                told = urgent_line(
                    urgent_rows(backend.repository.results.batches(request_id), screen)
                )
                if told:
                    print(told, file=sys.stderr)
            return job.rows_done
        finally:
            backend.repository.database.dispose()


class PhasedProgress:
    """What ``analyze`` shows on stderr: a bar of the rows labelled, then, with insights, a
    second one ("about what") of the rows whose insights are worked out, and a "finding
    themes…" line (with its time once done) while the post-pass runs, so the user sees the job
    move until it ends rather than a full bar that sits silent. Without insights the labels'
    bar is all there is. With ``insights`` the second bar opens as the last label is in, so
    its clock, and its rate, are the insights pass's own (opened by the first chunk of
    insights, it would show a small file's only chunk done in no time: 537,731 a second)."""

    THEMES = "finding themes…"

    def __init__(self, total: int, enabled: bool = True, insights: bool = False) -> None:
        self._total = total
        self._enabled = enabled
        self._expects_insights = insights
        self._labels = self._bar()
        self._insights: tqdm[NoReturn] | None = None
        self._themes: tqdm[NoReturn] | None = None

    def _bar(self, description: str | None = None) -> tqdm[NoReturn]:
        return tqdm(
            total=self._total,
            desc=description,
            unit="comment",
            file=sys.stderr,
            disable=not self._enabled,
        )

    def labelled(self, rows: int) -> None:
        """The worker committed ``rows`` more labels; the last of them opens the insights'
        bar, when they follow."""
        self._labels.update(rows)
        if self._expects_insights and self._labels.n >= self._total:
            self._open_insights()

    def analysed(self, rows: int) -> None:
        """The worker committed the insights of ``rows`` more rows. The last call ends the
        insights' bar (its rate the pass's own) and opens the themes' line."""
        insights = self._open_insights()
        insights.update(rows)
        if self._themes is None and insights.n >= self._total:
            insights.close()
            self._themes = tqdm(
                desc=self.THEMES,
                bar_format="{desc} {elapsed}",
                file=sys.stderr,
                disable=not self._enabled,
            )

    def _open_insights(self) -> tqdm[NoReturn]:
        """The insights' bar, opened on the first call: it ends the labels' bar (named, now
        that a second line follows). A job resumed past its labels opens it with its first
        chunk of insights."""
        if self._insights is None:
            self._labels.set_description("labels", refresh=False)
            self._labels.close()
            self._insights = self._bar("about what")
        return self._insights

    def close(self) -> None:
        """The job ended, its post-pass with it."""
        for bar in (self._labels, self._insights, self._themes):
            if bar is not None:
                bar.close()

    def __enter__(self) -> PhasedProgress:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def themes_file(output: Path, insights: bool) -> Path | None:
    """Where ``analyze_file`` writes the themes of ``output`` (``themes_path``), checked
    writable before any work (a folder of that name, say, is refused before the model labels
    a row, not after it wrote the results). None without insights, and for an output that is
    a stream (``-o /dev/stdout``, a FIFO), beside which no file can go."""
    if not insights or is_stream(output):
        return None
    return writable(themes_path(output))


_BLOCK = 1024 * 1024


def _copy_out(backend: Backend, key: str, scratch: Path, handle: BinaryIO) -> None:
    """The stored object ``key`` into ``handle``, streamed through a copy in ``scratch``
    (the store copies by name): a full disk there is the temporary files', one while
    writing ``handle`` is the output's, and ``writing`` names it."""
    copy = backend.store.get_file(key, scratch / "results.out")
    with copy.open("rb") as stored:
        shutil.copyfileobj(stored, handle, _BLOCK)
    copy.unlink()


def themes_path(output: Path) -> Path:
    """Where ``analyze_file`` writes the themes of ``output``: ``results.csv`` →
    ``results.themes.json``."""
    return output.with_suffix(".themes.json")
