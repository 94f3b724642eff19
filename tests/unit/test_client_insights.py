"""PipelineClient.aspects(), .themes() and submit(explain=) against a small fake API over a
real socket: the requests they send, the JSON they return, and the server's refusals as
pipeline.errors classes with its message."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
from httpfakes import JsonHandler

from pipeline.client import PipelineClient
from pipeline.errors import Conflict, JobNotFound, MissingColumnError

ASPECTS = {"request_id": "job1", "complete": False, "categories": [{"name": "exams", "n": 3}]}
THEMES = {"request_id": "job1", "seed": 13, "themes": [{"id": 0, "label": "negative"}]}


class FakeApi(JsonHandler):
    """Records each request's path, query and form; answers by path."""

    seen: ClassVar[list[tuple[str, str, dict[str, list[str]]]]] = []

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        self.seen.append(("GET", url.path, parse_qs(url.query, keep_blank_values=True)))
        if url.path == "/v1/jobs/job1/aspects":
            if parse_qs(url.query).get("group_by") == ["nope"]:
                body = {"error": "missing_column", "detail": "column 'nope' is not in the input"}
                self.send_json(400, body)
            else:
                self.send_json(200, ASPECTS)
        elif url.path == "/v1/jobs/job1/themes":
            self.send_json(200, THEMES)
        elif url.path == "/v1/jobs/running/themes":
            detail = "the themes are found when the job completes; it is running"
            self.send_json(409, {"error": "conflict", "detail": detail})
        elif url.path == "/v1/jobs/job1":
            self.send_json(200, {"request_id": "job1", "status": "queued", "explain": True})
        else:
            self.send_json(404, {"error": "job_not_found", "detail": "no job with that id"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", errors="replace")
        self.seen.append(("POST", self.path, {"body": [body]}))
        self.send_json(202, {"request_id": "job1", "status": "queued"})


@pytest.fixture
def client() -> Iterator[PipelineClient]:
    FakeApi.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with PipelineClient(f"http://127.0.0.1:{server.server_address[1]}") as client:
            yield client
    finally:
        server.shutdown()
        server.server_close()


def test_aspects_sends_group_by_only_when_given_and_returns_the_json(
    client: PipelineClient,
) -> None:
    assert client.aspects("job1") == ASPECTS
    assert client.aspects("job1", group_by="course") == ASPECTS
    assert [query for _method, _path, query in FakeApi.seen] == [{}, {"group_by": ["course"]}]


def test_themes_sends_the_filters_given_and_only_those(client: PipelineClient) -> None:
    assert client.themes("job1") == THEMES
    client.themes("job1", label="negative", group_by="course", group="CHEM110")
    client.themes("job1", aspect="exams", group_by="course", group="")
    queries = [query for _method, _path, query in FakeApi.seen]
    assert queries == [
        {},
        {"label": ["negative"], "group_by": ["course"], "group": ["CHEM110"]},
        {"aspect": ["exams"], "group_by": ["course"], "group": [""]},
    ]


def test_refusals_are_the_pipeline_errors_with_the_servers_message(
    client: PipelineClient,
) -> None:
    with pytest.raises(Conflict, match="found when the job completes"):
        client.themes("running")
    with pytest.raises(MissingColumnError, match="'nope'"):
        client.aspects("job1", group_by="nope")
    with pytest.raises(JobNotFound):
        client.aspects("other")
    with pytest.raises(JobNotFound, match="not a request id"):
        client.themes("a/b")  # refused before any request
    assert [path for _method, path, _query in FakeApi.seen] == [
        "/v1/jobs/running/themes",
        "/v1/jobs/job1/aspects",
        "/v1/jobs/other/aspects",
    ]


@pytest.mark.parametrize(("explain", "sent"), [(True, True), (False, False)])
def test_submit_sends_explain_only_when_asked(
    client: PipelineClient, explain: bool, sent: bool
) -> None:
    client.submit(b"comment\nfine\n", "c.csv", "comment", explain=explain)
    body: Any = FakeApi.seen[0][2]["body"][0]
    assert ('name="explain"\r\n\r\ntrue' in body) is sent


def test_the_status_says_whether_the_job_explains(client: PipelineClient) -> None:
    assert client.status("job1").explain is True
