"""WorkerFleet on EC2 instances: GPU machines the master starts on backlog and stops when idle."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from pipeline.adapters.aws_errors import aws_call
from pipeline.errors import ConfigError, NotFoundError, PipelineError
from pipeline.ports import WorkerFleet, WorkerInfo

ROLE_TAG = "sentiment-pipeline:role"
DEPLOYMENT_TAG = "sentiment-pipeline:deployment"
WORKER_ROLE = "worker"

_STATES = {"pending": "starting", "running": "running"}
_NOT_TERMINATED = ["pending", "running", "stopping", "stopped"]

log = logging.getLogger(__name__)


class EC2Fleet(WorkerFleet):
    """Workers are instances tagged ``sentiment-pipeline:role=worker`` and
    ``sentiment-pipeline:deployment=<deployment>``; they run the worker at boot.

    ``start`` restarts stopped workers first: a stopped instance keeps its disk (image layers
    and model already pulled), so it is ready sooner than a new one and costs only its EBS
    volume while stopped. New instances come from ``launch_template`` when one is configured
    (hosts registered through ECS Anywhere or by hand simply carry the tags and no template).
    """

    def __init__(
        self,
        client: Any,
        deployment: str,
        launch_template: str = "",
        launch_template_version: str = "$Latest",
    ) -> None:
        self.client = client
        self.deployment = deployment
        self.launch_template = launch_template
        self.launch_template_version = launch_template_version

    def list_workers(self) -> list[WorkerInfo]:
        return [
            WorkerInfo(
                worker_id=instance["InstanceId"],
                state=_STATES[instance["State"]["Name"]],
                started_at=_timestamp(instance.get("LaunchTime")),
                details={
                    "instance_type": instance.get("InstanceType", ""),
                    "private_ip": instance.get("PrivateIpAddress", ""),
                },
            )
            for instance in self._instances(list(_STATES))
        ]

    def start(self, count: int) -> list[str]:
        if count <= 0:
            return []
        restarted = sorted(i["InstanceId"] for i in self._instances(["stopped"]))[:count]
        if restarted:
            with aws_call("starting stopped EC2 workers"):
                self.client.start_instances(InstanceIds=restarted)
        missing = count - len(restarted)
        if missing == 0:
            return restarted
        if not self.launch_template:
            if not restarted:
                raise ConfigError(
                    f"no stopped EC2 worker tagged {DEPLOYMENT_TAG}={self.deployment} to start "
                    "and no launch template to run new ones (set PIPELINE_EC2_LAUNCH_TEMPLATE)"
                )
            log.warning("asked for %d EC2 workers, %d stopped ones exist", count, len(restarted))
            return restarted
        return restarted + self._run_new(missing)

    def stop(self, worker_ids: list[str]) -> None:
        """Stops only this deployment's workers; an id that is not one is refused, none stopped."""
        if not worker_ids:
            return
        ours = {i["InstanceId"] for i in self._instances(_NOT_TERMINATED, worker_ids)}
        foreign = sorted(set(worker_ids) - ours)
        if foreign:
            raise NotFoundError(
                f"not EC2 workers of deployment {self.deployment!r}: {', '.join(foreign)}"
            )
        with aws_call("stopping EC2 workers"):
            self.client.stop_instances(InstanceIds=list(worker_ids))

    def _run_new(self, count: int) -> list[str]:
        """Launch up to ``count`` instances, keeping whatever GPU capacity AWS can give: EC2 may
        return fewer than MaxCount, so ask again for the rest until one call fails."""
        launched: list[str] = []
        while len(launched) < count:
            try:
                launched.extend(self._run_instances(count - len(launched)))
            except PipelineError:
                if not launched:
                    raise
                log.warning("launched %d of %d EC2 workers", len(launched), count, exc_info=True)
                break
        return launched

    def _run_instances(self, count: int) -> list[str]:
        key = "LaunchTemplateId" if self.launch_template.startswith("lt-") else "LaunchTemplateName"
        tags = [
            {"Key": ROLE_TAG, "Value": WORKER_ROLE},
            {"Key": DEPLOYMENT_TAG, "Value": self.deployment},
        ]
        with aws_call(f"running EC2 workers from launch template {self.launch_template}"):
            response = self.client.run_instances(
                LaunchTemplate={key: self.launch_template, "Version": self.launch_template_version},
                MinCount=1,
                MaxCount=count,
                TagSpecifications=[
                    {"ResourceType": "instance", "Tags": tags},
                    {"ResourceType": "volume", "Tags": tags},
                ],
            )
        return [instance["InstanceId"] for instance in response["Instances"]]

    def _instances(
        self, states: list[str], instance_ids: Iterable[str] = ()
    ) -> list[dict[str, Any]]:
        filters = [
            {"Name": f"tag:{ROLE_TAG}", "Values": [WORKER_ROLE]},
            {"Name": f"tag:{DEPLOYMENT_TAG}", "Values": [self.deployment]},
            {"Name": "instance-state-name", "Values": states},
        ]
        ids = list(instance_ids)
        if ids:
            filters.append({"Name": "instance-id", "Values": ids})
        found: list[dict[str, Any]] = []
        with aws_call("listing EC2 workers"):
            for page in self.client.get_paginator("describe_instances").paginate(Filters=filters):
                for reservation in page["Reservations"]:
                    found.extend(reservation["Instances"])
        return found


def _timestamp(moment: Any) -> float | None:
    return moment.timestamp() if moment is not None else None
