"""A cheap fingerprint of what a model reference points at, so a long-running worker notices a
model published again at the same path or s3:// URI and loads it afresh.

A local folder's fingerprint is the name, size, times and inode of each of its files (every
file a model is loaded from sits at its top level: weights, config, card, tokenizer), one
``stat`` each, so a file copied over or in place within one clock tick still tells; an s3://
prefix's is its objects' keys, sizes and ETags, one listing (what a download compares too,
``locate.download_s3_prefix``). Neither reads a weight. None means "cannot tell now" (a
folder being replaced, S3 out of reach): the loaded model is kept.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
from pathlib import Path
from typing import Any

from pipeline.errors import PipelineError
from pipeline.model.locate import ETAGS_FILE, local_model_path

log = logging.getLogger(__name__)


def model_fingerprint(reference: str | os.PathLike[str]) -> str | None:
    """A short digest that changes when the model at ``reference`` is replaced; None when
    it cannot be told now."""
    ref = str(reference)
    faults: tuple[type[Exception], ...] = (OSError, PipelineError, *_s3_errors())
    try:
        if ref.startswith("s3://"):
            return _digest(_s3_facts(ref))
        return _digest(_folder_facts(local_model_path(ref)))
    except faults as exc:
        log.info("cannot fingerprint model %s now (%s)", ref, exc)
        return None


def republished(loaded: str | None, now: str | None) -> bool:
    """Whether the model loaded with fingerprint ``loaded`` has been replaced: both known
    and different (an unknown one never unloads a working model)."""
    return loaded is not None and now is not None and loaded != now


def _folder_facts(directory: Path) -> list[tuple[str, ...]]:
    facts = []
    with os.scandir(directory) as entries:
        for entry in entries:
            if entry.is_file():
                stat = entry.stat()
                times = (stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)
                facts.append((entry.name, str(stat.st_size), *map(str, times)))
    if not facts:
        raise FileNotFoundError(f"{directory} holds no file")
    return sorted(facts)


def _s3_facts(uri: str) -> list[tuple[str, ...]]:
    bucket, _, prefix = uri[len("s3://") :].partition("/")
    prefix = prefix.rstrip("/")
    paginator = _s3_client().get_paginator("list_objects_v2")
    facts = []
    for page in paginator.paginate(Bucket=bucket, Prefix=f"{prefix}/" if prefix else ""):
        for obj in page.get("Contents", []):
            key = str(obj["Key"])
            if key.endswith("/") or key.rsplit("/", 1)[-1] == ETAGS_FILE:
                continue
            facts.append((key, str(obj.get("Size", "")), str(obj.get("ETag", ""))))
    if not facts:
        raise FileNotFoundError(f"no objects under {uri}")
    return sorted(facts)


@functools.cache
def _s3_client() -> Any:
    """One client per process: a fingerprint is taken at every job's start."""
    try:
        import boto3
    except ImportError as exc:
        raise FileNotFoundError("boto3 is not installed") from exc
    return boto3.client("s3")


def _s3_errors() -> tuple[type[Exception], ...]:
    """botocore's errors (no OSError among them): S3 out of reach, access refused."""
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:
        return ()
    return (BotoCoreError, ClientError)


def _digest(facts: list[tuple[str, ...]]) -> str:
    digest = hashlib.sha256()
    for row in facts:
        digest.update("\0".join(row).encode())
        digest.update(b"\n")
    return digest.hexdigest()[:16]
