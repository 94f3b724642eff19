"""Hostile and malformed HTTP inputs against the real API in-process (issue 10): files, form
fields, ids and query parameters, keys and methods. Each case gets a clear 4xx whose body
names the problem (status, error code, words of the detail, a bounded body), or a 202 after
which a worker labels the file and every row comes out exactly once, as sent. After each one
the service still answers, no key was written to a server log, and at the end a normal
submission still goes through.

The backends are real and embedded (SQLite, local store, SQLite queue in a temporary folder)
and shared by the whole module, as a server is shared by its callers; the worker runs in burst
mode with the keyword predictor of ``jobfakes``. Three services: ``open`` (no key needed, as
``up`` on loopback), ``small`` (a 10,000-byte upload limit) and ``keyed`` (PIPELINE_AUTH=keys).
"""

from __future__ import annotations

import csv
import io
import logging
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import odsfakes
import pytest
from fastapi.testclient import TestClient
from hostile_cases import (
    MULTIPART,
    SNIFF_BYTES,
    comments,
    header_line,
    invalid_utf8_mid_file,
    multipart_upload,
    opendocument_spreadsheet,
    padding_rows,
    pdf_document,
    png_image,
    qualtrics_export,
    surveymonkey_export,
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
"""Every error body stays small, whatever the request held (a detail stops at 4 KB)."""
SMALL_UPLOAD = 10_000
JOBS = "/v1/jobs"
ABSENT_ID = "AbsentAbsentAbsent0000"  # the shape of a request id; no job has it
CLIENT_LOGGERS = ("httpx", "httpcore")
"""The test's own HTTP client logs the URLs it calls; the server's logs are what count."""


@dataclass(frozen=True)
class Service:
    backend: Backend
    client: TestClient


@dataclass(frozen=True)
class World:
    """The services, the keys of the keyed one and the jobs the cases refer to."""

    services: dict[str, Service]
    alice: str
    bob: str
    revoked: str
    finished: str
    """A succeeded job on ``open`` with a ``course`` column."""
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
Check = Callable[[World, TestClient, httpx.Response], None]
"""More about an answer: the world, the service's client and the answer (for a 202, called
once the worker has labelled the job)."""


@dataclass(frozen=True)
class Case:
    """One hostile request: what is sent, to which service, and what must come back."""

    id: str
    send: Send
    status: int
    code: str | None = None
    """The error code of a refusal; None for a success."""
    mentions: tuple[str, ...] = ()
    """Words the refusal's detail holds (ignoring case): it names the problem."""
    rows: tuple[str, ...] | None = None
    """For a 202: each row's comment in the results, in order ("" for an empty cell)."""
    check: Check | None = None
    profile: str = "open"
    allow: str | None = None
    """The ``Allow`` header of a 405."""


def refused(
    case_id: str,
    send: Send,
    status: int,
    code: str,
    *mentions: str,
    profile: str = "open",
    allow: str | None = None,
    check: Check | None = None,
) -> Case:
    return Case(case_id, send, status, code, mentions, None, check, profile, allow)


def accepted(case_id: str, send: Send, rows: tuple[str, ...], check: Check | None = None) -> Case:
    return Case(case_id, send, 202, rows=rows, check=check)


def answered(case_id: str, send: Send, status: int, check: Check, profile: str) -> Case:
    return Case(case_id, send, status, check=check, profile=profile)


def keyed(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


def upload(
    data: bytes | Callable[[], bytes],
    name: str = "comments.csv",
    profile: str = "open",
    **form: Any,
) -> Send:
    """POST ``data`` as the ``file`` part with ``text_column=comment`` unless ``form`` says
    otherwise (None leaves a field out); ``data`` may be a builder, called when the case runs."""

    def send(world: World) -> httpx.Response:
        content = data() if callable(data) else data
        fields = {k: v for k, v in {"text_column": "comment", **form}.items() if v is not None}
        client = world.services[profile].client
        return client.post(JOBS, files={"file": (name, content)}, data=fields)

    return send


Target = str | Callable[[World], str]


def get(target: Target, profile: str = "open", **params: Any) -> Send:
    def send(world: World) -> httpx.Response:
        path = target(world) if callable(target) else target
        return world.services[profile].client.get(path, params=params or None)

    return send


def change_since_itself(world: World) -> httpx.Response:
    return world.open.get(f"{JOBS}/{world.finished}/change", params={"since": world.finished})


def call(method: str, target: Target) -> Send:
    def send(world: World) -> httpx.Response:
        return world.open.request(method, target(world) if callable(target) else target)

    return send


def post(**kwargs: Any) -> Send:
    return lambda world: world.open.post(JOBS, **kwargs)


def finished(suffix: str = "") -> Callable[[World], str]:
    return lambda world: f"{JOBS}/{world.finished}{suffix}"


def as_bob(suffix: str = "", method: str = "GET", **params: Any) -> Send:
    """Bob's call on alice's job."""

    def send(world: World) -> httpx.Response:
        path = f"{JOBS}/{world.alices_job}{suffix}"
        return world.keyed.request(method, path, params=params or None, headers=keyed(world.bob))

    return send


def with_key(key: Callable[[World], str], path: str = JOBS, **params: Any) -> Send:
    def send(world: World) -> httpx.Response:
        return world.keyed.get(path, params=params or None, headers=keyed(key(world)))

    return send


def run_worker(backend: Backend) -> None:
    Worker(backend, lambda _ref: FakePredictor(), "hostile").run(burst=True)


def results_csv(client: TestClient, request_id: str, raw: bool) -> list[dict[str, str]]:
    params = {"format": "csv", **({"raw": "true"} if raw else {})}
    answer = client.get(f"{JOBS}/{request_id}/results", params=params)
    assert answer.status_code == 200, answer.text
    return list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))


def request_id_of(answer: httpx.Response) -> str:
    return str(answer.json()["request_id"])


