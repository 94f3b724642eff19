"""The worker loop: receive a job, label it chunk by chunk, publish the results, repeat.

The shape is rq's: check for a stop request, receive, process, heartbeat, repeat. Each chunk's
rows and progress are committed in one transaction before the message's visibility is
extended, so a worker killed at any moment loses at most the chunk it was labelling; the next
delivery resumes from the last committed row. The first SIGTERM finishes the current chunk and
hands the message back; a second one exits at once. While a delivery is worked on, a
heartbeat thread (``pipeline.heartbeat``) keeps the message hidden and records its receipt with
the worker's beat, so the master can hand a dead worker's message back at once.

Labels first, insights after (issue 12): a worker given an analyst that computes insights
(``insights=``, pipeline/insights) labels the whole job first, chunk by chunk, committing rows
with labels and scores only; the commit of the last one records ``labelled_at``, and from then
on every label can be read while the job still runs. The second phase reads the committed rows
back in row order, chunk by time-sized chunk, analyses them (sentence embeddings, aspects and,
for a job submitted with explain, top words), stores the chunk's embeddings, then sets the
rows' insight columns and advances ``insights_done`` in one transaction, so a redelivery
resumes exactly there. A post-pass then finds the job's themes and sets each row's; if it
fails, the job still completes with every label, without themes, and says why; so does a job
whose worker kept dying there (killed for its memory, say: ``pipeline.poison``). Without
insights (PIPELINE_INSIGHTS off) there is no second phase; explanations, if asked for, are
computed with the labels.

Poison is judged at receive time from the job's progress, not from the queue's receive count
(``pipeline.poison``): a delivery its worker never finished counts as a failure at the row the
job stands at, and only failures in a row without a committed row in between stop the job.
The job's model is loaded before that judgement, and a model that cannot be loaded is never
counted: it is the deployment's fault, not the rows' (``pipeline.model_fault``); the job waits,
and that model is not tried again for ``model_retry_s``, for any job; the worker takes no job
for as long only when the model is its own (PIPELINE_MODEL), and otherwise goes on with the jobs
of other models (one job submitted under a bad setting held up every job for about ten
minutes, hunt 1). Nor is a model that loads but is not the one
that labelled the job's committed rows (replaced while the job ran): the job waits for it, so
its rows all come from one model, and the worker takes the next job. Nor is a stored input
gone from the object store: no retry brings it back, so the job fails at once (``INPUT_GONE``).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import FrameType
from typing import Any, Protocol

import numpy as np
import pandas as pd

from pipeline import scratch
from pipeline.bootstrap import Backend
from pipeline.chunk_sizing import ChunkLimit, ChunkSizer, chunk_work, row_work
from pipeline.db import ChunkOutcome, JobRecord, JobStatus, ResultRecord, WorkerTime
from pipeline.db.jobs import Intake
from pipeline.errors import (
    Conflict,
    InputError,
    JobNotFound,
    MissingDependencyError,
    NotFoundError,
    PipelineError,
    ReceiptExpired,
    ServiceUnavailableError,
)
from pipeline.fair_share import DEFERRED, MAX_DEFERRALS, another_owner_first, deferrals
from pipeline.heartbeat import DeliveryHeartbeat
from pipeline.inputs import ReadOptions, iter_chunks
from pipeline.insights import storage
from pipeline.insights.chunk import NOTHING, AnalystSource, ChunkAnalyst, ChunkInsights
from pipeline.insights.postpass import find_job_themes
from pipeline.labelling import LABEL_COLUMN, label_frame, score_column
from pipeline.model.fingerprint import model_fingerprint, republished
from pipeline.model.predictor import Predictor
from pipeline.model.screening import CommentScreen
from pipeline.model_fault import (
    DEPLOYMENT_FAULTS,
    MODEL_SETTING,
    ModelChanged,
    changed_note,
    service_note,
    waiting_note,
)
from pipeline.poison import PoisonPolicy, gave_up_themes, needs_fresh_message
from pipeline.ports import QueueMessage
from pipeline.readahead import read_ahead
from pipeline.release.alert import UrgentAlerts
from pipeline.request_id import queued_request_id
from pipeline.service import export, settle_dead_letters
from pipeline.service.erase import erase_objects
from pipeline.service.restored_erasures import erased_before
from pipeline.themes.warm import warm_up_themes
from pipeline.worker_identity import host_worker_id

log = logging.getLogger(__name__)

FIRST_CHUNK_WAIT_S = 30.0
"""How long the read-ahead waits for a first job's first chunk to be timed before it sizes the
second (``ChunkSizer.first_wait_s``); the wait ends sooner when the delivery ends."""
MODEL_RETRY_S = 60.0
"""How long a job whose model could not be loaded stays hidden, how long the worker that tried
loads that model for no job, and, when it is the worker's own model, takes no job: one delivery
a minute, so the queue's limit (PIPELINE_MAX_RECEIVES, 10) leaves the operator about ten
minutes to put the model back before such a job is failed."""
INPUT_GONE = (
    "the uploaded file is no longer in the service's storage (removed, or expired, before the "
    "job had read all of it), so the job cannot go on; nothing in the file caused this: "
    "submit it again"
)
"""A job's error when its stored input is missing: no key, folder or bucket named (clients
read it; the operator's log names the key), and no row blamed."""
WARM_UP_COLUMN = "comment"
WARM_UP_COMMENTS = (
    "The lectures were clear and the professor was always happy to help.",
    "Too much homework, and the exams did not match what was taught in class.",
)


