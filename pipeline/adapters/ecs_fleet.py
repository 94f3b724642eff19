"""WorkerFleet on ECS tasks, and the call that makes sure the master's Fargate task runs.

The fleet reports the tasks it knew that have stopped (``exited``), with ECS's reason
(``last_words``): a worker that cannot start (an image tag that was never pushed, a password
it cannot log in with) stops within seconds, and unreported the master started another every
tick, for ever, without a word.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from pipeline.adapters.aws_errors import aws_call
from pipeline.errors import ConfigError, NotFoundError, PipelineError
from pipeline.messages import bounded
from pipeline.ports import WorkerFleet, WorkerInfo
from pipeline.terminal_text import inert

WORKER_STARTED_BY = "sentiment-pipeline-worker"
MASTER_STARTED_BY = "sentiment-pipeline-master"
LAUNCH_TYPES = ("EC2", "FARGATE", "EXTERNAL")
MAX_RUN_BATCH = 10
MAX_DESCRIBE_BATCH = 100

_STARTING = {"PROVISIONING", "PENDING", "ACTIVATING"}
_STOPPED = "STOPPED"
UNDESCRIBED_S = 600.0
"""How long a task this fleet knows may go undescribed before it is taken for stopped: ECS's
listings are eventually consistent (a task just run may be missing for a moment), and it keeps
a stopped task describable for about an hour."""

log = logging.getLogger(__name__)


def awsvpc_network(
    subnets: Sequence[str], security_groups: Sequence[str], assign_public_ip: bool = False
) -> dict[str, Any] | None:
    """The networkConfiguration RunTask needs for awsvpc tasks (Fargate); None without subnets."""
    if not subnets:
        return None
    config: dict[str, Any] = {
        "subnets": list(subnets),
        "assignPublicIp": "ENABLED" if assign_public_ip else "DISABLED",
    }
    if security_groups:
        config["securityGroups"] = list(security_groups)
    return {"awsvpcConfiguration": config}


class ECSFleet(WorkerFleet):
    """Workers are ECS tasks of ``task_definition`` that this fleet started (``startedBy``).

    GPU workers use the EC2 launch type (Fargate has no GPUs), or better a ``capacity_provider``
    backed by an Auto Scaling group of GPU instances: ECS then adds an instance when a task
    cannot be placed and removes it once its tasks are gone, so stopping tasks scales to zero.
    ``EXTERNAL`` runs on hosts registered through ECS Anywhere.
    """

    def __init__(
        self,
        client: Any,
        cluster: str,
        task_definition: str,
        launch_type: str = "EC2",
        capacity_provider: str = "",
        network_configuration: Mapping[str, Any] | None = None,
        started_by: str = WORKER_STARTED_BY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if launch_type not in LAUNCH_TYPES:
            raise ConfigError(
                f"ECS launch type {launch_type!r} is not one of {', '.join(LAUNCH_TYPES)}"
            )
        self.client = client
        self.cluster = cluster
        self.task_definition = task_definition
        self.launch_type = launch_type
        self.capacity_provider = capacity_provider
        self.network_configuration = network_configuration
        self.started_by = started_by
        self._clock = clock
        self._known: dict[str, float] = {}
        """Tasks this fleet started or listed and has not yet seen stopped → when they were
        last listed or described."""
        self._why: dict[str, str] = {}
        """Why each task the last ``exited`` reported stopped."""

    def list_workers(self) -> list[WorkerInfo]:
        workers = [_worker_info(task) for task in self._describe(self._running_arns())]
        self._note_known(worker.worker_id for worker in workers)
        return workers

    def exited(self) -> list[str]:
        """The known tasks that ECS has stopped since the last call, asked to or not. A task
        whose desired status is STOPPED but whose containers still run (a worker finishing
        its chunk after the SIGTERM) is reported once it has stopped: its message must not be
        handed to another worker while it may still commit. One ECS has not described for
        ``UNDESCRIBED_S`` has stopped too."""
        waiting = set(self._known) - set(self._running_arns())
        tasks = {task["taskArn"]: task for task in self._describe(sorted(waiting))}
        self._note_known(arn for arn, task in tasks.items() if task.get("lastStatus") != _STOPPED)
        ended = sorted(arn for arn in waiting if self._has_stopped(arn, tasks.get(arn)))
        for arn in ended:
            del self._known[arn]
        self._why = {arn: stop_reason(tasks.get(arn)) for arn in ended}
        for arn in ended:
            log.info("ECS worker task %s ended: %s", arn, self._why[arn])
        return ended

    def last_words(self, worker_id: str) -> str | None:
        """ECS's reason for stopping a task the last ``exited`` reported."""
        return self._why.get(worker_id)

    def _has_stopped(self, arn: str, task: Mapping[str, Any] | None) -> bool:
        if task is None:
            return self._clock() - self._known[arn] > UNDESCRIBED_S
        return task.get("lastStatus") == _STOPPED

    def start(self, count: int) -> list[str]:
        started: list[str] = []
        failures: list[str] = []
        while len(started) < count:
            batch = min(MAX_RUN_BATCH, count - len(started))
            tasks, reasons = _run_task(self.client, self.cluster, self._run_params(batch))
            started.extend(task["taskArn"] for task in tasks)
            self._note_known(task["taskArn"] for task in tasks)
            failures.extend(reasons)
            if not tasks:
                break
        if failures and not started:
            raise PipelineError(f"ECS could not start any worker: {'; '.join(failures)}")
        if failures:
            log.warning("ECS started %d of %d workers: %s", len(started), count, failures)
        return started

    def stop(self, worker_ids: list[str]) -> None:
        """Stops only tasks this fleet started; an id that is not one is refused, none stopped."""
        if not worker_ids:
            return
        ours = {
            task["taskArn"]
            for task in self._describe(worker_ids)
            if task.get("startedBy") == self.started_by
        }
        foreign = sorted(set(worker_ids) - ours)
        if foreign:
            raise NotFoundError(f"not worker tasks of this fleet: {', '.join(foreign)}")
        for arn in worker_ids:
            with aws_call(f"stopping ECS task {arn}"):
                self.client.stop_task(
                    cluster=self.cluster, task=arn, reason="scaled in by the pipeline master"
                )

    def _note_known(self, arns: Iterable[str]) -> None:
        now = self._clock()
        self._known.update((arn, now) for arn in arns)

    def _run_params(self, count: int) -> dict[str, Any]:
        params: dict[str, Any] = {
            "taskDefinition": self.task_definition,
            "count": count,
            "startedBy": self.started_by,
        }
        if self.capacity_provider:
            params["capacityProviderStrategy"] = [
                {"capacityProvider": self.capacity_provider, "weight": 1}
            ]
        else:
            params["launchType"] = self.launch_type
        if self.network_configuration:
            params["networkConfiguration"] = dict(self.network_configuration)
        return params

    def _running_arns(self) -> list[str]:
        arns: list[str] = []
        with aws_call("listing ECS worker tasks"):
            pages = self.client.get_paginator("list_tasks").paginate(
                cluster=self.cluster, startedBy=self.started_by, desiredStatus="RUNNING"
            )
            for page in pages:
                arns.extend(page["taskArns"])
        return arns

    def _describe(self, arns: Sequence[str]) -> Iterator[dict[str, Any]]:
        for first in range(0, len(arns), MAX_DESCRIBE_BATCH):
            with aws_call("describing ECS tasks"):
                response = self.client.describe_tasks(
                    cluster=self.cluster, tasks=list(arns[first : first + MAX_DESCRIBE_BATCH])
                )
            yield from response["tasks"]


