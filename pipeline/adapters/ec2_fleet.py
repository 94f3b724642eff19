"""WorkerFleet on EC2 instances: GPU machines the master starts on backlog and stops when idle.

The fleet reports the instances it knew that have stopped or terminated (``exited``), with
EC2's reason (``last_words``): an instance that stops by itself soon after its start (no
capacity for a stopped GPU instance started again, a worker whose boot script shuts the
instance down when it exits) used to be started again every tick, for ever, without a word.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pipeline.adapters.aws_errors import aws_call
from pipeline.errors import ConfigError, NotFoundError, PipelineError
from pipeline.messages import bounded
from pipeline.ports import WorkerFleet, WorkerInfo
from pipeline.terminal_text import inert

ROLE_TAG = "sentiment-pipeline:role"
DEPLOYMENT_TAG = "sentiment-pipeline:deployment"
WORKER_ROLE = "worker"

_STATES = {"pending": "starting", "running": "running"}
_NOT_TERMINATED = ["pending", "running", "stopping", "stopped"]
_ENDED = ("stopped", "terminated")
_EVERY_STATE = [*_NOT_TERMINATED, "shutting-down", "terminated"]
UNDESCRIBED_S = 600.0
"""How long an instance this fleet knows may go undescribed before it is taken for gone:
EC2's listings are eventually consistent (an instance just launched may be missing for a
moment), and it keeps describing a terminated one for about an hour."""
SETTLE_S = 10.0
"""How long after an instance was started, or last seen pending or running, a description
that says it is stopped is believed: EC2 may still describe a stopped instance just started
again as stopped for a moment."""

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
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.deployment = deployment
        self.launch_template = launch_template
        self.launch_template_version = launch_template_version
        self._clock = clock
        self._known: dict[str, float] = {}
        """Instances this fleet started or listed and has not yet seen stopped or terminated
        → when they were last seen otherwise."""
        self._why: dict[str, str] = {}
        """Why each instance the last ``exited`` reported ended."""

    def list_workers(self) -> list[WorkerInfo]:
        workers = [
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
        self._note_known(worker.worker_id for worker in workers)
        return workers

    def exited(self) -> list[str]:
        """The known instances that have stopped or terminated since the last call, asked to
        or not; one still ``stopping`` or ``shutting-down`` (its worker may still finish a
        chunk) is reported once it has stopped (``SETTLE_S`` after it was last seen alive),
        one EC2 has not described for ``UNDESCRIBED_S`` as gone."""
        if not self._known:
            self._why = {}
            return []
        found = {i["InstanceId"]: i for i in self._instances(_EVERY_STATE, sorted(self._known))}
        self._note_known(
            key for key, instance in found.items() if instance["State"]["Name"] not in _ENDED
        )
        ended = sorted(key for key in self._known if self._has_ended(key, found.get(key)))
        for key in ended:
            del self._known[key]
        self._why = {key: end_reason(found.get(key)) for key in ended}
        for key in ended:
            log.info("EC2 worker %s ended: %s", key, self._why[key])
        return ended

    def last_words(self, worker_id: str) -> str | None:
        """EC2's reason for the end of an instance the last ``exited`` reported."""
        return self._why.get(worker_id)

    def _has_ended(self, key: str, instance: Mapping[str, Any] | None) -> bool:
        since = self._clock() - self._known[key]
        if instance is None:
            return since > UNDESCRIBED_S
        return instance["State"]["Name"] in _ENDED and since > SETTLE_S

    def _note_known(self, instance_ids: Iterable[str]) -> None:
        now = self._clock()
        self._known.update((key, now) for key in instance_ids)

    def start(self, count: int) -> list[str]:
        started = self._start(count)
        self._note_known(started)
        return started

    def _start(self, count: int) -> list[str]:
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


def end_reason(instance: Mapping[str, Any] | None) -> str:
    """EC2's account of a stopped or terminated instance, one line: its state and reason
    (``stopped: Server.InsufficientInstanceCapacity: Insufficient capacity.``)."""
    if instance is None:
        return "EC2 no longer describes the instance (it keeps a terminated one for about an hour)"
    state = instance["State"]["Name"]
    reason = instance.get("StateReason", {}).get("Message") or instance.get("StateTransitionReason")
    return inert(bounded(f"{state}: {reason or 'EC2 gave no reason'}"))


def _timestamp(moment: Any) -> float | None:
    return moment.timestamp() if moment is not None else None