class PredictorSource(Protocol):
    def __call__(self, reference: str) -> Predictor: ...


class Worker:
    """Processes jobs from the backend's queue with predictors from ``load_predictor``, which
    is called once per model reference, and again when the model there was published anew
    (its fingerprint, taken at each delivery: ``pipeline.model.fingerprint``)."""

    def __init__(
        self,
        backend: Backend,
        load_predictor: PredictorSource,
        worker_id: str | None = None,
        parent_pid: int | None = None,
        on_rows: Callable[[int], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        timer: Callable[[], float] = time.perf_counter,
        insights: AnalystSource | None = None,
        on_insights: Callable[[int], None] | None = None,
        alerts: UrgentAlerts | None = None,
        model_retry_s: float = MODEL_RETRY_S,
    ) -> None:
        self.backend = backend
        self.worker_id = worker_id or backend.settings.worker_id or host_worker_id()
        self._load_predictor = load_predictor
        self._predictors: dict[str, Predictor] = {}
        self._fingerprints: dict[str, str | None] = {}
        """The fingerprint of each loaded model's files when it was loaded."""
        self._load_analyst = insights
        """Built once per predictor (pipeline.insights.loading.insights_source); without one
        the worker stores labels only."""
        self._analysts: dict[str, ChunkAnalyst] = {}
        self._parent_pid = parent_pid
        self._on_rows = on_rows
        self._on_insights = on_insights
        """Told the rows of each committed chunk of the second phase, as ``on_rows`` is of the
        first, so a progress display can follow the insights pass too."""
        self._stop = threading.Event()
        settings = backend.settings
        self._sizer = ChunkSizer(
            settings.chunk_rows,
            settings.chunk_target_s,
            settings.first_chunk_rows,
            first_wait_s=FIRST_CHUNK_WAIT_S,
        )
        self._insight_sizer = ChunkSizer(
            settings.chunk_rows, settings.insight_chunk_target_s, settings.first_chunk_rows
        )
        """Sizes the second phase's chunks: analysing a row costs more than labelling it, and
        small chunks make it cost more again (``Settings.insight_chunk_target_s``)."""
        self._timer = timer
        """Times each chunk for the sizers (``clock`` is the worker time that is charged)."""
        self._max_comment_chars = settings.max_comment_chars
        self._screen = CommentScreen.from_settings(settings)
        self._alerts = alerts or UrgentAlerts.from_settings(settings)
        """Told of every job that succeeds (PIPELINE_ALERT_URL); None: no alerts."""
        self._poison = PoisonPolicy(
            settings.max_failures_per_chunk, settings.chunk_rows, self._sizer.first_rows
        )
        self._max_receives = settings.max_receives
        self._stale_s = settings.worker_stale_s
        """How old a worker's last beat may be for the job it holds to stay its own."""
        self._visibility_s = settings.visibility_timeout_s
        # Beat often enough that two beats fit in the visibility timeout even when it is short.
        self._heartbeat_s = min(settings.heartbeat_s, settings.visibility_timeout_s / 3)
        self._receipt: str | None = None
        """The receipt of the delivery being worked on, recorded with every beat."""
        self._poll_s = settings.worker_poll_s
        self._price_per_hour = settings.worker_price_per_hour
        self._clock = clock
        self._timed_since = clock()
        self._model_retry_s = model_retry_s
        self._resume_at = 0.0
        """``time.monotonic`` before which the worker takes no job (its own model failed to
        load, or the service's storage failed)."""
        self._unrecorded: tuple[str, str] | None = None
        """A job whose delivery a storage fault ended while the database could not take its
        note (``_service_unavailable``), and that note: written before anything else once the
        database answers, so the open delivery is closed uncounted rather than taken for a
        crash by the next one (two outages at one row failed a healthy job as poison)."""
        self._storage_fault: str | None = None
        """The storage fault the idle loop waits out, logged once (``_storage_failed``)."""
        self._taken: dict[str, float] = {}
        """When this worker last took up a job of each owner (``time.monotonic``): owners
        with as many jobs running take turns (``pipeline.fair_share``)."""
        self._unloadable: dict[str, tuple[float, str]] = {}
        """Per model reference that failed to load: the ``time.monotonic`` before which it is
        not tried again, and the note its jobs wait with."""

    def request_stop(self) -> None:
        """Finish the current chunk, hand the message back, and leave the loop."""
        self._stop.set()

    def warm_up(self, reference: str) -> None:
        """Before the first receive: load ``reference``'s predictor and label a few comments
        through the screen, so the first job finds the model loaded, its first kernels built and
        the language detector unpacked; with insights, also the analyst's models and the themes
        post-pass (``pipeline.themes.warm``), unless a job is already waiting (a worker started
        for it): a job's insights come after all its labels, which would wait for those models
        for nothing. A failure is only logged: the job that needs the model meets it again and
        records it."""
        try:
            predictor = self._predictor(reference)
            frame = pd.DataFrame({WARM_UP_COLUMN: WARM_UP_COMMENTS})
            labelled = label_frame(
                predictor, frame, WARM_UP_COLUMN, self._max_comment_chars, self._screen
            )
            if self._job_waiting():
                log.info("a job is waiting: its labels first, the insight models after them")
                return
            analyst = self._analyst(reference, predictor)
            if analyst is not None:
                _analyse(analyst, frame[WARM_UP_COLUMN], labelled, predictor.labels, False)
            if analyst is not None and analyst.computes_insights:
                warm_up_themes(analyst.dimension)
        except Exception:
            log.exception(
                "warming up model %s failed (%s); a job will try to load it again",
                reference,
                MODEL_SETTING,
            )

    def _job_waiting(self) -> bool:
        """Whether a job is queued now; False when the queue cannot say (the whole warm-up
        then runs, as it would for an idle pool)."""
        try:
            return self.backend.queue.depth().visible > 0
        except PipelineError:
            log.warning("the queue's depth is unknown: taken as no job waiting", exc_info=True)
            return False

    @property
    def started_by_fleet(self) -> bool:
        """Whether a fleet started this worker (it watches its parent, and stops with it)."""
        return self._parent_pid is not None

    @property
    def stopping(self) -> bool:
        if self._parent_pid is not None and os.getppid() != self._parent_pid:
            self._stop.set()
        return self._stop.is_set()

    def run(self, burst: bool = False) -> int:
        """Work until stopped; in burst mode return once the queue has nothing visible.
        Returns the number of messages handled."""
        handled = 0
        scratch.sweep(self.backend.settings.data_dir)
        try:
            while not self.stopping:
                try:
                    taken = self._next(burst)
                except ServiceUnavailableError as exc:
                    if burst:
                        raise
                    self._storage_failed(exc)
                    continue
                if taken is None:
                    break
                handled += taken
        finally:
            if burst:
                settle_dead_letters(self.backend)
            self._leave()
        return handled

    def _next(self, burst: bool) -> int | None:
        """One turn of the loop: the messages handled (0 or 1), or None when a burst is over.
        A fault of the service's storage leaves it as ``ServiceUnavailableError``."""
        self._record_fault()
        self._beat(None)
        self._storage_answers()
        resting_s = self._resume_at - time.monotonic()
        if resting_s > 0:  # a model or the storage failed: no job for a while, beating idle
            if burst:
                return None
            self._stop.wait(min(resting_s, self._heartbeat_s))
            return 0
        message = self.backend.queue.receive(wait_s=0.0 if burst else self._poll_s)
        if message is None:
            return None if burst else 0
        self.handle(message)
        return 1

    def _storage_failed(self, error: ServiceUnavailableError) -> None:
        """The service's storage failed the idle loop (a beat, a receive) or a delivery outside
        its labelling: the worker rests a beat and tries again rather than exits, since the
        master starts a replacement the moment a worker ends (a connection cut for an instant
        killed idle workers, each replaced by one loading its model from scratch). Logged once
        per fault, not at every try."""
        if str(error) != self._storage_fault:
            log.error(
                "the service's storage failed (%s): this worker tries again every %g s",
                error,
                min(error.retry_after_s, self._heartbeat_s),
                exc_info=error,
            )
            self._storage_fault = str(error)
        self._stop.wait(min(error.retry_after_s, self._heartbeat_s))

    def _storage_answers(self) -> None:
        if self._storage_fault is not None:
            log.info("the service's storage answers again: this worker goes on")
            self._storage_fault = None

    def _record_fault(self) -> None:
        """Write the note of a storage fault the database could not take when it happened
        (``_unrecorded``), closing that delivery uncounted; not when another live worker
        holds the job again: its new delivery has judged the old one already."""
        if self._unrecorded is None:
            return
        request_id, note = self._unrecorded
        self.backend.repository.jobs.note_fault(
            request_id, note, late_from=self.worker_id, stale_after_s=self._stale_s
        )
        self._unrecorded = None
        log.info("job %s: the storage fault that ended its delivery is recorded", request_id)

    def _leave(self) -> None:
        """On the way out: the unrecorded fault first, then the beat removed; each best effort
        when the storage still fails (the master forgets a worker whose beat went stale)."""
        for step in (
            self._record_fault,
            lambda: self.backend.repository.workers.remove(self.worker_id),
        ):
            try:
                step()
            except ServiceUnavailableError as exc:
                log.warning("leaving while the service's storage fails (%s)", exc)

    def handle(self, message: QueueMessage) -> None:
        """One delivery: label what is left of the job, or acknowledge a job already finished."""
        queue = self.backend.queue
        try:
            request_id = queued_request_id(message.body)
            job = self.backend.repository.jobs.get(request_id)
        except JobNotFound as exc:
            log.warning("dropping message %s: %s", message.message_id, exc)
            _forget(queue.delete, message.receipt)
            return
        if job.is_terminal:
            _forget(queue.delete, message.receipt)
            return
        if self._restored_after_erasure(job):
            _forget(queue.delete, message.receipt)
            return
        if self.stopping:
            _forget(queue.release, message.receipt)
            return
        if self._lets_another_owner_first(job, message):
            log.info("job %s: put behind a job of an owner whose turn comes first", request_id)
            self._requeue(request_id, message, {DEFERRED: deferrals(message.body) + 1})
            return
        self._timed_since = self._clock()
        holder = self.backend.repository.workers.claim(
            self.worker_id,
            request_id,
            host=socket.gethostname(),
            pid=os.getpid(),
            receipt=message.receipt,
            stale_after_s=self._stale_s,
        )
        if holder is not None:
            self._held_elsewhere(request_id, holder, message)
            return
        self._taken[job.owner] = time.monotonic()
        self._receipt = message.receipt
        try:
            self._deliver(job, message)
        finally:
            self._receipt = None
            self._beat(None)

    def _lets_another_owner_first(self, job: JobRecord, message: QueueMessage) -> bool:
        """A job never started, of an owner with more jobs running than another owner who has
        one queued, or as many and whose turn with this worker came later, goes behind it
        (``pipeline.fair_share``), at most ``MAX_DEFERRALS`` times and only while a message
        waits to be taken instead."""
        if job.status != JobStatus.QUEUED or deferrals(message.body) >= MAX_DEFERRALS:
            return False
        running, waiting = self.backend.repository.jobs.owners_at_work()
        first = another_owner_first(job.owner, running, waiting, self._taken)
        return first and self._job_waiting()

    def _held_elsewhere(self, request_id: str, holder: str, message: QueueMessage) -> None:
        """Another live worker holds the job: two messages of one job (a re-send's old one
        not yet deleted, SQS's at-least-once), or the same message again after its holder's
        visibility lapsed. Working on it too would label the whole job twice at once. The
        delivery is hidden again, not deleted (the holder may be the one whose message is
        gone): it comes back when the job has ended (then dropped) or its holder is gone (then
        resumed); near the queue's limit it is sent again fresh, never dead-lettered while the
        job runs."""
        log.info("job %s is held by worker %s: this delivery waits", request_id, holder)
        queue = self.backend.queue
        if needs_fresh_message(message.receive_count, self._max_receives):
            self._requeue(request_id, message)
            return
        _forget(lambda receipt: queue.extend(receipt, self._visibility_s), message.receipt)

    def _deliver(self, job: JobRecord, message: QueueMessage) -> None:
        """Load the job's model, then judge the delivery and work on it. The model comes
        first: whatever loading raises is the deployment's fault, not the rows', and must
        never count toward poison (``pipeline.model_fault``); nor is a job whose model cannot
        be loaded re-sent with a fresh count, so the queue's limit still ends it."""
        queue = self.backend.queue
        request_id = job.request_id
        if self._model_resting(job, message):
            return
        try:
            with self._heartbeat(request_id, message.receipt):  # loading can be slow
                pinned = job.model_version if job.rows_done > 0 else None
                predictor = self._predictor(job.model, pinned)
                analyst = self._analyst(job.model, predictor)
        except Exception as exc:
            self._model_unavailable(job, message, exc)
            return
        self._unloadable.pop(job.model, None)
        changed = changed_note(
            job.model, job.rows_done, (job.model_version, job.labels), _model_of(predictor)
        )
        if changed is not None:  # before the renewal: the queue's limit must still end it
            self._model_changed(request_id, message, changed)
            return
        renew = needs_fresh_message(message.receive_count, self._max_receives)
        intake = self.backend.repository.jobs.take_delivery(request_id, self._poison, not renew)
        if intake is not Intake.WORK:
            if intake is Intake.POISONED:
                log.warning("job %s failed: it kept crashing without progress", request_id)
            _forget(queue.delete, message.receipt)
            return
        if renew:  # before the queue's own limit dead-letters a job judged healthy
            self._requeue(request_id, message)
            return
        try:
            with self._heartbeat(request_id, message.receipt):
                self._process(job, message, predictor, analyst)
        except ReceiptExpired:
            log.warning("lost the message of job %s to another delivery; leaving it", request_id)
        except InputError as exc:
            self.backend.repository.jobs.fail(request_id, f"the input cannot be read: {exc}")
            _forget(queue.delete, message.receipt)
        except ModelChanged as exc:  # rows committed since this delivery's job was read
            self._model_changed(request_id, message, str(exc))
        except DEPLOYMENT_FAULTS as exc:  # e.g. an explainer's config, read on first use
            self._model_unavailable(job, message, exc)
        except ServiceUnavailableError as exc:
            self._service_unavailable(request_id, message, exc)
        except Exception as exc:
            log.exception("job %s failed on attempt %d", request_id, message.receive_count)
            self.backend.repository.jobs.note_error(
                request_id, f"{type(exc).__name__}: {exc}", self._spent()
            )
            _forget(queue.release, message.receipt)

    def _service_unavailable(
        self, request_id: str, message: QueueMessage, error: ServiceUnavailableError
    ) -> None:
        """The service's own storage failed the delivery (a full disk, a database locked or
        down, S3 or the queue out of reach). Counted as a crash, two such faults in a row
        failed a job whose every label was committed as poison, blaming its rows; now the job
        keeps waiting with a note (``service_note``; nothing counted, nothing committed lost),
        its message hidden for the fault's ``retry_after_s`` while this worker rests, as for a
        model that cannot be loaded. A note the database cannot take (it is what failed) is
        kept and written once it answers (``_record_fault``). A fault that never clears still
        ends at the queue's limit (PIPELINE_MAX_RECEIVES), its reason naming the fault."""
        log.error(
            "job %s waits: %s; this worker takes no job for %d s",
            request_id,
            error,
            error.retry_after_s,
            exc_info=error,
        )
        self._resume_at = time.monotonic() + error.retry_after_s
        queue = self.backend.queue
        note = service_note(error)
        try:  # best effort: the fault may be the database's own
            self.backend.repository.jobs.note_fault(request_id, note)
        except ServiceUnavailableError as exc:
            log.warning(
                "job %s: the fault is recorded once the database answers (%s)", request_id, exc
            )
            self._unrecorded = (request_id, note)
        except PipelineError as exc:
            log.warning("job %s: the fault could not be recorded (%s)", request_id, exc)
        try:
            queue.extend(message.receipt, error.retry_after_s)
        except PipelineError as exc:  # the queue's own fault: the message shows again sooner
            log.warning("job %s: its message could not be hidden (%s)", request_id, exc)

    def _model_unavailable(self, job: JobRecord, message: QueueMessage, error: Exception) -> None:
        """The job's model cannot be loaded. The job keeps waiting with a note naming the model
        setting (its committed rows stay; no failure is counted), its message hidden for
        ``model_retry_s``, and the model is not tried again for as long (``_model_resting``).
        When it is this worker's own model (PIPELINE_MODEL), which every job submitted under
        the same setting names, the worker takes no job for as long, so it does not burn the
        whole queue: it rests in ``run``, beating as an idle worker (the master neither takes
        it for dead nor starts another in its place) rather than exits, since the master starts
        a replacement the moment a worker ends, and each would take one more delivery at once,
        a crash loop; a burst worker ends there instead. A model only some jobs name (submitted
        under an earlier setting, since fixed) holds up only those: the worker goes on with
        the others, where it took no job for a minute at each of that job's ten deliveries."""
        note = waiting_note(job.model, error)
        own = job.model == self.backend.settings.model
        then = (
            "this worker takes no job for"
            if own
            else "this worker goes on with other jobs; that model is tried again in"
        )
        log.error(
            "job %s waits: %s. Set %s to a model this worker can load, or put the model where "
            "it points; %s %.0f s",
            job.request_id,
            note,
            MODEL_SETTING,
            then,
            self._model_retry_s,
            exc_info=error,
        )
        self.backend.repository.jobs.note_fault(job.request_id, note)
        queue = self.backend.queue
        _forget(lambda receipt: queue.extend(receipt, self._model_retry_s), message.receipt)
        self._unloadable[job.model] = (time.monotonic() + self._model_retry_s, note)
        if own:
            self._resume_at = time.monotonic() + self._model_retry_s

    def _model_resting(self, job: JobRecord, message: QueueMessage) -> bool:
        """Whether the job's model failed to load less than ``model_retry_s`` ago: the job then
        waits as the one that met the failure does (the same note, its message hidden until
        the model is tried again), without this worker loading the model for each such job."""
        until, note = self._unloadable.get(job.model, (0.0, ""))
        left_s = until - time.monotonic()
        if left_s <= 0:
            return False
        log.info("job %s waits %.0f s: its model could not be loaded", job.request_id, left_s)
        self.backend.repository.jobs.note_fault(job.request_id, note)
        queue = self.backend.queue
        _forget(lambda receipt: queue.extend(receipt, left_s), message.receipt)
        return True

    def _model_changed(self, request_id: str, message: QueueMessage, note: str) -> None:
        """This worker's model is not the one the job's committed rows came from (``note``,
        ``model_fault.changed_note``): labelling the rest with it would make one job of two
        models; counted as a crash, it failed the job as poison, blaming rows. The job waits
        as for a model that cannot be loaded (its rows kept, no failure counted, its message
        hidden for ``model_retry_s``, the queue's limit ends it), but this worker does not
        rest: its model serves every other job."""
        log.error("job %s waits: %s", request_id, note)  # the note says what to do
        self.backend.repository.jobs.note_fault(request_id, note)
        queue = self.backend.queue
        _forget(lambda receipt: queue.extend(receipt, self._model_retry_s), message.receipt)

    def _process(
        self,
        job: JobRecord,
        message: QueueMessage,
        predictor: Predictor,
        analyst: ChunkAnalyst | None,
    ) -> None:
        repository = self.backend.repository
        self.backend.queue.extend(message.receipt, self._visibility_s)
        with_insights = analyst is not None and analyst.computes_insights
        started = repository.jobs.begin_attempt(
            job.request_id,
            predictor.version,
            predictor.labels,
            predictor.low_confidence,
            insights_key=storage.insights_key(job.request_id) if with_insights else None,
            aspect_model=analyst.aspect_model if analyst is not None else None,
        )
        if started is None:
            _forget(self.backend.queue.delete, message.receipt)
            return
        with scratch.folder(self.backend.settings.data_dir, "job") as folder:
            if started.rows_done < started.rows_total and not self._label(
                started, predictor, analyst, message, folder
            ):
                return
            if started.insights_key is not None and not self._add_insights(
                started, predictor.labels, analyst, message
            ):
                return
            self._find_themes(job.request_id, analyst)
            result_key = self._publish_results(job.request_id, folder / "results.csv")
        if not repository.jobs.complete(job.request_id, result_key, self._spent()):
            self._stopped(job.request_id, message)
            return
        _forget(self.backend.queue.delete, message.receipt)
        if self._alerts is not None:
            rows = repository.results.batches(job.request_id)
            self._alerts.after_success(repository.jobs.get(job.request_id), rows)

    def _label(
        self,
        started: JobRecord,
        predictor: Predictor,
        analyst: ChunkAnalyst | None,
        message: QueueMessage,
        folder: Path,
    ) -> bool:
        """Phase 1: label the rows left, a chunk at a time. A job with insights commits labels
        only (its second phase adds the rest); one without commits its explanations too.
        False when the delivery ended here (stopped, handed back, or the job was stopped)."""
        try:
            source = self.backend.store.get_file(
                started.input_key, folder / f"input.{started.input_format}"
            )
        except NotFoundError as exc:
            self._input_gone(started.request_id, message, exc)
            return False
        self.backend.queue.extend(message.receipt, self._visibility_s)
        # a small first chunk, so the job shows progress at once; a small job's rest next
        self._sizer.restart(started.rows_total - started.rows_done)
        chunks = read_ahead(  # the next chunk is read and parsed while this one is labelled
            iter_chunks(
                source,
                started.input_format,
                started.text_column,
                self._sizer.next_limit,
                start_row=started.rows_done,
                options=ReadOptions.from_json(started.input_options),
            )
        )
        try:
            return self._label_chunks(chunks, started, predictor, analyst, message)
        finally:
            self._sizer.release()

    def _input_gone(self, request_id: str, message: QueueMessage, error: NotFoundError) -> None:
        """The job's stored input is not in the object store. A job erased meanwhile had it
        removed on purpose: its delivery is dropped as any stopped job's is. Otherwise no retry
        brings it back (removed by hand, expired by the bucket's rule) and no row is at fault,
        so the job fails at once saying so, where counted as a crash it failed as poison,
        blaming its first rows and showing clients the store's folder."""
        if not self.backend.repository.jobs.fail(request_id, INPUT_GONE):
            self._stopped(request_id, message)
            return
        log.error("job %s failed: its stored input is missing (%s)", request_id, error)
        _forget(self.backend.queue.delete, message.receipt)

    def _label_chunks(
        self,
        chunks: Iterator[pd.DataFrame],
        started: JobRecord,
        predictor: Predictor,
        analyst: ChunkAnalyst | None,
        message: QueueMessage,
    ) -> bool:
        repository = self.backend.repository
        request_id = started.request_id
        later = started.insights_key is not None
        began: float | None = None  # the pace between commits, waiting for input included
        turn_began = self._timer()
        for chunk in chunks:
            if self.stopping:
                self._hand_back(request_id, message)
                return False
            if began is not None and self._turn_is_over(turn_began):
                self._put_behind(request_id, message, "its labels wait while a queued job's go")
                return False
            began = self._timer() if began is None else began
            labelled = label_frame(
                predictor, chunk, started.text_column, self._max_comment_chars, self._screen
            )
            found = (
                NOTHING
                if later
                else self._insights(analyst, started, chunk, labelled, predictor.labels)
            )
            rows = export.rows_for_database(chunk, labelled, started, predictor.labels, found)
            outcome = repository.jobs.write_chunk(request_id, rows, self._spent())
            committed = self._timer()
            self._sizer.record(
                chunk_work(chunk[started.text_column]), committed - began, len(chunk)
            )
            began = committed
            if not self._chunk_kept(outcome, request_id, message, len(rows), self._on_rows):
                return False
        return True

    def _add_insights(
        self,
        started: JobRecord,
        labels: tuple[str, ...],
        analyst: ChunkAnalyst | None,
        message: QueueMessage,
    ) -> bool:
        """Phase 2: the labelled rows' insights, from ``insights_done`` on, a chunk at a time
        (each chunk's embeddings stored, then its rows' columns and the counter committed
        together). False when the delivery ended here (stopped, the job stopped, or put
        behind a job that waited a turn: ``_turn_is_over``, as for labels). A worker that
        computes no insights (PIPELINE_INSIGHTS off beside workers with it on) leaves them
        and says so."""
        repository = self.backend.repository
        request_id = started.request_id
        if analyst is None or not analyst.computes_insights:
            return True  # the post-pass records why the job has no themes
        job = repository.jobs.get(request_id)
        prefix = job.insights_key or storage.insights_key(request_id)
        start = job.insights_done
        self._insight_sizer.restart(job.rows_done - start)
        began: float | None = None
        turn_began = self._timer()
        while start < job.rows_done:
            if self.stopping:
                self._hand_back(request_id, message)
                return False
            if start > job.insights_done and self._turn_is_over(turn_began):
                self._put_behind(
                    request_id, message, "its insights wait while a queued job's labels go"
                )
                return False
            began = self._timer() if began is None else began
            limit = self._insight_sizer.next_limit()
            records = _within(repository.results.page(request_id, start, limit.max_rows), limit)
            if not records or records[0].row_index != start:
                raise Conflict(f"job {request_id} has no committed row {start} to analyse")
            found = _analyse_records(analyst, records, labels, job.explain)
            if found.embeddings is not None:
                storage.save_chunk(self.backend.store, prefix, start, found.embeddings)
            rows = export.insight_columns(records, found)
            outcome = repository.jobs.write_insights(request_id, rows, self._spent())
            committed = self._timer()
            work = chunk_work(record.text for record in records)
            self._insight_sizer.record(work, committed - began, len(records))
            began = committed
            if not self._chunk_kept(outcome, request_id, message, len(rows), self._on_insights):
                return False
            start = records[-1].row_index + 1
        return True

    def _chunk_kept(
        self,
        outcome: ChunkOutcome,
        request_id: str,
        message: QueueMessage,
        rows: int,
        tell: Callable[[int], None] | None,
    ) -> bool:
        """After a chunk's commit, in either phase: False when the job was stopped meanwhile
        (its message is deleted); else the delivery goes on and ``tell`` hears the rows."""
        if outcome is ChunkOutcome.STOPPED:
            self._stopped(request_id, message)
            return False
        self._committed(request_id, message)
        if tell is not None:
            tell(rows)
        return True

    def _stopped(self, request_id: str, message: QueueMessage) -> None:
        """The job was stopped while this delivery worked on it: drop its message and, when
        it was erased, remove the objects this delivery stored before finding out
        (``pipeline.service.erase``)."""
        _forget(self.backend.queue.delete, message.receipt)
        job = self.backend.repository.jobs.get(request_id)
        if job.erased_at is not None:
            erase_objects(self.backend.store, job, keep_input=True)

    def _hand_back(self, request_id: str, message: QueueMessage) -> None:
        """Stop on request between chunks: the next delivery resumes where this one stopped."""
        self.backend.repository.jobs.hand_back(request_id)
        self.backend.queue.release(message.receipt)

    def _restored_after_erasure(self, job: JobRecord) -> bool:
        """Whether ``job`` was erased before its database was restored from a backup (it is
        erased again now, and its message dropped). A store that cannot be read here is left
        to the delivery, whose own reads of the store wait for it and say so on the job (or,
        refused, fail it saying why); the master's pass over the erasure marks finds such a
        job anyway."""
        try:
            return erased_before(self.backend, job)
        except PipelineError as exc:  # unavailable, or refused by a role tightened by hand
            log.warning("job %s: its erasure mark could not be read (%s)", job.request_id, exc)
            return False

    def _turn_is_over(self, began: float) -> bool:
        """Between two chunks of either pass: this delivery has worked on the pass for
        ``turn_s`` and a job has waited as long for its first delivery, with a message there
        to take, so no free worker took it (the master starts one within seconds where it may
        start more): this job gives up its worker, and a small file submitted behind a large
        one is labelled within a turn, not after it. A job that has started is never waited
        for, so two large jobs do not take turns. The insights pass gets the same turn: it
        used to yield after every chunk to any queued job, so with a queue that never emptied
        a job labelled in seconds got one chunk of insights per trip round the queue and
        succeeded last (10-15 minutes for 120 rows in hunt 4)."""
        turn_s = self.backend.settings.turn_s
        return (
            0 < turn_s <= self._timer() - began
            and self.backend.repository.jobs.any_queued(turn_s)
            and self._job_waiting()
        )

    def _put_behind(self, request_id: str, message: QueueMessage, why: str) -> None:
        """Between chunks: put this job behind the queue (a fresh message, sent before the old
        one is deleted) and take the next; a later delivery resumes it from its committed
        rows (``rows_done``, then ``insights_done``)."""
        log.info("job %s: %s", request_id, why)
        self.backend.repository.jobs.hand_back(request_id)
        self._requeue(request_id, message)

    def _requeue(
        self, request_id: str, message: QueueMessage, more: Mapping[str, Any] | None = None
    ) -> None:
        """Put the job behind the queue: this worker stops holding it first (so the worker
        that takes the new message does not find it held and wait), then a fresh message is
        sent (with ``more`` in its body) before this one is deleted (a crash in between leaves
        two, never none)."""
        self._beat(None)
        self.backend.queue.send({"request_id": request_id, **(more or {})})
        _forget(self.backend.queue.delete, message.receipt)

    def _committed(self, request_id: str, message: QueueMessage) -> None:
        self.backend.queue.extend(message.receipt, self._visibility_s)
        self._beat(request_id)

    def _insights(
        self,
        analyst: ChunkAnalyst | None,
        job: JobRecord,
        chunk: pd.DataFrame,
        labelled: pd.DataFrame,
        labels: tuple[str, ...],
    ) -> ChunkInsights:
        """What a job without a second phase stores with its labels: the explanations, when
        the job asked for them (the analyst computes no aspects then)."""
        if analyst is None or len(chunk) == 0:
            return NOTHING
        return _analyse(analyst, chunk[job.text_column], labelled, labels, job.explain)

    def _find_themes(self, request_id: str, analyst: ChunkAnalyst | None) -> None:
        """The post-pass. A failure is logged and recorded on the job, which then completes
        with its labels and without themes; so does a job whose deliveries kept dying here
        (``take_delivery`` gave its themes up: trying again would only die again)."""
        job = self.backend.repository.jobs.get(request_id)
        if job.insights_key is None:
            return
        if gave_up_themes(job.themes_error):
            log.warning("job %s completes without themes: %s", request_id, job.themes_error)
            return
        try:
            if analyst is None or not analyst.computes_insights:
                raise RuntimeError(
                    "the worker that finished the job computes no embeddings (PIPELINE_INSIGHTS "
                    "is off there)"
                )
            found = find_job_themes(
                self.backend.store,
                self.backend.repository.results,
                job,
                analyst.embed,
                analyst.dimension,
            )
        except MissingDependencyError as exc:  # how to mend it is the whole story
            log.warning("job %s completes without themes: %s", request_id, exc)
            self.backend.repository.jobs.note_themes(
                request_id, f"finding the themes failed: {exc}"
            )
            return
        except Exception as exc:
            log.exception("finding the themes of job %s failed; it completes without", request_id)
            self.backend.repository.jobs.note_themes(
                request_id, f"finding the themes failed: {type(exc).__name__}: {exc}"
            )
            return
        log.info(
            "job %s: %d themes over %d comments", request_id, len(found.report.themes), found.rows
        )
        self.backend.repository.jobs.note_themes(request_id, None)

    def _publish_results(self, request_id: str, path: Path) -> str:
        """Build the results CSV from the committed rows (whole even after a resume), raw and
        formula-escaped (``export.escaped_key``); store both, return the raw one's key."""
        job = self.backend.repository.jobs.get(request_id)
        escaped = path.with_name(f"escaped-{path.name}")
        with (
            path.open("w", encoding="utf-8", newline="") as raw_handle,
            # For a spreadsheet: UTF-8's byte order mark first, so Excel reads it as UTF-8.
            escaped.open("w", encoding="utf-8-sig", newline="") as escaped_handle,
        ):
            batches = self.backend.repository.results.batches(request_id)
            export.write_both(batches, job, raw_handle, escaped_handle)
        key = export.result_key(request_id)
        self.backend.store.put_file(export.escaped_key(key), escaped, content_type="text/csv")
        self.backend.store.put_file(key, path, content_type="text/csv")
        return key

    def _spent(self) -> WorkerTime:
        """Worker time since the job's delivery was taken up or last recorded (model loading,
        download and labelling included), priced at PIPELINE_WORKER_PRICE_PER_HOUR."""
        now = self._clock()
        spent = WorkerTime.at_price(now - self._timed_since, self._price_per_hour)
        self._timed_since = now
        return spent

    def _predictor(self, reference: str, pinned: str | None = None) -> Predictor:
        """The loaded model of ``reference``, loaded again (with its analyst) when its files
        changed since: a model published again at the same path or s3:// URI labels the
        next job, not only a worker started after it. Not for a job whose committed rows
        came from the loaded model (its version ``pinned``): that job keeps its model
        (``model_fault.changed_note``), and dropping it here would leave the job waiting for
        a model no worker holds any more. A model loaded while its files could not be looked
        at is loaded again once they can."""
        fingerprint = model_fingerprint(reference)
        loaded = self._predictors.get(reference)
        was = self._fingerprints.get(reference)
        stale = republished(was, fingerprint) or (was is None and fingerprint is not None)
        if loaded is not None and stale and (pinned is None or loaded.version != pinned):
            log.info("model %s was published again: loading it afresh", reference)
            self._predictors.clear()
            self._analysts.clear()
        if reference not in self._predictors:
            predictor = self._load_predictor(reference)  # one that fails leaves the loaded one
            self._predictors.clear()
            self._predictors[reference] = predictor
            self._fingerprints = {reference: fingerprint}
        return self._predictors[reference]

    def _analyst(self, reference: str, predictor: Predictor) -> ChunkAnalyst | None:
        if self._load_analyst is None:
            return None
        if reference not in self._analysts:
            self._analysts.clear()
            self._analysts[reference] = self._load_analyst(predictor)
        return self._analysts[reference]

    def _heartbeat(self, request_id: str, receipt: str) -> DeliveryHeartbeat:
        """Keeps the delivery hidden and the beat fresh while it is worked on (any step may
        outlast the visibility timeout: loading, a long chunk, publishing the results)."""
        return DeliveryHeartbeat(
            extend=lambda: self.backend.queue.extend(receipt, self._visibility_s),
            beat=lambda: self._beat(request_id),
            interval_s=self._heartbeat_s,
        )

    def _beat(self, request_id: str | None) -> None:
        """Record that this worker is alive, the job it holds and, with a job, the receipt of
        that delivery: the master hands the message back once it sees the worker is gone."""
        self.backend.repository.workers.beat(
            self.worker_id,
            request_id,
            host=socket.gethostname(),
            pid=os.getpid(),
            receipt=self._receipt if request_id is not None else None,
        )


def install_stop_signals(worker: Worker) -> None:
    """First SIGTERM/SIGINT: finish the chunk, hand the job back and stop; a second exits at
    once, but only in a worker run by hand. One a fleet started (``up``'s) gets two signals
    for one stop: a terminal's Ctrl-C or a service manager's SIGTERM reaches every process of
    the group, and the fleet then stops each worker itself. Taken as "exit now", that second
    lost the chunk, left the job hidden for the visibility timeout and counted a crash against
    its rows (two such stops failed a healthy job as poison); the fleet kills a worker whose
    chunk outlasts its grace period instead."""

    def handle(signum: int, _frame: FrameType | None) -> None:
        if worker.stopping:
            if worker.started_by_fleet:
                log.info("signal %d: already finishing the current chunk", signum)
                return
            raise SystemExit(128 + signum)
        log.info("signal %d: finishing the current chunk, then stopping", signum)
        worker.request_stop()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


def _analyse(
    analyst: ChunkAnalyst,
    texts: pd.Series,
    labelled: pd.DataFrame,
    labels: tuple[str, ...],
    explain: bool,
) -> ChunkInsights:
    probs = labelled[[score_column(name) for name in labels]].to_numpy(dtype=np.float64)
    return analyst.analyse(
        ["" if pd.isna(text) else str(text) for text in texts],
        probs,
        [label if isinstance(label, str) else None for label in labelled[LABEL_COLUMN].tolist()],
        explain,
    )


def _model_of(predictor: Predictor) -> tuple[str, tuple[str, ...]]:
    """The version and labels a job records of the model that labels it."""
    return predictor.version, predictor.labels


def _within(records: list[ResultRecord], limit: ChunkLimit) -> list[ResultRecord]:
    """The first rows of ``records`` that fill a chunk of ``limit`` (at least one)."""
    work = 0
    for count, record in enumerate(records, start=1):
        work += row_work(record.text)
        if limit.full(count, work):
            return records[:count]
    return records


def _analyse_records(
    analyst: ChunkAnalyst, records: list[ResultRecord], labels: tuple[str, ...], explain: bool
) -> ChunkInsights:
    """The insights of committed rows, from their stored text, label and scores (a row
    without scores is analysed as the labelling pass left it: no aspects)."""
    probs = np.asarray(
        [
            [np.nan] * len(labels)
            if record.scores is None
            else [record.scores.get(name, np.nan) for name in labels]
            for record in records
        ],
        dtype=np.float64,
    ).reshape(len(records), len(labels))
    return analyst.analyse(
        [record.text for record in records],
        probs,
        [record.label for record in records],
        explain,
    )


def _forget(action: Callable[[str], None], receipt: str) -> None:
    """Acknowledge or release a message whose receipt may have expired meanwhile."""
    try:
        action(receipt)
    except ReceiptExpired:
        log.info("message receipt expired before it could be acknowledged")
