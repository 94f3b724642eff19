"""S3ObjectStore against moto: round trips, multipart uploads, missing keys, presigned URLs."""

from __future__ import annotations

import base64
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from botocore.stub import Stubber

from pipeline.adapters.aws import ensure_bucket
from pipeline.adapters.s3_store import MIB, S3ObjectStore
from pipeline.errors import ConfigError, Conflict, NotFoundError, PipelineError

BUCKET = "pipeline-test-bucket"


@pytest.fixture
def store(s3: Any) -> S3ObjectStore:
    ensure_bucket(s3, BUCKET)
    return S3ObjectStore(s3, BUCKET, multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB)


def test_bytes_round_trip_keeps_content_and_type(store: S3ObjectStore, s3: Any) -> None:
    store.put_bytes("results/job-1.csv", b"text,label\nok,positive\n", content_type="text/csv")

    assert store.get_bytes("results/job-1.csv") == b"text,label\nok,positive\n"
    assert store.size("results/job-1.csv") == 23
    assert store.exists("results/job-1.csv")
    head = s3.head_object(Bucket=BUCKET, Key="results/job-1.csv")
    assert head["ContentType"] == "text/csv"


def test_large_file_goes_up_in_parts_and_comes_back_identical(
    store: S3ObjectStore, s3: Any, tmp_path: Path
) -> None:
    source = tmp_path / "big.csv"
    payload = os.urandom(11 * MIB + 123)
    source.write_bytes(payload)

    store.put_file("uploads/big.csv", source)

    etag = s3.head_object(Bucket=BUCKET, Key="uploads/big.csv")["ETag"].strip('"')
    assert etag.endswith("-3"), "an 11 MiB file with 5 MiB parts is a 3-part upload"
    copy = store.get_file("uploads/big.csv", tmp_path / "down" / "nested" / "big.csv")
    assert copy.read_bytes() == payload
    assert store.size("uploads/big.csv") == len(payload)


def test_small_file_is_a_single_put(store: S3ObjectStore, s3: Any, tmp_path: Path) -> None:
    source = tmp_path / "small.txt"
    source.write_text("one comment\n", encoding="utf-8")

    store.put_file("uploads/small.txt", source, content_type="text/plain")

    head = s3.head_object(Bucket=BUCKET, Key="uploads/small.txt")
    assert "-" not in head["ETag"]
    assert head["ContentType"] == "text/plain"


def test_missing_key_is_not_found_everywhere(store: S3ObjectStore, tmp_path: Path) -> None:
    assert not store.exists("nope.csv")
    with pytest.raises(NotFoundError, match=r"nope\.csv"):
        store.size("nope.csv")
    with pytest.raises(NotFoundError, match=r"nope\.csv"):
        store.get_bytes("nope.csv")
    with pytest.raises(NotFoundError, match=r"nope\.csv"):
        store.get_file("nope.csv", tmp_path / "nope.csv")
    store.delete("nope.csv")


def test_delete_removes_the_object(store: S3ObjectStore) -> None:
    store.put_bytes("a/b.bin", b"\x00\x01")
    store.delete("a/b.bin")
    assert not store.exists("a/b.bin")


def test_delete_under_removes_a_prefix_of_every_page_and_nothing_beside_it(
    store: S3ObjectStore, s3: Any
) -> None:
    """A job's analysis folder of more than one listing page (1,000 keys) goes whole; a key
    that only starts with the same characters (``job-10`` beside ``job-1``) stays."""
    keys = [f"analysis/job-1/embeddings/{n:09d}.npy" for n in range(1003)]
    for key in keys:
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"v")
    store.put_bytes("analysis/job-10/themes.json", b"{}")
    store.put_bytes("results/job-1/results.csv", b"x")

    assert store.delete_under("analysis/job-1") == 1003

    assert store.delete_under("analysis/job-1/") == 0
    left = s3.list_objects_v2(Bucket=BUCKET)["Contents"]
    assert sorted(found["Key"] for found in left) == [
        "analysis/job-10/themes.json",
        "results/job-1/results.csv",
    ]


def test_a_missing_bucket_is_an_error_not_a_missing_object(s3: Any) -> None:
    store = S3ObjectStore(s3, "no-such-bucket-here")
    with pytest.raises(PipelineError, match="NoSuchBucket") as caught:
        store.get_bytes("x")
    assert not isinstance(caught.value, NotFoundError)


@pytest.mark.parametrize("key", ["", "/abs", "a/../b", "./a", "a//b", "dir/", "a\\b"])
def test_keys_that_could_escape_a_folder_are_refused(store: S3ObjectStore, key: str) -> None:
    with pytest.raises(ConfigError, match="invalid object key"):
        store.put_bytes(key, b"x")


def test_presigned_urls_sign_the_operation_for_the_key(store: S3ObjectStore) -> None:
    asked = datetime.now(UTC)
    form = store.presigned_upload("uploads/u1.csv", 1000, expires_s=120)
    get_url = store.presigned_get("results/r1.csv", expires_s=60)

    assert form is not None and get_url is not None
    get = urlparse(get_url)
    policy = json.loads(base64.b64decode(form.fields["policy"]))
    assert form.fields["key"] == "uploads/u1.csv"
    assert {"key": "uploads/u1.csv"} in policy["conditions"]
    assert ["content-length-range", 1, 1000] in policy["conditions"]
    expires = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert timedelta(seconds=115) <= expires - asked <= timedelta(seconds=125)
    assert get.path.endswith("/results/r1.csv")
    assert parse_qs(get.query)["X-Amz-Expires"] == ["60"]
    assert "X-Amz-Signature" in parse_qs(get.query)


def test_ensure_bucket_makes_it_private_and_encrypted_and_is_idempotent(s3: Any) -> None:
    ensure_bucket(s3, BUCKET)
    ensure_bucket(s3, BUCKET)

    block = s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"]
    assert all(block[name] for name in block)
    rules = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [BUCKET]


def test_a_copy_of_a_version_is_conditional_on_s3s_side(s3: Any) -> None:
    """CopyObject with CopySourceIfMatch: S3 itself refuses (412) to copy a source replaced
    since its ETag was read, and that refusal is Conflict. moto ignores the condition, so
    S3's answers are stubbed here (the contract tests run the rest against moto)."""
    stubbed = S3ObjectStore(s3, BUCKET)
    expected = {
        "Bucket": BUCKET,
        "Key": "uploads/job/input.csv",
        "CopySource": {"Bucket": BUCKET, "Key": "uploads/u/upload"},
        "CopySourceIfMatch": '"0f343b0931126a20f133d67c2b018a3b"',
    }
    with Stubber(s3) as stub:
        stub.add_response("copy_object", {"CopyObjectResult": {}}, expected)
        stub.add_client_error(
            "copy_object",
            service_error_code="PreconditionFailed",
            service_message="At least one of the pre-conditions you specified did not hold",
            http_status_code=412,
            expected_params=expected,
        )
        stubbed.copy("uploads/u/upload", "uploads/job/input.csv", expected["CopySourceIfMatch"])
        with pytest.raises(Conflict, match="changed since it was inspected"):
            stubbed.copy("uploads/u/upload", "uploads/job/input.csv", expected["CopySourceIfMatch"])
        stub.assert_no_pending_responses()
