"""A worker erases again, under its own role's statements, a job whose erasure a database
restored from a backup lost: its input under ``uploads/`` included, with moto enforcing IAM as
``test_template_iam`` does. The role could not delete under ``uploads/``: the first delete was
refused, so the job's results and analysis stayed too, and the log said the job's erasure mark
could not be read when it had been (hunt 1, finding 2). A delete refused all the same (a role
tightened by hand) leaves only what it refused, and the log says what failed. And the master's
role holds no right its code never uses (hunt 1, finding 5)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from cfn_template import load_template
from jobfakes import comments_csv
from moto.core import set_initial_no_auth_action_count
from sqlalchemy import update
from test_template_iam import (  # noqa: F401 (the fixtures, by name)
    ACCOUNT,
    OWNER,
    REGION,
    Roles,
    _admin_s3,
    role_statements,
    roles,
    settings,
    work,
)

from pipeline import service
from pipeline.adapters.aws import dead_letter_queue_name
from pipeline.db import JobStatus
from pipeline.db.models import Job
from pipeline.service.erasure_marks import mark_key
from pipeline.settings import Settings

AS_BEFORE = "the worker's deletes as before the fix"


@pytest.fixture
def template(request: pytest.FixtureRequest) -> dict[str, Any]:
    """infra/template.yaml; with ``AS_BEFORE``, its worker role may delete under
    ``analysis/`` and ``results/`` only, as it could before."""
    loaded = load_template()
    if getattr(request, "param", None) == AS_BEFORE:
        policy = loaded["Resources"]["WorkerTaskRole"]["Properties"]["Policies"][0]
        for statement in policy["PolicyDocument"]["Statement"]:
            if statement["Action"] == "s3:DeleteObject":
                kept = [r for r in statement["Resource"] if "/uploads/" not in r["Fn::Sub"]]
                statement["Resource"] = kept
    return loaded


def brought_back(users: Roles, stack: Settings, tmp_path: Path) -> tuple[str, list[str]]:
    """A job erased at its owner's request while queued (its message still on the queue), then
    the database restored from a backup taken before the erasure; what the job had stored
    before it is in the bucket again (put back by hand). Its id and those keys."""
    api = users.backend("ApiFunction", stack)
    source = comments_csv(tmp_path / "in.csv", ["a good course", "the labs were bad"])
    request_id = service.submit(api, source, "comment", owner=OWNER).request_id
    input_key = api.repository.jobs.get(request_id).input_key
    service.erase(api, request_id, OWNER)
    with api.repository.database.write() as session:
        session.execute(
            update(Job)
            .where(Job.request_id == request_id)
            .values(erased_at=None, status=JobStatus.QUEUED.value, finished_at=None)
        )
    stored = [input_key, f"results/{request_id}/results.csv", f"analysis/{request_id}/themes.json"]
    for key in stored:
        _admin_s3(users).put_object(Bucket=stack.bucket, Key=key, Body=b"comments")
    return request_id, stored


def left_of(users: Roles, stack: Settings, request_id: str) -> list[str]:
    """The job's objects still in the bucket, but for its erasure mark."""
    listed = _admin_s3(users).list_objects_v2(Bucket=stack.bucket).get("Contents", [])
    return sorted(found["Key"] for found in listed if found["Key"] != mark_key(request_id))


@set_initial_no_auth_action_count(0)
def test_a_worker_erases_again_the_job_a_restored_database_brought_back(
    roles: Roles,  # noqa: F811
    settings: Settings,  # noqa: F811
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    request_id, _stored = brought_back(roles, settings, tmp_path)
    worker = roles.backend("WorkerTaskRole", settings)
    assert work(worker) == 1
    job = worker.repository.jobs.get(request_id)
    assert job.status is JobStatus.CANCELLED and job.erased_at is not None
    assert left_of(roles, settings, request_id) == []
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(said) == 1 and said[0].endswith("was restored from before it: erased again")
    assert worker.queue.depth().total == 0


@pytest.mark.parametrize("template", [AS_BEFORE], indirect=True)
@set_initial_no_auth_action_count(0)
def test_a_refused_delete_leaves_only_what_it_refused_and_is_named(
    roles: Roles,  # noqa: F811
    settings: Settings,  # noqa: F811
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    request_id, stored = brought_back(roles, settings, tmp_path)
    worker = roles.backend("WorkerTaskRole", settings)
    assert work(worker) == 1  # dropped, never labelled
    job = worker.repository.jobs.get(request_id)
    assert job.status is JobStatus.CANCELLED and job.erased_at is not None
    left = left_of(roles, settings, request_id)
    # the input at most: moto checks the batch delete of its folder on the bucket, not per key
    assert left in ([], [stored[0]])
    said = " ".join(r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR)
    assert f"job {request_id} was erased before the database was restored" in said
    assert "erasing it again failed" in said and "AccessDenied" in said
    assert "could not be read" not in caplog.text
    assert worker.queue.depth().total == 0


def test_the_master_may_do_on_the_dead_letter_queue_only_what_it_does(
    template: dict[str, Any],
    settings: Settings,  # noqa: F811
) -> None:
    """Find it, read the letters, delete each settled one (``settle_dead_letters``); the
    dead-letter queue's attributes are the init task's to set, and nobody reads them."""
    dead_letters = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{dead_letter_queue_name(settings)}"
    granted = {
        action
        for statement in role_statements(template, "MasterTaskRole", settings)
        if dead_letters in listed(statement["Resource"])
        for action in listed(statement["Action"])
    }
    assert granted == {"sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:DeleteMessage"}


def listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value
