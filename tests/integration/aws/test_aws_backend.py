"""The AWS factories against moto_server over HTTP: AWS_ENDPOINT_URL alone redirects them."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from pipeline.adapters.aws import (
    build_aws_fleet,
    build_aws_queue,
    build_aws_store,
    dead_letter_queue_name,
    init_aws_resources,
)
from pipeline.adapters.ec2_fleet import EC2Fleet
from pipeline.adapters.ecs_fleet import ECSFleet
from pipeline.adapters.sqs_queue import SQSJobQueue
from pipeline.errors import ConfigError
from pipeline.file_names import content_disposition
from pipeline.settings import Settings

REGION = "us-east-1"


@pytest.fixture
def settings(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    suffix = uuid.uuid4().hex[:10]
    return Settings(
        backend="aws",
        aws_region=REGION,
        bucket=f"pipeline-it-{suffix}",
        queue_name=f"jobs-{suffix}",
        visibility_timeout_s=1,
        max_receives=2,
    )


def _client(service: str, moto_server: str) -> Any:
    return boto3.client(service, region_name=REGION, endpoint_url=moto_server)


def test_init_creates_a_private_encrypted_bucket_and_queues_once(
    settings: Settings, moto_server: str
) -> None:
    init_aws_resources(settings)
    init_aws_resources(settings)

    s3 = _client("s3", moto_server)
    block = s3.get_public_access_block(Bucket=settings.bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values())
    encryption = s3.get_bucket_encryption(Bucket=settings.bucket)
    rule = encryption["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    sqs = _client("sqs", moto_server)
    url = sqs.get_queue_url(QueueName=settings.queue_name)["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "1"
    assert json.loads(attributes["RedrivePolicy"])["deadLetterTargetArn"].endswith(
        dead_letter_queue_name(settings)
    )


def test_presigned_upload_and_download_over_http(settings: Settings) -> None:
    init_aws_resources(settings)
    store = build_aws_store(settings)

    form = store.presigned_upload("uploads/job-1/input.csv", 1000, expires_s=300)
    assert form is not None
    sent = httpx.post(form.url, data=form.fields, files={"file": b"text\nlovely course\n"})
    assert sent.status_code == 204
    assert store.get_bytes("uploads/job-1/input.csv") == b"text\nlovely course\n"

    store.put_bytes("results/job-1.csv", b"text,label\nlovely course,positive\n")
    download_url = store.presigned_get("results/job-1.csv", expires_s=300)
    assert download_url is not None
    response = httpx.get(download_url)
    assert (response.status_code, response.content) == (
        200,
        b"text,label\nlovely course,positive\n",
    )
    named = store.presigned_get("results/job-1.csv", 300, "Évals-AbC123xy-results.csv")
    assert named is not None
    saved = httpx.get(named)
    assert saved.status_code == 200
    assert saved.headers["content-disposition"] == content_disposition(
        "Évals-AbC123xy-results.csv"
    ), "saved under the upload's name, not the key's"


def test_queue_built_from_settings_dead_letters_after_max_receives(settings: Settings) -> None:
    init_aws_resources(settings)
    queue = build_aws_queue(settings)

    queue.send({"request_id": "r-poison"})
    for _ in range(settings.max_receives):
        message = queue.receive(wait_s=1)
        assert message is not None
        queue.release(message.receipt)

    assert queue.receive() is None
    assert [dict(m.body) for m in queue.dead_letters()] == [{"request_id": "r-poison"}]


def test_fleet_choice_follows_settings(settings: Settings) -> None:
    assert isinstance(build_aws_fleet(settings.replace(fleet="ec2")), EC2Fleet)
    ecs_fleet = build_aws_fleet(
        settings.replace(fleet="ecs", subnets="subnet-a, subnet-b", security_groups="sg-1")
    )
    assert isinstance(ecs_fleet, ECSFleet)
    assert ecs_fleet.network_configuration == {
        "awsvpcConfiguration": {
            "subnets": ["subnet-a", "subnet-b"],
            "securityGroups": ["sg-1"],
            "assignPublicIp": "DISABLED",
        }
    }
    with pytest.raises(ConfigError, match="PIPELINE_FLEET='local'"):
        build_aws_fleet(settings)


def test_init_on_a_fresh_account_then_open(settings: Settings, tmp_path: Path) -> None:
    """`sentiment-pipeline init` must create the queues before the adapters look them up."""
    from pipeline.bootstrap import init_backend, open_backend

    local_db = settings.replace(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'p.db'}")
    init_backend(local_db)
    init_backend(local_db)

    backend = open_backend(local_db)
    assert isinstance(backend.queue, SQSJobQueue)
    backend.queue.send({"request_id": "r1"})
    assert backend.queue.depth().visible == 1
