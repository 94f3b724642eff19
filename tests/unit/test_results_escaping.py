"""Every results file the product hands out is formula-escaped by default, raw on request:
the stored pair, the CSV of a running job, a job finished before escaped copies existed, the
presigned download, ``analyze`` and the CLI's ``results``."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from jobfakes import FakePredictor, comments_csv, make_backend
from openpyxl import load_workbook

from pipeline import service
from pipeline.adapters.local_store import LocalObjectStore
from pipeline.analyze import analyze_file
from pipeline.bootstrap import Backend
from pipeline.errors import InputError
from pipeline.service import export
from pipeline.settings import Settings
from pipeline.worker import Worker

COMMENTS = ['=HYPERLINK("http://evil")', "good", "@SUM(A1)", "-3", "+cmd|' /C calc'!A0"]
ESCAPED = ['\'=HYPERLINK("http://evil")', "good", "'@SUM(A1)", "-3", "'+cmd|' /C calc'!A0"]


class PresigningStore(LocalObjectStore):
    """A folder store that hands out download links, like S3's presigned URLs."""

    def presigned_get(
        self, key: str, expires_s: int = 3600, download_as: str | None = None
    ) -> str | None:
        return f"https://store.example/{key}?as={download_as}"


def comments_of(csv_bytes: bytes) -> list[str]:
    frame = pd.read_csv(io.BytesIO(csv_bytes), dtype=str, keep_default_na=False)
    return frame["comment"].tolist()


def submitted(backend: Backend, tmp_path: Path) -> str:
    path = comments_csv(tmp_path / "in.csv", COMMENTS, ["=C1", "C2", "C3", "C4", "C5"])
    return service.submit(backend, path, "comment").request_id


def run_worker(backend: Backend) -> None:
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)


def csv_of(backend: Backend, request_id: str, raw: bool = False) -> bytes:
    _job, blocks = service.results_csv(backend, request_id, raw=raw)
    return b"".join(blocks)


