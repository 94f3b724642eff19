"""`sentiment-pipeline init` as the AWS init task runs it: the roles' logins read from their
Secrets Manager secrets (moto), created and granted on the real PostgreSQL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from postgres import SERVER, fresh_database
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from pipeline.adapters.aws import role_logins
from pipeline.cli.main import main
from pipeline.errors import ConfigError
from pipeline.settings import Settings

REGION = "us-east-1"


@pytest.fixture
def roles() -> Iterator[tuple[str, str]]:
    suffix = uuid.uuid4().hex[:8]
    names = (f"api_{suffix}", f"worker_{suffix}")
    yield names
    server = create_engine(SERVER, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        for name in names:
            connection.execute(text(f'DROP ROLE IF EXISTS "{name}"'))
    server.dispose()


def secret(client: Any, name: str, value: Any) -> str:
    body = value if isinstance(value, str) else json.dumps(value)
    return str(client.create_secret(Name=name, SecretString=body)["ARN"])


def test_init_creates_the_roles_its_secrets_name(
    mocked_aws: None,
    roles: tuple[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    client = boto3.client("secretsmanager", region_name=REGION)
    api, worker = roles
    api_arn = secret(client, "api", {"username": api, "password": "api-pw"})
    worker_arn = secret(client, "worker", {"username": worker, "password": "worker-pw"})
    with fresh_database("pipeline_init_roles") as url:
        for name, value in {
            "PIPELINE_DATA_DIR": str(tmp_path),
            "PIPELINE_DATABASE_URL": url,
            "PIPELINE_AWS_REGION": REGION,
            "PIPELINE_API_DATABASE_SECRET_ARN": api_arn,
            "PIPELINE_WORKER_DATABASE_SECRET_ARN": worker_arn,
        }.items():
            monkeypatch.setenv(name, value)
        assert main(["init"]) == 0
        assert main(["init"]) == 0  # idempotent, as every deploy runs it
        assert f"database roles ready: {api} (API), {worker} (workers" in capsys.readouterr().out
        for role, table in ((api, "api_keys"), (worker, "workers")):
            engine = create_engine(make_url(url).set(username=role))
            with engine.connect() as connection:
                assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == 0
            engine.dispose()


def test_both_secrets_or_neither_and_each_with_a_user_and_a_password(mocked_aws: None) -> None:
    client = boto3.client("secretsmanager", region_name=REGION)
    good = secret(client, "good", {"username": "pipeline_api", "password": "p"})
    with pytest.raises(ConfigError, match="both"):
        role_logins(Settings(api_database_secret_arn=good, aws_region=REGION))
    for name, value in (("plain", "just-a-password"), ("nouser", {"password": "p"})):
        bad = secret(client, name, value)
        settings = Settings(
            api_database_secret_arn=good, worker_database_secret_arn=bad, aws_region=REGION
        )
        with pytest.raises(ConfigError, match="worker database secret is not JSON"):
            role_logins(settings)
    worker = secret(client, "worker", {"username": "pipeline_worker", "password": "w"})
    settings = Settings(
        api_database_secret_arn=good, worker_database_secret_arn=worker, aws_region=REGION
    )
    api_login, worker_login = role_logins(settings)
    assert (api_login.role, worker_login.role, worker_login.password) == (
        "pipeline_api",
        "pipeline_worker",
        "w",
    )
