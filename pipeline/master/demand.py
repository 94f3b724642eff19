"""How many jobs can still use a worker: those queued or running.

The queue alone overstates it. A job cancelled or erased while queued keeps its message until a
worker receives and drops it: SQS deletes a message only with the receipt of a delivery, and a
message no one has received has none. Counted as work, such a message started a GPU worker (a
cold start) for nothing, and kept idle workers, and a master on Fargate, up until SQS expired it.
"""

from __future__ import annotations

from sqlalchemy import func, select

from pipeline.db import Repository
from pipeline.db.models import Job
from pipeline.db.records import ACTIVE


def live_jobs(repository: Repository) -> int:
    """Jobs queued or running now (one count over the status index). Read it after the queue's
    depth: a job is created before its message is sent, so every message the depth counted
    belongs to a job this count sees, unless that job ended in between."""
    query = select(func.count()).select_from(Job).where(Job.status.in_([s.value for s in ACTIVE]))
    with repository.database.read() as session:
        return int(session.scalar(query) or 0)
