"""A worker's id is the fleet's id for it: the ECS task ARN or the EC2 instance id, read from the
metadata endpoints through an injected HTTP call (no network here)."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest

from pipeline.errors import ConfigError, PipelineError
from pipeline.settings import Settings
from pipeline.worker_identity import (
    ECS_METADATA_VARIABLE,
    IMDS_URL,
    instance_id_from_imds,
    resolve_worker_id,
    task_arn_from_metadata,
)

TASK_ARN = "arn:aws:ecs:us-east-1:123456789012:task/sentiment/0f1e2d3c4b5a69788796a5b4c3d2e1f0"
METADATA_URI = "http://169.254.170.2/v4/2b1f6e0c-7d0a-4e51-9d1c-6f1f0c8e2a11"
# Trimmed answer of ${ECS_CONTAINER_METADATA_URI_V4}/task on an EC2 container instance.
TASK_METADATA = {
    "Cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/sentiment",
    "TaskARN": TASK_ARN,
    "Family": "sentiment-worker",
    "Revision": "3",
    "DesiredStatus": "RUNNING",
    "KnownStatus": "RUNNING",
    "Containers": [{"Name": "worker", "DockerId": "43481a6ce4842eec8fe72fc28500c6b5"}],
    "AvailabilityZone": "us-east-1a",
}


class FakeHttp:
    """Answers by (method, URL); records each call with its headers."""

    def __init__(self, answers: Mapping[tuple[str, str], str | Exception]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, str, dict[str, str]]] = []

    def __call__(self, method: str, url: str, headers: Mapping[str, str]) -> str:
        self.calls.append((method, url, dict(headers)))
        answer = self.answers.get((method, url), OSError(f"no route to {url}"))
        if isinstance(answer, Exception):
            raise answer
        return answer


ECS_HTTP = {("GET", f"{METADATA_URI}/task"): json.dumps(TASK_METADATA)}
IMDS_HTTP = {
    ("PUT", f"{IMDS_URL}/api/token"): "AQAEAFx7token==\n",
    ("GET", f"{IMDS_URL}/meta-data/instance-id"): "i-0abc123def4567890",
}
ON_ECS = {ECS_METADATA_VARIABLE: METADATA_URI + "/"}


def host() -> str:
    return "host-42"


def test_on_ecs_the_worker_is_its_task_arn() -> None:
    http = FakeHttp(ECS_HTTP)
    assert resolve_worker_id(Settings(backend="aws"), ON_ECS, http, host) == TASK_ARN
    assert http.calls == [("GET", f"{METADATA_URI}/task", {})]


def test_on_ec2_the_worker_is_its_instance_id_read_with_an_imdsv2_token() -> None:
    http = FakeHttp(IMDS_HTTP)
    assert resolve_worker_id(Settings(backend="aws"), {}, http, host) == "i-0abc123def4567890"
    (put, get) = http.calls
    assert put[:2] == ("PUT", f"{IMDS_URL}/api/token")
    assert put[2] == {"X-aws-ec2-metadata-token-ttl-seconds": "60"}
    assert get[2] == {"X-aws-ec2-metadata-token": "AQAEAFx7token=="}


def test_an_explicit_worker_id_wins_and_asks_nothing() -> None:
    http = FakeHttp(ECS_HTTP)
    settings = Settings(backend="aws", worker_id="local-abc", worker_id_source="ecs")
    assert resolve_worker_id(settings, ON_ECS, http, host) == "local-abc"
    assert http.calls == []


def test_the_embedded_backend_never_calls_the_metadata_service() -> None:
    http = FakeHttp(IMDS_HTTP)
    assert resolve_worker_id(Settings(), {}, http, host) == "host-42"
    host_only = Settings(backend="aws", worker_id_source="host")
    assert resolve_worker_id(host_only, ON_ECS, http, host) == "host-42"
    assert http.calls == []


def test_ec2_source_reads_the_instance_id_even_inside_an_ecs_task() -> None:
    http = FakeHttp({**ECS_HTTP, **IMDS_HTTP})
    settings = Settings(backend="aws", worker_id_source="ec2")
    assert resolve_worker_id(settings, ON_ECS, http, host) == "i-0abc123def4567890"


def test_auto_falls_back_to_host_pid_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    assert resolve_worker_id(Settings(backend="aws"), {}, FakeHttp({}), host) == "host-42"
    assert "cannot read the EC2 instance metadata" in caplog.text
    assert "hop limit" in caplog.text
    broken = FakeHttp({("GET", f"{METADATA_URI}/task"): "<html>"})
    assert resolve_worker_id(Settings(backend="aws"), ON_ECS, broken, host) == "host-42"


def test_an_explicit_source_that_cannot_be_read_is_an_error() -> None:
    with pytest.raises(ConfigError, match=ECS_METADATA_VARIABLE):
        resolve_worker_id(Settings(worker_id_source="ecs"), {}, FakeHttp({}), host)
    with pytest.raises(PipelineError, match="ECS container metadata cannot be read"):
        resolve_worker_id(Settings(worker_id_source="ecs"), ON_ECS, FakeHttp({}), host)
    with pytest.raises(PipelineError, match="instance metadata service cannot be reached"):
        resolve_worker_id(Settings(worker_id_source="ec2"), {}, FakeHttp({}), host)


@pytest.mark.parametrize(
    "body",
    ["not json", "[]", json.dumps({"TaskARN": ""}), json.dumps({"TaskARN": "task/abc"})],
)
def test_task_metadata_without_a_task_arn_is_refused(body: str) -> None:
    with pytest.raises(PipelineError, match="ECS task metadata"):
        task_arn_from_metadata(body)


@pytest.mark.parametrize("body", ["", "<html>404</html>", "i-XYZ", "i-0abc123def4567890 extra"])
def test_imds_answers_that_are_not_instance_ids_are_refused(body: str) -> None:
    with pytest.raises(PipelineError, match="not an instance id"):
        instance_id_from_imds(body)


def test_an_unknown_source_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="PIPELINE_WORKER_ID_SOURCE='fargate'"):
        Settings(worker_id_source="fargate")
