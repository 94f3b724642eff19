"""Hostile and malformed HTTP inputs against the real API in-process (issue 10): files, form
fields, ids and query parameters, keys and methods. Each case gets a clear 4xx whose body
names the problem (the status, the error code, words of the detail, a bounded body), or a 202
after which a worker labels the file and every row comes out exactly once, as sent. After
each one the service still answers, and at the end a normal submission still goes through.

The backends are real and embedded (SQLite, local store, SQLite queue in a temporary folder),
shared by the whole module as a server is shared by its callers; the worker runs in burst
mode with a keyword predictor. Three services: ``open`` (no key needed, as ``up`` on
loopback), ``small`` (a 10,000-byte upload limit) and ``keyed`` (PIPELINE_AUTH=keys).
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from hostile_cases import (
    SNIFF_BYTES,
    comments,
    header_line,
    invalid_utf8_mid_file,
    padding_rows,
    pdf_document,
    png_image,
    table,
    wide_header,
    with_nul,
    workbook,
    xls_signature,
    zip_not_a_workbook,
)
from jobfakes import FakePredictor, make_backend
from xlsxfakes import (
    amplification_bomb,
    evaluation_export,
    lying_size_bomb,
    repeated_cells_bomb,
    shared_strings_bomb,
)

from pipeline import service
from pipeline.api.access_log import QueryScrubber, uvicorn_log_config
from pipeline.api.app import create_app
from pipeline.bootstrap import Backend
from pipeline.worker import Worker

BODY_LIMIT = 5 * 1024
"""Every error body stays small, whatever the request held (details stop at 4 KB)."""
SMALL_UPLOAD = 10_000
JOBS = "/v1/jobs"
ABSENT_ID = "AbsentAbsentAbsent0000"  # the shape of a request id; no job has it


@dataclass(frozen=True)
class Service:
    backend: Backend
    client: TestClient


@dataclass
class World:
    """The services, the keys of the keyed one and jobs the cases refer to."""

    services: dict[str, Service]
    alice: str
    bob: str
    revoked: str
    finished: str
    """A succeeded job on ``open`` (with a ``course`` column)."""
    alices_job: str
    """A succeeded job of alice's on ``keyed``."""
    folder: Path

    @property
    def open(self) -> TestClient:
        return self.services["open"].client

    @property
    def keyed(self) -> TestClient:
        return self.services["keyed"].client


Send = Callable[[World], httpx.Response]
Check = Callable[[World, TestClient, str], None]


@dataclass(frozen=True)
class Case:
    """One hostile request: what is sent, on which service, and what must come back."""

    id: str
    send: Send
    status: int
    code: str | None = None
    """The error code of a refusal; None for a 2xx."""
    mentions: tuple[str, ...] = ()
    """Words the refusal's detail must hold (case-insensitive): it names the problem."""
    rows: tuple[str | None, ...] | None = None
    """For a 202: each row's comment in the results, in order (None: the cell is empty)."""
    check: Check | None = None
    """More about the answer, or about the finished job (given its request id)."""
    profile: str = "open"
    allow: str | None = None
    """The ``Allow`` header of a 405."""


def run_worker(backend: Backend) -> None:
    Worker(backend, lambda _ref: FakePredictor(), "hostile").run(burst=True)


