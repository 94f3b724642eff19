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

The note is recognised by its opening words, as the job row has no column for it.
"""

from __future__ import annotations

from pipeline.errors import MissingDependencyError, ModelLoadError

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


def is_model_fault(error: str | None) -> bool:
    """Whether a job's recorded error is a ``waiting_note``."""
    return error is not None and error.startswith(PREFIX)


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
    """Why a job whose model never loaded was failed when the queue dead-lettered it."""
    return (
        f"{note.removesuffix(_WAITING)}. The file was not the problem: submit it again "
        f"unchanged once the operator has fixed {MODEL_SETTING} or put the model where it "
        f"points (the queue gave up after its limit of {limit} deliveries, "
        "PIPELINE_MAX_RECEIVES)"
    )
