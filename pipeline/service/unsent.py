"""Queued jobs whose queue message was never sent get one.

A submit records the job, then sends its message (``pipeline.service.jobs``): a process killed
in between (an OOM kill, a stopped container, a power cut, a Lambda at its timeout) leaves a
queued job that no worker will ever hear of, and that every identical submission would be
handed. Each message sent is recorded (``jobs.sent_at``); a job still unsent ``UNSENT_GRACE_S``
after it was recorded is sent now, by the master's tick and by an identical submission that
finds it. The grace is longer than a submit can take between the two (the queue's busy wait,
``PIPELINE_DB_BUSY_TIMEOUT_S``, 30 s by default), so a submit still under way is not raced; if
one is, the job gets two messages, which workers take as any duplicate delivery.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from pipeline.bootstrap import Backend
from pipeline.db.records import JobRecord, JobStatus

log = logging.getLogger(__name__)

UNSENT_GRACE_S = 120.0
"""How long a queued job may wait for its submit to send its message."""
RESEND_BATCH = 100
"""The most unsent jobs one pass sends."""


def send_message(backend: Backend, request_id: str) -> None:
    """Send the job's message and record that it was sent. A failure to record it is logged
    and not raised: the message is out, and the worst left is a second one later."""
    backend.queue.send({"request_id": request_id})
    try:
        backend.repository.jobs.mark_sent(request_id)
    except Exception:
        log.warning("job %s: its message was sent but not recorded as sent", request_id)


def resend_unsent(backend: Backend, now: datetime | None = None) -> list[str]:
    """Send a message for each job unsent past the grace, oldest first; their ids. A send
    that fails is logged and left to the next pass: the master's tick that calls this goes on
    to scale the workers, whatever the queue says to one message."""
    moment = (now or datetime.now(UTC)) - timedelta(seconds=UNSENT_GRACE_S)
    sent = []
    for job in backend.repository.jobs.unsent(moment, RESEND_BATCH):
        try:
            send_message(backend, job.request_id)
        except Exception:  # the master's tick goes on to scale: tried again next tick
            log.exception("job %s: its lost queue message could not be sent", job.request_id)
            continue
        log.warning(
            "job %s was recorded at %s but its queue message was never sent (its submit ended "
            "in between): sent now",
            job.request_id,
            f"{job.created_at:%Y-%m-%d %H:%M:%S} UTC",
        )
        sent.append(job.request_id)
    return sent


def resend_if_lost(backend: Backend, job: JobRecord, now: datetime | None = None) -> None:
    """An identical submission is handed ``job``: if the job still waits for a message its
    submit never sent, past the grace, it is sent now, so that submitting again (what a user
    whose submit failed does) gets the job going rather than handing out a job that never
    will."""
    moment = (now or datetime.now(UTC)) - timedelta(seconds=UNSENT_GRACE_S)
    if job.status == JobStatus.QUEUED and job.sent_at is None and job.created_at < moment:
        send_message(backend, job.request_id)
        log.warning(
            "job %s had no queue message (its submit ended in between): sent now",
            job.request_id,
        )