def keyed(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


def upload(
    data: bytes | Callable[[], bytes],
    name: str = "comments.csv",
    profile: str = "open",
    **form: Any,
) -> Send:
    """POST the file as ``file`` with ``text_column=comment`` unless ``form`` says otherwise;
    ``data`` may be a builder, called only when the case runs."""

    def send(world: World) -> httpx.Response:
        content = data() if callable(data) else data
        fields = {"text_column": "comment", **form}
        fields = {k: v for k, v in fields.items() if v is not None}
        client = world.services[profile].client
        return client.post(JOBS, files={"file": (name, content)}, data=fields)

    return send


def get(path: str | Callable[[World], str], profile: str = "open", **params: Any) -> Send:
    def send(world: World) -> httpx.Response:
        target = path(world) if callable(path) else path
        return world.services[profile].client.get(target, params=params or None)

    return send


def finished(suffix: str = "") -> Callable[[World], str]:
    return lambda world: f"{JOBS}/{world.finished}{suffix}"


def request(method: str, path: str | Callable[[World], str]) -> Send:
    def send(world: World) -> httpx.Response:
        return world.open.request(method, path(world) if callable(path) else path)

    return send


def results_csv(client: TestClient, request_id: str, raw: bool) -> list[dict[str, str]]:
    params = {"format": "csv", **({"raw": "true"} if raw else {})}
    answer = client.get(f"{JOBS}/{request_id}/results", params=params)
    assert answer.status_code == 200, answer.text
    return list(csv.DictReader(io.StringIO(answer.text)))


def formula(cell: str, escaped: str) -> Case:
    """A comment that would run as a formula in a spreadsheet: escaped in the results CSV by
    default, exactly as sent with ``raw=true``, and untouched in the JSON pages."""

    def check(world: World, client: TestClient, request_id: str) -> None:
        assert [r["comment"] for r in results_csv(client, request_id, raw=False)] == [escaped]
        assert [r["comment"] for r in results_csv(client, request_id, raw=True)] == [cell]

    return Case(f"formula-{cell[:12]}", upload(comments([cell])), 202, rows=(cell,), check=check)


def cancelled_twice(world: World) -> httpx.Response:
    request_id = upload(comments(["cancel me twice"]))(world).json()["request_id"]
    first = world.open.delete(f"{JOBS}/{request_id}")
    assert first.status_code == 200 and first.json()["status"] == "cancelled"
    return world.open.delete(f"{JOBS}/{request_id}")


def alice_key_in_query(world: World) -> httpx.Response:
    return world.keyed.get(JOBS, params={"api_key": world.alice})


def key_never_logged(world: World, _client: TestClient, _request_id: str) -> None:
    """The access log of ``up`` is scrubbed: the path is written without its query string."""
    config = uvicorn_log_config()
    access_filters = [
        config["filters"][name]["()"] for name in config["handlers"]["access"]["filters"]
    ]
    assert access_filters == [f"{QueryScrubber.__module__}.QueryScrubber"]
    target = f"{JOBS}?api_key={world.alice}"
    arguments = ("127.0.0.1:5000", "GET", target, "1.1", 401)
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 0, '%s - "%s %s HTTP/%s" %d', arguments, None
    )
    assert QueryScrubber().filter(record)
    assert world.alice not in record.getMessage()


def bobs_view_of_alices_job(suffix: str, method: str = "GET", **params: Any) -> Send:
    def send(world: World) -> httpx.Response:
        return world.keyed.request(
            method,
            f"{JOBS}/{world.alices_job}{suffix}",
            params=params or None,
            headers=keyed(world.bob),
        )

    return send


def same_as_absent(world: World, _client: TestClient, _request_id: str) -> None:
    """Another key's job answers exactly as a job that does not exist: nothing leaks."""
    absent = world.keyed.get(f"{JOBS}/{ABSENT_ID}", headers=keyed(world.bob)).json()
    assert absent["error"] == "job_not_found"


def health_without_key(world: World) -> httpx.Response:
    return world.keyed.get("/health")


def only_status(_world: World, client: TestClient, _request_id: str) -> None:
    answer = client.get("/health")
    assert answer.json() == {"status": "ok"}, "no queue depth, dependency or tenant data"


def row_error(world: World, client: TestClient, request_id: str) -> None:
    rows = client.get(f"{JOBS}/{request_id}/results").json()["rows"]
    assert rows[0]["label"] is None
    assert "20,001 characters, over the limit of 20,000" in rows[0]["error"]
    assert rows[1]["label"] == "positive" and rows[1]["error"] is None


def read_as(**options: Any) -> Check:
    def check(_world: World, client: TestClient, request_id: str) -> None:
        stored = client.get(f"{JOBS}/{request_id}").json()["input_options"]
        assert {name: stored.get(name) for name in options} == options

    return check


def columns_are(*names: str) -> Check:
    def check(_world: World, client: TestClient, request_id: str) -> None:
        page = client.get(f"{JOBS}/{request_id}/results").json()
        assert page["columns"][: len(names)] == list(names)

    return check


def stored_name(expected: Callable[[str], bool]) -> Check:
    def check(world: World, client: TestClient, request_id: str) -> None:
        name = client.get(f"{JOBS}/{request_id}").json()["input_name"]
        assert expected(name), name
        assert not (world.folder / "etc").exists()

    return check


def two_files(world: World) -> httpx.Response:
    parts = [("file", ("a.csv", comments(["first file"]))), ("file", ("b.csv", b"comment\nb\n"))]
    return world.open.post(JOBS, files=parts, data={"text_column": "comment"})


def multipart(body: bytes, content_type: str) -> Send:
    return lambda world: world.open.post(JOBS, content=body, headers={"content-type": content_type})


