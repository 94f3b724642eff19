"""Each component's own S3 and SQS calls, made by the product's code, under the IAM statements
infra/template.yaml gives that component's role, with moto enforcing IAM.

tests/integration/test_infra_template.py reads the statements (no wildcards, scoped resources);
this runs them. Each component signs with the keys of an IAM user that holds exactly its role's
statements, the template's intrinsics resolved to this account's bucket and queues: the init
task re-applies the bucket's settings, the Lambda submits a file through an upload URL and one
directly, a worker labels them (re-sending a healthy job's message before the redrive limit on
the way), the master settles a dead letter, hands a dead worker's message back and erases jobs
at the end of their retention, and the Lambda erases one at its owner's request. A call a role
does not allow fails with AWS's AccessDenied. Not made here: the ECS calls (moto cannot
evaluate the statements' conditions on the cluster), SQS GetQueueUrl (moto checks it against
no queue, see ``Roles.backend``: the init task's queue settings go with it) and Secrets
Manager (the database is SQLite).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from cfn_template import load_template
from jobfakes import FakeFleet, FakePredictor, comments_csv
from moto.core import set_initial_no_auth_action_count

from pipeline import service
from pipeline.adapters.aws import (
    aws_client,
    build_aws_store,
    dead_letter_queue_name,
    ensure_bucket,
)
from pipeline.adapters.sqs_queue import SQSJobQueue
from pipeline.bootstrap import Backend, init_backend
from pipeline.db import JobStatus, Repository, WorkerRegistry
from pipeline.db.engine import utcnow
from pipeline.errors import PipelineError
from pipeline.master.recovery import recover_dead_workers
from pipeline.service.erase import erase_expired
from pipeline.service.erasure_marks import mark_key
from pipeline.service.jobs import submitted_key
from pipeline.settings import Settings
from pipeline.worker import Worker

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's account
STACK = "sentiment"
ROLES = ("ApiFunction", "WorkerTaskRole", "MasterTaskRole", "InitTaskRole")
OWNER = "apigw:key-1"
CSV = b"course,comment\nC1,a good course\nC2,a bad course\n"
DENIED = r"AccessDenied|\(403\)"
EVERYTHING = {"Effect": "Allow", "Action": "*", "Resource": "*"}


def _names(settings: Settings) -> dict[str, str]:
    """What the template's intrinsics stand for in this account. The bucket's and the queues'
    ARNs are real; anything else (ECS, secrets, roles) stays a name no S3 or SQS call matches."""
    queues = f"arn:aws:sqs:{REGION}:{ACCOUNT}"
    return {
        "Bucket.Arn": f"arn:aws:s3:::{settings.bucket}",
        "JobQueue.Arn": f"{queues}:{settings.queue_name}",
        "JobDeadLetterQueue.Arn": f"{queues}:{dead_letter_queue_name(settings)}",
        "AWS::Partition": "aws",
        "AWS::Region": REGION,
        "AWS::AccountId": ACCOUNT,
        "AWS::StackName": STACK,
    }


def _resolve(node: Any, names: dict[str, str]) -> Any:
    if isinstance(node, list):
        return [_resolve(item, names) for item in node]
    if not isinstance(node, dict):
        return node
    if "Fn::GetAtt" in node:
        target = node["Fn::GetAtt"]
        name = target if isinstance(target, str) else ".".join(target)
        return names.get(name, _elsewhere(name))
    if "Ref" in node:
        return names.get(node["Ref"], _elsewhere(node["Ref"]))
    if "Fn::Sub" in node:
        text = node["Fn::Sub"]
        return re.sub(r"\$\{([^}]+)\}", lambda m: names.get(m[1], m[1].replace(".", "-")), text)
    return {key: _resolve(value, names) for key, value in node.items()}


def _elsewhere(name: str) -> str:
    """A well-formed ARN for a resource this test does not call (an ECS cluster, a secret)."""
    return f"arn:aws:elsewhere:{REGION}:{ACCOUNT}:{name.replace('.', '-')}"


def role_statements(template: dict[str, Any], resource: str, settings: Settings) -> list[Any]:
    """The statements of a role's inline policies, or of a SAM function's ``Policies``."""
    properties = template["Resources"][resource]["Properties"]
    documents = [policy.get("PolicyDocument", policy) for policy in properties["Policies"]]
    statements = [s for doc in documents for s in _resolve(doc, _names(settings))["Statement"]]
    assert statements, f"{resource} has no inline statements"
    return statements


MOTO_NAMES = {
    "s3:GetObject": ["s3:HeadObject"],
    "s3:ListBucket": ["s3:HeadBucket", "s3:ListObjectsV2"],
    "s3:PutObject": ["s3:CopyObject"],
    "s3:PutBucketPublicAccessBlock": ["s3:PutPublicAccessBlock"],
    "s3:PutEncryptionConfiguration": ["s3:PutBucketEncryption"],
}
"""Names moto checks instead of AWS's IAM actions: HeadObject as s3:HeadObject (AWS:
s3:GetObject), HeadBucket and ListObjectsV2 as themselves (AWS: s3:ListBucket), CopyObject as
s3:CopyObject on the target (AWS: s3:PutObject on it, s3:GetObject on the source),
PutPublicAccessBlock and PutBucketEncryption as themselves (AWS: s3:PutBucketPublicAccessBlock,
s3:PutEncryptionConfiguration). A user holding AWS's action gets moto's beside it."""


def _in_moto_names(statement: dict[str, Any]) -> list[dict[str, Any]]:
    """The statement with moto's names of its actions beside AWS's. moto checks DeleteObjects
    (a batch) as s3:DeleteObjects on the bucket, not as s3:DeleteObject on each key: a role
    that may delete some keys gets that on the bucket, so the prefixes a role may delete under
    are checked by single deletes (``ObjectStore.delete``) only."""
    actions = (
        statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
    )
    extra = [name for action in actions for name in MOTO_NAMES.get(action, [])]
    statements = [{**statement, "Action": actions + extra}]
    if "s3:DeleteObject" in actions:
        resources = statement["Resource"]
        keys = resources if isinstance(resources, list) else [resources]
        buckets = sorted({key.split("/", 1)[0] for key in keys})
        statements.append({"Effect": "Allow", "Action": "s3:DeleteObjects", "Resource": buckets})
    return statements


def _user(iam: Any, name: str, statements: list[Any]) -> dict[str, str]:
    """An IAM user holding exactly ``statements``; its keys as environment variables."""
    iam.create_user(UserName=name)
    document = [moto for statement in statements for moto in _in_moto_names(statement)]
    policy = json.dumps({"Version": "2012-10-17", "Statement": document})
    iam.put_user_policy(UserName=name, PolicyName="role", PolicyDocument=policy)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {
        "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
    }


@pytest.fixture
def template() -> dict[str, Any]:
    return load_template()


@pytest.fixture
def settings(mocked_aws: None, tmp_path: Path) -> Settings:
    """The stack's names; three deliveries before the redrive, so that the second delivery of
    a job is already the one the worker re-sends (``pipeline.poison.needs_fresh_message``)."""
    return Settings(
        backend="aws",
        aws_region=REGION,
        bucket=f"{STACK}-bucket-1a2b3c",
        queue_name=f"{STACK}-jobs",
        max_receives=3,
        data_dir=tmp_path / "scratch",
        database_url=f"sqlite:///{tmp_path / 'pipeline.db'}",
        model="fake",
        chunk_rows=8,
    )


class Roles:
    """Builds each component's backend signed by its own role's user: boto3 reads the keys
    from the environment when a client is made, so each backend keeps its own."""

    def __init__(
        self,
        monkeypatch: pytest.MonkeyPatch,
        keys: dict[str, dict[str, str]],
        queue_urls: tuple[str, str],
    ) -> None:
        self._monkeypatch = monkeypatch
        self.keys = keys
        self.queue_urls = queue_urls

    def backend(self, role: str, settings: Settings) -> Backend:
        """As ``build_backend`` builds it, but for the queues' URLs: moto checks GetQueueUrl
        against no queue ("*"), which a statement scoped to the queue's ARN never matches, so
        the administrator looked them up (AWS checks it against the queue: the roles may)."""
        self.use(role)
        return Backend(
            settings=settings,
            repository=Repository.connect(settings.database_url),
            store=build_aws_store(settings),
            queue=SQSJobQueue(
                aws_client("sqs", settings), *self.queue_urls, settings.visibility_timeout_s
            ),
        )

    def use(self, role: str) -> None:
        """The role's keys in the environment, read by the next client boto3 makes (a fresh
        default session: the one before keeps the keys it read first)."""
        for name, value in self.keys[role].items():
            self._monkeypatch.setenv(name, value)
        self._monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)


@pytest.fixture
def roles(settings: Settings, template: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Roles:
    """One IAM user per role, and the stack's bucket, queues and database, made as
    CloudFormation and the init task would, before the test turns IAM checks on (moto checks
    nothing until ``set_initial_no_auth_action_count`` says so); and an administrator."""
    iam = boto3.client("iam", region_name=REGION)
    keys = {"admin": _user(iam, "admin", [EVERYTHING])}
    for role in ROLES:
        keys[role] = _user(iam, role, role_statements(template, role, settings))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", keys["admin"]["AWS_ACCESS_KEY_ID"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", keys["admin"]["AWS_SECRET_ACCESS_KEY"])
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    admin = init_backend(settings)
    admin.repository.database.dispose()
    assert isinstance(admin.queue, SQSJobQueue)
    return Roles(monkeypatch, keys, (admin.queue.queue_url, admin.queue.dead_letter_url))


def _admin_s3(roles: Roles) -> Any:
    keys = roles.keys["admin"]
    return boto3.client(
        "s3",
        region_name=REGION,
        aws_access_key_id=keys["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=keys["AWS_SECRET_ACCESS_KEY"],
    )


def work(backend: Backend) -> int:
    """What the deployed worker's loop does (``worker``, never ``--burst``, whose settling of
    dead letters is the master's work on AWS): receive and handle until nothing is visible."""
    worker = Worker(backend, lambda _ref: FakePredictor(), "w1")
    handled = 0
    while (message := backend.queue.receive()) is not None:
        worker.handle(message)
        handled += 1
    return handled


