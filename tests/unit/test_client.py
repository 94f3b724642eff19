"""The API client against a fake server (httpx.MockTransport): requests sent, answers parsed,
and every HTTP failure turned into its pipeline.errors class with the server's message."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from pipeline.client import PipelineClient
from pipeline.errors import (
    ApiError,
    ApiUnreachable,
    Conflict,
    EncodingError,
    InputError,
    JobNotFound,
    LimitExceededError,
    MissingColumnError,
    NotFoundError,
    Unauthorized,
)

Handler = Callable[[httpx.Request], httpx.Response]
JOB = {
    "request_id": "abc123",
    "status": "running",
    "input_name": "comments.csv",
    "text_column": "comment",
    "group_by": ["course"],
    "rows_total": 200,
    "rows_done": 50,
    "rows_failed": 2,
    "progress": 0.25,
    "rows_per_s": 4.2,
    "eta_s": 12.5,
    "model": "default",
    "model_version": "v1",
    "labels": ["negative", "neutral", "positive"],
    "attempts": 1,
    "error": None,
    "created_at": "2026-01-01T10:00:00",
    "started_at": "2026-01-01T10:00:01",
    "finished_at": None,
}


def _client(handler: Handler, api_key: str = "") -> PipelineClient:
    return PipelineClient("http://api.test/", api_key, transport=httpx.MockTransport(handler))


def _answer(status: int, body: Any) -> Handler:
    return lambda request: httpx.Response(status, json=body)


def _multipart_fields(request: httpx.Request) -> list[tuple[str, str]]:
    """(name, value) of every form field of a multipart body, in order (file as its name)."""
    boundary = request.headers["content-type"].split("boundary=")[1].encode()
    fields = []
    for part in request.content.split(b"--" + boundary)[1:-1]:
        head, _, value = part[2:-2].partition(b"\r\n\r\n")  # CRLF after and before boundary
        disposition = head.decode().split("\r\n")[0]
        name = disposition.split('name="')[1].split('"')[0]
        if 'filename="' in disposition:
            value = disposition.split('filename="')[1].split('"')[0].encode() + b":" + value
        fields.append((name, value.decode()))
    return fields


# --- requests and answers -------------------------------------------------------------------


def test_submit_uploads_the_file_with_columns_key_and_fresh_flag() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(202, json={"request_id": "abc123", "status": "queued"})

    with _client(handler, api_key="secret") as client:
        submitted = client.submit(
            b"comment,course\nGreat,CS1\n",
            "comments.csv",
            "comment",
            ["course", "term"],
            fresh=True,
        )

    assert (submitted.request_id, submitted.status, submitted.reused) == ("abc123", "queued", False)
    request = seen[0]
    assert (request.method, request.url.path) == ("POST", "/v1/jobs")
    assert request.headers["X-API-Key"] == "secret"
    assert _multipart_fields(request) == [
        ("text_column", "comment"),
        ("group_by", "course"),
        ("group_by", "term"),
        ("fresh", "true"),
        ("file", "comments.csv:comment,course\nGreat,CS1\n"),
    ]


def test_submit_reports_a_reused_job() -> None:
    answer = {"request_id": "old", "status": "succeeded", "reused": True}
    with _client(_answer(202, answer)) as client:
        assert client.submit(b"text\nhi\n", "c.csv", "text").reused is True


def test_no_key_sends_no_key_header() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"status": "ok"})

    with _client(handler) as client:
        assert client.health() == {"status": "ok"}
    assert "X-API-Key" not in seen[0].headers


def test_status_parses_progress_rate_eta_and_columns() -> None:
    with _client(_answer(200, JOB)) as client:
        job = client.status("abc123")

    assert job.request_id == "abc123"
    assert (job.rows_done, job.rows_total, job.rows_failed) == (50, 200, 2)
    assert job.progress == 0.25
    assert (job.rows_per_s, job.eta_s) == (4.2, 12.5)
    assert job.group_by == ("course",)
    assert job.labels == ("negative", "neutral", "positive")
    assert job.finished is False


@pytest.mark.parametrize(
    ("status", "done", "total", "progress", "finished"),
    [
        ("succeeded", 10, 10, 1.0, True),
        ("cancelled", 3, 10, 0.3, True),
        ("queued", 0, 0, 0.0, False),
        ("succeeded", 0, 0, 1.0, True),
    ],
)
def test_progress_and_finished_follow_the_status(
    status: str, done: int, total: int, progress: float, finished: bool
) -> None:
    body = {**JOB, "status": status, "rows_done": done, "rows_total": total}
    with _client(_answer(200, body)) as client:
        job = client.status("abc123")
    assert (job.progress, job.finished) == (progress, finished)


def test_a_running_job_with_every_label_in_reads_as_labelled_with_its_insights() -> None:
    body = {**JOB, "rows_done": 200, "labelled_at": "2026-12-02T01:00:00+00:00"}
    with _client(_answer(200, {**body, "insights_done": 64})) as client:
        job = client.status("abc123")
    assert (job.labelled, job.finished, job.insights_done) == (True, False, 64)
    with _client(_answer(200, JOB)) as client:  # labelling, or an API without the fields
        older = client.status("abc123")
    assert (older.labelled, older.labelled_at, older.insights_done) == (False, None, None)
    with _client(_answer(200, {**body, "status": "failed", "insights_done": 64})) as client:
        assert client.status("abc123").labelled is False  # not whole: it stopped half-way


def test_cancel_sends_delete_and_returns_the_new_status() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={**JOB, "status": "cancelled"})

    with _client(handler) as client:
        assert client.cancel("abc123").status == "cancelled"
    assert (seen[0].method, seen[0].url.path) == ("DELETE", "/v1/jobs/abc123")


def test_iter_results_follows_next_offset_until_the_last_page() -> None:
    rows = [{"comment": f"c{i}", "label": "positive"} for i in range(5)]
    offsets: list[tuple[str, str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        params = request.url.params
        offsets.append((params["format"], params["offset"], params["limit"]))
        start, limit = int(params["offset"]), int(params["limit"])
        end = min(start + limit, len(rows))
        body = {
            "request_id": "abc123",
            "status": "succeeded",
            "columns": ["comment", "label"],
            "rows": rows[start:end],
            "offset": start,
            "limit": limit,
            "available": len(rows),
            "rows_total": len(rows),
            "complete": True,
            "next_offset": end if end < len(rows) else None,
        }
        return httpx.Response(200, json=body)

    with _client(handler) as client:
        pages = list(client.iter_results("abc123", page_size=2))

    assert [row["comment"] for page in pages for row in page.rows] == [f"c{i}" for i in range(5)]
    assert offsets == [("json", "0", "2"), ("json", "2", "2"), ("json", "4", "2")]
    assert pages[-1].complete is True


def test_results_csv_returns_the_servers_bytes() -> None:
    csv = b"comment,label\nGreat,positive\n"
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=csv, headers={"content-type": "text/csv"})

    with _client(handler) as client:
        assert client.results_csv("abc123") == csv
        assert client.results_csv("abc123", raw=True) == csv
    assert seen[0].url.path == "/v1/jobs/abc123/results"
    assert dict(seen[0].url.params) == {"format": "csv"}  # escaped: the server's default
    assert dict(seen[1].url.params) == {"format": "csv", "raw": "true"}


def upload_url_server(seen: list[httpx.Request], request_id: str) -> Handler:
    """An API that hands out an upload URL, the object store behind it, and a submit that
    queues ``request_id``; every request is recorded in ``seen``."""

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/v1/uploads":
            ticket = {"upload_key": "uploads/K/upload", "method": "PUT"}
            ticket["upload_url"] = "https://bucket.s3.test/uploads/K/upload?X-Amz-Signature=s"
            return httpx.Response(201, json=ticket)
        if request.url.host == "bucket.s3.test":
            request.read()
            return httpx.Response(200)
        return httpx.Response(202, json={"request_id": request_id, "status": "queued"})

    return handler


def test_a_large_file_goes_to_the_upload_url_then_starts_by_key() -> None:
    seen: list[httpx.Request] = []
    content = b"comment\n" + b"a fine course\n" * 400_000

    with _client(upload_url_server(seen, "big1"), api_key="secret") as client:
        submitted = client.submit(content, "big.csv", "comment", ["course"])

    assert submitted.request_id == "big1"
    ask, put, start = seen
    assert (ask.method, ask.url.path, ask.headers["X-API-Key"]) == ("POST", "/v1/uploads", "secret")
    assert (put.method, put.url.host, put.content) == ("PUT", "bucket.s3.test", content)
    assert "X-API-Key" not in put.headers  # the presigned URL is the credential
    assert (start.method, start.url.path) == ("POST", "/v1/jobs")
    form = dict(httpx.QueryParams(start.content.decode()).multi_items())
    assert form == {
        "text_column": "comment",
        "group_by": "course",
        "upload_key": "uploads/K/upload",
        "filename": "big.csv",
    }


def test_a_large_file_is_sent_directly_where_the_server_has_no_upload_urls() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/v1/uploads":
            return httpx.Response(501, json={"error": "unsupported", "detail": "no URLs"})
        return httpx.Response(202, json={"request_id": "big2", "status": "queued"})

    with _client(handler) as client:
        content = b"comment\n" + b"x\n" * 3_000_000
        assert client.submit(content, "big.csv", "comment").request_id == "big2"
    assert [r.url.path for r in seen] == ["/v1/uploads", "/v1/jobs"]
    assert _multipart_fields(seen[1])[-1][0] == "file"


def test_a_failed_upload_to_the_store_is_an_api_error_and_starts_nothing() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if request.url.path == "/v1/uploads":
            ticket = {"upload_key": "uploads/K/upload", "method": "PUT"}
            ticket["upload_url"] = "https://bucket.s3.test/up?sig=expired"
            return httpx.Response(201, json=ticket)
        return httpx.Response(403, text="<Error><Code>AccessDenied</Code></Error>")

    with _client(handler) as client, pytest.raises(ApiError, match=r"HTTP 403.*AccessDenied"):
        client.submit(b"x" * 5_000_000, "big.csv", "comment")
    assert seen == ["/v1/uploads", "/up"]


def test_results_csv_follows_a_redirect_to_the_store_without_the_key() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "bucket.s3.test":
            return httpx.Response(200, content=b"comment,label\nnice,positive\n")
        location = "https://bucket.s3.test/results/abc123/results.csv?X-Amz-Signature=s"
        return httpx.Response(303, headers={"Location": location})

    with _client(handler, api_key="secret") as client:
        assert client.results_csv("abc123") == b"comment,label\nnice,positive\n"
    assert seen[0].headers["X-API-Key"] == "secret"
    assert "X-API-Key" not in seen[1].headers


def test_summary_parses_overall_and_groups() -> None:
    def group(name: str | None, neg: int, pos: int) -> dict[str, Any]:
        total = neg + pos
        return {
            "group": name,
            "rows": total,
            "errors": 0,
            "counts": {"negative": neg, "positive": pos},
            "shares": {"negative": neg / total, "positive": pos / total},
            "mean_scores": {"negative": None, "positive": 0.7},
        }

    body = {
        "request_id": "abc123",
        "status": "succeeded",
        "labels": ["negative", "positive"],
        "rows_done": 4,
        "rows_total": 4,
        "overall": group(None, 1, 3),
        "group_by": "course",
        "groups": [group("CS1", 1, 1), group("CS2", 0, 2)],
    }
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=body)

    with _client(handler) as client:
        summary = client.summary("abc123", group_by="course")

    assert seen[0].url.params["group_by"] == "course"
    assert summary.overall.counts == {"negative": 1, "positive": 3}
    assert summary.overall.group is None
    assert [g.group for g in summary.groups] == ["CS1", "CS2"]
    assert summary.groups[1].shares == {"negative": 0.0, "positive": 1.0}
    assert summary.groups[0].mean_scores["negative"] is None


# --- errors ---------------------------------------------------------------------------------


def test_connection_refused_is_api_unreachable_naming_the_url() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Connection refused", request=request)

    with _client(handler) as client, pytest.raises(ApiUnreachable) as caught:
        client.status("abc123")
    assert "http://api.test" in str(caught.value)
    assert "PIPELINE_API_URL" in str(caught.value)
    assert "cannot be reached (Connection refused); check that it is running" in str(caught.value)


def test_a_timeout_is_api_unreachable_saying_after_how_long() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with _client(handler) as client, pytest.raises(ApiUnreachable) as caught:
        client.health()
    assert "gave no answer within 30 s" in str(caught.value)
    assert "check that it is running" not in str(caught.value)  # it may be working still


def test_a_real_closed_port_is_api_unreachable() -> None:
    with PipelineClient("http://127.0.0.1:9", timeout_s=2) as client, pytest.raises(ApiUnreachable):
        client.health()


@pytest.mark.parametrize(
    ("status", "body", "kind", "message"),
    [
        (401, {"error": "unauthorized", "detail": "unknown API key"}, Unauthorized, "unknown API"),
        (403, {"detail": "this key may not submit"}, Unauthorized, "may not submit"),
        (404, {"error": "job_not_found", "detail": "job 'x' was not found"}, JobNotFound, "'x'"),
        (409, {"error": "conflict", "detail": "already succeeded"}, Conflict, "already"),
        (413, {"error": "limit_exceeded", "detail": "over 10 bytes"}, LimitExceededError, "10"),
        (400, {"error": "missing_column", "detail": "no 'c'"}, MissingColumnError, "no 'c'"),
        (400, {"error": "encoding", "detail": "byte 0xff"}, EncodingError, "0xff"),
        (400, {"message": "bad offset"}, InputError, "bad offset"),
        (500, {"error": "internal", "detail": "see the log"}, ApiError, "HTTP 500: see the log"),
    ],
)
def test_http_errors_become_pipeline_errors_with_the_servers_message(
    status: int, body: dict[str, str], kind: type[Exception], message: str
) -> None:
    with _client(_answer(status, body)) as client, pytest.raises(kind) as caught:
        client.status("abc123")
    assert message in str(caught.value)


def test_an_error_code_outside_the_status_family_does_not_change_the_class() -> None:
    body = {"error": "job_not_found", "detail": "odd"}
    with _client(_answer(400, body)) as client, pytest.raises(InputError) as caught:
        client.status("abc123")
    assert not isinstance(caught.value, NotFoundError)


def test_fastapi_validation_errors_name_the_field() -> None:
    body = {"detail": [{"loc": ["query", "limit"], "msg": "must be at most 1000"}]}
    with _client(_answer(422, body)) as client, pytest.raises(InputError) as caught:
        client.results_page("abc123", limit=5000)
    assert str(caught.value) == "limit: must be at most 1000"


def test_a_plain_text_error_keeps_its_text() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, text="Bad gateway from the proxy")

    with _client(handler) as client, pytest.raises(ApiError, match="Bad gateway from the proxy"):
        client.health()


def test_a_404_outside_a_job_is_not_found_but_not_a_job() -> None:
    answer = _answer(404, {"detail": "Not Found"})
    with _client(answer) as client, pytest.raises(NotFoundError) as caught:
        client.health()
    assert not isinstance(caught.value, JobNotFound)


def test_an_answer_that_is_not_json_is_an_api_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>a login page</html>")

    with _client(handler) as client, pytest.raises(ApiError, match="not JSON"):
        client.status("abc123")


@pytest.mark.parametrize("request_id", ["", "../health", "a/b", " abc"])
def test_a_malformed_request_id_is_refused_without_a_request(request_id: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"no request expected, got {request.url}")

    with _client(handler) as client, pytest.raises(JobNotFound):
        client.status(request_id)


def test_errors_carry_the_server_message_verbatim() -> None:
    detail = "column 'comment' is not in the file; its columns are: text, course"
    body = {"error": "missing_column", "detail": detail}
    with _client(_answer(400, body)) as client, pytest.raises(MissingColumnError) as caught:
        client.submit(b"text\nx\n", "c.csv", "comment")
    assert str(caught.value) == detail


def test_an_open_file_is_streamed_into_the_request(tmp_path: Path) -> None:
    source = tmp_path / "comments.csv"
    source.write_bytes(b"comment\n" + b"a fine course\n" * 1000)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(202, json={"request_id": "f1", "status": "queued"})

    with _client(handler) as client, source.open("rb") as handle:
        assert client.submit(handle, "comments.csv", "comment").request_id == "f1"
    assert _multipart_fields(seen[0])[-1][0] == "file"
    assert source.read_bytes() in seen[0].content


def test_a_large_open_file_is_put_to_the_upload_url_from_where_it_stands(tmp_path: Path) -> None:
    source = tmp_path / "big.csv"
    content = b"comment\n" + b"a fine course\n" * 400_000
    source.write_bytes(content)
    seen: list[httpx.Request] = []

    with _client(upload_url_server(seen, "big3")) as client, source.open("rb") as handle:
        assert client.submit(handle, "big.csv", "comment").request_id == "big3"
    put = seen[1]
    assert (put.method, put.headers["content-length"]) == ("PUT", str(len(content)))
    assert put.content == content


def test_download_results_streams_the_csv_into_a_file_and_follows_a_redirect(
    tmp_path: Path,
) -> None:
    body = b"comment,label\n" + b"nice,positive\n" * 200_000

    def direct(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body)

    def redirected(request: httpx.Request) -> httpx.Response:
        if request.url.host == "bucket.s3.test":
            return httpx.Response(200, content=body)
        return httpx.Response(303, headers={"Location": "https://bucket.s3.test/r.csv?sig=s"})

    for handler in (direct, redirected):
        target = tmp_path / f"{handler.__name__}.csv"
        with _client(handler) as client, target.open("wb") as handle:
            assert client.download_results("abc123", handle) == len(body)
        assert target.read_bytes() == body


def test_download_results_asks_for_raw_cells_only_when_told(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=b"comment\n")

    with _client(handler) as client, (tmp_path / "r.csv").open("wb") as handle:
        client.download_results("abc123", handle)
        client.download_results("abc123", handle, raw=True)
    assert [dict(request.url.params) for request in seen] == [
        {"format": "csv"},
        {"format": "csv", "raw": "true"},
    ]


def test_download_results_of_an_unknown_job_is_job_not_found(tmp_path: Path) -> None:
    handler = _answer(404, {"error": "not_found", "detail": "job 'nope' was not found"})
    with (
        _client(handler) as client,
        (tmp_path / "r.csv").open("wb") as handle,
        pytest.raises(JobNotFound, match="nope"),
    ):
        client.download_results("nope", handle)