def formula(cell: str, escaped: str) -> Case:
    """A comment that would run as a formula in a spreadsheet: escaped in the results CSV by
    default, exactly as sent with ``raw=true`` (and in the JSON pages)."""

    def check(_world: World, client: TestClient, answer: httpx.Response) -> None:
        request_id = request_id_of(answer)
        assert [r["comment"] for r in results_csv(client, request_id, raw=False)] == [escaped]
        assert [r["comment"] for r in results_csv(client, request_id, raw=True)] == [cell]

    return accepted(f"formula-{cell[:12]}", upload(comments([cell])), (cell,), check)


def read_as(**options: Any) -> Check:
    """The job records how its file is read (encoding, delimiter, sheet, header row)."""

    def check(_world: World, client: TestClient, answer: httpx.Response) -> None:
        stored = client.get(f"{JOBS}/{request_id_of(answer)}").json()["input_options"]
        assert {name: stored.get(name) for name in options} == options

    return check


def format_is(input_format: str, **options: Any) -> Check:
    """The job records its file's format and how it is read."""

    def check(world: World, client: TestClient, answer: httpx.Response) -> None:
        stored = client.get(f"{JOBS}/{request_id_of(answer)}").json()
        assert stored["input_format"] == input_format
        read_as(**options)(world, client, answer)

    return check


def columns_are(*names: str) -> Check:
    def check(_world: World, client: TestClient, answer: httpx.Response) -> None:
        page = client.get(f"{JOBS}/{request_id_of(answer)}/results").json()
        assert page["columns"][: len(names)] == list(names)

    return check


def grouped_by(*names: str) -> Check:
    def check(_world: World, client: TestClient, answer: httpx.Response) -> None:
        assert client.get(f"{JOBS}/{request_id_of(answer)}").json()["group_by"] == list(names)

    return check


def shown_as(expected: str) -> Check:
    """The name the job shows for its input; nothing was written outside the data folder."""

    def check(world: World, client: TestClient, answer: httpx.Response) -> None:
        assert client.get(f"{JOBS}/{request_id_of(answer)}").json()["input_name"] == expected
        assert not (world.folder / "etc").exists()

    return check


def row_error(_world: World, client: TestClient, answer: httpx.Response) -> None:
    rows = client.get(f"{JOBS}/{request_id_of(answer)}/results").json()["rows"]
    assert rows[0]["label"] is None
    assert "20,001 characters, over the limit of 20,000" in rows[0]["error"]
    assert rows[1]["label"] == "positive" and rows[1]["error"] is None


def cancel_twice(world: World) -> httpx.Response:
    request_id = request_id_of(upload(comments(["cancel me twice"]))(world))
    first = world.open.delete(f"{JOBS}/{request_id}")
    assert first.status_code == 200 and first.json()["status"] == "cancelled"
    return world.open.delete(f"{JOBS}/{request_id}")


def still_cancelled(_world: World, client: TestClient, answer: httpx.Response) -> None:
    """Cancelling is idempotent (documented in JobRepository.cancel): the second answer is
    the job as the first left it."""
    job = answer.json()
    assert (job["status"], job["rows_done"]) == ("cancelled", 0)
    assert client.get(f"{JOBS}/{job['request_id']}").json()["finished_at"] == job["finished_at"]


def query_never_logged(world: World, _client: TestClient, _answer: httpx.Response) -> None:
    """``up``'s access log writes the path without its query string."""
    config = uvicorn_log_config()
    names = config["handlers"]["access"]["filters"]
    assert [config["filters"][name]["()"] for name in names] == [
        f"{QueryScrubber.__module__}.QueryScrubber"
    ]
    arguments = ("127.0.0.1:5000", "GET", f"{JOBS}?api_key={world.alice}", "1.1", 401)
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 0, '%s - "%s %s HTTP/%s" %d', arguments, None
    )
    assert QueryScrubber().filter(record)
    assert world.alice not in record.getMessage()


def as_if_absent(world: World, _client: TestClient, answer: httpx.Response) -> None:
    """Another key's job answers exactly as a job that does not exist: nothing leaks."""
    absent = world.keyed.get(f"{JOBS}/{ABSENT_ID}", headers=keyed(world.bob)).json()
    assert answer.json() == {
        "error": absent["error"],
        "detail": absent["detail"].replace(ABSENT_ID, world.alices_job),
    }


def only_status(_world: World, _client: TestClient, answer: httpx.Response) -> None:
    assert answer.json() == {"status": "ok"}, "no queue depth, dependency or tenant data"


def two_files() -> Send:
    parts = [("file", ("a.csv", comments(["first file"]))), ("file", ("b.csv", b"comment\nb\n"))]
    return post(files=parts, data={"text_column": "comment"})


def raw_body(body: bytes, content_type: str) -> Send:
    return post(content=body, headers={"content-type": content_type})


def declared_oversize(world: World) -> httpx.Response:
    body = b"x" * (SMALL_UPLOAD + 2 * 1024 * 1024)
    headers = {"content-type": "multipart/form-data; boundary=x"}
    return world.services["small"].client.post(JOBS, content=body, headers=headers)


def evaluation() -> bytes:
    """tests/xlsxfakes' export: a cover sheet, answers under title rows, notes, a hidden sheet."""
    with tempfile.TemporaryDirectory() as folder:
        return evaluation_export(Path(folder) / "export.xlsx").read_bytes()