@set_initial_no_auth_action_count(0)  # every call of the test is checked
def test_each_component_makes_its_s3_and_sqs_calls_under_its_own_role(
    roles: Roles, settings: Settings, tmp_path: Path
) -> None:
    roles.use("InitTaskRole")  # init re-applies the bucket's settings
    ensure_bucket(aws_client("s3", settings), settings.bucket)

    api = roles.backend("ApiFunction", settings)
    worker = roles.backend("WorkerTaskRole", settings)
    master = roles.backend("MasterTaskRole", settings)
    api.store.check()  # GET /health
    api.queue.check()

    # The Lambda: a file through an upload URL, and one sent directly. A presigned URL acts
    # with the rights of the role that signed it, the Lambda's; moto cannot check IAM on a
    # presigned request, so the PUT the URL allows is made with the Lambda's keys instead.
    ticket = service.request_upload(api, OWNER)
    api.store.put_bytes(ticket.upload_key, CSV)
    by_url = service.submit_stored(
        api, ticket.upload_key, "comment", ["course"], owner=OWNER, filename="big.csv"
    ).request_id
    assert not api.store.exists(ticket.upload_key)  # copied to the job's own key, deleted
    source = comments_csv(tmp_path / "direct.csv", ["good", "bad", "fine"])
    direct = service.submit(api, source, "comment", owner=OWNER).request_id

    # A worker: the first delivery died unseen, so the next is the one the worker re-sends
    # with a fresh count before the queue's redrive limit (sqs:SendMessage), then labels.
    lost = worker.queue.receive()
    assert lost is not None
    worker.queue.release(lost.receipt)
    assert work(worker) == 3
    for request_id, rows in [(by_url, 2), (direct, 3)]:
        job = api.repository.jobs.get(request_id)
        assert (job.status, job.rows_done) == (JobStatus.SUCCEEDED, rows), job.error
    results = f"results/{by_url}/escaped/results.csv"
    url = service.results_url(api, by_url, OWNER)  # a presigned GET of it: the Lambda's
    assert url is not None and results in url  # right to read it, as for the PUT above
    assert api.store.get_bytes(results).count(b"a good course") == 1

    # The master: a worker that died holding a job has its message handed back at once
    # (sqs:ChangeMessageVisibility with the receipt the worker recorded).
    held = service.submit(api, comments_csv(tmp_path / "held.csv", ["held"]), "comment").request_id
    message = worker.queue.receive()
    assert message is not None and message.body["request_id"] == held
    past = WorkerRegistry(worker.repository.database, now=lambda: utcnow() - timedelta(hours=1))
    past.beat("w-dead", held, "host", 1, receipt=message.receipt)
    recovery = recover_dead_workers(master.queue, master.repository.workers, FakeFleet(), 30)
    assert recovery.released == [held]
    assert master.queue.depth().visible == 1
    assert work(worker) == 2  # its second delivery, re-sent, then the fresh message
    assert api.repository.jobs.get(held).status == JobStatus.SUCCEEDED

    # The master settles the dead-letter queue (a letter whose job is gone is dropped).
    roles.use("admin")
    sqs = boto3.client("sqs", region_name=REGION)
    dead_url = sqs.get_queue_url(QueueName=dead_letter_queue_name(settings))["QueueUrl"]
    sqs.send_message(QueueUrl=dead_url, MessageBody=json.dumps({"request_id": "gone"}))
    assert service.settle_dead_letters(master) == []
    assert master.queue.dead_letters() == []

    # Erasing: the Lambda at the owner's request, the master at the end of the retention.
    service.erase(api, direct, OWNER)
    later = datetime.now(UTC) + timedelta(days=2)
    assert sorted(erase_expired(master, 1, later)) == sorted([by_url, held])
    # Nothing of a job is left; only the marker that spends the upload key (the job's id, no
    # comment), which the bucket's expiry removes long after the upload URL has expired, and
    # each erasure's record (pipeline.service.erasure_marks: when and why, no comment).
    left = _admin_s3(roles).list_objects_v2(Bucket=settings.bucket).get("Contents", [])
    records = [mark_key(erased) for erased in (by_url, direct, held)]
    assert sorted(found["Key"] for found in left) == sorted(
        [submitted_key(ticket.upload_key), *records]
    )

    # What the roles do not allow is refused: the harness enforces the statements. (Clients
    # read AWS's error code only; moto answers SQS's JSON protocol with an XML error, whose
    # code botocore reads as the HTTP status.)
    with pytest.raises(PipelineError, match=DENIED):
        api.queue.receive()
    with pytest.raises(PipelineError, match=DENIED):
        master.queue.receive()
    master.queue.send({"request_id": "x"})  # a lost job's message (pipeline.service.unsent)
    worker.store.put_bytes("models/v2/config.json", b"{}")  # nothing but a job's files
    with pytest.raises(PipelineError, match=DENIED):
        worker.store.delete("models/v2/config.json")