def declared_oversize(world: World) -> httpx.Response:
    body = b"x" * (SMALL_UPLOAD + 2 * 1024 * 1024)
    return world.services["small"].client.post(
        JOBS, content=body, headers={"content-type": "multipart/form-data; boundary=x"}
    )


TRUNCATED = (
    b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'
    b"comment\nhalf a file"
)
GOOD = comments(["good teaching", "bad slides"])
EVALUATION = ("Great lectures", "Too fast", None)
TITLED = workbook(
    [
        (
            "Answers",
            [
                ["Course evaluation 2026"],
                ["exported 2026-03-01"],
                [],
                ["course", "Comment"],
                ["A", "good pace"],
                ["B", "bad acoustics"],
            ],
        )
    ]
)
COVERED = workbook(
    [
        ("Cover", [["About this export"], ["Generated by the evaluation system"]]),
        ("Data", [["Comment", "course"], ["good labs", "A"], ["bad exams", "B"]]),
    ]
)
LONG = "x" * 20_001
MIXED_SCRIPTS = ("Great 👍🏽 course", "ممتاز جدا", "zero\u200bwidth\u200djoiner", "\u202eevil rtl")


def _evaluation() -> bytes:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        return evaluation_export(Path(folder) / "export.xlsx").read_bytes()


