"""Turn botocore's errors into the package's errors, so callers never import botocore.

An AWS service that cannot be reached, throttles or answers 5xx is a fault of the moment: with
``unavailable`` given (StoreUnavailableError for S3, QueueUnavailableError for SQS), that is the
error raised, which the HTTP edges answer with 503 and Retry-After.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import ClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from pipeline.errors import PipelineError, ServiceUnavailableError

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
    """Unreachable, timed out, throttled or a 5xx: the same call may work a little later."""
    if isinstance(exc, BotoConnectionError):
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
