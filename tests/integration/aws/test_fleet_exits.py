"""ECS and EC2 fleets report the workers that ended, with the cloud's reason, so the master
logs a worker that died starting at ERROR and holds the next start back, as on the local
fleet: a worker task ECS could not start (an image tag never pushed) was started again every
tick, for ever, with nothing logged. moto's ECS does not stop a task by itself: the tests stop
one with StopTask and a reason, as ECS does."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ecs_cluster import CLUSTER, WORKER
from jobfakes import FakeClock, comments_csv, make_backend

from pipeline import service
from pipeline.adapters.ec2_fleet import SETTLE_S, EC2Fleet
from pipeline.adapters.ecs_fleet import UNDESCRIBED_S, ECSFleet
from pipeline.master import Master, ScalingLimits

NOT_PULLED = (
    "CannotPullContainerError: pull image manifest has been retried 5 time(s): "
    "123456789012.dkr.ecr.us-east-1.amazonaws.com/worker:v1.2.3: not found"
)
ONE_WORKER = ScalingLimits(min_workers=0, max_workers=1, idle_timeout_s=60)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def ecs_fleet(ecs: Any, cluster: str, clock: FakeClock) -> ECSFleet:
    return ECSFleet(ecs, cluster, WORKER, launch_type="EC2", clock=clock)


@pytest.fixture
def ec2_fleet(ec2: Any, clock: FakeClock) -> EC2Fleet:
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    ec2.create_launch_template(
        LaunchTemplateName="gpu", LaunchTemplateData={"ImageId": image, "InstanceType": "g4dn"}
    )
    return EC2Fleet(ec2, deployment="test", launch_template="gpu", clock=clock)


@pytest.fixture
def still_stopping(ecs: Any) -> Iterator[set[str]]:
    """Tasks ECS describes as DEPROVISIONING (their containers not yet stopped) while their
    ARN is in the set."""
    held: set[str] = set()

    def rewrite(parsed: dict[str, Any], **_: Any) -> None:
        for task in parsed.get("tasks", []):
            if task["taskArn"] in held:
                task["lastStatus"] = "DEPROVISIONING"

    ecs.meta.events.register("after-call.ecs.DescribeTasks", rewrite)
    yield held
    ecs.meta.events.unregister("after-call.ecs.DescribeTasks", rewrite)


def test_ecs_reports_each_stopped_task_once_with_its_stop_reason(
    ecs_fleet: ECSFleet, ecs: Any
) -> None:
    dying, living, scaled_in = ecs_fleet.start(3)
    assert ecs_fleet.exited() == []

    ecs.stop_task(cluster=CLUSTER, task=dying, reason=NOT_PULLED)  # as ECS does
    ecs_fleet.stop([scaled_in])

    assert ecs_fleet.exited() == sorted([dying, scaled_in])
    words = ecs_fleet.last_words(dying) or ""
    assert words.startswith(NOT_PULLED)
    assert ecs_fleet.last_words(scaled_in) == "scaled in by the pipeline master" + (
        words.removeprefix(NOT_PULLED)  # the containers' part, as moto reports them
    )
    assert ecs_fleet.last_words(living) is None
    assert ecs_fleet.exited() == []  # reported once
    assert [worker.worker_id for worker in ecs_fleet.list_workers()] == [living]


def test_ecs_reports_a_stopping_task_only_once_its_containers_stopped(
    ecs_fleet: ECSFleet, ecs: Any, still_stopping: set[str]
) -> None:
    """A worker finishing its chunk after the SIGTERM still commits: its message must not be
    handed to another worker before the task has stopped."""
    (task,) = ecs_fleet.start(1)
    still_stopping.add(task)
    ecs.stop_task(cluster=CLUSTER, task=task, reason="Essential container in task exited")

    assert ecs_fleet.exited() == []
    still_stopping.clear()
    assert ecs_fleet.exited() == [task]


def test_ecs_takes_a_task_it_no_longer_describes_for_stopped_after_a_while(
    ecs_fleet: ECSFleet, ecs: Any, clock: FakeClock
) -> None:
    """ECS keeps a stopped task about an hour; a master that was away longer cannot read why."""
    (task,) = ecs_fleet.start(1)
    ecs.stop_task(cluster=CLUSTER, task=task, reason="gone")

    def forget(parsed: dict[str, Any], **_: Any) -> None:
        parsed["tasks"] = [t for t in parsed.get("tasks", []) if t["taskArn"] != task]

    ecs.meta.events.register("after-call.ecs.DescribeTasks", forget)
    assert ecs_fleet.exited() == []  # a task just run may be missing from a listing
    clock.advance(UNDESCRIBED_S + 1)
    assert ecs_fleet.exited() == [task]
    assert "no longer describes the task" in (ecs_fleet.last_words(task) or "")


def test_ec2_reports_instances_that_stopped_or_terminated_with_the_reason(
    ec2_fleet: EC2Fleet, ec2: Any, clock: FakeClock
) -> None:
    terminated, living, scaled_in = ec2_fleet.start(3)
    ec2.terminate_instances(InstanceIds=[terminated])  # unasked: a spot reclaim, a shutdown
    ec2_fleet.stop([scaled_in])

    assert ec2_fleet.exited() == []  # just started: EC2 may still show an earlier state
    clock.advance(SETTLE_S + 1)
    assert ec2_fleet.exited() == sorted([terminated, scaled_in])
    assert ec2_fleet.last_words(terminated) == (
        "terminated: Client.UserInitiatedShutdown: User initiated shutdown"
    )
    assert (ec2_fleet.last_words(scaled_in) or "").startswith("stopped: ")
    assert ec2_fleet.exited() == []
    assert [worker.worker_id for worker in ec2_fleet.list_workers()] == [living]

    assert ec2_fleet.start(1) == [scaled_in]  # started again: known again
    ec2.stop_instances(InstanceIds=[scaled_in])
    clock.advance(SETTLE_S + 1)
    assert ec2_fleet.exited() == [scaled_in]


def test_a_master_on_ecs_logs_a_worker_that_died_starting_and_backs_off(
    ecs_fleet: ECSFleet,
    ecs: Any,
    clock: FakeClock,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    backend = make_backend(tmp_path)
    service.submit(backend, comments_csv(tmp_path / "in.csv", ["good"]), "comment")
    master = Master(backend, ecs_fleet, ONE_WORKER, clock=clock)
    starts = 0
    with caplog.at_level(logging.ERROR, logger="pipeline.master.loop"):
        for _ in range(120):  # a minute of ticks every half second
            report = master.tick()
            starts += len(report.started)
            for task in report.started:  # ECS cannot pull the image: the task stops
                ecs.stop_task(cluster=CLUSTER, task=task, reason=NOT_PULLED)
            clock.advance(0.5)
    assert 3 <= starts <= 7, "1+2+4+8+16+32 s of waits fit about 6 starts in a minute"
    deaths = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert len(deaths) >= starts - 1
    assert "(1 in a row died starting): " + NOT_PULLED in deaths[0]
    assert deaths[0].endswith("the next worker starts in 1 s")
    assert "(3 in a row died starting)" in deaths[2] and deaths[2].endswith("starts in 4 s")


def test_a_task_waiting_for_its_instance_is_still_starting(
    ecs_fleet: ECSFleet,
    ecs: Any,
    clock: FakeClock,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """On a capacity provider a task waits minutes for a GPU instance before its image is
    pulled: the start window counts from when it stops being listed as starting, so one that
    fails then still died starting."""
    backend = make_backend(tmp_path)
    service.submit(backend, comments_csv(tmp_path / "in.csv", ["good"]), "comment")
    provisioning: set[str] = set()

    def rewrite(parsed: dict[str, Any], **_: Any) -> None:
        for task in parsed.get("tasks", []):
            if task["taskArn"] in provisioning:
                task["lastStatus"] = "PROVISIONING"

    ecs.meta.events.register("after-call.ecs.DescribeTasks", rewrite)
    master = Master(backend, ecs_fleet, ONE_WORKER, clock=clock)
    (task,) = master.tick().started
    provisioning.add(task)
    for _ in range(90):  # three minutes waiting for an instance
        clock.advance(2)
        assert master.tick().started == []
    provisioning.clear()
    ecs.stop_task(cluster=CLUSTER, task=task, reason=NOT_PULLED)
    clock.advance(2)
    with caplog.at_level(logging.ERROR, logger="pipeline.master.loop"):
        report = master.tick()
    assert report.died_starting == (task,) and report.started == []
    assert NOT_PULLED in caplog.text
