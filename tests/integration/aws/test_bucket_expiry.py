"""`init` gives a bucket it creates or re-applies the expiry rule of the stack's template, so
that an upload never submitted (or refused for its content) does not keep its comments for
ever in a bucket made by `init` (moto, hand-made accounts): the master's retention pass only
reaches the files of jobs. Against moto's in-process S3."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from cfn_template import load_template

from pipeline.adapters.aws import EXPIRY_RULE_ID, aws_client, init_aws_resources
from pipeline.settings import Settings

BUCKET = "expiry-bucket"


def settings(retention_days: float) -> Settings:
    return Settings(
        backend="aws",
        aws_region="us-east-1",
        bucket=BUCKET,
        queue_name="expiry-jobs",
        retention_days=retention_days,
    )


def rules(s3: Any) -> list[dict[str, Any]]:
    try:
        found: list[dict[str, Any]] = s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]
    except ClientError as exc:
        assert exc.response["Error"]["Code"] == "NoSuchLifecycleConfiguration"
        return []
    return found


def expiry(s3: Any) -> dict[str, Any]:
    (rule,) = [rule for rule in rules(s3) if rule["ID"] == EXPIRY_RULE_ID]
    return rule


@pytest.fixture
def s3(mocked_aws: None) -> Any:
    return aws_client("s3", settings(0))


def test_init_expires_every_object_after_the_retention_like_the_template(s3: Any) -> None:
    init_aws_resources(settings(30))
    init_aws_resources(settings(30))  # idempotent: still one rule
    (rule,) = rules(s3)
    assert rule["ID"] == EXPIRY_RULE_ID and rule["Status"] == "Enabled"
    assert rule["Expiration"] == {"Days": 30}
    assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
    assert rule.get("Filter", {}).get("Prefix", "") == ""  # every object: uploads included


def test_the_rule_is_the_templates_own(s3: Any) -> None:
    """The stack's bucket and a bucket made by `init` expire the same way, under one rule id
    (so `init` on a stack's bucket updates the stack's rule instead of adding a second)."""
    (template_rule,) = load_template()["Resources"]["Bucket"]["Properties"][
        "LifecycleConfiguration"
    ]["Rules"]
    init_aws_resources(settings(30))
    rule = expiry(s3)
    assert rule["ID"] == template_rule["Id"]
    assert template_rule["ExpirationInDays"] == {"Ref": "ObjectRetentionDays"}
    assert rule["AbortIncompleteMultipartUpload"] == template_rule["AbortIncompleteMultipartUpload"]


def test_a_changed_retention_updates_the_rule_and_keeps_the_operators_own(s3: Any) -> None:
    init_aws_resources(settings(30))
    operator_rule = {
        "ID": "logs-to-glacier",
        "Filter": {"Prefix": "logs/"},
        "Status": "Enabled",
        "Transitions": [{"Days": 90, "StorageClass": "GLACIER"}],
    }
    s3.put_bucket_lifecycle_configuration(
        Bucket=BUCKET, LifecycleConfiguration={"Rules": [expiry(s3), operator_rule]}
    )
    init_aws_resources(settings(7))
    assert expiry(s3)["Expiration"] == {"Days": 7}
    assert sorted(rule["ID"] for rule in rules(s3)) == sorted([EXPIRY_RULE_ID, "logs-to-glacier"])


def test_part_of_a_day_rounds_up_to_the_day_s3_counts_in(s3: Any) -> None:
    init_aws_resources(settings(0.5))
    assert expiry(s3)["Expiration"] == {"Days": 1}


def test_without_a_retention_init_leaves_the_lifecycle_as_it_is(s3: Any) -> None:
    """PIPELINE_RETENTION_DAYS=0 keeps every job for ever: no expiry is added, and one the
    stack made is not removed (the stack's init task runs without the setting)."""
    init_aws_resources(settings(0))
    assert rules(s3) == []
    init_aws_resources(settings(30))
    init_aws_resources(settings(0))
    assert expiry(s3)["Expiration"] == {"Days": 30}