TRUNCATED = (
    b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'
    b"comment\nhalf a file"
)
GOOD = comments(["good teaching", "bad slides"])
EVALUATION = ("Great lectures", "Too fast", "")
TITLED = [
    ["Course evaluation 2026"],
    ["exported 2026-03-01"],
    [],
    ["course", "Comment"],
    ["A", "good pace"],
    ["B", "bad acoustics"],
]
COVER = [["About this export"], ["Generated by the evaluation system"]]
DATA = [["Comment", "course"], ["good labs", "A"], ["bad exams", "B"]]
LATER = [["comment"], ["later good"]]
LONG = "x" * 20_001
SURVEY_ANSWERS = (("CHEM110", "good labs, bad exams"), ("PHYS101", "Response"))
"""The second answer is what a survey export's sub-header says: an answer all the same."""
OPEN_QUESTIONS = table(
    ["course", "liked", "change"],
    [["A", "good labs", "bad exams"], ["B", "", "  "], ["B", "=1+1", "slow grading"]],
)
"""Two open questions; the second row answered neither, the third a formula to escape."""
SCRIPTS = ("Great 👍🏽 course", "ممتاز جدا", "zero\u200bwidth\u200djoiner", "\u202eevil rtl")
SEMICOLONS = table(["course", "comment"], [["A", "good, really"], ["B", "bad"]], delimiter=";")
TABS = table(["course", "comment"], [["A", "good; fine"], ["B", "meh"]], delimiter="\t")
BAD_REPEAT_COUNT = odsfakes.spreadsheet(
    odsfakes.table("S", [odsfakes.row("comment"), odsfakes.row("x", repeated="-1")])
)
PIPES = table(["course", "comment"], [["A", "good, thanks"], ["B", "bad"]], delimiter="|")
UTF16 = ("héllo wörld", "good ünïcode")
CP1252 = ("café – “good”", "naïve € bad")

