"""Turn botocore's ClientError into the package's errors, so callers never import botocore."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import ClientError

from pipeline.errors import PipelineError


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def describe(exc: ClientError) -> str:
    error = exc.response.get("Error", {})
    return f"{error.get('Code', 'unknown error')}: {error.get('Message', '')}".rstrip(": ")


@contextmanager
def aws_call(what: str) -> Iterator[None]:
    """Re-raise any AWS error as a PipelineError that names the operation and AWS's reason."""
    try:
        yield
    except ClientError as exc:
        raise PipelineError(f"{what} failed ({describe(exc)})") from exc
