"""``results`` of a running job against the AWS deployment: the Lambda edge sends the rows so
far as CSV only up to 5 MiB (``gateway.MAX_INLINE_CSV_BYTES``); past that it refuses (413),
naming its JSON pages (``format=json``), which the command line had no way to read:
``results ID --format json`` was an unknown option, a dead end until the job finished.

Now ``--format json`` reads every page (following ``next_offset``, as the edge cuts a page to
what one Lambda answer carries) and writes one JSON document, exit status 3 while the job is
not finished, as for the CSV; and the CSV's refusal names that option."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from apigw_events import answer, load_event, with_query
from jobfakes import FakePredictor
from test_gateway_inline_csv import running_job, via_gateway

from pipeline.api import gateway
from pipeline.api.gateway import Gateway
from pipeline.bootstrap import Backend
from pipeline.cli import job_commands
from pipeline.cli.exit_codes import EXIT_DONE, EXIT_INPUT_ERROR, EXIT_UNFINISHED
from pipeline.cli.main import main
from pipeline.client import PipelineClient
from pipeline.worker import Worker

COMMENTS = [f"comment number {i} about the labs, " + "x" * 400 for i in range(30)]


@pytest.fixture
def asked(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> list[httpx.Request]:
    """The command line's requests, answered by the Lambda edge (``Gateway``) in process."""
    seen: list[httpx.Request] = []
    edge = Gateway(backend)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        event = {**load_event("status"), "path": request.url.path, "httpMethod": request.method}
        event |= {"queryStringParameters": None, "multiValueQueryStringParameters": None}
        got = answer(edge.handle(with_query(event, **dict(request.url.params))))
        return httpx.Response(got.status, headers=got.headers, content=got.text.encode())

    def client(_args: object) -> PipelineClient:
        return PipelineClient("https://api.test", transport=httpx.MockTransport(handler))

    monkeypatch.setattr(job_commands, "api_client", client)
    monkeypatch.setattr(gateway, "MAX_INLINE_CSV_BYTES", 4_000)  # 5 MiB, as 30 rows see it
    monkeypatch.setattr(gateway, "LAMBDA_ANSWER_BYTES", 6_000)  # a page carries a few rows
    return seen


def test_a_csv_too_big_to_send_names_the_option_that_reads_it(
    backend: Backend, asked: list[httpx.Request], capsys: pytest.CaptureFixture[str]
) -> None:
    request_id = running_job(backend, COMMENTS)

    assert main(["results", request_id]) == EXIT_INPUT_ERROR
    err = capsys.readouterr().err
    assert "bytes of CSV one answer carries" in err
    assert f"sentiment-pipeline results {request_id} --format json" in err


def test_format_json_reads_every_page_of_a_running_job(
    backend: Backend,
    asked: list[httpx.Request],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    request_id = running_job(backend, COMMENTS)
    out = tmp_path / "rows.json"

    assert main(["results", request_id, "--format", "json", "-o", str(out)]) == EXIT_UNFINISHED

    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["request_id"] == request_id and document["complete"] is False
    assert document["status"] == "running" and "label" in document["columns"]
    assert [row["comment"] for row in document["rows"]] == COMMENTS
    pages = [r for r in asked if r.url.path.endswith("/results")]
    assert len(pages) > 2, "the edge cut the pages; every one was read"
    err = capsys.readouterr().err
    assert f"results written to {out}" in err and "this file holds those rows only" in err

    assert main(["results", request_id, "--format", "json"]) == EXIT_UNFINISHED
    assert json.loads(capsys.readouterr().out)["rows"] == document["rows"]


def test_format_json_of_a_finished_job_exits_zero_and_refuses_what_does_not_fit(
    backend: Backend, asked: list[httpx.Request], capsys: pytest.CaptureFixture[str]
) -> None:
    request_id = str(via_gateway(backend, load_event("submit_multipart")).json()["request_id"])
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)

    assert main(["results", request_id, "--format", "json"]) == EXIT_DONE
    document = json.loads(capsys.readouterr().out)
    assert document["complete"] is True and document["status"] == "succeeded"
    assert len(document["rows"]) == document["rows_total"] > 0
    assert main(["results", request_id, "--format", "json", "--raw"]) == EXIT_INPUT_ERROR
    assert main(["results", request_id, "--format", "json", "-o", "x.xlsx"]) == EXIT_INPUT_ERROR
