"""The Lambda handler (lambda/handler.py's LambdaEntry) called directly with the API Gateway
events kept in tests/fixtures/apigw, on moto's S3, SQS, ECS and Secrets Manager and a real
database: SQLite, or PostgreSQL reached the way the deployed Lambda reaches RDS (the URL
without a password, the password read from the secret PIPELINE_DATABASE_SECRET_ARN names)."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from apigw_events import answer, load_event, with_query
from ecs_cluster import CLUSTER, MASTER
from jobfakes import FakePredictor
from postgres import fresh_database
from sqlalchemy import text
from sqlalchemy.engine import make_url

from pipeline.adapters.aws import database_url_with_secret
from pipeline.api.lambda_entry import LambdaEntry
from pipeline.bootstrap import init_backend, open_backend
from pipeline.errors import ConfigError
from pipeline.settings import Settings
from pipeline.worker import Worker

REGION = "us-east-1"
BIG_CSV = "course,comment\n" + "".join(
    f"C{i % 3},{'good' if i % 2 else 'bad'} course {i}\n" for i in range(30)
)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The database variables of the Lambda's environment."""
    if request.param == "sqlite":
        yield {"PIPELINE_DATABASE_URL": f"sqlite:///{tmp_path / 'pipeline.db'}"}
        return
    with fresh_database("pipeline_lambda") as url:
        without_credentials = make_url(url).set(username=None, password=None)
        yield {
            "PIPELINE_DATABASE_URL": without_credentials.render_as_string(hide_password=False),
            "PIPELINE_DATABASE_SECRET_ARN": "",  # filled in once moto runs (see environment)
        }


