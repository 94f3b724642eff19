"""Builds the AWS adapters from Settings (``PIPELINE_BACKEND=aws``) and creates their resources.

Clients come from boto3's default chain: credentials from the role (never from files in the
repo), the region from ``PIPELINE_AWS_REGION`` or the usual AWS variables, and the endpoint
from ``AWS_ENDPOINT_URL`` when set, which is how the whole product points at moto_server.
"""

from __future__ import annotations

import json
import math
from typing import Any

from sqlalchemy.engine import make_url

from pipeline.db.roles import Login
from pipeline.errors import ConfigError, MissingDependencyError, PipelineError
from pipeline.ports import JobQueue, ObjectStore, WorkerFleet
from pipeline.settings import Settings

try:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError, NoRegionError
except ImportError as exc:
    raise MissingDependencyError(
        "the AWS backend needs boto3: pip install 'comment-sentiment-pipeline[aws]'"
    ) from exc

from pipeline.adapters.aws_errors import aws_call, describe, error_code
from pipeline.adapters.ec2_fleet import EC2Fleet
from pipeline.adapters.ecs_fleet import ECSFleet, awsvpc_network, ensure_master_running
from pipeline.adapters.s3_store import S3ObjectStore
from pipeline.adapters.sqs_queue import SQSJobQueue

DEAD_LETTER_SUFFIX = "-dlq"
DEAD_LETTER_RETENTION_S = 14 * 24 * 60 * 60
_MISSING_QUEUE_CODES = {"QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"}
_MISSING_BUCKET_CODES = {"404", "NoSuchBucket", "NotFound"}
EXPIRY_RULE_ID = "expire-uploads-and-results"
"""The id of infra/template.yaml's lifecycle rule: ``init`` applies the same rule under it."""


def aws_client(service: str, settings: Settings, config: Config | None = None) -> Any:
    """A boto3 client with boto3's defaults (so AWS_ENDPOINT_URL is honoured), merged with
    ``config`` (timeouts, retries)."""
    options: dict[str, Any] = {}
    if settings.aws_region:
        options["region_name"] = settings.aws_region
    if service == "s3":
        signed = Config(signature_version="s3v4")
        config = signed.merge(config) if config else signed
    if config is not None:
        options["config"] = config
    try:
        return boto3.client(service, **options)
    except NoRegionError as exc:
        raise ConfigError(
            "no AWS region: set PIPELINE_AWS_REGION (or AWS_REGION / AWS_DEFAULT_REGION)"
        ) from exc


def dead_letter_queue_name(settings: Settings) -> str:
    return f"{settings.queue_name}{DEAD_LETTER_SUFFIX}"


def split_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def task_network(settings: Settings) -> dict[str, Any] | None:
    """awsvpc networking for ECS tasks (the master on Fargate, awsvpc workers)."""
    return awsvpc_network(split_list(settings.subnets), split_list(settings.security_groups))


def build_aws_store(settings: Settings) -> ObjectStore:
    return S3ObjectStore(aws_client("s3", settings), settings.bucket)


def build_aws_queue(settings: Settings) -> JobQueue:
    sqs = aws_client("sqs", settings)
    return SQSJobQueue(
        sqs,
        queue_url=_queue_url(sqs, settings.queue_name),
        dead_letter_url=_queue_url(sqs, dead_letter_queue_name(settings)),
        visibility_timeout_s=settings.visibility_timeout_s,
    )


def build_aws_fleet(settings: Settings) -> WorkerFleet:
    if settings.fleet == "ec2":
        return EC2Fleet(
            aws_client("ec2", settings),
            deployment=settings.deployment,
            launch_template=settings.ec2_launch_template,
        )
    if settings.fleet == "ecs":
        return ECSFleet(
            aws_client("ecs", settings),
            cluster=settings.ecs_cluster,
            task_definition=settings.worker_task_definition,
            launch_type=settings.ecs_launch_type,
            capacity_provider=settings.ecs_capacity_provider,
            network_configuration=task_network(settings),
        )
    raise ConfigError(f"PIPELINE_FLEET={settings.fleet!r} is not an AWS fleet (use ec2 or ecs)")


