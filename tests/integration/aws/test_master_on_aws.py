"""The master against moto's ECS and EC2 with the SQS queue: it starts workers on a backlog,
stops them once idle for the timeout, never stops a worker whose heartbeat holds a job, and
exits by itself when nothing is left. Workers record the id their fleet knows them by, read
the way a real worker reads it (ECS task metadata, IMDSv2)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from ecs_cluster import WORKER
from jobfakes import FakeClock, comments_csv

from pipeline import service
from pipeline.bootstrap import Backend, build_fleet, init_backend
from pipeline.master import Master, ScalingLimits
from pipeline.ports import WorkerFleet
from pipeline.settings import Settings
from pipeline.worker_identity import ECS_METADATA_VARIABLE, IMDS_URL, resolve_worker_id

IDLE_S = 300.0
LIMITS = ScalingLimits(min_workers=0, max_workers=2, idle_timeout_s=IDLE_S)
METADATA_URI = "http://169.254.170.2/v4/container-1"


@pytest.fixture
def launch_template(ec2: Any) -> str:
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    ec2.create_launch_template(
        LaunchTemplateName="sentiment-worker",
        LaunchTemplateData={"ImageId": image, "InstanceType": "g4dn.xlarge"},
    )
    return "sentiment-worker"


@pytest.fixture(params=["ecs", "ec2"])
def settings(
    request: pytest.FixtureRequest, cluster: str, launch_template: str, tmp_path: Path
) -> Settings:
    return Settings(
        backend="aws",
        fleet=request.param,
        aws_region="us-east-1",
        data_dir=tmp_path,
        model="fake",
        bucket="master-bucket",
        queue_name="master-jobs",
        ecs_cluster=cluster,
        worker_task_definition=WORKER,
        ecs_launch_type="EC2",
        deployment="test",
        ec2_launch_template=launch_template,
    )


@pytest.fixture
def backend(settings: Settings) -> Backend:
    return init_backend(settings)


def queue_jobs(backend: Backend, folder: Path, count: int) -> list[str]:
    files = [comments_csv(folder / f"{n}.csv", [f"job {n}"]) for n in range(count)]
    return [service.submit(backend, path, "comment").request_id for path in files]


def drain(backend: Backend) -> None:
    """Every queued message taken and acknowledged: the jobs are done."""
    while (message := backend.queue.receive()) is not None:
        backend.queue.delete(message.receipt)


def recorded_id(settings: Settings, fleet_id: str) -> str:
    """The id the worker on that task or instance records: read from the metadata endpoint
    the worker sees there (answered here the way ECS and EC2 answer)."""
    if settings.fleet == "ecs":
        answers = {("GET", f"{METADATA_URI}/task"): json.dumps({"TaskARN": fleet_id})}
        environ = {ECS_METADATA_VARIABLE: METADATA_URI}
    else:
        answers = {
            ("PUT", f"{IMDS_URL}/api/token"): "token",
            ("GET", f"{IMDS_URL}/meta-data/instance-id"): fleet_id,
        }
        environ = {}

    def http(method: str, url: str, _headers: Mapping[str, str]) -> str:
        return answers[(method, url)]

    return resolve_worker_id(settings.replace(worker_id=""), environ, http)


def running_ids(fleet: WorkerFleet) -> set[str]:
    return {worker.worker_id for worker in fleet.list_workers() if worker.state != "stopping"}


def test_starts_workers_on_a_backlog_and_stops_them_after_the_idle_timeout(
    backend: Backend, settings: Settings, tmp_path: Path
) -> None:
    fleet = build_fleet(settings)
    clock = FakeClock()
    master = Master(backend, fleet, LIMITS, clock=clock)
    assert master.tick().started == []

    queue_jobs(backend, tmp_path, 3)
    report = master.tick()
    assert report.observed.backlog == 3 and len(report.started) == 2
    assert running_ids(fleet) == set(report.started)
    assert master.tick().started == []  # the backlog is met: no more workers

    drain(backend)
    for fleet_id in report.started:
        backend.repository.workers.beat(recorded_id(settings, fleet_id), None, "gpu", 7)
    clock.advance(IDLE_S - 1)
    assert master.tick().stopped == []
    clock.advance(2)
    assert sorted(master.tick().stopped) == sorted(report.started)
    assert running_ids(fleet) == set()


def test_never_stops_a_worker_whose_heartbeat_holds_a_job(
    backend: Backend, settings: Settings, tmp_path: Path
) -> None:
    fleet = build_fleet(settings)
    clock = FakeClock()
    master = Master(backend, fleet, LIMITS, clock=clock)
    (job, *_others) = queue_jobs(backend, tmp_path, 2)
    busy_id, idle_id = sorted(master.tick().started)
    busy = recorded_id(settings, busy_id)
    assert busy == busy_id  # the heartbeat carries the fleet's own id for the worker
    backend.repository.workers.beat(busy, job, host="gpu-1", pid=7)
    backend.repository.workers.beat(recorded_id(settings, idle_id), None, "gpu-2", 7)
    drain(backend)  # SQS's counts lag: it may say nothing is left while a job still runs

    clock.advance(IDLE_S * 3)
    report = master.tick()
    assert report.observed.busy_workers == 1 and report.stopped == []  # a running job: active
    eager = Master(backend, fleet, ScalingLimits(0, 2, idle_timeout_s=0), clock=clock)
    report = eager.tick()
    assert (report.desired, report.stopped) == (1, [idle_id])  # the busy one is spared
    assert running_ids(fleet) == {busy_id}

    backend.repository.workers.beat(busy, None, host="gpu-1", pid=7)
    assert eager.tick().stopped == [busy_id]
    assert running_ids(fleet) == set()


def test_the_master_exits_by_itself_once_everything_is_idle(
    backend: Backend, settings: Settings, tmp_path: Path
) -> None:
    fleet = build_fleet(settings)
    clock = FakeClock()

    def ticking() -> float:
        clock.advance(60)
        return clock()

    queue_jobs(backend, tmp_path, 1)
    master = Master(backend, fleet, LIMITS, interval_s=0.001, exit_idle_s=600, clock=ticking)
    assert len(master.tick().started) == 1
    drain(backend)
    master.run()  # returns: the worker went after 300 s idle, the master after 600 s
    assert running_ids(fleet) == set()
    assert clock.now >= 1_060 + 600  # the backlog was last seen at the first tick, t = 1060
