"""Two masters on the AWS backend (moto's SQS, ECS and EC2; the real PostgreSQL as RDS), as
when two submissions start a Fargate master each: they share one fleet, only the lease
holder starts workers, and when it dies the standby takes over within the lease and an
interval, adopts the workers already running instead of starting twins, and runs them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ecs_cluster import WORKER
from jobfakes import Clocks, comments_csv
from postgres import fresh_database

from pipeline import service
from pipeline.bootstrap import Backend, build_fleet, init_backend
from pipeline.db import LeaseRepository
from pipeline.master import Master, ScalingLimits
from pipeline.master.leadership import Leadership
from pipeline.ports import WorkerFleet
from pipeline.settings import Settings

TTL_S = 10.0
INTERVAL_S = 2.0
LIMITS = ScalingLimits(min_workers=0, max_workers=2, idle_timeout_s=300)


@pytest.fixture
def database_url() -> Iterator[str]:
    with fresh_database("pipeline_masters") as url:
        yield url


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
    request: pytest.FixtureRequest,
    cluster: str,
    launch_template: str,
    database_url: str,
    tmp_path: Path,
) -> Settings:
    return Settings(
        backend="aws",
        fleet=request.param,
        aws_region="us-east-1",
        data_dir=tmp_path,
        database_url=database_url,
        model="fake",
        bucket="twin-bucket",
        queue_name="twin-jobs",
        ecs_cluster=cluster,
        worker_task_definition=WORKER,
        ecs_launch_type="EC2",
        deployment="twins",
        ec2_launch_template=launch_template,
    )


@pytest.fixture
def backend(settings: Settings) -> Iterator[Backend]:
    backend = init_backend(settings)
    yield backend
    backend.repository.database.dispose()


def running_ids(fleet: WorkerFleet) -> set[str]:
    return {worker.worker_id for worker in fleet.list_workers() if worker.state != "stopping"}


def master(backend: Backend, settings: Settings, clocks: Clocks, name: str) -> Master:
    """A master as its own Fargate task builds it: its own fleet client, the shared database."""
    leases = LeaseRepository(backend.repository.database, now=clocks.now)
    leadership = Leadership(leases, TTL_S, holder=name, clock=clocks.monotonic)
    return Master(
        backend,
        build_fleet(settings),
        LIMITS,
        interval_s=INTERVAL_S,
        clock=clocks.monotonic,
        leadership=leadership,
    )


def test_of_two_masters_one_runs_the_shared_fleet_and_the_other_takes_it_over(
    backend: Backend, settings: Settings, tmp_path: Path
) -> None:
    clocks = Clocks()
    first, second = (master(backend, settings, clocks, name) for name in ("first", "second"))
    for n in range(3):
        service.submit(backend, comments_csv(tmp_path / f"{n}.csv", [f"job {n}"]), "comment")

    for _ in range(3):
        report = first.tick_if_leading()
        assert report is not None
        assert second.tick_if_leading() is None
        clocks.advance(INTERVAL_S)
    workers = running_ids(first.fleet)
    assert len(workers) == 2  # not four: the standby started none

    waited = 0.0  # first is killed here: it never renews again
    while (report := second.tick_if_leading()) is None:
        clocks.advance(INTERVAL_S)
        waited += INTERVAL_S
    assert waited <= TTL_S + INTERVAL_S
    assert report.started == [] and report.observed.workers == 2  # adopted, not doubled
    assert running_ids(second.fleet) == workers
    assert first.tick_if_leading() is None  # were it only paused, it would not tick again