def ensure_master(settings: Settings, ecs_client: Any | None = None) -> bool:
    """Start the master's Fargate task when none runs (the Lambda calls this on submit)."""
    return ensure_master_running(
        ecs_client or aws_client("ecs", settings),
        settings.ecs_cluster,
        settings.master_task_definition,
        task_network(settings),
    )


def database_url_with_secret(settings: Settings, secrets_client: Any | None = None) -> str:
    """PIPELINE_DATABASE_URL with the user and password of the Secrets Manager secret
    PIPELINE_DATABASE_SECRET_ARN (the JSON secret RDS manages): how the Lambda, which cannot
    have ECS inject PGPASSWORD, reaches the database. Read once per process."""
    client = secrets_client or aws_client("secretsmanager", settings)
    with aws_call("reading the database secret"):
        raw = client.get_secret_value(SecretId=settings.database_secret_arn)["SecretString"]
    try:
        secret = json.loads(raw)
        password = str(secret["password"])
    except (ValueError, TypeError, KeyError) as exc:
        raise ConfigError(
            "the database secret is not the JSON RDS writes (with a 'password' field)"
        ) from exc
    url = make_url(settings.database_url)
    user = str(secret.get("username") or url.username or "")
    return url.set(username=user or None, password=password).render_as_string(hide_password=False)


def role_logins(settings: Settings, secrets_client: Any | None = None) -> tuple[Login, Login]:
    """The API's and the workers' database logins from their secrets (PIPELINE_API_DATABASE_
    SECRET_ARN, PIPELINE_WORKER_DATABASE_SECRET_ARN: JSON with ``username`` and ``password``),
    for init to create and grant (``pipeline.db.roles``)."""
    arns = (settings.api_database_secret_arn, settings.worker_database_secret_arn)
    if not all(arns):
        raise ConfigError(
            "set both PIPELINE_API_DATABASE_SECRET_ARN and PIPELINE_WORKER_DATABASE_SECRET_ARN "
            "(or neither): init creates the two database roles together"
        )
    client = secrets_client or aws_client("secretsmanager", settings)
    logins = []
    for who, arn in zip(("API", "worker"), arns, strict=True):
        with aws_call(f"reading the {who} database secret"):
            raw = client.get_secret_value(SecretId=arn)["SecretString"]
        try:
            secret = json.loads(raw)
            logins.append(Login(str(secret["username"]), str(secret["password"])))
        except (ValueError, TypeError, KeyError) as exc:
            raise ConfigError(
                f"the {who} database secret is not JSON with 'username' and 'password' fields"
            ) from exc
    return logins[0], logins[1]


def init_aws_resources(settings: Settings) -> None:
    """Create the bucket and the queues when missing and (re)apply their settings; idempotent.

    The CloudFormation template creates the same resources in a real deployment; this is for
    moto_server, LocalStack-style setups and hand-made accounts. With
    ``PIPELINE_RETENTION_DAYS`` set, the bucket expires objects as the template's does.
    """
    ensure_bucket(aws_client("s3", settings), settings.bucket, settings.retention_days)
    ensure_queues(
        aws_client("sqs", settings),
        settings.queue_name,
        dead_letter_queue_name(settings),
        settings.visibility_timeout_s,
        settings.max_receives,
    )


def ensure_bucket(s3: Any, bucket: str, expire_after_days: float = 0.0) -> None:
    """A private bucket: public access blocked, ACLs off, objects encrypted by default; with
    ``expire_after_days`` > 0, every object expires that long after it was written
    (``ensure_expiry``)."""
    if not _bucket_exists(s3, bucket):
        region = s3.meta.region_name
        location = {} if region == "us-east-1" else {"LocationConstraint": region}
        with aws_call(f"creating bucket {bucket}"):
            if location:
                s3.create_bucket(Bucket=bucket, CreateBucketConfiguration=location)
            else:
                s3.create_bucket(Bucket=bucket)
    with aws_call(f"locking down bucket {bucket}"):
        s3.put_public_access_block(
            Bucket=bucket,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        s3.put_bucket_ownership_controls(
            Bucket=bucket,
            OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
        )
        s3.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        )
    if expire_after_days > 0:
        ensure_expiry(s3, bucket, expire_after_days)


