"""EC2Fleet against moto: restart stopped workers first, launch the rest, stop only our own."""

from __future__ import annotations

from typing import Any

import pytest

from pipeline.adapters.ec2_fleet import DEPLOYMENT_TAG, ROLE_TAG, EC2Fleet
from pipeline.errors import ConfigError, NotFoundError

TEMPLATE = "sentiment-worker"


@pytest.fixture
def ami(ec2: Any) -> str:
    return str(ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"])


@pytest.fixture
def fleet(ec2: Any, ami: str) -> EC2Fleet:
    ec2.create_launch_template(
        LaunchTemplateName=TEMPLATE,
        LaunchTemplateData={"ImageId": ami, "InstanceType": "g4dn.xlarge"},
    )
    return EC2Fleet(ec2, deployment="test", launch_template=TEMPLATE)


def _states(ec2: Any) -> dict[str, str]:
    reservations = ec2.describe_instances()["Reservations"]
    return {i["InstanceId"]: i["State"]["Name"] for r in reservations for i in r["Instances"]}


def _tags(ec2: Any, instance_id: str) -> dict[str, str]:
    instance = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    return {tag["Key"]: tag["Value"] for tag in instance.get("Tags", [])}


def test_start_launches_tagged_instances_from_the_template(fleet: EC2Fleet, ec2: Any) -> None:
    started = fleet.start(2)

    assert len(started) == 2
    assert sorted(w.worker_id for w in fleet.list_workers()) == sorted(started)
    assert {w.state for w in fleet.list_workers()} <= {"starting", "running"}
    for instance_id in started:
        tags = _tags(ec2, instance_id)
        assert (tags[ROLE_TAG], tags[DEPLOYMENT_TAG]) == ("worker", "test")
    reservation = ec2.describe_instances(InstanceIds=started[:1])["Reservations"][0]
    assert reservation["Instances"][0]["InstanceType"] == "g4dn.xlarge"


def test_stopped_workers_are_restarted_before_new_ones_are_launched(
    fleet: EC2Fleet, ec2: Any
) -> None:
    first = fleet.start(2)
    fleet.stop(first)
    assert fleet.list_workers() == []
    assert set(_states(ec2).values()) == {"stopped"}

    again = fleet.start(3)

    assert set(first) < set(again)
    assert len(again) == 3
    assert len(_states(ec2)) == 3, "only one new instance was launched"
    assert sorted(w.worker_id for w in fleet.list_workers()) == sorted(again)


def test_without_a_template_only_stopped_workers_can_start(ec2: Any, ami: str) -> None:
    fleet = EC2Fleet(ec2, deployment="test")
    with pytest.raises(ConfigError, match="PIPELINE_EC2_LAUNCH_TEMPLATE"):
        fleet.start(1)

    tags = [{"Key": ROLE_TAG, "Value": "worker"}, {"Key": DEPLOYMENT_TAG, "Value": "test"}]
    instance = ec2.run_instances(
        ImageId=ami,
        MinCount=1,
        MaxCount=1,
        TagSpecifications=[{"ResourceType": "instance", "Tags": tags}],
    )["Instances"][0]["InstanceId"]
    ec2.stop_instances(InstanceIds=[instance])

    assert fleet.start(2) == [instance]
    assert [w.worker_id for w in fleet.list_workers()] == [instance]


def test_other_deployments_and_untagged_instances_are_invisible_and_untouchable(
    fleet: EC2Fleet, ec2: Any, ami: str
) -> None:
    other = EC2Fleet(ec2, deployment="other", launch_template=TEMPLATE)
    theirs = other.start(1)
    untagged = ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    ours = fleet.start(1)

    assert [w.worker_id for w in fleet.list_workers()] == ours
    with pytest.raises(NotFoundError, match=untagged):
        fleet.stop([*ours, untagged, *theirs])
    states = _states(ec2)
    assert {states[i] for i in [*ours, untagged, *theirs]} == {"running"}


def test_start_zero_and_stop_nothing_make_no_calls(fleet: EC2Fleet, ec2: Any) -> None:
    assert fleet.start(0) == []
    fleet.stop([])
    assert _states(ec2) == {}
