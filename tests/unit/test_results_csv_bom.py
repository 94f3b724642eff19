"""An escaped results CSV (for a spreadsheet) starts with UTF-8's byte order mark, so Excel on
Windows reads accents, emoji and other scripts as written, not as mojibake; a raw one (for a
program) does not: its first header stays the column's name. On every path: the CSV of a
running job, a finished job's stored copy (one stored before the mark too, never twice), the
API (the Lambda edge: test_gateway_inline_csv.py), ``results -o`` and ``analyze -o``; every
reader in the product still reads it."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from httpfakes import in_process_client
from jobfakes import FakePredictor, comments_csv, make_backend

from pipeline import service
from pipeline.analyze import analyze_file
from pipeline.bootstrap import Backend
from pipeline.cli import job_commands
from pipeline.cli.exit_codes import EXIT_UNFINISHED
from pipeline.cli.main import main
from pipeline.service import export
from pipeline.service.results import CSV_BOM
from pipeline.settings import Settings
from pipeline.ui.exports import results_frame
from pipeline.worker import Worker

BOM = b"\xef\xbb\xbf"
COMMENTS = ["Très bien 👍", "讲课很清楚", "شرح ممتاز", "=HYPERLINK(1)"]


def job_of(backend: Backend, tmp_path: Path) -> str:
    path = comments_csv(tmp_path / "in.csv", COMMENTS)
    return service.submit(backend, path, "comment").request_id


def csv_of(backend: Backend, request_id: str, raw: bool = False) -> bytes:
    _job, blocks = service.results_csv(backend, request_id, raw=raw)
    return b"".join(blocks)


def read_back(content: bytes) -> list[str]:
    """What the product's own reader (the app, ``results -o x.xlsx``) makes of it."""
    return results_frame(content)["comment"].tolist()


def running(backend: Backend, tmp_path: Path) -> str:
    request_id = job_of(backend, tmp_path)
    started = backend.repository.jobs.begin_attempt(request_id, "fake-1", FakePredictor.labels)
    assert started is not None
    rows = [
        {"row_index": i, "text": text, "data": {"course": "C"}, "label": "positive"}
        | {"scores": None, "error": None, "model_version": "fake-1"}
        for i, text in enumerate(COMMENTS)
    ]
    backend.repository.jobs.write_chunk(request_id, rows)
    return request_id


def test_the_bom_is_utf8s_byte_order_mark() -> None:
    assert CSV_BOM == BOM


def test_a_running_jobs_escaped_csv_starts_with_a_bom_and_a_raw_one_does_not(
    tmp_path: Path,
) -> None:
    backend = make_backend(tmp_path)
    request_id = running(backend, tmp_path)
    escaped, raw = csv_of(backend, request_id), csv_of(backend, request_id, raw=True)
    assert escaped.startswith(BOM + b"course,comment,") and not escaped[3:].count(BOM)
    assert raw.startswith(b"course,comment,")
    assert read_back(escaped) == ["Très bien 👍", "讲课很清楚", "شرح ممتاز", "'=HYPERLINK(1)"]
    assert read_back(raw) == COMMENTS
    assert escaped.decode("utf-8-sig").encode() == raw.replace(b"=HYP", b"'=HYP")


def test_a_stored_copy_without_the_mark_is_served_with_one_and_one_with_it_not_twice(
    tmp_path: Path,
) -> None:
    backend = make_backend(tmp_path)
    request_id = job_of(backend, tmp_path)
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    result_key = backend.repository.jobs.get(request_id).result_key
    assert result_key is not None
    key = export.escaped_key(result_key)
    stored = backend.store.get_bytes(key).removeprefix(BOM)
    backend.store.put_bytes(key, stored)  # as the worker stored it before the mark
    assert csv_of(backend, request_id) == BOM + stored
    backend.store.put_bytes(key, BOM + stored)
    assert csv_of(backend, request_id) == BOM + stored
    assert not csv_of(backend, request_id, raw=True).startswith(BOM)


def test_the_api_serves_the_mark_unless_raw(
    backend: Backend, client: TestClient, tmp_path: Path
) -> None:
    request_id = running(backend, tmp_path)
    url = f"/v1/jobs/{request_id}/results"
    assert client.get(url, params={"format": "csv"}).content.startswith(BOM)
    raw = client.get(url, params={"format": "csv", "raw": "true"}).content
    assert raw.startswith(b"course,")


def test_results_o_writes_the_mark_and_raw_does_not(
    backend: Backend,
    client: TestClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    request_id = running(backend, tmp_path)
    monkeypatch.setattr(job_commands, "api_client", lambda _args: in_process_client(client))
    assert main(["results", request_id, "-o", str(tmp_path / "r.csv")]) == EXIT_UNFINISHED
    assert (
        main(["results", request_id, "-o", str(tmp_path / "raw.csv"), "--raw"]) == EXIT_UNFINISHED
    )
    written = (tmp_path / "r.csv").read_bytes()
    assert written.startswith(BOM) and read_back(written)[:3] == COMMENTS[:3]
    assert (tmp_path / "raw.csv").read_bytes().startswith(b"course,")
    assert main(["results", request_id, "-o", str(tmp_path / "r.xlsx")]) == EXIT_UNFINISHED
    capsys.readouterr()


def test_a_finished_jobs_stored_copy_and_analyze_o_carry_the_mark(tmp_path: Path) -> None:
    """The worker stores the escaped copy with the mark, so the presigned S3 download (the
    file as stored) and ``analyze -o out.csv`` (a copy of it) have it too."""
    backend = make_backend(tmp_path)
    request_id = job_of(backend, tmp_path)
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    result_key = backend.repository.jobs.get(request_id).result_key
    assert result_key is not None
    assert backend.store.get_bytes(export.escaped_key(result_key)).startswith(BOM)
    assert not backend.store.get_bytes(result_key).startswith(BOM)

    source = comments_csv(tmp_path / "a.csv", COMMENTS)
    options = {"progress": False, "screening": Settings(insights=False)}
    for raw, name in ((False, "out.csv"), (True, "raw.csv")):
        analyze_file(source, tmp_path / name, FakePredictor, "comment", raw=raw, **options)  # type: ignore[arg-type]
    assert (tmp_path / "out.csv").read_bytes().startswith(BOM)
    assert not (tmp_path / "raw.csv").read_bytes().startswith(BOM)
    frame = pd.read_csv(io.BytesIO((tmp_path / "out.csv").read_bytes()), dtype=str)
    assert frame.columns[0] == "course"  # pandas, as a program would, reads past the mark