FILES: list[Case] = [
    refused("empty-file", upload(b""), 400, "empty_input", "empty"),
    refused("header-only", upload(b"comment\n"), 400, "empty_input", "no comments"),
    refused("header-only-bom", upload(b"\xef\xbb\xbfcomment\r\n"), 400, "empty_input"),
    refused("xlsx-0-bytes", upload(b"", "comments.xlsx"), 400, "empty_input", "empty"),
    refused(
        "zip-not-xlsx",
        upload(zip_not_a_workbook(), "comments.xlsx"),
        400,
        "unsupported_format",
        "not an excel workbook",
    ),
    refused("zip-named-csv", upload(zip_not_a_workbook()), 400, "unsupported_format", "zip"),
    accepted(
        "ods-libreoffice",
        upload(opendocument_spreadsheet(), "comments.ods"),
        ("Great labs",),
        format_is("ods", sheet="Sheet1", header_row=1),
    ),
    accepted(
        "ods-named-xlsx",
        upload(odsfakes.comments_sheet(["Great pace"]), "comments.xlsx"),
        ("Great pace",),
        format_is("ods", sheet="Sheet1", header_row=1),
    ),
    refused(
        "ods-password-protected",
        upload(odsfakes.package(odsfakes.content([]), odsfakes.ENCRYPTED_MANIFEST), "secret.ods"),
        400,
        "unsupported_format",
        "password-protected",
    ),
    refused(
        "ods-repeat-count-not-a-number",
        upload(BAD_REPEAT_COUNT, "c.ods"),
        400,
        "unsupported_format",
        "row 2 of sheet 's' has a repeat or span count of '-1'",
        "libreoffice calc",
    ),
    refused(
        "ods-bomb-repeated-rows",
        upload(odsfakes.repeated_rows_bomb, "bomb.ods"),
        413,
        "limit_exceeded",
    ),
    refused(
        "ods-bomb-repeated-cells",
        upload(odsfakes.repeated_cells_bomb, "bomb.ods"),
        413,
        "limit_exceeded",
    ),
    refused(
        "numbers-file",
        upload(zip_not_a_workbook(), "evaluations.numbers"),
        400,
        "unsupported_format",
        "apple numbers spreadsheet, which is not read: in numbers choose file > export to",
    ),
    refused(
        "xls-signature",
        upload(xls_signature(), "comments.xls"),
        400,
        "unsupported_format",
        "save it as excel workbook (.xlsx)",
    ),
    refused("xls-renamed-csv", upload(xls_signature()), 400, "unsupported_format", "97-2003"),
    accepted(
        "blackboard-tab-delimited-xls",
        upload(
            "\ufeffLast Name\tCourse\tcomment\r\nSmith\tBIO101\tgood labs, really\r\n"
            "Lee\tBIO101\tbad exams\r\n".encode("utf-16-le"),
            "gc_BIO101_fullgc_2026-12-04.xls",
        ),
        ("good labs, really", "bad exams"),
        read_as(encoding="utf-16", delimiter="\t"),
    ),
    accepted(
        "xlsx-named-xls",
        upload(workbook([("Answers", [["comment"], ["good pace"]])]), "comments.xls"),
        ("good pace",),
    ),
    refused(
        "html-table-named-xls",
        upload(b"<!DOCTYPE html><html><body><table><tr><td>comment</td></tr>", "export.xls"),
        400,
        "unsupported_format",
        "web page (html)",
    ),
    refused(
        "xml-spreadsheet-named-xls",
        upload(
            b'<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:'
            b'spreadsheet">',
            "export.xls",
        ),
        400,
        "unsupported_format",
        "save it as excel workbook (.xlsx) or csv utf-8",
    ),
    refused(
        "html-named-csv",
        upload("\ufeff<html><table><tr><td>comment</td></tr>".encode("utf-16-le"), "c.csv"),
        400,
        "unsupported_format",
        "web page (html)",
    ),
    refused("pdf-renamed-csv", upload(pdf_document), 400, "unsupported_format", "pdf document"),
    refused("png-renamed-csv", upload(png_image), 400, "unsupported_format", "png image"),
    refused(
        "nul-early",
        upload(with_nul(["first", "second"], padding_rows(2_000))),
        400,
        "malformed_input",
        "line 4 holds a NUL",
    ),
    refused(
        "nul-after-64k",
        upload(lambda: with_nul(padding_rows(SNIFF_BYTES), ["after"])),
        400,
        "malformed_input",
        "holds a NUL",
    ),
    refused(
        "nul-last-byte",
        upload(lambda: comments(padding_rows(SNIFF_BYTES)) + b"\x00"),
        400,
        "malformed_input",
        "holds a NUL",
    ),
    refused(
        "invalid-utf8-mid-file",
        upload(invalid_utf8_mid_file()),
        400,
        "encoding",
        "byte 0xc3 on line 12",
    ),
    accepted("utf16-le-bom", upload(comments(UTF16, "utf-16")), UTF16, read_as(encoding="utf-16")),
    accepted(
        "utf16-be-bom",
        upload(b"\xfe\xff" + comments(["big endian good"], "utf-16-be")),
        ("big endian good",),
    ),
    refused(
        "utf16-without-bom",
        upload(comments(["no byte order mark"], "utf-16-le")),
        400,
        "unsupported_format",
        "binary",
    ),
    accepted(
        "windows-1252", upload(comments(CP1252, "cp1252")), CP1252, read_as(encoding="cp1252")
    ),
    accepted(
        "utf8-bom-data",
        upload(b"\xef\xbb\xbf" + comments(["bom good"])),
        ("bom good",),
        columns_are("comment"),
    ),
    accepted("semicolon", upload(SEMICOLONS), ("good, really", "bad"), read_as(delimiter=";")),
    accepted("tab", upload(TABS), ("good; fine", "meh"), read_as(delimiter="\t")),
    accepted("pipe", upload(PIPES), ("good, thanks", "bad"), read_as(delimiter="|")),
    refused(
        "ragged-first-row",
        upload(b"comment,course\nGreat,A,extra\n"),
        400,
        "malformed_input",
        "line 2 has 3 fields but the header has 2 columns",
    ),
    refused(
        "ragged-later-row",
        upload(b"comment,course\nfine,A\nok,B\nGreat,A,extra\n"),
        400,
        "malformed_input",
        "line 4 has 3 fields",
    ),
    refused(
        "duplicate-columns",
        upload(b"comment,comment,course\na,b,c\n"),
        400,
        "ambiguous_column",
        "2 columns of that name",
        "'comment (column 1)', 'comment (column 2)'",
    ),
    accepted(
        "duplicate-columns-one-named-by-its-place",
        upload(b"comment,comment,course\na,placed good,c\n", text_column="comment (column 2)"),
        ("placed good",),
        columns_are("comment (column 1)", "comment (column 2)", "course"),
    ),
    accepted(
        "duplicate-columns-not-asked-for",
        upload(b"comment,0.0,notes,0.0\ncanvas good,0.0,n,1.0\n"),
        ("canvas good",),
        columns_are("comment", "0.0 (column 2)", "notes", "0.0 (column 4)"),
    ),
    refused(
        "missing-column-did-you-mean",
        upload(b"Comments,course\nfine,A\n"),
        400,
        "missing_column",
        "did you mean 'Comments'",
    ),
    accepted(
        "column-case-and-spaces",
        upload(b" Comment ,course\ncase good,A\n"),
        ("case good",),
        columns_are("Comment", "course"),
    ),
    refused(
        "columns-differing-in-case-twice",
        upload(b"Comment,COMMENT\na,b\n"),
        400,
        "ambiguous_column",
        "'Comment', 'COMMENT'",
    ),
    accepted(
        "columns-differing-in-case-one-exact",
        upload(b"Comment,comment\nother,exact good\n"),
        ("exact good",),
    ),
    accepted(
        "blank-header-cells",
        upload(b"comment,,course,\nblank good,x,A,y\n"),
        ("blank good",),
        columns_are("comment", "column_2", "course", "column_4"),
    ),
    refused(
        "header-line-5mb",
        upload(lambda: header_line(5_000_000)),
        400,
        "input",
        "too long for a column name",
        "5,000,000 characters",
    ),
    refused(
        "header-cell-140kb",
        upload(lambda: b"comment," + header_line(140_000)),
        400,
        "input",
        "column 2 of the header is too long",
    ),
    refused(
        "header-100k-columns",
        upload(lambda: wide_header(100_000)),
        413,
        "limit_exceeded",
        "100,001 columns",
    ),
    refused(
        "unclosed-quote",
        upload(b'comment\n"hello\nworld\n'),
        400,
        "malformed_input",
        "never closed",
    ),
    accepted(
        "crlf",
        upload(comments(["crlf good", "crlf bad"], newline="\r\n")),
        ("crlf good", "crlf bad"),
    ),
    accepted(
        "cr-only", upload(comments(["cr good", "cr bad"], newline="\r")), ("cr good", "cr bad")
    ),
    accepted(
        "comment-over-length-limit",
        upload(comments([LONG, "short good"])),
        (LONG, "short good"),
        row_error,
    ),
    accepted("one-row", upload(b"comment\njust one good row\n"), ("just one good row",)),
    accepted(
        "qualtrics-csv",
        upload(qualtrics_export(SURVEY_ANSWERS), text_column=None),
        tuple(comment for _course, comment in SURVEY_ANSWERS),
        read_as(description_rows=2),
    ),
    accepted(
        "qualtrics-xlsx",
        upload(qualtrics_export(SURVEY_ANSWERS, xlsx=True), "export.xlsx", text_column=None),
        tuple(comment for _course, comment in SURVEY_ANSWERS),
        read_as(sheet="Sheet0", header_row=1, description_rows=2),
    ),
    refused(
        "qualtrics-question-not-named",
        upload(qualtrics_export(SURVEY_ANSWERS, "Anything else to add?"), text_column=None),
        400,
        "missing_column",
        "Q1 (Course), Q3 (Anything else to add?)",
    ),
    accepted(
        "csv-report-title-lines",
        upload(b"Course Evaluation Report\nFall 2026\n\ncourse;comment\nA;good, really\nB;bad\n"),
        ("good, really", "bad"),
        read_as(delimiter=";", header_row=4),
    ),
    accepted(
        "txt-under-a-comments-line",
        upload(b"Comments\r\ngood, really\r\nbad\r\n", "comments.txt", text_column=None),
        ("good, really", "bad"),
        read_as(header_row=1),
    ),
    accepted(
        "excel-unicode-text",
        upload(
            "\ufeffcourse\tcomment\r\nA\tgood, really\r\nB\tbad\r\n".encode("utf-16-le"),
            "evaluations.txt",
            text_column=None,
        ),
        ("good, really", "bad"),
        read_as(encoding="utf-16", delimiter="\t"),
    ),
    accepted(
        "surveymonkey-csv",
        upload(surveymonkey_export(SURVEY_ANSWERS), text_column="Any other comments?"),
        tuple(comment for _course, comment in SURVEY_ANSWERS),
        read_as(description_rows=1),
    ),
    accepted(
        "moodle-html-comments",
        upload(
            table(
                ["course", "comment"],
                [
                    ["A", "<p>good labs,<br>really</p>"],
                    ["B", '<p dir="ltr">bad&nbsp;exams &amp; notes</p>'],
                    ["C", "<p><br></p>"],
                    ["D", "x<y and y>z"],
                ],
            )
        ),
        ("good labs,\nreally", "bad exams & notes", "", "x<y and y>z"),
    ),
    accepted(
        "several-comment-columns",
        upload(OPEN_QUESTIONS, text_column=["liked", "change"], group_by="course"),
        ("good labs", "bad exams", "=1+1", "slow grading"),
        columns_are("course", "respondent", "question", "comment", "label"),
    ),
    accepted(
        "several-comment-columns-xlsx-with-a-question-column",
        upload(
            workbook([("Answers", [["question", "liked", "change"], ["Q7", "good", "bad"]])]),
            "survey.xlsx",
            text_column=["liked", "change"],
        ),
        ("good", "bad"),
        columns_are("question", "respondent", "question_2", "comment", "label"),
    ),
    refused(
        "several-comment-columns-one-not-in-the-file",
        upload(OPEN_QUESTIONS, text_column=["liked", "improve"]),
        400,
        "missing_column",
        "comment column 'improve' is not in the file",
    ),
    refused(
        "several-comment-columns-one-twice",
        upload(OPEN_QUESTIONS, text_column=["liked", " LIKED "]),
        400,
        "input",
        "comment column 'liked' is asked for twice",
    ),
    refused(
        "several-comment-columns-too-many",
        upload(OPEN_QUESTIONS, text_column=[f"question {n}" for n in range(51)]),
        413,
        "limit_exceeded",
        "51 comment columns were asked for; at most 50",
    ),
    refused(
        "several-comment-columns-all-blank",
        upload(b"course,liked,change\nA,, \nB,,\n", text_column=["liked", "change"]),
        400,
        "empty_input",
        "no comments in columns 'liked', 'change'",
    ),
    refused(
        "only-blank-comments",
        upload(b"comment,course\n,A\n   ,B\n"),
        400,
        "empty_input",
        "no comments",
    ),
    accepted("emoji-rtl-zero-width", upload(comments(SCRIPTS)), SCRIPTS),
    formula('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
    formula("+1", "+1"),  # a plain number cannot run, and stays a number (docs/pipeline.md)
    formula("-1+2", "'-1+2"),
    formula("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    formula("\tcmd|' /C calc'!A0", "'\tcmd|' /C calc'!A0"),
    accepted(
        "txt-one-per-line",
        upload(b"good one\n\nbad two\n", "notes.txt", text_column=None),
        ("good one", "bad two"),
    ),
    refused(
        "sheet-on-a-csv",
        upload(GOOD, sheet="Answers"),
        400,
        "input",
        "workbooks (.xlsx, .ods) only",
    ),
    accepted(
        "xlsx-cover-sheet-first",
        upload(workbook([("Cover", COVER), ("Data", DATA)]), "e.xlsx"),
        ("good labs", "bad exams"),
        read_as(sheet="Data"),
    ),
    accepted(
        "xlsx-title-rows",
        upload(workbook([("Answers", TITLED)]), "e.xlsx"),
        ("good pace", "bad acoustics"),
        read_as(sheet="Answers", header_row=4),
    ),
    accepted(
        "xlsx-evaluation-export",
        upload(evaluation, "e.xlsx"),
        EVALUATION,
        read_as(sheet="Answers", header_row=3),
    ),
    accepted(
        "xlsx-sheet-by-name",
        upload(evaluation, "e.xlsx", sheet=" notes "),
        ("Remember to export again",),
        read_as(sheet="Notes"),
    ),
    accepted(
        "xlsx-sheet-by-number",
        upload(workbook([("Cover", COVER), ("Data", DATA), ("Later", LATER)]), "e.xlsx", sheet="3"),
        ("later good",),
        read_as(sheet="Later"),
    ),
    accepted(
        "xlsx-every-sheet-as-one-table",
        upload(workbook([("Cover", COVER), ("A", DATA), ("B", DATA)]), "e.xlsx", sheet="*"),
        ("good labs", "bad exams", "good labs", "bad exams"),
        read_as(sheet="*", sheets=["A", "B"], header_rows=[1, 1]),
    ),
    refused(
        "xlsx-one-table-on-two-sheets-without-a-sheet",
        upload(workbook([("Cover", COVER), ("A", DATA), ("B", DATA)]), "e.xlsx"),
        400,
        "ambiguous_column",
        "2 sheets that hold the same table ('A', 'B')",
        "the sheet '*'",
    ),
    accepted(
        "xlsx-hidden-sheet-by-name",
        upload(evaluation, "e.xlsx", sheet="Secret"),
        ("hidden answer",),
        read_as(sheet="Secret"),
    ),
    refused(
        "xlsx-no-such-sheet",
        upload(evaluation, "e.xlsx", sheet="Results"),
        400,
        "sheet_not_found",
        "'Answers'",
    ),
    refused(
        "xlsx-no-such-sheet-number",
        upload(evaluation, "e.xlsx", sheet="9"),
        400,
        "sheet_not_found",
        "'Answers'",
    ),
    refused(
        "xlsx-bomb-repeated-cells",
        upload(repeated_cells_bomb, "bomb.xlsx"),
        413,
        "limit_exceeded",
    ),
    refused("xlsx-bomb-lying-sizes", upload(lying_size_bomb, "bomb.xlsx"), 413, "limit_exceeded"),
    refused(
        "xlsx-bomb-shared-strings",
        upload(shared_strings_bomb, "bomb.xlsx"),
        413,
        "limit_exceeded",
    ),
    refused(
        "xlsx-bomb-amplification",
        upload(amplification_bomb, "bomb.xlsx"),
        413,
        "limit_exceeded",
    ),
]

REQUESTS: list[Case] = [
    refused(
        "no-file-field", post(data={"text_column": "comment"}), 422, "invalid_request", "'file'"
    ),
    refused("two-file-fields", two_files(), 422, "invalid_request", "one file per request"),
    refused("file-field-without-filename", upload(GOOD, name=""), 422, "invalid_request", "'file'"),
    accepted(
        "filename-path-traversal",
        upload(comments(["traversal good"]), "../../etc/passwd.csv"),
        ("traversal good",),
        shown_as("passwd.csv"),
    ),
    accepted(
        "filename-windows-path-traversal",
        upload(comments(["windows traversal good"]), "..\\..\\evil\\x.csv"),
        ("windows traversal good",),
        shown_as("x.csv"),
    ),
    accepted(
        "filename-3000-chars",
        upload(comments(["long name good"]), "n" * 3_000 + ".csv"),
        ("long name good",),
        shown_as("n" * 251 + ".csv"),
    ),
    refused(
        "filename-10k-chars",
        upload(GOOD, "n" * 10_000 + ".csv"),
        422,
        "invalid_request",
        "maximum header size exceeded",
    ),
    accepted(
        "filename-with-nul-and-rtl-override",
        raw_body(
            multipart_upload("a\x00b\u202e.csv".encode(), comments(["nul name good"])), MULTIPART
        ),
        ("nul name good",),
        shown_as("ab.csv"),
    ),
    accepted(
        "unknown-form-fields",
        upload(comments(["unknown field good"]), colour="blue"),
        ("unknown field good",),
    ),
    accepted("text-column-empty", upload(GOOD, text_column=""), ("good teaching", "bad slides")),
    refused(
        "text-column-empty-none-named",
        upload(b"course,remarks made\nCHEM110,good teaching\n", text_column=""),
        400,
        "missing_column",
        "choose the comment column (text_column, or --text-column on the command line): "
        "'remarks made' looks like it",
    ),
    refused(
        "text-column-10k-chars",
        upload(GOOD, text_column="t" * 10_000),
        400,
        "missing_column",
        "(10,000 characters) is not in the file",
    ),
    refused(
        "text-column-with-nul",
        upload(GOOD, text_column="comm\x00ent"),
        400,
        "missing_column",
        "did you mean 'comment'",
    ),
    refused(
        "group-by-1000-fields",
        upload(GOOD, group_by=[f"g{i}" for i in range(1000)]),
        422,
        "invalid_request",
        "too many fields",
    ),
    refused(
        "group-by-1000-columns",
        upload(GOOD, group_by=",".join(f"g{i}" for i in range(1000))),
        400,
        "missing_column",
        "'g0' is not in the file",
    ),
    accepted(
        "group-by-a-column-whose-name-holds-a-comma",
        upload(
            b'"Instructor (Last, First)",course,comment\n"Chen, Wei",CS101,comma good\n',
            group_by="Instructor (Last, First)",
        ),
        ("comma good",),
        grouped_by("Instructor (Last, First)"),
    ),
    accepted(
        "group-by-two-columns-in-one-field",
        upload(b"teacher,course,comment\nChen,CS101,listed good\n", group_by="course, teacher"),
        ("listed good",),
        grouped_by("course", "teacher"),
    ),
    refused("fresh-not-a-boolean", upload(GOOD, fresh="maybe"), 422, "invalid_request", "'fresh'"),
    refused("json-body", post(json={"text_column": "comment"}), 422, "invalid_request", "'file'"),
    refused(
        "urlencoded-body",
        raw_body(b"text_column=comment", "application/x-www-form-urlencoded"),
        422,
        "invalid_request",
        "'file'",
    ),
    refused(
        "multipart-without-boundary",
        raw_body(b"garbage", "multipart/form-data"),
        422,
        "invalid_request",
        "boundary",
    ),
    refused(
        "multipart-truncated",
        raw_body(TRUNCATED, "multipart/form-data; boundary=xyz"),
        422,
        "invalid_request",
        "'file'",
    ),
    refused(
        "upload-key-not-issued",
        post(data={"upload_key": "../../pipeline.db", "text_column": "comment"}),
        400,
        "input",
        "not an upload key",
    ),
    refused(
        "upload-over-limit",
        upload(b"comment\n" + b"x\n" * SMALL_UPLOAD, profile="small"),
        413,
        "limit_exceeded",
        "10,000 bytes",
        profile="small",
    ),
    refused(
        "upload-declared-over-limit",
        declared_oversize,
        413,
        "limit_exceeded",
        "10,000 bytes",
        profile="small",
    ),
]

IDS: list[Case] = [
    refused("id-10k-chars", get(f"{JOBS}/{'a' * 10_000}"), 422, "invalid_request", "request_id"),
    refused("id-65-chars", get(f"{JOBS}/{'a' * 65}/results"), 422, "invalid_request"),
    refused("id-dot-dot-slash", get(f"{JOBS}/..%2F..%2Fetc%2Fpasswd"), 404, "not_found"),
    refused("id-dot-dot", get(f"{JOBS}/%2E%2E/summary"), 422, "invalid_request", "request_id"),
    refused("id-nul", get(f"{JOBS}/ab%00cd"), 422, "invalid_request", "request_id"),
    refused("id-unknown", get(f"{JOBS}/{ABSENT_ID}"), 404, "job_not_found", "was not found"),
    refused("id-unknown-results", get(f"{JOBS}/{ABSENT_ID}/results"), 404, "job_not_found"),
    refused(
        "id-unknown-csv", get(f"{JOBS}/{ABSENT_ID}/results", format="csv"), 404, "job_not_found"
    ),
    refused("id-unknown-summary", get(f"{JOBS}/{ABSENT_ID}/summary"), 404, "job_not_found"),
    refused("id-unknown-cancel", call("DELETE", f"{JOBS}/{ABSENT_ID}"), 404, "job_not_found"),
    refused(
        "offset-negative",
        get(finished("/results"), offset=-1),
        422,
        "invalid_request",
        "'offset'",
    ),
    refused(
        "offset-int64-max",
        get(finished("/results"), offset=9223372036854775807),
        422,
        "invalid_request",
        "'offset'",
    ),
    refused(
        "offset-not-a-number",
        get(finished("/results"), offset="ten"),
        422,
        "invalid_request",
        "'offset'",
    ),
    refused("offset-fraction", get(finished("/results"), offset="1.5"), 422, "invalid_request"),
    refused("limit-zero", get(finished("/results"), limit=0), 422, "invalid_request", "'limit'"),
    refused(
        "limit-huge", get(finished("/results"), limit=10**30), 422, "invalid_request", "'limit'"
    ),
    refused("list-limit-zero", get(JOBS, limit=0), 422, "invalid_request", "'limit'"),
    refused("list-limit-huge", get(JOBS, limit=501), 422, "invalid_request", "'limit'"),
    refused(
        "format-unknown",
        get(finished("/results"), format="xml"),
        422,
        "invalid_request",
        "'format'",
    ),
    refused(
        "raw-not-a-boolean",
        get(finished("/results"), format="csv", raw="perhaps"),
        422,
        "invalid_request",
        "'raw'",
    ),
    refused(
        "summary-group-by-unknown",
        get(finished("/summary"), group_by="teacher"),
        400,
        "missing_column",
        "'teacher' is not in the job's input",
    ),
    refused(
        "summary-group-by-10k-chars",
        get(finished("/summary"), group_by="g" * 10_000),
        400,
        "missing_column",
        "(10,000 characters)",
    ),
    refused(
        "report-group-10k-chars",
        get(finished("/report"), group_by="course", group="g" * 10_000),
        400,
        "input",
        "(10,000 characters)",
    ),
    refused(
        "report-group-without-group-by",
        get(finished("/report"), group="CHEM110"),
        400,
        "input",
        "group needs group_by",
    ),
    refused("change-since-itself", change_since_itself, 400, "input", "this job itself"),
    refused("change-without-since", get(finished("/change")), 422, "invalid_request", "'since'"),
    refused(
        "change-since-not-an-id",
        get(finished("/change"), since="../../etc/passwd"),
        422,
        "invalid_request",
        "'since'",
    ),
    refused(
        "change-since-no-job",
        get(finished("/change"), since=ABSENT_ID),
        404,
        "job_not_found",
        ABSENT_ID,
    ),
    refused(
        "trend-of-one-job-twice",
        lambda world: world.open.get(
            "/v1/trend", params={"jobs": f"{world.finished},{world.finished}"}
        ),
        400,
        "input",
        "given more than once",
    ),
    refused(
        "trend-with-a-path-not-an-id",
        lambda world: world.open.get(
            "/v1/trend", params={"jobs": f"{world.finished},../../etc/passwd"}
        ),
        422,
        "invalid_request",
        "'jobs'",
    ),
    refused(
        "trend-through-no-job",
        lambda world: world.open.get("/v1/trend", params={"jobs": f"{ABSENT_ID},{world.finished}"}),
        404,
        "job_not_found",
        ABSENT_ID,
    ),
    refused(
        "trend-themes-without-a-label",
        lambda world: world.open.get(
            "/v1/trend/themes", params={"jobs": f"{ABSENT_ID},{world.finished}"}
        ),
        422,
        "invalid_request",
        "'label'",
    ),
    refused(
        "trend-themes-through-no-job",
        lambda world: world.open.get(
            "/v1/trend/themes",
            params={"jobs": f"{ABSENT_ID},{world.finished}", "label": "<script>x</script>"},
        ),
        404,
        "job_not_found",
        ABSENT_ID,
    ),
    refused(
        "report-trend-through-itself",
        lambda world: world.open.get(
            f"{JOBS}/{world.finished}/report", params={"trend": world.finished}
        ),
        400,
        "input",
        "given more than once",
    ),
    answered("cancel-twice", cancel_twice, 200, still_cancelled, "open"),
    refused("cancel-finished-job", call("DELETE", finished()), 409, "conflict", "succeeded"),
]

AUTH: list[Case] = [
    refused(
        "no-key-submit",
        upload(GOOD, profile="keyed"),
        401,
        "unauthorized",
        "X-API-Key",
        profile="keyed",
    ),
    refused("no-key-list", get(JOBS, profile="keyed"), 401, "unauthorized", profile="keyed"),
    refused(
        "wrong-key",
        with_key(lambda _w: "sp_wrong"),
        401,
        "unauthorized",
        "not valid",
        profile="keyed",
    ),
    refused("empty-key", with_key(lambda _w: ""), 401, "unauthorized", profile="keyed"),
    refused(
        "key-10k-chars", with_key(lambda _w: "k" * 10_000), 401, "unauthorized", profile="keyed"
    ),
    refused(
        "revoked-key",
        with_key(lambda w: w.revoked),
        401,
        "unauthorized",
        "revoked",
        profile="keyed",
    ),
    refused(
        "key-in-query-string",
        lambda w: w.keyed.get(JOBS, params={"api_key": w.alice}),
        401,
        "unauthorized",
        "in the URL",
        profile="keyed",
        check=query_never_logged,
    ),
    refused(
        "key-in-query-and-header",
        with_key(lambda w: w.alice, **{"X-API-Key": "sp_copy"}),
        401,
        "unauthorized",
        "in the URL",
        profile="keyed",
    ),
    refused(
        "other-tenant-status",
        as_bob(),
        404,
        "job_not_found",
        profile="keyed",
        check=as_if_absent,
    ),
    refused(
        "other-tenant-results",
        as_bob("/results"),
        404,
        "job_not_found",
        profile="keyed",
        check=as_if_absent,
    ),
    refused(
        "other-tenant-csv",
        as_bob("/results", format="csv"),
        404,
        "job_not_found",
        profile="keyed",
        check=as_if_absent,
    ),
    refused(
        "other-tenant-summary",
        as_bob("/summary"),
        404,
        "job_not_found",
        profile="keyed",
        check=as_if_absent,
    ),
    refused(
        "other-tenant-group-report",
        as_bob("/report", group_by="course", group="CHEM110"),
        404,
        "job_not_found",
        profile="keyed",
        check=as_if_absent,
    ),
    refused(
        "other-tenant-change",
        as_bob("/change", since=ABSENT_ID),
        404,
        "job_not_found",
        profile="keyed",
        check=as_if_absent,
    ),
    refused(
        "other-tenant-cancel",
        as_bob("", "DELETE"),
        404,
        "job_not_found",
        profile="keyed",
        check=as_if_absent,
    ),
    answered("health-without-key", get("/health", profile="keyed"), 200, only_status, "keyed"),
    refused(
        "health-with-wrong-key",
        with_key(lambda _w: "sp_wrong", "/health"),
        401,
        "unauthorized",
        profile="keyed",
    ),
]

METHODS: list[Case] = [
    refused("put-jobs", call("PUT", JOBS), 405, "method_not_allowed", allow="GET, POST"),
    refused("delete-jobs", call("DELETE", JOBS), 405, "method_not_allowed", allow="GET, POST"),
    refused("patch-jobs", call("PATCH", JOBS), 405, "method_not_allowed", allow="GET, POST"),
    refused(
        "put-job",
        call("PUT", f"{JOBS}/{ABSENT_ID}"),
        405,
        "method_not_allowed",
        allow="DELETE, GET",
    ),
    refused(
        "patch-job",
        call("PATCH", f"{JOBS}/{ABSENT_ID}"),
        405,
        "method_not_allowed",
        allow="DELETE, GET",
    ),
    refused(
        "post-job",
        call("POST", f"{JOBS}/{ABSENT_ID}"),
        405,
        "method_not_allowed",
        allow="DELETE, GET",
    ),
    refused(
        "delete-results",
        call("DELETE", f"{JOBS}/{ABSENT_ID}/results"),
        405,
        "method_not_allowed",
        allow="GET",
    ),
    refused(
        "post-summary",
        call("POST", f"{JOBS}/{ABSENT_ID}/summary"),
        405,
        "method_not_allowed",
        allow="GET",
    ),
    refused("delete-health", call("DELETE", "/health"), 405, "method_not_allowed", allow="GET"),
    refused(
        "post-health-live", call("POST", "/health/live"), 405, "method_not_allowed", allow="GET"
    ),
    refused("get-uploads", call("GET", "/v1/uploads"), 405, "method_not_allowed", allow="POST"),
    refused("unknown-route", call("GET", "/v1/nowhere"), 404, "not_found"),
    refused("unknown-subroute", call("GET", f"{JOBS}/{ABSENT_ID}/labels"), 404, "not_found"),
    refused("unknown-version", call("POST", "/v2/jobs"), 404, "not_found"),
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
    courses = table(["course", "comment"], [["A", "good"], ["B", "bad"]])
    finished_job = services["open"].client.post(
        JOBS, files={"file": ("f.csv", courses)}, data={"text_column": "comment"}
    )
    alices_job = services["keyed"].client.post(
        JOBS,
        files={"file": ("a.csv", comments(["alice's own good comment"]))},
        data={"text_column": "comment"},
        headers=keyed(alice),
    )
    for backend in backends.values():
        run_worker(backend)
    yield World(
        services,
        alice,
        bob,
        revoked,
        request_id_of(finished_job),
        request_id_of(alices_job),
        folder,
    )
    for entry in services.values():
        entry.client.close()


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_a_hostile_input_gets_a_clear_answer_and_the_service_still_answers(
    case: Case, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    answer = case.send(world)
    entry = world.services[case.profile]

    assert answer.status_code == case.status, answer.text[:2000]
    assert len(answer.content) < BODY_LIMIT, f"an unbounded body ({len(answer.content):,} B)"
    if case.code is not None:
        body = answer.json()
        assert set(body) == {"error", "detail"} and body["error"] == case.code, body
        assert body["detail"].strip(), body
        for words in case.mentions:
            assert words.lower() in body["detail"].lower(), body
    if case.allow is not None:
        assert answer.headers["Allow"] == case.allow
    if case.status == 202:
        assert case.rows is not None, "an accepted case names the rows it must get back"
        every_row_once(entry, answer, case.rows)
    if case.check is not None:
        case.check(world, entry.client, answer)
    server_logs = "\n".join(
        record.getMessage()
        for record in caplog.records
        if not record.name.startswith(CLIENT_LOGGERS)
    )
    for secret in (world.alice, world.bob, world.revoked):
        assert secret not in server_logs, "a key was written to a log"
    still_answers(entry.client)


def every_row_once(entry: Service, answer: httpx.Response, expected: tuple[str, ...]) -> None:
    """A worker labels the job; each input row comes back exactly once, in order, as sent,
    in the JSON pages and in the raw CSV."""
    submission = answer.json()
    assert submission["status"] == "queued" and submission["reused"] is False, submission
    request_id = submission["request_id"]
    run_worker(entry.backend)
    client = entry.client
    status = client.get(f"{JOBS}/{request_id}").json()
    assert status["status"] == "succeeded", status
    assert status["rows_total"] == status["rows_done"] == len(expected), status
    page = client.get(f"{JOBS}/{request_id}/results", params={"limit": 1000}).json()
    assert page["available"] == len(expected) and page["complete"] is True
    column = status["text_column"]
    assert [row[column] or "" for row in page["rows"]] == list(expected)
    assert [row[column] for row in results_csv(client, request_id, raw=True)] == list(expected)


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
    rows = [f"good course ({profile}, after the hostile inputs)", "bad room"]
    answer = entry.client.post(
        JOBS,
        files={"file": ("after.csv", comments(rows))},
        data={"text_column": "comment"},
        headers=headers,
    )
    assert answer.status_code == 202, answer.text
    run_worker(entry.backend)
    request_id = request_id_of(answer)
    status = entry.client.get(f"{JOBS}/{request_id}", headers=headers).json()
    assert status["status"] == "succeeded" and status["rows_done"] == 2
    page = entry.client.get(f"{JOBS}/{request_id}/results", headers=headers).json()
    assert [row["comment"] for row in page["rows"]] == rows
    assert [row["label"] for row in page["rows"]] == ["positive", "negative"]
