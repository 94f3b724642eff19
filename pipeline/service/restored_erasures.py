"""Erasures a restored database lost: a job whose erasure mark exists (``erasure_marks``) while
the database shows it not erased is erased again, and never sent, reused or labelled.

A database restored from a backup taken before an erasure holds the erased job again, with its
comments, and the master sent a stranded job a new message (``pipeline.service.unsent``), so it
was labelled and analysed once more. The master checks every job the database shows not erased
against the marks: at its start (a restore means a restart, on the embedded backend at least),
then every ``CHECK_EVERY_S`` (an RDS snapshot restored behind a master that goes on running),
``CHECK_BATCH`` jobs per tick, one read of the store each, so a tick stays short whatever the
number of jobs. A job about to be sent a lost message, or handed to an identical submission, is
checked on its own first, so neither waits for the pass to reach it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from pipeline.bootstrap import Backend
from pipeline.db.records import JobRecord
from pipeline.errors import PipelineError
from pipeline.service.erase import erase_data
from pipeline.service.erasure_marks import ErasureMark, read_mark

log = logging.getLogger(__name__)

CHECK_EVERY_S = 3600.0
"""How often the master goes over the jobs again, after the pass at its start."""
CHECK_BATCH = 50
"""Jobs checked per tick, at most."""
RETRY_S = 60.0
"""How long a pass that met a fault (the store or the database away) waits to go on."""


def erased_before(backend: Backend, job: JobRecord) -> bool:
    """Whether ``job``, which the database shows not erased, has an erasure mark: it is erased
    again now, and must be neither sent, handed out nor labelled. A mark that cannot be read
    (the store away) raises. An erasure again that fails (a delete refused, the store or the
    database away) is logged saying so, and the job still counts as erased: its mark was read,
    where the worker used to say it could not be, and went on to label the job."""
    if job.erased_at is not None:
        return False
    mark = read_mark(backend.store, job.request_id)
    if mark is None:
        return False
    try:
        erase_again(backend, mark)
    except PipelineError as exc:
        log.error(
            "job %s was erased before the database was restored from a backup, but erasing it "
            "again failed (%s): it is not labelled nor sent; erase it again "
            "(sentiment-pipeline erase %s --yes --operator) to remove what is left",
            job.request_id,
            exc,
            job.request_id,
        )
    return True


def erase_again(backend: Backend, mark: ErasureMark) -> None:
    """Erase the job of ``mark`` again, at the time the mark says, and tell the operator."""
    erased = erase_data(backend, mark.request_id, at=mark.erased_at)
    if erased.newly:
        when = f"{mark.erased_at:%Y-%m-%d %H:%M} UTC" if mark.erased_at else "an unknown date"
        log.warning(
            "job %s was erased on %s (%s) but the database was restored from before it: "
            "erased again",
            mark.request_id,
            when,
            mark.reason,
        )


class RestoredErasureCheck:
    """The master's passes over the jobs not erased, ``CHECK_BATCH`` a tick."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._due = clock()
        self._after = ""

    def tick(self, backend: Backend) -> list[str]:
        """Check the next batch when a pass is due; the ids of the jobs erased again. A fault
        is logged and the pass goes on from where it stood ``RETRY_S`` later: it never stops
        the master's tick, whose scaling does not depend on it."""
        now = self._clock()
        if now < self._due:
            return []
        erased: list[str] = []
        try:
            batch = backend.repository.jobs.not_erased(self._after, CHECK_BATCH)
            for request_id in batch:
                mark = read_mark(backend.store, request_id)
                if mark is not None:
                    erase_again(backend, mark)
                    erased.append(request_id)
                self._after = request_id
        except PipelineError as exc:
            log.warning(
                "checking the jobs against their erasure marks stopped (%s); it goes on in %.0f s",
                exc,
                RETRY_S,
            )
            self._due = now + RETRY_S
            return erased
        if len(batch) < CHECK_BATCH:
            self._after, self._due = "", now + CHECK_EVERY_S
        return erased