@pytest.fixture
def environment(
    database: dict[str, str],
    cluster: str,
    network: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Settings:
    """The Lambda's environment as the template sets it, after the init task has run."""
    import boto3

    awsvpc = network["awsvpcConfiguration"]
    variables = {
        "PIPELINE_BACKEND": "aws",
        "PIPELINE_AWS_REGION": REGION,
        "PIPELINE_BUCKET": "lambda-bucket",
        "PIPELINE_QUEUE_NAME": "lambda-jobs",
        "PIPELINE_ECS_CLUSTER": cluster,
        "PIPELINE_MASTER_TASK_DEFINITION": MASTER,
        "PIPELINE_SUBNETS": ",".join(awsvpc["subnets"]),
        "PIPELINE_SECURITY_GROUPS": ",".join(awsvpc["securityGroups"]),
        "PIPELINE_MODEL": "fake",
        "PIPELINE_DATA_DIR": str(tmp_path / "scratch"),
        "PIPELINE_CHUNK_ROWS": "8",
        **database,
    }
    if "PIPELINE_DATABASE_SECRET_ARN" in variables:
        secrets = boto3.client("secretsmanager", region_name=REGION)
        secret = {"username": "postgres", "password": "managed-by-rds", "engine": "postgres"}
        created = secrets.create_secret(Name="rds!db-1", SecretString=json.dumps(secret))
        variables["PIPELINE_DATABASE_SECRET_ARN"] = created["ARN"]
    for name in [n for n in os.environ if n.startswith("PIPELINE_")]:
        monkeypatch.delenv(name)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    settings = Settings.from_env()
    init_backend(settings).repository.database.dispose()
    return settings


def master_tasks(ecs: Any) -> list[str]:
    found = ecs.list_tasks(cluster=CLUSTER, family=MASTER, desiredStatus="RUNNING")
    return list(found["taskArns"])


def test_a_job_through_the_lambda_from_upload_url_to_results_download(
    environment: Settings, ecs: Any, s3: Any
) -> None:
    handler = LambdaEntry()
    health = answer(handler(load_event("health"), None))
    assert health.status == 200 and health.json()["backend"] == "aws"
    assert master_tasks(ecs) == []

    ticket = answer(handler(load_event("upload_url"), None))
    assert ticket.status == 201
    upload = ticket.json()
    assert upload["method"] == "POST" and upload["upload_key"].startswith("uploads/")
    files = {"file": ("big.csv", BIG_CSV.encode())}
    sent = requests.post(upload["upload_url"], data=upload["fields"], files=files)
    assert sent.status_code == 204

    by_key = load_event("submit_upload_key", upload_key=upload["upload_key"])
    big = answer(handler(by_key, None))
    assert big.status == 202, big.text
    big_id = big.json()["request_id"]
    assert len(master_tasks(ecs)) == 1  # the submit started the master on Fargate
    small = answer(handler(load_event("submit_multipart"), None))
    assert small.status == 202
    small_id = small.json()["request_id"]
    (master,) = master_tasks(ecs)  # one master, not one per submit

    ecs.stop_task(cluster=CLUSTER, task=master, reason="exited when idle")
    queued = answer(handler(load_event("status", big_id), None)).json()
    assert (queued["status"], queued["input_name"]) == ("queued", "big_survey.csv")
    assert len(master_tasks(ecs)) == 1  # a poll of a waiting job brought the master back

    backend = open_backend(environment)
    assert Worker(backend, lambda _ref: FakePredictor(), "worker-1").run(burst=True) == 2

    done = answer(handler(load_event("status", big_id), None)).json()
    assert (done["status"], done["rows_done"], done["rows_total"]) == ("succeeded", 30, 30)
    assert done["worker_seconds"] > 0
    assert done["cost_usd"] == pytest.approx(done["worker_seconds"] * 0.526 / 3600, abs=1e-6)
    download = answer(handler(load_event("results_csv", big_id), None))
    assert download.status == 303
    assert f"results/{big_id}/escaped/results.csv" in download.headers["Location"]
    raw = answer(handler(with_query(load_event("results_csv", big_id), raw="true"), None))
    assert raw.status == 303 and f"results/{big_id}/results.csv" in raw.headers["Location"]
    table = list(csv.DictReader(io.StringIO(requests.get(download.headers["Location"]).text)))
    assert len(table) == 30 and table[0]["label"] == "negative"
    stored = s3.get_object(Bucket="lambda-bucket", Key=f"results/{big_id}/results.csv")
    assert stored["Body"].read().decode().count("\n") == 31

    page = answer(handler(with_query(load_event("results_page", small_id), limit="3"), None))
    assert [row["comment"] for row in page.json()["rows"]][:2] == [
        "The lectures were good",
        "The exams were bad",
    ]
    summary = answer(handler(load_event("summary", small_id), None)).json()
    assert summary["overall"]["rows"] == 4 and summary["overall"]["errors"] == 1
    mine = answer(handler(load_event("list_jobs"), None)).json()["jobs"]
    assert {job["request_id"] for job in mine} == {big_id, small_id}
    refused = answer(handler(load_event("cancel", small_id), None))
    assert (refused.status, refused.json()["error"]) == (409, "conflict")

    assert _count_rows(backend.repository.database.engine, big_id) == 30
    expected = make_url(environment.database_url).get_backend_name()
    assert backend.repository.database.dialect == expected
    backend.repository.database.dispose()


def test_the_database_secret_supplies_user_and_password(mocked_aws: None) -> None:
    import boto3

    secrets = boto3.client("secretsmanager", region_name=REGION)
    arn = secrets.create_secret(
        Name="db", SecretString=json.dumps({"username": "pipeline", "password": "p@ss/word"})
    )["ARN"]
    settings = Settings(
        database_url="postgresql+psycopg2://db.example:5432/pipeline?sslmode=require",
        database_secret_arn=arn,
        aws_region=REGION,
    )
    url = make_url(database_url_with_secret(settings))
    assert (url.username, url.password, url.host, url.database) == (
        "pipeline",
        "p@ss/word",
        "db.example",
        "pipeline",
    )
    assert url.query == {"sslmode": "require"}

    bad = secrets.create_secret(Name="plain", SecretString="just-a-password")["ARN"]
    with pytest.raises(ConfigError, match="'password' field"):
        database_url_with_secret(settings.replace(database_secret_arn=bad))


def _count_rows(engine: Any, request_id: str) -> int:
    """Result rows straight from the database the Lambda and the worker share."""
    with engine.connect() as connection:
        query = text("SELECT count(*) FROM result_rows WHERE request_id = :id")
        return int(connection.execute(query, {"id": request_id}).scalar_one())
