"""A model that cannot be loaded is a fault of the deployment, never of a job's rows.

Counted like any crash, a model that cannot be found (``PIPELINE_MODEL=s3://…/nope``, a folder
that does not exist or holds no checkpoint) failed every job as poison, naming rows that were
never read. So the worker loads a job's model before it judges the delivery
(``pipeline.poison``), and a fault of loading, or a ``DEPLOYMENT_FAULTS`` error later in the
delivery, never counts toward poison: the job keeps waiting with the note below as its error,
its message hidden for a while, and the worker takes no job meanwhile. Nothing accepted is
lost: once the model loads again (the objects put back where the setting points), the job goes
on from its committed rows. It does not wait silently forever either: each try is one delivery,
and the queue's own limit (PIPELINE_MAX_RECEIVES) dead-letters a job whose model never loads;
its reason then names the model, not the file (``given_up_reason``).

A model that loads but is not the one a job's committed rows came from is such a fault too
(``changed_note``): the model at the job's setting was replaced while the job ran (retrained
into the served folder, published again at the same ``s3://`` prefix) and a worker that loaded
the new one took the job over. Labelling the rest with it made one job of two models, its
figures true of neither; a new label set was counted as a crash and failed the job as poison,
naming rows. So a job keeps the model version of its first committed row: once a row is
committed, a worker whose model has another version (or other labels) does not touch it. The
job waits, nothing counted and nothing lost, until a worker with that model takes it (the
model put back), or the queue's limit ends it with a reason that says to submit the file again
as a fresh job, which the new model labels whole. Relabelling from row 0 instead would throw
away rows no one can label again once the old model is gone, and change figures its user may
have read already.

The notes are recognised by their opening words, as the job row has no column for them.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.errors import Conflict, MissingDependencyError, ModelLoadError

MODEL_SETTING = "PIPELINE_MODEL"
PREFIX = "the model could not be loaded"
DEPLOYMENT_FAULTS: tuple[type[Exception], ...] = (ModelLoadError, MissingDependencyError)
"""Errors of the deployment, wherever in a delivery they are raised (a model's explanation
config read on the first job that asks for it, boto3 missing for an ``s3://`` model)."""
_WAITING = (
    "; this is a fault of the deployment's model, not of the file (no row was read for it): "
    "the job waits for that model to be put back where the setting pointed when the job was "
    "submitted, and is failed after a few more tries; a changed setting serves new "
    "submissions, so then submit the file again"
)


def waiting_note(reference: str, error: BaseException) -> str:
    """The job's error while it waits: which model, why, and that the file is not at fault."""
    return f"{PREFIX} ({MODEL_SETTING}={reference}): {type(error).__name__}: {error}{_WAITING}"


CHANGED_PREFIX = "the model changed while the job was labelled"
_FRESH = '--fresh; in the app, "Analyse again even if this file was analysed before"'
"""How a user submits a file again as a new job rather than be handed the live one."""
_CHANGED_WAITING = (
    "; one job's rows all come from one model, so the job waits, its rows kept and no failure "
    "counted (the file is not at fault): put the model it started with back where "
    f"{MODEL_SETTING} points and the job goes on from its rows; or, to label the file with "
    f"the new model, submit it again as a fresh job ({_FRESH}) and cancel this one, which is "
    "otherwise failed after a few more tries"
)
MODEL_FAULT_PREFIXES = (PREFIX, CHANGED_PREFIX)
"""How the error of a job waiting for its model begins: it cannot be loaded, or it changed."""


class ModelChanged(Conflict):
    """A worker's model is not the one that labelled the job's committed rows; the message is
    the job's ``changed_note``."""


def changed_note(
    reference: str,
    rows_done: int,
    started: tuple[str | None, Sequence[str] | None],
    now: tuple[str, Sequence[str]],
) -> str | None:
    """The job's error when the model at ``reference`` is not the one its committed rows came
    from: ``started`` is the version and labels recorded with them, ``now`` this worker's.
    None while no row is committed (any model may then begin the job) or the model is the
    same."""
    (old_version, old_labels), (version, labels) = started, now
    same_labels = old_labels is None or list(old_labels) == list(labels)
    if rows_done <= 0 or (old_version in (None, version) and same_labels):
        return None
    before, after = str(old_version or "an earlier model"), version
    if not same_labels:
        before += f" (labels {', '.join(old_labels or ())})"
        after += f" (labels {', '.join(labels)})"
    return (
        f"{CHANGED_PREFIX} ({MODEL_SETTING}={reference}): its first {rows_done:,} rows were "
        f"labelled by {before}, and the model there now is {after}{_CHANGED_WAITING}"
    )


def is_model_fault(error: str | None) -> bool:
    """Whether a job's recorded error is a ``waiting_note`` or a ``changed_note``."""
    return error is not None and error.startswith(MODEL_FAULT_PREFIXES)


SERVICE_PREFIX = "the worker could not go on"


def service_note(error: BaseException) -> str:
    """The job's error while it waits for the service's own storage (a full disk, a database
    locked or down, an object store or queue that cannot be reached): not the file's fault,
    so no failure is counted toward poison and nothing committed is lost. The job's owner
    reads it, so it quotes ``error`` as a client may read it: a ServiceUnavailableError names
    no host, path, bucket or queue URL (``pipeline.faults``, ``pipeline.adapters.aws_errors``;
    those are in the worker's log)."""
    return (
        f"{SERVICE_PREFIX}: {type(error).__name__}: {error}; this is a fault of the service's "
        "storage, not of the file: the rows labelled so far are kept and the job goes on from "
        "them once it clears"
    )


def is_waiting_note(error: str | None) -> bool:
    """Whether a job's recorded error says it waits for the deployment (its model, or the
    service's storage): the next delivery that gets going clears it."""
    return is_model_fault(error) or (error is not None and error.startswith(SERVICE_PREFIX))


def given_up_reason(note: str, limit: int) -> str:
    """Why a job whose model never loaded, or changed, was failed when the queue dead-lettered
    it."""
    if note.startswith(CHANGED_PREFIX):
        return (
            f"{note.removesuffix(_CHANGED_WAITING)}. The file was not the problem: submit it "
            f"again as a fresh job ({_FRESH}) to label every row with the new model (the queue "
            f"gave up after its limit of {limit} deliveries, PIPELINE_MAX_RECEIVES)"
        )
    return (
        f"{note.removesuffix(_WAITING)}. The file was not the problem: submit it again "
        f"unchanged once the operator has fixed {MODEL_SETTING} or put the model where it "
        f"points (the queue gave up after its limit of {limit} deliveries, "
        "PIPELINE_MAX_RECEIVES)"
    )
