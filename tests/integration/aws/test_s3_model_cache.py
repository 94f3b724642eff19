"""An s3:// model is cached on the worker's disk; publishing a model again at the same URI (a
retrained adapter, the same size as the old one) replaces the cached copy, and a file no
longer published leaves it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.model.locate import download_s3_prefix

BUCKET = "models-bucket"


def publish(s3: Any, files: dict[str, bytes]) -> None:
    for name, content in files.items():
        s3.put_object(Bucket=BUCKET, Key=f"models/v2/{name}", Body=content)


def test_a_model_published_again_at_the_same_uri_is_the_one_cached(s3: Any, tmp_path: Path) -> None:
    s3.create_bucket(Bucket=BUCKET)
    publish(s3, {"adapter_config.json": b"{}", "adapter_model.safetensors": b"old weights!"})
    cached = download_s3_prefix(f"s3://{BUCKET}/models/v2", tmp_path)
    assert (cached / "adapter_model.safetensors").read_bytes() == b"old weights!"

    publish(s3, {"adapter_model.safetensors": b"new weights!"})  # the same size
    s3.delete_object(Bucket=BUCKET, Key="models/v2/adapter_config.json")
    s3.put_object(Bucket=BUCKET, Key="models/v2/config.json", Body=b"{}")
    again = download_s3_prefix(f"s3://{BUCKET}/models/v2/", tmp_path)

    assert again == cached
    assert (cached / "adapter_model.safetensors").read_bytes() == b"new weights!"
    assert sorted(p.name for p in cached.iterdir() if not p.name.startswith(".")) == [
        "adapter_model.safetensors",
        "config.json",
    ]


def test_an_unchanged_model_is_not_downloaded_again(s3: Any, tmp_path: Path) -> None:
    s3.create_bucket(Bucket=BUCKET)
    publish(s3, {"config.json": b"{}", "model.safetensors": b"weights"})
    cached = download_s3_prefix(f"s3://{BUCKET}/models/v2", tmp_path)
    weights = cached / "model.safetensors"
    weights.write_bytes(b"touched")  # a second download would put the object back
    download_s3_prefix(f"s3://{BUCKET}/models/v2", tmp_path)
    assert weights.read_bytes() == b"touched"