def ensure_expiry(s3: Any, bucket: str, days: float) -> None:
    """The template's lifecycle rule: every object expires ``days`` (rounded up to the whole
    days S3 counts in) after it was written, and an unfinished multipart upload after a day.
    The master's retention pass erases jobs; only this rule reaches an upload never submitted
    (or refused for its content), whose comments would otherwise stay for ever.

    The bucket's other rules are kept, and a rule of this id (the stack's, or an earlier
    ``init``'s) is replaced, so the days follow the setting. Nothing is changed with no
    retention (``PIPELINE_RETENTION_DAYS`` 0 keeps every job): the stack's init task runs
    without the setting, and must not undo the stack's rule."""
    rule = {
        "ID": EXPIRY_RULE_ID,
        "Filter": {"Prefix": ""},
        "Status": "Enabled",
        "Expiration": {"Days": max(1, math.ceil(days))},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
    }
    others = [kept for kept in _lifecycle_rules(s3, bucket) if kept.get("ID") != EXPIRY_RULE_ID]
    with aws_call(f"setting the expiry of bucket {bucket}"):
        s3.put_bucket_lifecycle_configuration(
            Bucket=bucket, LifecycleConfiguration={"Rules": [*others, rule]}
        )


def _lifecycle_rules(s3: Any, bucket: str) -> list[dict[str, Any]]:
    try:
        rules: list[dict[str, Any]] = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    except ClientError as exc:
        if error_code(exc) == "NoSuchLifecycleConfiguration":
            return []
        raise PipelineError(
            f"reading the lifecycle rules of bucket {bucket} failed ({describe(exc)})"
        ) from exc
    return rules


def ensure_queues(
    sqs: Any, name: str, dead_letter_name: str, visibility_timeout_s: float, max_receives: int
) -> tuple[str, str]:
    """The job queue and its dead-letter queue; returns (queue URL, dead-letter queue URL).

    ``max_receives`` becomes the redrive policy's maxReceiveCount: a message received that many
    times without being deleted moves to the dead-letter queue on the next receive.
    """
    if max_receives < 1:
        raise ConfigError(f"PIPELINE_MAX_RECEIVES={max_receives} must be at least 1")
    dead_letter_url = _ensure_queue(
        sqs,
        dead_letter_name,
        {"MessageRetentionPeriod": str(DEAD_LETTER_RETENTION_S), "SqsManagedSseEnabled": "true"},
    )
    with aws_call(f"reading the ARN of queue {dead_letter_name}"):
        dead_letter_arn = sqs.get_queue_attributes(
            QueueUrl=dead_letter_url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
    redrive = {"deadLetterTargetArn": dead_letter_arn, "maxReceiveCount": max_receives}
    queue_url = _ensure_queue(
        sqs,
        name,
        {
            "VisibilityTimeout": str(math.ceil(visibility_timeout_s)),
            "RedrivePolicy": json.dumps(redrive),
            "SqsManagedSseEnabled": "true",
        },
    )
    return queue_url, dead_letter_url


def _ensure_queue(sqs: Any, name: str, attributes: dict[str, str]) -> str:
    url = _existing_queue_url(sqs, name)
    if url is None:
        with aws_call(f"creating queue {name}"):
            return str(sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"])
    with aws_call(f"updating queue {name}"):
        sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    return url


def _queue_url(sqs: Any, name: str) -> str:
    url = _existing_queue_url(sqs, name)
    if url is None:
        raise ConfigError(
            f"SQS queue {name!r} does not exist: run `sentiment-pipeline init` "
            "or deploy infra/template.yaml"
        )
    return url


def _existing_queue_url(sqs: Any, name: str) -> str | None:
    try:
        return str(sqs.get_queue_url(QueueName=name)["QueueUrl"])
    except ClientError as exc:
        if error_code(exc) in _MISSING_QUEUE_CODES:
            return None
        raise PipelineError(f"looking up queue {name} failed ({describe(exc)})") from exc


def _bucket_exists(s3: Any, bucket: str) -> bool:
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as exc:
        if error_code(exc) in _MISSING_BUCKET_CODES:
            return False
        raise ConfigError(
            f"bucket {bucket!r} exists but this account cannot use it ({describe(exc)}); "
            "choose another PIPELINE_BUCKET"
        ) from exc
    return True
