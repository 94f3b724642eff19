"""Dead workers: hand back the message each one held at once, and forget them.

A worker that dies holds its message until the visibility timeout lapses. The master can tell
sooner: the local fleet sees the worker's process end (``WorkerFleet.exited``), and on every
fleet a worker whose heartbeat is older than PIPELINE_WORKER_STALE_S is taken for gone. Either
way the worker's beat is removed, which returns the receipt it recorded, and that receipt is
released, so the job is delivered again within a tick. A receipt the queue no longer honours
(the job finished, or the message was delivered again meanwhile) is left alone. A release that
fails otherwise (the queue unreachable, the call refused) is logged and the job resumes once
its message's visibility timeout lapses, as without a master: it never fails the tick, which
would skip the other workers' hand-backs and the scaling, and the worker's beat, forgotten
already, would not bring the receipt back at a later tick. A stale worker
that the fleet still lists is asked to stop, so that EC2 and ECS replace it and a hung process
does not hold a slot; it no longer counts as busy either way.

Poison accounting needs nothing here: the job row still shows the dead worker's delivery as
open, and the next delivery counts it as a failure where the job stands (``pipeline.poison``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.db import WorkerRegistry
from pipeline.db.records import WorkerRecord
from pipeline.errors import PipelineError, ReceiptExpired, ServiceUnavailableError
from pipeline.ports import JobQueue, WorkerFleet

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recovery:
    exited: list[str]
    """Workers whose process ended and whose beat was still recorded."""
    stale: list[str]
    """Workers whose heartbeat went stale."""
    released: list[str]
    """Jobs whose message was made visible again."""


def recover_dead_workers(
    queue: JobQueue,
    workers: WorkerRegistry,
    fleet: WorkerFleet,
    stale_after_s: float,
    ended: Sequence[str] | None = None,
) -> Recovery:
    """Forget the workers known or taken to be gone and hand back the messages they held.
    ``ended``: the workers whose process the fleet saw end (default: ``fleet.exited()``; the
    master asks it once and also looks for workers that died starting among them)."""
    ended = fleet.exited() if ended is None else ended
    exited = [record for worker_id in ended if (record := workers.forget(worker_id))]
    stale = workers.prune(stale_after_s)
    if stale:
        listed = {worker.worker_id for worker in fleet.list_workers() if worker.state != "stopping"}
        hung = [record.worker_id for record in stale if record.worker_id in listed]
        if hung:
            fleet.stop(hung)
    released = [
        str(record.current_job)
        for record in (*exited, *stale)
        if record.receipt is not None and _release(queue, record)
    ]
    return Recovery(
        exited=[record.worker_id for record in exited],
        stale=[record.worker_id for record in stale],
        released=released,
    )


def _release(queue: JobQueue, record: WorkerRecord) -> bool:
    """Make the worker's message visible again; False when there was nothing to hand back."""
    try:
        queue.release(str(record.receipt))
    except ReceiptExpired:
        return False
    except ServiceUnavailableError as exc:
        log.warning(
            "worker %s is gone but the queue is unreachable (%s): job %s resumes once its "
            "message's visibility timeout lapses",
            record.worker_id,
            exc,
            record.current_job,
        )
        return False
    except PipelineError as exc:  # e.g. refused: a role without sqs:ChangeMessageVisibility
        log.error(
            "worker %s is gone but its message could not be handed back (%s): job %s resumes "
            "once its message's visibility timeout lapses",
            record.worker_id,
            exc,
            record.current_job,
        )
        return False
    log.warning(
        "worker %s is gone; job %s was handed back to the queue",
        record.worker_id,
        record.current_job,
    )
    return True
