"""Turn botocore's errors into the package's errors, so callers never import botocore.

An AWS service that cannot be reached, throttles or answers 5xx is a fault of the moment: with
``unavailable`` given (StoreUnavailableError for S3, QueueUnavailableError for SQS), that is the
error raised, which the HTTP edges answer with 503 and Retry-After.

The object store's and the queue's errors reach clients (an API answer, a job's error:
``pipeline.model_fault.service_note``), so theirs (``hidden_error``) name the operation and
AWS's error code only: the bucket, the queue's URL and AWS's own message, which may quote
either (an ``AccessDenied`` names the resource's ARN), go to the log (``pipeline.faults``:
clients never see a host or a path). An operator's command (``init``, the fleets) keeps the
whole reason in its message (``aws_call``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from pipeline.errors import PipelineError, ServiceUnavailableError

log = logging.getLogger(__name__)

_RETRYABLE_CODES = frozenset(
    {
        "InternalError",
        "RequestLimitExceeded",
        "RequestThrottled",
        "AWS.SimpleQueueService.RequestThrottled",
        "ServiceUnavailable",
        "SlowDown",
        "Throttling",
        "ThrottlingException",
    }
)


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def describe(exc: ClientError) -> str:
    error = exc.response.get("Error", {})
    return f"{error.get('Code', 'unknown error')}: {error.get('Message', '')}".rstrip(": ")


def is_transient(exc: Exception) -> bool:
    """Unreachable, timed out, cut off, throttled or a 5xx: the same call may work a little
    later."""
    if isinstance(exc, BotoConnectionError | HTTPClientError):
        return True
    if not isinstance(exc, ClientError):
        return False
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return error_code(exc) in _RETRYABLE_CODES or int(status or 0) >= 500


def unavailable_error(
    exc: Exception, what: str, unavailable: type[ServiceUnavailableError] | None
) -> ServiceUnavailableError | None:
    if unavailable is None or not is_transient(exc):
        return None
    return unavailable(f"{what} failed: the service cannot be reached now; try again later")


HIDDEN_ERRORS = (ClientError, BotoConnectionError, HTTPClientError)
"""What ``hidden_call`` tells: S3's or SQS's refusal, a connection that failed or was cut off
(whose message names the endpoint's URL)."""


def hidden_error(
    exc: ClientError | BotoCoreError,
    what: str,
    unavailable: type[ServiceUnavailableError],
    where: str,
) -> PipelineError:
    """The error a client may read of a failed call of ``what`` (``unavailable`` for a fault
    of the moment, else a PipelineError with AWS's error code); what it leaves out (``where``:
    the bucket and key or the queue's URL, and AWS's message) is logged."""
    detail = describe(exc) if isinstance(exc, ClientError) else str(exc)
    log.warning("%s failed (%s): %s", what, where, detail)
    fault = unavailable_error(exc, what, unavailable)
    if fault is not None:
        return fault
    code = error_code(exc) if isinstance(exc, ClientError) else type(exc).__name__
    return PipelineError(f"{what} failed ({code or 'unknown error'}); the server log has more")


@contextmanager
def hidden_call(
    what: str, unavailable: type[ServiceUnavailableError], where: str
) -> Iterator[None]:
    """Re-raise any AWS error of ``what`` as ``hidden_error``."""
    try:
        yield
    except HIDDEN_ERRORS as exc:
        raise hidden_error(exc, what, unavailable, where) from exc


@contextmanager
def aws_call(what: str, unavailable: type[ServiceUnavailableError] | None = None) -> Iterator[None]:
    """Re-raise any AWS error as a PipelineError that names the operation and AWS's reason."""
    try:
        yield
    except (ClientError, BotoConnectionError) as exc:
        fault = unavailable_error(exc, what, unavailable)
        if fault is not None:
            raise fault from exc
        if not isinstance(exc, ClientError):
            raise
        raise PipelineError(f"{what} failed ({describe(exc)})") from exc
