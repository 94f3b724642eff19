"""The AWS backend end to end, on this machine: PIPELINE_BACKEND=aws with moto_server for S3
and SQS, a fresh database on the real PostgreSQL, the local worker fleet and the tiny real
model. `sentiment-pipeline init`, then `up` in its own process; files go in over HTTP, both
directly and through a presigned upload URL; results come back as a presigned download, the
CSV lies in the bucket and the rows in PostgreSQL."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from apigw_events import answer
from postgres import fresh_database
from sqlalchemy import create_engine, text
from test_job_pipeline_http import cli, comments_file, finished, free_port, wait_for
from xlsxfakes import evaluation_export

from pipeline import client as client_module
from pipeline.api.lambda_entry import gateway_from_environment
from pipeline.client import PipelineClient

pytestmark = pytest.mark.slow

REGION = "us-east-1"


@dataclass(frozen=True)
class AwsStack:
    url: str
    env: dict[str, str]
    database_url: str
    bucket: str
    s3: Any


@pytest.fixture(scope="module")
def stack(
    moto_server: str, tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AwsStack]:
    suffix = uuid.uuid4().hex[:8]
    port = free_port()
    with fresh_database("pipeline_e2e") as database_url:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("PIPELINE_", "AWS_"))},
            "AWS_ENDPOINT_URL": moto_server,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "PIPELINE_BACKEND": "aws",
            "PIPELINE_FLEET": "local",
            "PIPELINE_AWS_REGION": REGION,
            "PIPELINE_BUCKET": f"e2e-{suffix}",
            "PIPELINE_QUEUE_NAME": f"e2e-jobs-{suffix}",
            "PIPELINE_DATABASE_URL": database_url,
            "PIPELINE_DATA_DIR": str(tmp_path_factory.mktemp("aws_e2e")),
            "PIPELINE_MODEL": str(tiny_model_dir),
            "PIPELINE_DEVICE": "cpu",
            "PIPELINE_API_PORT": str(port),
            "PIPELINE_CHUNK_ROWS": "25",
            "PIPELINE_MAX_WORKERS": "1",
            "PIPELINE_VISIBILITY_TIMEOUT_S": "60",
            "PIPELINE_MASTER_INTERVAL_S": "0.5",
            "PIPELINE_WORKER_POLL_S": "1",
        }
        for _ in range(2):  # idempotent
            done = cli(env, "init")
            assert done.returncode == 0, done.stderr
        log = Path(env["PIPELINE_DATA_DIR"]) / "up.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "pipeline", "up"],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for(lambda: _healthy(url) or process.poll() is not None, 120, "the API")
            assert process.poll() is None, log.read_text()
            s3 = boto3.client(
                "s3",
                region_name=REGION,
                endpoint_url=moto_server,
                aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            )
            yield AwsStack(url, env, database_url, env["PIPELINE_BUCKET"], s3)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=120)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def _database_rows(database_url: str, request_id: str) -> tuple[int, float, float]:
    """(result rows, worker seconds, cost) of the job, straight from PostgreSQL."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT count(*) FROM result_rows WHERE request_id = :id"), {"id": request_id}
            ).scalar_one()
            seconds, cost = connection.execute(
                text("SELECT worker_seconds, cost_usd FROM jobs WHERE request_id = :id"),
                {"id": request_id},
            ).one()
        return int(rows), float(seconds), float(cost)
    finally:
        engine.dispose()


def test_the_aws_backend_from_upload_to_results_in_the_bucket_and_postgresql(
    stack: AwsStack, tmp_path: Path
) -> None:
    health = httpx.get(f"{stack.url}/health").json()
    assert health == {"status": "ok"}  # no key: liveness only
    direct_file = comments_file(tmp_path / "direct.csv", 120, "direct")
    uploaded_file = comments_file(tmp_path / "uploaded.csv", 80, "uploaded")

    with httpx.Client(base_url=stack.url, timeout=60) as http:
        ticket = http.post("/v1/uploads")
        assert ticket.status_code == 201, ticket.text
        upload = ticket.json()
        files = {"file": ("uploaded.csv", uploaded_file.read_bytes())}
        put = httpx.post(upload["upload_url"], data=upload["fields"], files=files)
        assert put.status_code == 204, put.text
        by_key = http.post(
            "/v1/jobs",
            data={
                "upload_key": upload["upload_key"],
                "filename": "uploaded.csv",
                "text_column": "comment",
            },
        )
        assert by_key.status_code == 202, by_key.text
        uploaded_id = by_key.json()["request_id"]
        with direct_file.open("rb") as handle:
            direct = http.post(
                "/v1/jobs",
                files={"file": ("direct.csv", handle)},
                data={"text_column": "comment", "group_by": "course"},
            )
        assert direct.status_code == 202, direct.text
        direct_id = direct.json()["request_id"]

        for request_id, rows in [(uploaded_id, 80), (direct_id, 120)]:
            status = finished(http, request_id)
            assert status["status"] == "succeeded", status
            assert status["rows_done"] == rows and status["worker_seconds"] > 0
            redirect = http.get(f"/v1/jobs/{request_id}/results", params={"format": "csv"})
            assert redirect.status_code == 303
            assert redirect.headers["location"].startswith(stack.env["AWS_ENDPOINT_URL"])

    with PipelineClient(stack.url) as client:
        downloaded = client.results_csv(direct_id)  # follows the redirect to the bucket
        raw = client.results_csv(direct_id, raw=True)
    escaped_key = f"results/{direct_id}/escaped/results.csv"
    stored = stack.s3.get_object(Bucket=stack.bucket, Key=escaped_key)
    assert stored["Body"].read() == downloaded
    stored_raw = stack.s3.get_object(Bucket=stack.bucket, Key=f"results/{direct_id}/results.csv")
    assert stored_raw["Body"].read() == raw
    table = list(csv.DictReader(io.StringIO(downloaded.decode("utf-8"))))
    expected = list(csv.DictReader(direct_file.open(encoding="utf-8")))
    assert [row["comment"] for row in table] == [row["comment"] for row in expected]
    assert {row["label"] for row in table} <= {"negative", "neutral", "positive", ""}
    uploads = stack.s3.list_objects_v2(Bucket=stack.bucket, Prefix=upload["upload_key"])
    assert uploads["KeyCount"] == 0  # copied to the job's own key, then deleted
    own = stack.s3.get_object(Bucket=stack.bucket, Key=f"uploads/{uploaded_id}/input.csv")
    assert own["Body"].read() == uploaded_file.read_bytes()  # a later PUT cannot reach it

    for request_id, rows in [(uploaded_id, 80), (direct_id, 120)]:
        stored_rows, seconds, cost = _database_rows(stack.database_url, request_id)
        assert stored_rows == rows
        assert seconds > 0 and cost == pytest.approx(seconds * 0.526 / 3600)


