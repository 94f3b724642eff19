"""The record of each erasure kept outside the database: one small object per erased job.

An erasure was recorded only as ``jobs.erased_at``, so restoring the database from a backup
(``pipeline.db`` copied back, an RDS snapshot) rolled the erasure back with it: the job came
back with every comment, and the master even sent it a new message, labelled and analysed it
again. So every erasure (at its owner's request, by the operator, at the end of the retention)
also writes ``erasures/<request id>`` to the object store, which a restore of the database
does not touch; ``pipeline.service.restored_erasures`` erases again each job whose mark exists
but that the database does not show erased.

A mark holds when and why, never a comment, a file name or an owner. Marks are kept: a few
hundred bytes per erased job, and a backup can be restored however old it is. On AWS the
bucket's expiry (``PIPELINE_RETENTION_DAYS``) removes them with everything else; a job that
finished longer ago than that is past its retention and erased again by the master anyway.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pipeline.errors import NotFoundError
from pipeline.ports import ObjectStore

MARKS_PREFIX = "erasures/"


class ErasureReason(StrEnum):
    """Who asked for an erasure."""

    OWNER = "at its owner's request"
    OPERATOR = "by the operator"
    RETENTION = "at the end of its retention (PIPELINE_RETENTION_DAYS)"


@dataclass(frozen=True)
class ErasureMark:
    request_id: str
    erased_at: datetime | None
    """None in a mark that cannot be read (not written by this code): it still says erased."""
    reason: str


def mark_key(request_id: str) -> str:
    return f"{MARKS_PREFIX}{request_id}"


def write_mark(store: ObjectStore, mark: ErasureMark) -> None:
    """Record the erasure (again: the same job's mark is replaced)."""
    moment = mark.erased_at.isoformat() if mark.erased_at is not None else None
    body = {"request_id": mark.request_id, "erased_at": moment, "reason": mark.reason}
    store.put_bytes(mark_key(mark.request_id), json.dumps(body).encode(), "application/json")


def read_mark(store: ObjectStore, request_id: str) -> ErasureMark | None:
    """The job's erasure mark; None when it was never erased (or its mark expired). One read
    of the store; its faults (the store away) are raised. A mark whose content cannot be read
    still says the job was erased."""
    try:
        data = store.get_bytes(mark_key(request_id))
    except NotFoundError:
        return None
    try:
        body = json.loads(data)
        return ErasureMark(
            request_id, datetime.fromisoformat(body["erased_at"]), str(body["reason"])
        )
    except (ValueError, KeyError, TypeError):
        return ErasureMark(request_id, None, "for a reason its unreadable mark does not say")
