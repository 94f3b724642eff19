"""AWS adapter tests run against moto's in-process emulation (no network, no credentials)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from ecs_cluster import create_cluster
from moto import mock_aws
from moto.moto_api import state_manager

from pipeline.adapters.aws import aws_client
from pipeline.adapters.ecs_fleet import awsvpc_network
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
