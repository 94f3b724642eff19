"""A model's fingerprint changes when the model is published again at the same folder or
s3:// prefix (what a long-running worker checks at each job's start), and is unknown, never
"changed", while it cannot be read."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from pipeline.model import fingerprint
from pipeline.model.fingerprint import model_fingerprint, republished


def _model(folder: Path, weights: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text('{"model_type": "bert"}')
    (folder / "model.safetensors").write_bytes(weights)
    return folder


def test_a_folder_replaced_by_another_model_changes_its_fingerprint(tmp_path: Path) -> None:
    served = _model(tmp_path / "model", b"old weights")
    before = model_fingerprint(served)
    assert before is not None and model_fingerprint(str(served)) == before

    shutil.rmtree(served)
    _model(tmp_path / "retrained", b"new weights")
    shutil.copytree(tmp_path / "retrained", served)

    assert republished(before, model_fingerprint(served))


def test_weights_rewritten_at_the_same_size_change_it(tmp_path: Path) -> None:
    served = _model(tmp_path / "model", b"old weights")
    before = model_fingerprint(served)
    weights = served / "model.safetensors"
    weights.write_bytes(b"new weights")
    stat = weights.stat()
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert republished(before, model_fingerprint(served))


def test_a_folder_being_replaced_is_unknown_and_unloads_nothing(tmp_path: Path) -> None:
    assert model_fingerprint(tmp_path / "gone") is None
    (tmp_path / "empty").mkdir()
    assert model_fingerprint(tmp_path / "empty") is None
    assert not republished("abc", None) and not republished(None, "abc")
    assert not republished("abc", "abc")


def test_the_shipped_model_has_a_steady_fingerprint() -> None:
    assert model_fingerprint("default") == model_fingerprint("default") is not None


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    fingerprint._s3_client.cache_clear()
    with mock_aws():
        import boto3

        client = boto3.client("s3")
        client.create_bucket(Bucket="models")
        yield client
    fingerprint._s3_client.cache_clear()


def test_an_s3_model_published_again_changes_its_fingerprint(s3: Any) -> None:
    s3.put_object(Bucket="models", Key="m1/config.json", Body=b"{}")
    s3.put_object(Bucket="models", Key="m1/adapter_model.safetensors", Body=b"old weights")
    s3.put_object(Bucket="models", Key="m10/config.json", Body=b"another model")
    before = model_fingerprint("s3://models/m1")
    assert before is not None and model_fingerprint("s3://models/m1/") == before

    s3.put_object(Bucket="models", Key="m10/config.json", Body=b"changed beside it")
    assert model_fingerprint("s3://models/m1") == before
    s3.put_object(Bucket="models", Key="m1/adapter_model.safetensors", Body=b"new weights")
    assert republished(before, model_fingerprint("s3://models/m1"))


def test_an_s3_prefix_out_of_reach_or_empty_is_unknown(s3: Any) -> None:
    assert model_fingerprint("s3://models/nothing-here") is None
    assert model_fingerprint("s3://no-such-bucket/m1") is None
