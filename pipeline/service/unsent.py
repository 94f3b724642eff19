"""Live jobs whose queue message was never sent, or is gone, get one.

A submit records the job, then sends its message (``pipeline.service.jobs``): a process killed
in between (an OOM kill, a stopped container, a power cut, a Lambda at its timeout) leaves a
queued job that no worker will ever hear of, and that every identical submission would be
handed. Each message sent is recorded (``jobs.sent_at``); a job still unsent ``UNSENT_GRACE_S``
after it was recorded is sent now, by the master's tick and by an identical submission that
finds it. The grace is longer than a submit can take between the two (the queue's busy wait,
``PIPELINE_DB_BUSY_TIMEOUT_S``, 30 s by default), so a submit still under way is not raced; if
one is, the job gets two messages, which workers take as any duplicate delivery.

A message can also go after it was sent: the queue's file removed or replaced (``queue.db``
deleted while ``up`` ran), or the database restored from a backup that holds jobs the queue
no longer does. Such a job stayed ``running`` (or ``queued``) for ever, "waiting for a worker",
and was handed to every identical submission. The queue cannot be asked (SQS does not list
the messages in flight), so time and the workers' beats tell: a job is stranded when no live
worker holds it, nothing has happened to it (no message sent, no delivery taken, no row
committed) for ``stranded_after_s`` (twice the visibility timeout: any message of it would have
come back into view by then), and no message at all waits in the queue (so a worker free to
take one found none of it: a job merely waiting behind others is never sent a second
message). It is sent a new message, by the master's tick and by an identical submission, and
recorded as sent, so it is not sent another before as long again. If the old message was
there after all (a race with a worker that had just received it), the job has two, which
workers take as any duplicate delivery: the second waits while the first's worker holds the
job, and rows are written exactly once whatever the deliveries. A job restored with the
database but erased after its backup was taken is not stranded: it is erased again, and never
sent (``pipeline.service.restored_erasures``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable
from datetime import UTC, datetime, timedelta

from pipeline.bootstrap import Backend
from pipeline.db.records import JobRecord, JobStatus
from pipeline.errors import PipelineError
from pipeline.service.restored_erasures import erased_before
from pipeline.settings import Settings

log = logging.getLogger(__name__)

UNSENT_GRACE_S = 120.0
"""How long a queued job may wait for its submit to send its message."""
RESEND_BATCH = 100
"""The most unsent (or stranded) jobs one pass sends."""


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
    return _send_each(
        backend,
        backend.repository.jobs.unsent(moment, RESEND_BATCH),
        lambda job: (
            f"job {job.request_id} was recorded at {job.created_at:%Y-%m-%d %H:%M:%S} UTC but "
            "its queue message was never sent (its submit ended in between): sent now"
        ),
    )


def resend_if_lost(backend: Backend, job: JobRecord, now: datetime | None = None) -> None:
    """An identical submission is handed ``job``: if the job still waits for a message its
    submit never sent, past the grace, or its message is gone (``resend_stranded``), it is
    sent now, so that submitting again (what a user whose job hangs does) gets the job going
    rather than handing out a job that never will. Its caller has checked the job against
    the records of erasures a restored database lost (``restored_erasures.erased_before``)."""
    moment = (now or datetime.now(UTC)) - timedelta(seconds=UNSENT_GRACE_S)
    if job.status == JobStatus.QUEUED and job.sent_at is None and job.created_at < moment:
        send_message(backend, job.request_id)
        log.warning(
            "job %s had no queue message (its submit ended in between): sent now",
            job.request_id,
        )
        return
    if job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
        held = backend.repository.workers.busy(backend.settings.worker_stale_s).values()
        resend_stranded(backend, set(held), now, job.request_id)


def stranded_after_s(settings: Settings) -> float:
    """How long a live job that no worker holds may go without a sign of a delivery before
    its message is taken for gone: twice the visibility timeout (a message hidden by a worker
    that died unseen is visible again after one), and never under ``UNSENT_GRACE_S``."""
    return max(2 * settings.visibility_timeout_s, UNSENT_GRACE_S)


def resend_stranded(
    backend: Backend,
    held: Collection[str],
    now: datetime | None = None,
    request_id: str | None = None,
) -> list[str]:
    """Send a new message for each live job whose message is gone (see the module's
    docstring), oldest first; their ids. ``held``: the jobs that live workers hold (their
    beat under ``PIPELINE_WORKER_STALE_S`` old). With ``request_id``, only that job is
    looked at. A send that fails is logged and left to the next pass."""
    after_s = stranded_after_s(backend.settings)
    moment = (now or datetime.now(UTC)) - timedelta(seconds=after_s)
    jobs = backend.repository.jobs.stranded(moment, held, RESEND_BATCH, request_id)
    if not jobs or backend.queue.depth().visible:
        return []  # a message waits for a worker: it may be theirs, taken when one is free
    return _send_each(
        backend,
        jobs,
        lambda job: (
            f"job {job.request_id} is {job.status.value} but no worker holds it and no delivery "
            f"of it was seen for {after_s:.0f} s (its queue message is gone: the queue's file "
            "removed or replaced, or the database restored from a backup): a new message was "
            f"sent; it resumes from its {job.rows_done} committed rows"
        ),
    )


def _send_each(
    backend: Backend, jobs: Iterable[JobRecord], said: Callable[[JobRecord], str]
) -> list[str]:
    """Send each job its message, saying ``said`` of it at WARNING; their ids. A send that
    fails is logged and left to the next pass: the master's tick goes on to scale the
    workers, whatever the queue says to one message. A job erased before the database was
    restored from a backup is erased again instead, never sent (``restored_erasures``); one
    whose erasure record cannot be read now (the store away) waits for the next pass."""
    sent = []
    for job in jobs:
        try:
            if erased_before(backend, job):
                continue
        except PipelineError as exc:
            log.warning(
                "job %s: left unsent, its erasure record unread now (%s)", job.request_id, exc
            )
            continue
        try:
            send_message(backend, job.request_id)
        except Exception:
            log.exception("job %s: its lost queue message could not be sent", job.request_id)
            continue
        log.warning("%s", said(job))
        sent.append(job.request_id)
    return sent