FILES: list[Case] = [
    Case("empty-file", upload(b""), 400, "empty_input", ("empty",)),
    Case("header-only", upload(b"comment\n"), 400, "empty_input", ("no comments",)),
    Case("header-only-bom", upload(b"\xef\xbb\xbfcomment\r\n"), 400, "empty_input"),
    Case("xlsx-0-bytes", upload(b"", "comments.xlsx"), 400, "empty_input", ("empty",)),
    Case(
        "zip-not-xlsx",
        upload(zip_not_a_workbook(), "comments.xlsx"),
        400,
        "unsupported_format",
        ("not an excel workbook",),
    ),
    Case("zip-named-csv", upload(zip_not_a_workbook()), 400, "unsupported_format", ("zip",)),
    Case(
        "xls-signature",
        upload(xls_signature(), "comments.xls"),
        400,
        "unsupported_format",
        ("save it as", ".xlsx"),
    ),
    Case(
        "xls-renamed-csv",
        upload(xls_signature()),
        400,
        "unsupported_format",
        ("97-2003",),
    ),
    Case("pdf-renamed-csv", upload(pdf_document), 400, "unsupported_format", ("pdf",)),
    Case("png-renamed-csv", upload(png_image), 400, "unsupported_format", ("png",)),
    Case(
        "nul-early",
        upload(with_nul(["first", "second"], padding_rows(2_000))),
        400,
        "malformed_input",
        ("line 4", "NUL"),
    ),
    Case(
        "nul-after-64k",
        upload(lambda: with_nul(padding_rows(SNIFF_BYTES), ["after"])),
        400,
        "malformed_input",
        ("NUL",),
    ),
    Case(
        "nul-last-byte",
        upload(comments(padding_rows(SNIFF_BYTES)) + b"\x00"),
        400,
        "malformed_input",
        ("NUL",),
    ),
    Case(
        "invalid-utf8-mid-file",
        upload(invalid_utf8_mid_file()),
        400,
        "encoding",
        ("0xc3", "line 12"),
    ),
    Case(
        "utf16-le-bom",
        upload(comments(["héllo wörld", "good ünïcode"], "utf-16")),
        202,
        rows=("héllo wörld", "good ünïcode"),
        check=read_as(encoding="utf-16"),
    ),
    Case(
        "utf16-be-bom",
        upload(b"\xfe\xff" + comments(["big endian good"], "utf-16-be")),
        202,
        rows=("big endian good",),
    ),
    Case(
        "utf16-without-bom",
        upload(comments(["no bom here"], "utf-16-le")),
        400,
        "unsupported_format",
        ("binary",),
    ),
    Case(
        "windows-1252",
        upload(comments(["café – “good”", "naïve € bad"], "cp1252")),
        202,
        rows=("café – “good”", "naïve € bad"),
        check=read_as(encoding="cp1252"),
    ),
    Case(
        "utf8-bom-data",
        upload(b"\xef\xbb\xbf" + comments(["bom good"])),
        202,
        rows=("bom good",),
        check=columns_are("comment"),
    ),
    Case(
        "semicolon",
        upload(table(["course", "comment"], [["A", "good, really"], ["B", "bad"]], delimiter=";")),
        202,
        rows=("good, really", "bad"),
        check=read_as(delimiter=";"),
    ),
    Case(
        "tab",
        upload(table(["course", "comment"], [["A", "good; fine"], ["B", "meh"]], delimiter="\t")),
        202,
        rows=("good; fine", "meh"),
        check=read_as(delimiter="\t"),
    ),
    Case(
        "pipe",
        upload(table(["course", "comment"], [["A", "good, thanks"], ["B", "bad"]], delimiter="|")),
        202,
        rows=("good, thanks", "bad"),
        check=read_as(delimiter="|"),
    ),
    Case(
        "ragged-first-row",
        upload(b"comment,course\nGreat,A,extra\n"),
        400,
        "malformed_input",
        ("line 2", "3 fields"),
    ),
    Case(
        "ragged-later-row",
        upload(b"comment,course\nfine,A\nok,B\nGreat,A,extra\n"),
        400,
        "malformed_input",
        ("line 4",),
    ),
    Case(
        "duplicate-columns",
        upload(b"comment,comment,course\na,b,c\n"),
        400,
        "malformed_input",
        ("two columns named 'comment'",),
    ),
    Case(
        "missing-column-did-you-mean",
        upload(b"Comments,course\nfine,A\n"),
        400,
        "missing_column",
        ("did you mean 'Comments'",),
    ),
    Case(
        "column-case-insensitive",
        upload(b" Comment ,course\ncase good,A\n"),
        202,
        rows=("case good",),
        check=columns_are("Comment", "course"),
    ),
    Case(
        "columns-differing-in-case-twice",
        upload(b"Comment,COMMENT\na,b\n"),
        400,
        "ambiguous_column",
        ("'Comment'", "'COMMENT'"),
    ),
    Case(
        "columns-differing-in-case-one-exact",
        upload(b"Comment,comment\nother,exact good\n"),
        202,
        rows=("exact good",),
    ),
    Case(
        "blank-header-cells",
        upload(b"comment,,course,\nblank good,x,A,y\n"),
        202,
        rows=("blank good",),
        check=columns_are("comment", "column_2", "course", "column_4"),
    ),
    Case(
        "header-line-5mb",
        upload(lambda: header_line(5_000_000)),
        400,
        "input",
        ("header", "5,000,000 characters"),
    ),
    Case(
        "header-cell-140kb",
        upload(lambda: b"comment," + header_line(140_000)),
        400,
        "input",
        ("column 2 of the header",),
    ),
    Case(
        "header-100k-columns",
        upload(lambda: wide_header(100_000)),
        413,
        "limit_exceeded",
        ("100,001 columns",),
    ),
    Case(
        "unclosed-quote",
        upload(b'comment\n"hello\nworld\n'),
        400,
        "malformed_input",
        ("never closed",),
    ),
    Case(
        "crlf",
        upload(comments(["crlf good", "crlf bad"], newline="\r\n")),
        202,
        rows=("crlf good", "crlf bad"),
    ),
    Case(
        "cr-only",
        upload(comments(["cr good", "cr bad"], newline="\r")),
        202,
        rows=("cr good", "cr bad"),
    ),
    Case(
        "comment-over-length-limit",
        upload(comments([LONG, "short good"])),
        202,
        rows=(LONG, "short good"),
        check=row_error,
    ),
    Case("one-row", upload(b"comment\njust one good row\n"), 202, rows=("just one good row",)),
    Case(
        "only-blank-comments",
        upload(b"comment,course\n,A\n   ,B\n"),
        400,
        "empty_input",
        ("no comments",),
    ),
    Case("emoji-rtl-zero-width", upload(comments(list(MIXED_SCRIPTS))), 202, rows=MIXED_SCRIPTS),
    formula(
        '=HYPERLINK("http://evil.example","click")', '\'=HYPERLINK("http://evil.example","click")'
    ),
    formula("+1", "+1"),  # a plain number cannot run, and stays a number (documented)
    formula("-1+2", "'-1+2"),
    formula("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    formula("\tcmd", "'\tcmd"),
    Case(
        "txt-one-per-line",
        upload(b"good one\n\nbad two\n", "notes.txt", text_column=None),
        202,
        rows=("good one", "bad two"),
    ),
    Case("sheet-on-a-csv", upload(GOOD, sheet="Answers"), 400, "input", ("sheet",)),
    Case(
        "xlsx-cover-sheet-first",
        upload(COVERED, "export.xlsx"),
        202,
        rows=("good labs", "bad exams"),
        check=read_as(sheet="Data"),
    ),
    Case(
        "xlsx-title-rows",
        upload(TITLED, "export.xlsx"),
        202,
        rows=("good pace", "bad acoustics"),
        check=read_as(sheet="Answers", header_row=4),
    ),
    Case(
        "xlsx-evaluation-export",
        upload(_evaluation, "export.xlsx"),
        202,
        rows=EVALUATION,
        check=read_as(sheet="Answers", header_row=3),
    ),
    Case(
        "xlsx-sheet-by-name",
        upload(_evaluation, "e.xlsx", sheet="notes"),
        202,
        rows=("Remember to export again",),
        check=read_as(sheet="Notes"),
    ),
    Case(
        "xlsx-sheet-by-index",
        upload(_evaluation, "e.xlsx", sheet="2"),
        202,
        rows=EVALUATION,
        check=read_as(sheet="Answers"),
    ),
    Case(
        "xlsx-no-such-sheet",
        upload(_evaluation, "e.xlsx", sheet="Results"),
        400,
        "sheet_not_found",
        ("Answers",),
    ),
    Case(
        "xlsx-no-such-sheet-index", upload(_evaluation, "e.xlsx", sheet="9"), 400, "sheet_not_found"
    ),
    Case(
        "xlsx-bomb-repeated-cells", upload(repeated_cells_bomb, "bomb.xlsx"), 413, "limit_exceeded"
    ),
    Case("xlsx-bomb-lying-sizes", upload(lying_size_bomb, "bomb.xlsx"), 413, "limit_exceeded"),
    Case(
        "xlsx-bomb-shared-strings", upload(shared_strings_bomb, "bomb.xlsx"), 413, "limit_exceeded"
    ),
    Case("xlsx-bomb-amplification", upload(amplification_bomb, "bomb.xlsx"), 413, "limit_exceeded"),
]

REQUESTS: list[Case] = [
    Case(
        "no-file-field",
        lambda w: w.open.post(JOBS, data={"text_column": "comment"}),
        422,
        "invalid_request",
        ("'file'",),
    ),
    Case("two-file-fields", two_files, 422, "invalid_request", ("one file",)),
    Case("file-field-without-filename", upload(GOOD, name=""), 422, "invalid_request", ("'file'",)),
    Case(
        "filename-path-traversal",
        upload(comments(["traversal good"]), "../../etc/passwd.csv"),
        202,
        rows=("traversal good",),
        check=stored_name(lambda name: name == "passwd.csv"),
    ),
    Case(
        "filename-3000-chars",
        upload(comments(["long name good"]), "n" * 3_000 + ".csv"),
        202,
        rows=("long name good",),
        check=stored_name(lambda name: len(name) <= 255 and name.endswith(".csv")),
    ),
    Case(
        "filename-10k-chars", upload(GOOD, "n" * 10_000 + ".csv"), 400, "bad_request", ("header",)
    ),
    Case(
        "filename-with-nul",
        upload(comments(["nul name good"]), "a\x00b.csv"),
        202,
        rows=("nul name good",),
        check=stored_name(lambda name: "\x00" not in name),
    ),
    Case(
        "unknown-form-fields",
        upload(comments(["unknown field good"]), colour="blue"),
        202,
        rows=("unknown field good",),
    ),
    Case(
        "text-column-empty",
        upload(GOOD, text_column=""),
        400,
        "missing_column",
        ("choose the comment column",),
    ),
    Case(
        "text-column-10k-chars",
        upload(GOOD, text_column="t" * 10_000),
        400,
        "missing_column",
        ("10,000 characters",),
    ),
    Case(
        "text-column-with-nul",
        upload(GOOD, text_column="comm\x00ent"),
        400,
        "missing_column",
        ("did you mean 'comment'",),
    ),
    Case(
        "group-by-1000-fields",
        upload(GOOD, group_by=[f"g{i}" for i in range(1000)]),
        400,
        "bad_request",
        ("too many fields",),
    ),
    Case(
        "group-by-1000-columns",
        upload(GOOD, group_by=",".join(f"g{i}" for i in range(1000))),
        400,
        "missing_column",
        ("'g0'",),
    ),
    Case("fresh-not-a-boolean", upload(GOOD, fresh="maybe"), 422, "invalid_request", ("'fresh'",)),
    Case(
        "json-body",
        lambda w: w.open.post(JOBS, json={"text_column": "comment"}),
        422,
        "invalid_request",
        ("'file'",),
    ),
    Case(
        "urlencoded-body",
        lambda w: w.open.post(
            JOBS,
            data={"text_column": "comment"},
            headers={"content-type": "application/x-www-form-urlencoded"},
        ),
        422,
        "invalid_request",
        ("'file'",),
    ),
    Case(
        "multipart-without-boundary",
        multipart(b"garbage", "multipart/form-data"),
        400,
        "bad_request",
        ("boundary",),
    ),
    Case(
        "multipart-truncated",
        multipart(TRUNCATED, "multipart/form-data; boundary=xyz"),
        422,
        "invalid_request",
        ("'file'",),
    ),
    Case(
        "upload-key-not-issued",
        lambda w: w.open.post(
            JOBS, data={"upload_key": "../../pipeline.db", "text_column": "comment"}
        ),
        400,
        "input",
        ("not an upload key",),
    ),
    Case(
        "upload-over-limit",
        upload(b"comment\n" + b"x\n" * SMALL_UPLOAD, profile="small"),
        413,
        "limit_exceeded",
        ("10,000 bytes",),
        profile="small",
    ),
    Case(
        "upload-declared-over-limit",
        declared_oversize,
        413,
        "limit_exceeded",
        ("10,000 bytes",),
        profile="small",
    ),
]

IDS: list[Case] = [
    Case("id-10k-chars", get(f"{JOBS}/{'a' * 10_000}"), 422, "invalid_request", ("request_id",)),
    Case("id-65-chars", get(f"{JOBS}/{'a' * 65}/results"), 422, "invalid_request"),
    Case("id-dot-dot-slash", get(f"{JOBS}/..%2F..%2Fetc%2Fpasswd"), 404, "not_found"),
    Case("id-dot-dot", get(f"{JOBS}/%2E%2E/summary"), 422, "invalid_request"),
    Case("id-nul", get(f"{JOBS}/ab%00cd"), 422, "invalid_request", ("request_id",)),
    Case("id-unknown", get(f"{JOBS}/{ABSENT_ID}"), 404, "job_not_found"),
    Case("id-unknown-results", get(f"{JOBS}/{ABSENT_ID}/results"), 404, "job_not_found"),
    Case("id-unknown-csv", get(f"{JOBS}/{ABSENT_ID}/results", format="csv"), 404, "job_not_found"),
    Case("id-unknown-summary", get(f"{JOBS}/{ABSENT_ID}/summary"), 404, "job_not_found"),
    Case("id-unknown-cancel", request("DELETE", f"{JOBS}/{ABSENT_ID}"), 404, "job_not_found"),
    Case(
        "offset-negative",
        get(finished("/results"), offset=-1),
        422,
        "invalid_request",
        ("'offset'",),
    ),
    Case(
        "offset-int64-max",
        get(finished("/results"), offset=9223372036854775807),
        422,
        "invalid_request",
        ("'offset'",),
    ),
    Case(
        "offset-not-a-number",
        get(finished("/results"), offset="ten"),
        422,
        "invalid_request",
        ("'offset'",),
    ),
    Case("offset-float", get(finished("/results"), offset="1.5"), 422, "invalid_request"),
    Case("limit-zero", get(finished("/results"), limit=0), 422, "invalid_request", ("'limit'",)),
    Case(
        "limit-huge", get(finished("/results"), limit=10**30), 422, "invalid_request", ("'limit'",)
    ),
    Case("list-limit-zero", get(JOBS, limit=0), 422, "invalid_request", ("'limit'",)),
    Case("list-limit-huge", get(JOBS, limit=501), 422, "invalid_request", ("'limit'",)),
    Case(
        "format-unknown",
        get(finished("/results"), format="xml"),
        422,
        "invalid_request",
        ("'format'",),
    ),
    Case(
        "raw-not-a-boolean",
        get(finished("/results"), format="csv", raw="perhaps"),
        422,
        "invalid_request",
        ("'raw'",),
    ),
    Case(
        "summary-group-by-unknown",
        get(finished("/summary"), group_by="teacher"),
        400,
        "missing_column",
        ("'teacher'",),
    ),
    Case(
        "summary-group-by-10k-chars",
        get(finished("/summary"), group_by="g" * 10_000),
        400,
        "missing_column",
        ("10,000 characters",),
    ),
    Case("cancel-twice", cancelled_twice, 409, "conflict", ("cancelled",)),
    Case("cancel-finished-job", request("DELETE", finished()), 409, "conflict", ("succeeded",)),
]

AUTH: list[Case] = [
    Case(
        "no-key-submit",
        upload(GOOD, profile="keyed"),
        401,
        "unauthorized",
        ("X-API-Key",),
        profile="keyed",
    ),
    Case("no-key-list", get(JOBS, profile="keyed"), 401, "unauthorized", profile="keyed"),
    Case(
        "wrong-key",
        lambda w: w.keyed.get(JOBS, headers=keyed("sp_wrong")),
        401,
        "unauthorized",
        ("not valid",),
        profile="keyed",
    ),
    Case(
        "empty-key",
        lambda w: w.keyed.get(JOBS, headers=keyed("")),
        401,
        "unauthorized",
        profile="keyed",
    ),
    Case(
        "key-10k-chars",
        lambda w: w.keyed.get(JOBS, headers=keyed("k" * 10_000)),
        401,
        "unauthorized",
        profile="keyed",
    ),
    Case(
        "revoked-key",
        lambda w: w.keyed.get(JOBS, headers=keyed(w.revoked)),
        401,
        "unauthorized",
        ("revoked",),
        profile="keyed",
    ),
    Case(
        "key-in-query-string",
        alice_key_in_query,
        401,
        "unauthorized",
        ("url",),
        check=key_never_logged,
        profile="keyed",
    ),
    Case(
        "key-in-query-and-header",
        lambda w: w.keyed.get(JOBS, params={"X-API-Key": w.alice}, headers=keyed(w.alice)),
        401,
        "unauthorized",
        profile="keyed",
    ),
    Case(
        "other-tenant-status",
        bobs_view_of_alices_job(""),
        404,
        "job_not_found",
        check=same_as_absent,
        profile="keyed",
    ),
    Case(
        "other-tenant-results",
        bobs_view_of_alices_job("/results"),
        404,
        "job_not_found",
        profile="keyed",
    ),
    Case(
        "other-tenant-csv",
        bobs_view_of_alices_job("/results", format="csv"),
        404,
        "job_not_found",
        profile="keyed",
    ),
    Case(
        "other-tenant-summary",
        bobs_view_of_alices_job("/summary"),
        404,
        "job_not_found",
        profile="keyed",
    ),
    Case(
        "other-tenant-cancel",
        bobs_view_of_alices_job("", "DELETE"),
        404,
        "job_not_found",
        profile="keyed",
    ),
    Case("health-without-key", health_without_key, 200, check=only_status, profile="keyed"),
    Case(
        "health-with-wrong-key",
        lambda w: w.keyed.get("/health", headers=keyed("sp_x")),
        401,
        "unauthorized",
        profile="keyed",
    ),
]

METHODS: list[Case] = [
    Case("put-jobs", request("PUT", JOBS), 405, "method_not_allowed", allow="GET, POST"),
    Case("delete-jobs", request("DELETE", JOBS), 405, "method_not_allowed", allow="GET, POST"),
    Case("patch-jobs", request("PATCH", JOBS), 405, "method_not_allowed", allow="GET, POST"),
    Case(
        "put-job",
        request("PUT", f"{JOBS}/{ABSENT_ID}"),
        405,
        "method_not_allowed",
        allow="DELETE, GET",
    ),
    Case(
        "patch-job",
        request("PATCH", f"{JOBS}/{ABSENT_ID}"),
        405,
        "method_not_allowed",
        allow="DELETE, GET",
    ),
    Case(
        "post-job",
        request("POST", f"{JOBS}/{ABSENT_ID}"),
        405,
        "method_not_allowed",
        allow="DELETE, GET",
    ),
    Case(
        "delete-results",
        request("DELETE", f"{JOBS}/{ABSENT_ID}/results"),
        405,
        "method_not_allowed",
        allow="GET",
    ),
    Case(
        "post-summary",
        request("POST", f"{JOBS}/{ABSENT_ID}/summary"),
        405,
        "method_not_allowed",
        allow="GET",
    ),
    Case("delete-health", request("DELETE", "/health"), 405, "method_not_allowed", allow="GET"),
    Case(
        "post-health-live", request("POST", "/health/live"), 405, "method_not_allowed", allow="GET"
    ),
    Case("get-uploads", request("GET", "/v1/uploads"), 405, "method_not_allowed", allow="POST"),
    Case("unknown-route", request("GET", "/v1/nowhere"), 404, "not_found"),
    Case("unknown-subroute", request("GET", f"{JOBS}/{ABSENT_ID}/labels"), 404, "not_found"),
    Case("unknown-version", request("POST", "/v2/jobs"), 404, "not_found"),
]

CASES = FILES + REQUESTS + IDS + AUTH + METHODS


def test_there_are_at_least_96_distinct_cases() -> None:
    assert len(CASES) >= 96
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("hostile")
    backends = {
        "open": make_backend(folder / "open", max_upload_bytes=6 * 1024 * 1024),
        "small": make_backend(folder / "small", max_upload_bytes=SMALL_UPLOAD),
        "keyed": make_backend(folder / "keyed", auth="keys"),
    }
    services = {
        name: Service(backend, TestClient(create_app(backend), raise_server_exceptions=False))
        for name, backend in backends.items()
    }
    keyed_backend = backends["keyed"]
    alice = service.create_key(keyed_backend, "alice").secret
    bob = service.create_key(keyed_backend, "bob").secret
    revoked = service.create_key(keyed_backend, "carol").secret
    service.revoke_key(keyed_backend, "carol")
    course_file = table(["course", "comment"], [["A", "good"], ["B", "bad"]])
    open_client = services["open"].client
    finished_id = open_client.post(
        JOBS, files={"file": ("f.csv", course_file)}, data={"text_column": "comment"}
    ).json()["request_id"]
    alices_id = (
        services["keyed"]
        .client.post(
            JOBS,
            files={"file": ("a.csv", comments(["alice's secret good comment"]))},
            data={"text_column": "comment"},
            headers=keyed(alice),
        )
        .json()["request_id"]
    )
    for backend in backends.values():
        run_worker(backend)
    yield World(services, alice, bob, revoked, finished_id, alices_id, folder)
    for entry in services.values():
        entry.client.close()


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_hostile_input_gets_a_clear_answer_and_the_service_still_answers(
    case: Case, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    answer = case.send(world)
    entry = world.services[case.profile]

    assert answer.status_code == case.status, answer.text[:2000]
    assert len(answer.content) < BODY_LIMIT, f"an unbounded body ({len(answer.content):,} B)"
    request_id = ""
    if case.code is not None:
        body = answer.json()
        assert set(body) == {"error", "detail"}, body
        assert body["error"] == case.code, body
        assert body["detail"].strip(), body
        for word in case.mentions:
            assert word.lower() in body["detail"].lower(), body
    if case.allow is not None:
        assert answer.headers["Allow"] == case.allow
    if case.status == 202:
        submission = answer.json()
        assert submission["status"] == "queued" and submission["reused"] is False, submission
        request_id = submission["request_id"]
        assert case.rows is not None, "a 202 case names the rows it must get back"
        every_row_once(entry, request_id, case.rows)
    if case.check is not None:
        case.check(world, entry.client, request_id)
    for secret in (world.alice, world.bob, world.revoked):
        assert secret not in caplog.text, "a key was written to a log"
    still_answers(entry.client)


def every_row_once(entry: Service, request_id: str, expected: tuple[str | None, ...]) -> None:
    """The worker labels the job; each input row comes back exactly once, in order, as sent."""
    run_worker(entry.backend)
    client = entry.client
    status = client.get(f"{JOBS}/{request_id}").json()
    assert status["status"] == "succeeded", status
    assert status["rows_total"] == status["rows_done"] == len(expected), status
    page = client.get(f"{JOBS}/{request_id}/results", params={"limit": 1000}).json()
    assert page["available"] == len(expected) and page["complete"] is True
    text_column = status["text_column"]
    got = [row[text_column] or None for row in page["rows"]]
    assert got == [value or None for value in expected]
    raw = results_csv(client, request_id, raw=True)
    assert [row[text_column] or None for row in raw] == got


def still_answers(client: TestClient) -> None:
    live = client.get("/health/live")
    assert live.status_code == 200 and live.json() == {"status": "ok"}
    ready = client.get("/health")
    assert ready.status_code == 200 and ready.json()["status"] == "ok"


@pytest.mark.parametrize("profile", ["open", "small", "keyed"])
def test_a_normal_submission_still_goes_through_after_the_hostile_ones(
    world: World, profile: str
) -> None:
    entry = world.services[profile]
    headers = keyed(world.alice) if profile == "keyed" else {}
    rows = (f"good course ({profile}, after the hostile inputs)", "bad room")
    answer = entry.client.post(
        JOBS,
        files={"file": ("after.csv", comments(list(rows)))},
        data={"text_column": "comment"},
        headers=headers,
    )
    assert answer.status_code == 202, answer.text
    request_id = answer.json()["request_id"]
    run_worker(entry.backend)
    status = entry.client.get(f"{JOBS}/{request_id}", headers=headers).json()
    assert status["status"] == "succeeded" and status["rows_done"] == 2
    page = entry.client.get(f"{JOBS}/{request_id}/results", headers=headers).json()
    assert [row["comment"] for row in page["rows"]] == list(rows)
    assert [row["label"] for row in page["rows"]] == ["positive", "negative"]