def test_a_finished_job_stores_a_raw_and_an_escaped_csv(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    request_id = submitted(backend, tmp_path)
    run_worker(backend)
    job = backend.repository.jobs.get(request_id)
    assert job.result_key is not None
    raw = backend.store.get_bytes(job.result_key)
    escaped = backend.store.get_bytes(export.escaped_key(job.result_key))
    assert comments_of(raw) == COMMENTS
    assert comments_of(escaped) == ESCAPED
    assert export.escaped_key(job.result_key).endswith("/escaped/results.csv")
    assert csv_of(backend, request_id) == escaped
    assert csv_of(backend, request_id, raw=True) == raw
    assert pd.read_csv(io.BytesIO(escaped), dtype=str)["course"].tolist()[0] == "'=C1"


def test_a_running_job_is_escaped_unless_raw(tmp_path: Path) -> None:
    backend = make_backend(tmp_path, chunk_rows=2)
    request_id = submitted(backend, tmp_path)
    started = backend.repository.jobs.begin_attempt(request_id, "fake-1", FakePredictor.labels)
    assert started is not None
    row = {"text": COMMENTS[0], "data": {"course": "=C1"}, "label": "neutral", "scores": None}
    backend.repository.jobs.write_chunk(
        request_id, [{"row_index": 0, **row, "error": None, "model_version": "fake-1"}]
    )
    assert comments_of(csv_of(backend, request_id)) == ESCAPED[:1]
    assert comments_of(csv_of(backend, request_id, raw=True)) == COMMENTS[:1]


def test_a_job_finished_before_escaped_copies_existed_is_never_served_raw(
    tmp_path: Path,
) -> None:
    backend = make_backend(tmp_path)
    request_id = submitted(backend, tmp_path)
    run_worker(backend)
    result_key = backend.repository.jobs.get(request_id).result_key
    assert result_key is not None
    backend.store.delete(export.escaped_key(result_key))
    assert comments_of(csv_of(backend, request_id)) == ESCAPED  # rebuilt from the rows
    assert comments_of(csv_of(backend, request_id, raw=True)) == COMMENTS


def test_the_presigned_download_points_at_the_escaped_copy_unless_raw(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    backend = Backend(
        backend.settings,
        backend.repository,
        PresigningStore(backend.settings.data_dir / "objects"),
        backend.queue,
    )
    request_id = submitted(backend, tmp_path)
    run_worker(backend)
    result_key = backend.repository.jobs.get(request_id).result_key
    assert result_key is not None
    saved_as = f"in-{request_id[:8]}-results.csv"  # named after the upload, in.csv
    escaped_url = service.results_url(backend, request_id)
    assert escaped_url == f"https://store.example/{export.escaped_key(result_key)}?as={saved_as}"
    assert service.results_url(backend, request_id, raw=True) == (
        f"https://store.example/{result_key}?as={saved_as}"
    )
    backend.store.delete(export.escaped_key(result_key))
    assert service.results_url(backend, request_id) is None  # the edge streams escaped rows


@pytest.mark.parametrize("raw", [False, True])
def test_analyze_writes_escaped_cells_unless_raw(tmp_path: Path, raw: bool) -> None:
    source = comments_csv(tmp_path / "in.csv", COMMENTS)
    output = tmp_path / "out.csv"
    rows = analyze_file(
        source,
        output,
        FakePredictor,  # type: ignore[arg-type]
        "comment",
        progress=False,
        raw=raw,
        screening=Settings(insights=False),  # the fake has no encoder to embed with
    )
    assert rows == len(COMMENTS)
    assert comments_of(output.read_bytes()) == (COMMENTS if raw else ESCAPED)


def test_analyze_writes_an_escaped_workbook_for_an_xlsx_output(tmp_path: Path) -> None:
    source = comments_csv(tmp_path / "in.csv", COMMENTS)
    output = tmp_path / "out.xlsx"
    options = {"progress": False, "screening": Settings(insights=False)}
    analyze_file(source, output, FakePredictor, "comment", **options)  # type: ignore[arg-type]
    sheet = load_workbook(output).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    header = [cell.value for cell in sheet[1]]
    column = header.index("comment") + 1
    cells = [sheet.cell(row=row, column=column) for row in range(2, sheet.max_row + 1)]
    assert [cell.value for cell in cells] == COMMENTS, "as written, held as text"
    assert [cell.quotePrefix for cell in cells] == [
        comment != escaped for comment, escaped in zip(COMMENTS, ESCAPED, strict=True)
    ]
    with pytest.raises(InputError, match="--raw is for a CSV"):
        analyze_file(source, tmp_path / "raw.xlsx", FakePredictor, raw=True)  # type: ignore[arg-type]
    assert not (tmp_path / "raw.xlsx").exists()


def test_explanations_are_escaped_like_every_other_cell(tmp_path: Path) -> None:
    from insightfakes import fake_analyst

    backend = make_backend(tmp_path)
    source = comments_csv(tmp_path / "in.csv", COMMENTS)
    request_id = service.submit(backend, source, "comment", explain=True).request_id
    Worker(backend, lambda _ref: FakePredictor(), "w", insights=fake_analyst).run(burst=True)
    for raw in (False, True):
        _job, blocks = service.results_csv(backend, request_id, raw=raw)
        frame = pd.read_csv(io.BytesIO(b"".join(blocks)), dtype=str, keep_default_na=False)
        first = frame.loc[0, "explanation"]
        assert first.startswith("=HYPERLINK") if raw else first.startswith("'=HYPERLINK")


def test_writing_both_files_in_one_pass_matches_writing_each(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    request_id = submitted(backend, tmp_path)
    run_worker(backend)
    job = backend.repository.jobs.get(request_id)
    batches = list(backend.repository.results.batches(request_id, 2))
    raw, escaped = io.StringIO(), io.StringIO()
    assert export.write_both(batches, job, raw, escaped) == len(COMMENTS)
    alone_raw, alone_escaped = io.StringIO(), io.StringIO()
    export.write_csv(batches, job, alone_raw, raw=True)
    export.write_csv(batches, job, alone_escaped)
    assert (raw.getvalue(), escaped.getvalue()) == (alone_raw.getvalue(), alone_escaped.getvalue())
    assert raw.getvalue() != escaped.getvalue()
