"""Service functions for jobs: submit, status, list, cancel, and settling dead letters.

Every edge (HTTP API, Lambda handler, CLI, analyze) calls these with plain values; none of them
holds business logic of its own.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline import scratch
from pipeline.bootstrap import Backend
from pipeline.column_guess import PREVIEW_ROWS, guess_more_text_columns
from pipeline.db.records import JobRecord, JobStatus, NewJob
from pipeline.errors import (
    ConfigError,
    Conflict,
    InputError,
    JobNotFound,
    LimitExceededError,
    MissingColumnError,
    NotFoundError,
    PipelineError,
    QueueUnavailableError,
    ServiceUnavailableError,
    Unsupported,
)
from pipeline.input_header import CHOOSE_TEXT_COLUMN, MAX_COLUMNS
from pipeline.inputs import InputSummary, ReadOptions, asked_columns, iter_chunks, validate_input
from pipeline.labelling import check_comment_column
from pipeline.messages import echo
from pipeline.model.loading import read_card
from pipeline.model.locate import local_model_path
from pipeline.model.no_opinion import extra_phrases
from pipeline.model_fault import given_up_reason, is_model_fault
from pipeline.ports import QueueMessage
from pipeline.request_id import REQUEST_ID, queued_request_id
from pipeline.service.column_hint import with_free_text_columns
from pipeline.service.erase import erase, overdue
from pipeline.service.erasure_marks import ErasureReason
from pipeline.service.pace import job_pace
from pipeline.service.restored_erasures import erased_before
from pipeline.service.unsent import resend_if_lost, send_message
from pipeline.service.views import JobView, Submission, UploadTicket
from pipeline.settings import Settings

ANONYMOUS = "anonymous"
UPLOAD_PREFIX = "uploads/"
UPLOAD_URL_EXPIRES_S = 900
# Exactly what upload_key_for issues: never a job's stored input, nor another owner's file.
_UPLOAD_KEY = re.compile(re.escape(UPLOAD_PREFIX) + r"[A-Za-z0-9_-]{22}\.([0-9a-f]{16})/upload")
_SUBMITTED = "submitted"
"""The marker of a submitted upload, beside it: holds the id of the job it started."""
_HASH_BLOCK = 1024 * 1024
_MAX_NAME_CHARS = 255  # jobs.input_name
_MAX_EXTENSION_CHARS = 8

log = logging.getLogger(__name__)


def submit(
    backend: Backend,
    source: Path,
    text_column: str | Sequence[str] | None,
    group_by: Sequence[str] = (),
    owner: str = ANONYMOUS,
    filename: str | None = None,
    fresh: bool = False,
    sheet: str | None = None,
    explain: bool = False,
) -> Submission:
    """Validate the file, store it under a generated key and queue it; nothing is queued when
    the file is refused. An identical earlier job (same content, columns, sheet, model,
    explain and settings that decide which rows get a label: ``labelling_settings``) of the
    same owner is returned instead unless ``fresh``, when it was labelled by the model version
    that would label this one (where the model's card on this machine says which) and, with
    insights on, has them (``labelled_as_now``). ``sheet`` chooses a workbook's sheet (name or
    1-based number); by default the first whose header names ``text_column``; several comment
    columns make one row per row and column, with a question column
    (``pipeline.input_melt``). ``explain`` adds each row's top words toward its label
    (slower)."""
    return _submit(
        backend, source, text_column, group_by, owner, filename, fresh, None, sheet, explain
    )


def submit_stored(
    backend: Backend,
    upload_key: str,
    text_column: str | Sequence[str] | None,
    group_by: Sequence[str] = (),
    owner: str = ANONYMOUS,
    filename: str | None = None,
    fresh: bool = False,
    sheet: str | None = None,
    explain: bool = False,
) -> Submission:
    """Submit a file a client already uploaded (the upload form of ``request_upload``);
    it is validated exactly like a direct submit. Only the owner the key was issued to may
    submit it: the key travels in the upload URL (proxies, S3 access logs, shell history), and
    another caller's job on it would outlive the owner's erasure of theirs.

    The upload URL stays writable until it expires, so the job never reads the upload's key:
    the version read and validated is copied to a key of the job's own (on the condition that
    the upload still holds that version: a file replaced meanwhile is refused with Conflict)
    and the upload is deleted once the submission is accepted, after a marker beside it
    records the job it started (``_consume``). An upload to the form after that changes nothing
    any job reads, and submitting the key again is refused whatever the upload holds then.

    ``filename`` is only the job's label and, by its extension, the format: the file is read
    under a name of the server's, as a direct upload is (a name too long for the disk, ``..``
    or a NUL would otherwise fail the submit)."""
    issued = _UPLOAD_KEY.fullmatch(upload_key)
    if issued is None or issued.group(1) != _owner_tag(owner):
        raise InputError(f"{echo(upload_key)} is not an upload key issued to this caller")
    upload = _Upload(upload_key, _submittable_version(backend, upload_key))
    with scratch.folder(backend.settings.data_dir, "submit") as folder:
        local = folder / "upload"
        with _unchanged(upload):
            backend.store.get_file(upload_key, local, upload.version)
        return _submit(
            backend,
            local,
            text_column,
            group_by,
            owner,
            filename,
            fresh,
            upload,
            sheet,
            explain,
        )


@dataclass(frozen=True)
class _Upload:
    """An upload being submitted: its key, and the version of it that was read."""

    key: str
    version: str


@contextmanager
def _unchanged(upload: _Upload) -> Iterator[None]:
    """An upload replaced or deleted after its size was checked is refused with Conflict:
    nothing of it is submitted, so no job reads anything but the version validated."""
    try:
        yield
    except (Conflict, NotFoundError) as exc:
        raise Conflict(
            f"the file at {upload.key!r} was replaced or deleted while it was being "
            "submitted, and was not submitted: upload it again to a new upload URL "
            "(POST /v1/uploads) and submit that key"
        ) from exc


def _consume(backend: Backend, upload: _Upload | None, request_id: str) -> None:
    """Mark an upload whose submission was accepted as submitted (to ``request_id``'s job),
    then delete it: its job reads a copy of its own. The marker comes first, so an upload gone
    this way is never taken for one not yet made: the URL stays writable, and an upload after
    the submit would otherwise make the key submittable again with whatever it put there. A
    failure of either is logged and does not undo the submission (the bucket's expiry
    removes what is left)."""
    if upload is None:
        return
    try:
        backend.store.put_bytes(submitted_key(upload.key), request_id.encode("ascii"))
    except PipelineError as exc:
        log.error(
            "the submitted upload %s could not be marked as submitted (%s): until its URL "
            "expires, an upload to it would make the key submittable again",
            upload.key,
            exc,
        )
    _delete_upload(backend, upload.key)


def _delete_upload(backend: Backend, upload_key: str) -> None:
    """Delete an upload no later submit may read; a failure leaves it to the bucket's
    expiry, logged."""
    try:
        backend.store.delete(upload_key)
    except PipelineError as exc:
        log.warning("the upload %s could not be deleted: %s", upload_key, exc)


def submitted_key(upload_key: str) -> str:
    """Where the marker of a submitted upload is kept: beside the upload, under its random
    folder, where its URL (signed for the upload's key alone) cannot write."""
    return f"{upload_key.rpartition('/')[0]}/{_SUBMITTED}"


def _refuse_submitted(backend: Backend, upload_key: str) -> None:
    """InputError, naming the job it started, for an upload key submitted already: an upload
    starts one job, whatever was uploaded to its URL since."""
    try:
        marker = backend.store.get_bytes(submitted_key(upload_key))
    except NotFoundError:
        return
    started = marker.decode("ascii", "replace")
    job = f" (job {started})" if REQUEST_ID.fullmatch(started) else ""
    raise InputError(
        f"{upload_key!r} was submitted already{job}: an upload key starts one job. To "
        "submit another file, ask for a new upload URL (POST /v1/uploads)"
    )


def upload_key_for(owner: str = ANONYMOUS) -> str:
    """A fresh, unguessable key for ``owner``'s upload (never derived from the file name),
    marked with a tag of the owner that ``submit_stored`` checks."""
    return f"{UPLOAD_PREFIX}{new_request_id()}.{_owner_tag(owner)}/upload"


def _owner_tag(owner: str) -> str:
    """16 hex digits of the owner's SHA-256: names the owner in a key without spelling it."""
    return hashlib.sha256(f"upload-owner:{owner}".encode()).hexdigest()[:16]


def request_upload(
    backend: Backend, owner: str = ANONYMOUS, expires_s: int = UPLOAD_URL_EXPIRES_S
) -> UploadTicket:
    """A key and a presigned upload form (POST) for a file too big for the API's request
    limit; the client uploads straight to the object store, then submits the key
    (``submit_stored``) as the same ``owner``. The form's signed policy holds the upload to
    ``max_upload_bytes``, which the store enforces: a presigned PUT signs no size."""
    key = upload_key_for(owner)
    limit = backend.settings.max_upload_bytes
    form = backend.store.presigned_upload(key, limit, expires_s)
    if form is None:
        raise Unsupported(
            "this deployment's object store cannot issue upload URLs; send the file itself in "
            "the 'file' field of POST /v1/jobs"
        )
    return UploadTicket(key, form.url, "POST", dict(form.fields), expires_s, limit)


def _submittable_version(backend: Backend, upload_key: str) -> str:
    """Refuse a missing, submitted or oversized upload before downloading any of it; returns
    the version of the upload whose size was checked, the only one that is then read. An
    oversized one is deleted: no submission of it can succeed. S3 refuses one through the
    upload form (its policy signs the limit); this holds for any store and any writer."""
    try:
        found = backend.store.stat(upload_key)
    except NotFoundError as exc:
        _refuse_submitted(backend, upload_key)
        raise InputError(
            f"nothing was uploaded to {upload_key!r}: upload the file to the upload URL first "
            "(it may also have expired, or been submitted already: an upload starts one job)"
        ) from exc
    # Looked for after the stat, not before: a file uploaded once an accepted submit deleted the
    # upload came after that submit's marker, so a submit that read such a file finds the
    # marker, even one already running when the other was accepted (the client's retry).
    _refuse_submitted(backend, upload_key)
    limit = backend.settings.max_upload_bytes
    if found.size > limit:  # never submitted: a smaller file uploaded there may still be
        _delete_upload(backend, upload_key)
        raise LimitExceededError(
            f"the file is {found.size:,} bytes, over the limit of {limit:,} bytes"
        )
    return found.version


def _submit(
    backend: Backend,
    source: Path,
    text_column: str | Sequence[str] | None,
    group_by: Sequence[str],
    owner: str,
    filename: str | None,
    fresh: bool,
    upload: _Upload | None,
    sheet: str | None,
    explain: bool = False,
) -> Submission:
    group_by = _clean_group_by(group_by)
    sheet = (sheet or "").strip() or None
    try:
        summary = validate_input(source, text_column, group_by, backend.limits, filename, sheet)
    except MissingColumnError as exc:
        if asked_columns(text_column) or not str(exc).startswith(CHOOSE_TEXT_COLUMN):
            raise
        raise with_free_text_columns(exc, source, filename or source.name, sheet) from None
    check_comment_column(summary.text_column)
    also = _other_text_columns(source, summary, text_column)
    group_by = summary.group_by  # the file's own names: ``Course`` for ``course``
    content_hash = file_sha256(source)
    dedup_key = _dedup_key(
        content_hash,
        summary.text_column,
        group_by,
        backend.settings.model,
        summary.options,
        explain,
        labelling_settings(backend.settings),
    )
    version = current_model_version(backend.settings.model)
    if not fresh:
        existing = backend.repository.jobs.find_reusable(owner, dedup_key)
        if existing is not None and _reusable_now(backend, existing, version):
            backend.repository.keys.refuse_revoked(owner)  # as the insert does (``_claim``)
            resend_if_lost(backend, existing)
            _consume(backend, upload, existing.request_id)
            return Submission(existing.request_id, existing.status.value, True, also)
    request_id = new_request_id()
    input_key = f"{UPLOAD_PREFIX}{request_id}/input.{summary.format}"
    if upload is None:
        backend.store.put_file(input_key, source)
    else:  # the validated version only: never what the upload URL may put there later
        with _unchanged(upload):
            backend.store.copy(upload.key, input_key, upload.version)
    new_job = NewJob(
        request_id=request_id,
        owner=owner,
        input_key=input_key,
        input_name=display_name(filename or source.name),
        input_format=summary.format,
        input_columns=summary.columns,
        input_options=summary.options.to_json(),
        text_column=summary.text_column,
        group_by=group_by,
        content_hash=content_hash,
        dedup_key=dedup_key,
        model=backend.settings.model,
        rows_total=summary.rows,
        explain=explain,
    )
    try:
        job, created = _create_job(backend, fresh, new_job)
        if not created and not _reusable_now(backend, job, version):
            job, created = backend.repository.jobs.create(new_job), True
    except Exception:
        # No job owns the stored copy (database locked or unreachable, 503): neither erase
        # nor retention could ever reach it, and every retry would store one more.
        _discard(backend, input_key, "the submission was not accepted")
        raise
    if not created:  # an identical submission won the race: its job and its copy of the file
        resend_if_lost(backend, job)
        _discard(backend, input_key, "an identical job was reused")
        _consume(backend, upload, job.request_id)
        return Submission(job.request_id, job.status.value, True, also)
    _enqueue(backend, job)
    _consume(backend, upload, job.request_id)
    return Submission(job.request_id, job.status.value, other_text_columns=also)


def _other_text_columns(
    source: Path, summary: InputSummary, asked: str | Sequence[str] | None
) -> tuple[str, ...]:
    """With the comment column taken for its name (none ``asked``), the file's other columns
    of free text, as the app proposes them from its first rows (``guess_more_text_columns``):
    the caller hears that their comments are not labelled."""
    if asked_columns(asked) or summary.format == "txt":
        return ()
    chunks = iter_chunks(
        source, summary.format, summary.text_column, PREVIEW_ROWS, options=summary.options
    )
    with closing(chunks):
        sample = next(chunks, None)
    if sample is None:
        return ()
    questions = summary.options.column_questions
    return tuple(guess_more_text_columns(summary.columns, summary.text_column, sample, questions))


def _discard(backend: Backend, input_key: str, why: str) -> None:
    """Delete a stored copy of a file that no job owns. Best effort: a failure is logged (the
    key names the comments to remove by hand) and does not hide the answer being given."""
    try:
        backend.store.delete(input_key)
    except Exception as exc:
        log.warning("the stored input %s (%s) could not be deleted: %s", input_key, why, exc)


def _create_job(backend: Backend, fresh: bool, new: NewJob) -> tuple[JobRecord, bool]:
    """A fresh submission always makes a job; otherwise an identical live job of the owner is
    reused, decided by the repository in one step, so that concurrent identical submissions
    make one job and queue it once. The flag is True when the job was created."""
    if fresh:
        return backend.repository.jobs.create(new), True
    return backend.repository.jobs.create_unless_reusable(new)


def _reusable_now(backend: Backend, job: JobRecord, version: str | None) -> bool:
    """Whether ``job``, found for an identical submission, may be handed out: labelled as this
    submission would be (``labelled_as_now``), not past its retention, nor erased before the
    database was restored from a backup; either of the last two is erased now instead. A job
    that is not handed out keeps its results; the new job takes its place for later
    submissions."""
    if not labelled_as_now(job, version, backend.settings.insights):
        return False
    if overdue(backend, job):
        erase(backend, job.request_id, reason=ErasureReason.RETENTION)
        return False
    return not erased_before(backend, job)


def labelled_as_now(job: JobRecord, version: str | None, insights: bool) -> bool:
    """Whether ``job`` stands for what a submission would get now: labelled by model
    ``version`` (None: not known, any will do) and, with ``insights`` on, with insights. A job
    not labelled yet has no version, and gets insights from its worker: it always does. After
    an upgrade that ships another model, or brings insights, the old job would otherwise be
    handed out, and mix model versions in ``change`` and ``trend`` unseen."""
    if version is not None and job.model_version not in (None, version):
        return False
    return not (insights and job.status == JobStatus.SUCCEEDED and job.insights_key is None)


def current_model_version(reference: str) -> str | None:
    """The version a worker records labelling with the model ``reference`` names (its card's
    ``version``), read where the card is on this machine: the shipped models, a local folder.
    None where it cannot be told without fetching the model (an s3:// one) or the card says
    none: identical submissions then reuse a job whatever model version labelled it."""
    if "://" in reference:
        return None
    try:
        version = read_card(local_model_path(reference)).get("version")
    except (OSError, ValueError, PipelineError):
        return None
    return str(version) if version else None


def get_status(backend: Backend, request_id: str, owner: str | None = None) -> JobView:
    job = _settled(backend, backend.repository.jobs.get(request_id, owner))
    return _view(backend, job, datetime.now(UTC))


def list_jobs(backend: Backend, owner: str, limit: int = 50) -> list[JobView]:
    now = datetime.now(UTC)
    jobs = [_settled(backend, job) for job in backend.repository.jobs.list_for(owner, limit)]
    return [_view(backend, job, now) for job in jobs]


def _view(backend: Backend, job: JobRecord, now: datetime) -> JobView:
    """The job's status: its pace and, while it is queued, where it stands in the queue."""
    pace = job_pace(job, now, backend.settings.worker_stale_s)
    queued = job.status == JobStatus.QUEUED
    return JobView.of(job, pace, backend.repository.jobs.queue_place(job) if queued else None)


def _settled(backend: Backend, job: JobRecord) -> JobRecord:
    """``job`` as its status should show it: one past its retention is erased now, as every
    read of its comments already refuses it, rather than shown ``succeeded`` and not erased
    until the master's hourly pass. An erasure that fails (the store away) is logged and the
    job shown as the database has it: the master's pass erases it later."""
    if job.erased_at is not None or not overdue(backend, job):
        return job
    try:
        erase(backend, job.request_id, reason=ErasureReason.RETENTION)
    except PipelineError as exc:
        log.warning(
            "job %s is past its retention but could not be erased now: %s", job.request_id, exc
        )
    return backend.repository.jobs.get(job.request_id)


def cancel(backend: Backend, request_id: str, owner: str | None = None) -> JobView:
    """Stop the job at its next chunk; rows already labelled stay readable."""
    job = backend.repository.jobs.cancel(request_id, owner)
    return JobView.of(job, job_pace(job, datetime.now(UTC)))


def settle_dead_letters(backend: Backend, limit: int = 10) -> list[str]:
    """Fail the jobs whose messages the queue gave up on, with the reason, and drop the dead
    letters; returns the failed request ids. Called by the master and after a burst.

    The worker judges poison itself and re-sends a healthy job's message before the queue's
    limit (pipeline.poison), so a dead letter means deliveries that died before the worker
    could record them, or a job whose model never loaded (pipeline.model_fault). A letter that
    cannot be settled now is logged and left for the next pass (it shows again after the
    queue's hold): one bad letter used to stop the pass, every 30 s for the letter's 14 days,
    and the jobs of the letters behind it stayed queued."""
    failed = []
    for letter in backend.queue.dead_letters(limit):
        try:
            request_id = _settle(backend, letter)
        except Exception:
            log.exception(
                "dead letter %s could not be settled now; the next pass tries it again",
                letter.message_id,
            )
            continue
        if request_id is not None:
            failed.append(request_id)
    return failed


def _settle(backend: Backend, letter: QueueMessage) -> str | None:
    """Fail the job of one dead letter and drop the letter; the job's id when this failed it.
    A letter that names no job (gone, or an id no job can have: ``queued_request_id``) is
    dropped."""
    try:
        request_id = queued_request_id(letter.body)
        job = backend.repository.jobs.get(request_id)
    except JobNotFound as exc:
        log.warning("dropping dead letter %s: %s", letter.message_id, exc)
        backend.queue.delete_dead_letter(letter.receipt)
        return None
    reason = _dead_letter_reason(job.error, backend.settings.max_receives)
    failed = backend.repository.jobs.fail(request_id, reason)
    if failed:
        log.warning("job %s moved to the dead-letter queue: %s", request_id, reason)
    backend.queue.delete_dead_letter(letter.receipt)
    return request_id if failed else None


def _dead_letter_reason(last_error: str | None, limit: int) -> str:
    """Why a dead-lettered job failed. It names the configured limit, not the dead letter's
    receive count: on SQS that count also grows with every read of the dead-letter queue
    (ApproximateReceiveCount survives the redrive), so it said 11 or more for a limit of 10.
    A job whose model never loaded says so, and that its file was not the problem."""
    if is_model_fault(last_error):
        return given_up_reason(str(last_error), limit)
    reason = (
        f"gave up after the queue's limit of {limit} deliveries (PIPELINE_MAX_RECEIVES) "
        "before the job could finish"
    )
    return f"{reason} (last error: {last_error})" if last_error else reason


def display_name(filename: str) -> str:
    """The name a job shows for its input: the sent name's last part (after a ``/`` or a
    Windows ``\\``), without control or invisible characters (PostgreSQL stores no NUL; an RTL
    override would disguise it), and within the column's 255 characters, its extension kept."""
    last = re.split(r"[\\/]", filename)[-1]
    name = "".join(char for char in last if char.isprintable())
    if len(name) <= _MAX_NAME_CHARS:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > _MAX_EXTENSION_CHARS:
        return name[:_MAX_NAME_CHARS]
    return f"{stem[: _MAX_NAME_CHARS - len(extension) - 1]}.{extension}"


def new_request_id() -> str:
    """Random and unguessable (128 bits), safe in URLs and object keys, and never beginning
    with '-': a command line would read such an id as an option (``status -Y1M…``), and so
    would ``ls`` or ``rm`` the report named after it. Drawn again when it does (1 in 64), so
    the ids stay uniform over those that do not."""
    while True:
        request_id = secrets.token_urlsafe(16)
        if not request_id.startswith("-"):
            return request_id


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _enqueue(backend: Backend, job: JobRecord) -> None:
    """Queue the job; if the queue refuses, the job is failed (never left waiting for a message
    that does not exist) and the caller gets a 503 to submit again later."""
    try:
        send_message(backend, job.request_id)
    except Exception as exc:
        backend.repository.jobs.fail(job.request_id, f"the job could not be queued: {exc}")
        message = f"the job could not be queued: {exc}"
        if isinstance(exc, ServiceUnavailableError):
            raise type(exc)(message, exc.retry_after_s) from exc
        raise QueueUnavailableError(message) from exc


def _dedup_key(
    content_hash: str,
    text_column: str,
    group_by: Sequence[str],
    model: str,
    options: ReadOptions,
    explain: bool,
    labelling: str,
) -> str:
    """Equal for the same content read the same way (sheet, header row…), columns, model,
    explain (a job without explanations cannot stand in for one with them) and
    ``labelling_settings`` (a job that left German comments unlabelled cannot stand in for one
    labelled after PIPELINE_LANGUAGES=all). Keys of jobs without explain and under the
    settings as shipped (``AS_SHIPPED``) are as they were before either was in the key, so
    the jobs of before an upgrade stay reusable."""
    read_as = json.dumps(options.to_json(), sort_keys=True)
    parts = "\x1f".join([content_hash, text_column, *group_by, "\x1e", model, "\x1e", read_as])
    if explain:
        parts += "\x1eexplain"
    if labelling != AS_SHIPPED:
        parts += f"\x1elabelling {labelling}"
    return hashlib.sha256(parts.encode("utf-8")).hexdigest()


_LABELLING = ("languages", "no_opinion_extra", "no_opinion_file", "max_comment_chars")
"""The settings that decide which of a file's rows get a label: the languages labelled, the
placeholders added to the shipped list (``pipeline.model.screening``) and the longest comment
labelled (the worker's row error beyond it)."""


def labelling_settings(settings: Settings) -> str:
    """``settings``' say on which rows get a label, as a text equal for settings that label
    the same rows (codes in any order, phrases however listed; the phrases of
    PIPELINE_NO_OPINION_FILE, so an edited file counts)."""
    return _labelling(**{name: getattr(settings, name) for name in _LABELLING})


def _labelling(
    languages: str, no_opinion_extra: str, no_opinion_file: str, max_comment_chars: int
) -> str:
    codes = sorted({code.strip() for code in languages.lower().split(",")} - {""})
    try:
        phrases: list[str] = sorted(set(extra_phrases(no_opinion_extra, no_opinion_file)))
    except ConfigError:  # a file only the workers read (and they refuse one they cannot)
        phrases = [no_opinion_extra, f"file {no_opinion_file}"]
    said = {"languages": codes, "no_opinion": phrases, "max_comment_chars": max_comment_chars}
    return json.dumps(said, sort_keys=True, ensure_ascii=False)


_SHIPPED: dict[str, Any] = {f.name: f.default for f in fields(Settings) if f.name in _LABELLING}
AS_SHIPPED = _labelling(**_SHIPPED)
"""``labelling_settings`` of a deployment that sets none of them."""


def _clean_group_by(group_by: Sequence[str]) -> tuple[str, ...]:
    """The group-by names asked for, stripped, blanks and repeats dropped, in order. More
    distinct names than a file can have columns (``MAX_COLUMNS``) cannot all be columns: they
    are refused before any name is looked for in the file, where each costs a pass over the
    header (a form field of 60,000 names once took 46 s of CPU). A value may list several,
    comma-separated, each counted here (split in earnest once the file's columns are known)."""
    cleaned = tuple(dict.fromkeys(name for column in group_by if (name := column.strip())))
    listed = {part.strip() for name in cleaned for part in name.split(",")} - {""}
    if len(listed) > MAX_COLUMNS:
        raise InputError(
            f"group_by asks for {len(listed):,} columns, more than a file can have "
            f"({MAX_COLUMNS:,}): group by a few of them"
        )
    return cleaned
