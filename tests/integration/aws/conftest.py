"""AWS adapter tests run against moto's in-process emulation (no network, no credentials)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from ecs_cluster import create_cluster
from moto import mock_aws
from moto.moto_api import state_manager

from pipeline.adapters.aws import aws_client
from pipeline.adapters.ecs_fleet import awsvpc_network
from pipeline.bootstrap import Backend, init_backend
from pipeline.settings import Settings

REGION = "us-east-1"


@pytest.fixture(autouse=True)
def fake_aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials, a fixed region, and no endpoint override (it would bypass the mock)."""
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)


@pytest.fixture
def mocked_aws() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def s3(mocked_aws: None) -> Any:
    """Built like production's client (SigV4 presigning), by the same factory."""
    return aws_client("s3", Settings(aws_region=REGION))


@pytest.fixture
def sqs(mocked_aws: None) -> Any:
    return boto3.client("sqs", region_name=REGION)


@pytest.fixture
def ec2(mocked_aws: None) -> Any:
    return boto3.client("ec2", region_name=REGION)


@pytest.fixture
def ecs(mocked_aws: None) -> Any:
    return boto3.client("ecs", region_name=REGION)


@pytest.fixture
def network(ec2: Any) -> dict[str, Any]:
    """awsvpc networking on moto's default subnet and security group."""
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    group = ec2.describe_security_groups()["SecurityGroups"][0]["GroupId"]
    network = awsvpc_network([subnet], [group])
    assert network is not None
    return network


@pytest.fixture
def cluster(ecs: Any, ec2: Any) -> Iterator[str]:
    """The stack's ECS cluster (see ecs_cluster.py), with tasks that stay RUNNING until stopped:
    moto otherwise advances a task's status on every read, which real tasks do not."""
    state_manager.set_transition("ecs::task", {"progression": "manual", "times": 10**9})
    yield create_cluster(ecs, ec2)
    state_manager.unset_transition("ecs::task")


@pytest.fixture
def upload_backend(
    moto_server: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Backend]:
    """The AWS backend on moto_server over HTTP, as presigned upload URLs need (a bucket and
    queues of its own; the database a SQLite file), with the fake model."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    suffix = uuid.uuid4().hex[:10]
    settings = Settings(
        backend="aws",
        aws_region=REGION,
        bucket=f"pipeline-uploads-{suffix}",
        queue_name=f"jobs-{suffix}",
        data_dir=tmp_path / "scratch",
        database_url=f"sqlite:///{tmp_path / 'pipeline.db'}",
        model="fake",
        chunk_rows=8,
    )
    backend = init_backend(settings)
    yield backend
    backend.repository.database.dispose()