def ensure_master_running(
    ecs_client: Any,
    cluster: str,
    task_definition: str,
    network_configuration: Mapping[str, Any] | None,
) -> bool:
    """Start the master's Fargate task unless one of its family is already starting or running.

    Returns True when it started one. Two callers at the same instant can both start one; the
    master must therefore tolerate a twin (only one may hold the reconcile lease).
    """
    with aws_call("looking for the master's ECS task"):
        running = ecs_client.list_tasks(
            cluster=cluster, family=task_family(task_definition), desiredStatus="RUNNING"
        )["taskArns"]
    if running:
        return False
    params: dict[str, Any] = {
        "taskDefinition": task_definition,
        "count": 1,
        "startedBy": MASTER_STARTED_BY,
        "launchType": "FARGATE",
    }
    if network_configuration:
        params["networkConfiguration"] = dict(network_configuration)
    tasks, failures = _run_task(ecs_client, cluster, params)
    if not tasks:
        raise PipelineError(f"ECS could not start the master: {'; '.join(failures)}")
    return True


def task_family(task_definition: str) -> str:
    """'family', 'family:3' or a task-definition ARN → 'family'."""
    return task_definition.rsplit("/", 1)[-1].split(":", 1)[0]


def _run_task(
    client: Any, cluster: str, params: Mapping[str, Any]
) -> tuple[list[dict[str, Any]], list[str]]:
    with aws_call(f"running ECS task {params['taskDefinition']}"):
        response = client.run_task(cluster=cluster, **params)
    reasons = [
        f"{failure.get('reason', 'unknown')} ({failure.get('arn', '')})".replace(" ()", "")
        for failure in response.get("failures", [])
    ]
    return list(response.get("tasks", [])), reasons


def stop_reason(task: Mapping[str, Any] | None) -> str:
    """ECS's account of a stopped task, one line: its stopped reason and stop code, then each
    container's exit code and reason (``CannotPullContainerError: … not found``, ``Essential
    container in task exited (EssentialContainerExited); container worker: exit code 1``)."""
    if task is None:
        return "ECS no longer describes the task (it keeps a stopped one for about an hour)"
    reason = str(task.get("stoppedReason") or "ECS gave no reason")
    if task.get("stopCode"):
        reason += f" ({task['stopCode']})"
    for container in task.get("containers", []):
        said = _container_end(container)
        if said:
            reason += f"; container {container.get('name', '?')}: {said}"
    return inert(bounded(reason))


def _container_end(container: Mapping[str, Any]) -> str:
    """A stopped container's exit code and reason, as far as ECS gives them."""
    said = [] if container.get("exitCode") is None else [f"exit code {container['exitCode']}"]
    if container.get("reason"):
        said.append(str(container["reason"]))
    return ", ".join(said)


def _worker_info(task: Mapping[str, Any]) -> WorkerInfo:
    status = task.get("lastStatus", "")
    state = "starting" if status in _STARTING else "running" if status == "RUNNING" else "stopping"
    started = task.get("startedAt") or task.get("createdAt")
    return WorkerInfo(
        worker_id=task["taskArn"],
        state=state,
        started_at=started.timestamp() if started is not None else None,
        details={"last_status": status, "task_definition": task.get("taskDefinitionArn", "")},
    )