def test_a_workbook_through_an_upload_url_by_hand_and_by_the_client(
    stack: AwsStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The presigned path with XLSX: the object in the bucket has no extension, the job reads
    the chosen sheet; the client takes this path for files over its direct-upload size."""
    workbook = evaluation_export(tmp_path / "evaluations.xlsx")
    with httpx.Client(base_url=stack.url, timeout=60) as http:
        ticket = http.post("/v1/uploads")
        assert ticket.status_code == 201, ticket.text
        upload = ticket.json()
        files = {"file": ("evaluations.xlsx", workbook.read_bytes())}
        put = httpx.post(upload["upload_url"], data=upload["fields"], files=files)
        assert put.status_code == 204, put.text
        sent = http.post(
            "/v1/jobs",
            data={
                "upload_key": upload["upload_key"],
                "filename": "evaluations.xlsx",
                "text_column": "comment",
                "sheet": "Answers",
            },
        )
        assert sent.status_code == 202, sent.text
        status = finished(http, sent.json()["request_id"])
        assert (status["status"], status["rows_done"]) == ("succeeded", 3), status
        assert status["input_options"] == {"sheet": "Answers", "header_row": 3}

    monkeypatch.setattr(client_module, "DIRECT_UPLOAD_MAX_BYTES", 0)
    with PipelineClient(stack.url) as client, workbook.open("rb") as handle:
        submitted = client.submit(handle, workbook.name, "comment", sheet="Notes")
    with httpx.Client(base_url=stack.url, timeout=60) as http:
        status = finished(http, submitted.request_id)
    assert (status["status"], status["rows_done"]) == ("succeeded", 1), status
    assert status["input_options"] == {"sheet": "Notes", "header_row": 1}


def test_aspects_and_themes_on_aws_answer_alike_through_the_api_and_the_lambda(
    stack: AwsStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Insights stored in PostgreSQL (aspect columns) and the bucket (sentence vectors, themes)
    are read back by `up`'s API and by the Lambda handler built from the same environment, and
    both give the same answers, the on-demand re-clustering of one course included."""
    source = comments_file(tmp_path / "insights.csv", 60, "aws-insights")
    reads = [
        ("aspects", {"group_by": "course"}),
        ("themes", {}),
        ("themes", {"group_by": "course", "group": "C1"}),
    ]
    with httpx.Client(base_url=stack.url, timeout=60) as http:
        with source.open("rb") as handle:
            sent = http.post(
                "/v1/jobs",
                files={"file": ("insights.csv", handle)},
                data={"text_column": "comment", "group_by": "course"},
            )
        assert sent.status_code == 202, sent.text
        request_id = sent.json()["request_id"]
        assert finished(http, request_id)["status"] == "succeeded"
        via_api = [
            http.get(f"/v1/jobs/{request_id}/{route}", params=params) for route, params in reads
        ]
    assert [reply.status_code for reply in via_api] == [200, 200, 200], via_api[-1].text
    aspects, themes, one_course = (reply.json() for reply in via_api)
    assert aspects["complete"] is True and aspects["categories"]
    assert (
        sum(theme["size"] for theme in themes["themes"]) == themes["n"] == aspects["rows_labelled"]
    )
    assert 0 < one_course["n"] < themes["n"]
    stored = stack.s3.list_objects_v2(Bucket=stack.bucket, Prefix=f"analysis/{request_id}/")
    assert {item["Key"].rsplit("/", 1)[-1] for item in stored["Contents"]} >= {
        "embeddings.npy",
        "themes.json",
    }

    for name, value in stack.env.items():
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)
    gateway = gateway_from_environment({**stack.env, "PIPELINE_AUTH": "none"})
    for (route, params), expected in zip(reads, via_api, strict=True):
        event = {
            "httpMethod": "GET",
            "path": f"/v1/jobs/{request_id}/{route}",
            "headers": {},
            "queryStringParameters": params or None,
            "multiValueQueryStringParameters": {k: [v] for k, v in params.items()} or None,
            "body": None,
            "isBase64Encoded": False,
        }
        via_lambda = answer(gateway.handle(event))
        assert via_lambda.status == 200 and via_lambda.json() == expected.json(), route
