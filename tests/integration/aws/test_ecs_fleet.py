"""ECSFleet and ensure_master_running against moto's ECS (tasks kept RUNNING until stopped)."""

from __future__ import annotations

from typing import Any

import pytest
from ecs_cluster import CLUSTER, MASTER, WORKER

from pipeline.adapters.ecs_fleet import (
    MASTER_STARTED_BY,
    ECSFleet,
    awsvpc_network,
    ensure_master_running,
    task_family,
)
from pipeline.errors import ConfigError, NotFoundError, PipelineError


@pytest.fixture
def fleet(ecs: Any, cluster: str) -> ECSFleet:
    return ECSFleet(ecs, cluster, WORKER, launch_type="EC2")


def test_start_runs_worker_tasks_and_lists_them(fleet: ECSFleet) -> None:
    started = fleet.start(3)

    assert len(started) == 3
    workers = fleet.list_workers()
    assert sorted(w.worker_id for w in workers) == sorted(started)
    assert {w.state for w in workers} == {"running"}
    assert all(f"task-definition/{WORKER}:" in w.details["task_definition"] for w in workers)


def test_stop_removes_workers_from_the_list(fleet: ECSFleet, ecs: Any) -> None:
    started = fleet.start(2)

    fleet.stop(started[:1])

    assert [w.worker_id for w in fleet.list_workers()] == started[1:]
    stopped = ecs.describe_tasks(cluster=CLUSTER, tasks=started[:1])["tasks"][0]
    assert stopped["desiredStatus"] == "STOPPED"


def test_tasks_this_fleet_did_not_start_are_not_its_workers(
    fleet: ECSFleet, ecs: Any, network: dict[str, Any]
) -> None:
    ensure_master_running(ecs, CLUSTER, MASTER, network)
    master = ecs.list_tasks(cluster=CLUSTER, family=MASTER)["taskArns"]
    workers = fleet.start(1)

    assert [w.worker_id for w in fleet.list_workers()] == workers
    with pytest.raises(NotFoundError, match="not worker tasks"):
        fleet.stop([*workers, *master])
    assert [w.worker_id for w in fleet.list_workers()] == workers


def test_a_capacity_provider_replaces_the_launch_type(ecs: Any, cluster: str) -> None:
    """With a capacity provider ECS grows the GPU Auto Scaling group for pending tasks."""
    sent: list[dict[str, Any]] = []
    ecs.meta.events.register(
        "provide-client-params.ecs.RunTask", lambda params, **_: sent.append(dict(params))
    )
    fleet = ECSFleet(ecs, cluster, WORKER, capacity_provider="gpu-workers")

    assert len(fleet.start(1)) == 1
    assert sent[0]["capacityProviderStrategy"] == [{"capacityProvider": "gpu-workers", "weight": 1}]
    assert "launchType" not in sent[0]


def test_ensure_master_running_starts_one_master_only(ecs: Any, cluster: str, network: Any) -> None:
    assert ensure_master_running(ecs, cluster, MASTER, network) is True
    assert ensure_master_running(ecs, cluster, f"{MASTER}:1", network) is False

    tasks = ecs.list_tasks(cluster=cluster, family=MASTER, desiredStatus="RUNNING")["taskArns"]
    assert len(tasks) == 1
    described = ecs.describe_tasks(cluster=cluster, tasks=tasks)["tasks"][0]
    assert (described["launchType"], described["startedBy"]) == ("FARGATE", MASTER_STARTED_BY)

    ecs.stop_task(cluster=cluster, task=tasks[0], reason="idle")
    assert ensure_master_running(ecs, cluster, MASTER, network) is True


def test_aws_errors_become_pipeline_errors_naming_the_call(ecs: Any, cluster: str) -> None:
    fleet = ECSFleet(ecs, "no-such-cluster", WORKER)
    with pytest.raises(PipelineError, match="ClusterNotFoundException"):
        fleet.start(1)


def test_an_unknown_launch_type_is_refused() -> None:
    with pytest.raises(ConfigError, match="launch type 'GPU'"):
        ECSFleet(object(), CLUSTER, WORKER, launch_type="GPU")


@pytest.mark.parametrize(
    "reference",
    [
        WORKER,
        f"{WORKER}:7",
        f"arn:aws:ecs:us-east-1:123456789012:task-definition/{WORKER}:7",
    ],
)
def test_task_family_of_every_reference_form(reference: str) -> None:
    assert task_family(reference) == WORKER


def test_awsvpc_network_needs_subnets() -> None:
    assert awsvpc_network([], ["sg-1"]) is None
    assert awsvpc_network(["subnet-1"], [], assign_public_ip=True) == {
        "awsvpcConfiguration": {"subnets": ["subnet-1"], "assignPublicIp": "ENABLED"}
    }
