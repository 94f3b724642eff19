"""Erasing a job: at its owner's request (``DELETE /v1/jobs/{id}?erase=true`` on FastAPI and
the Gateway, the client, ``sentiment-pipeline erase``) and at the end of the retention (the
master, ``PIPELINE_RETENTION_DAYS``).

What it must do: leave nothing of the comments (no row, no input file, no results CSV, no
vectors or themes), keep the job's record saying when, refuse every read of it with 410 and a
message that says so rather than answer an empty job, never reuse it for a new upload, touch
no other key's job, and win against a worker still busy with the job."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apigw_events import load_event, with_query, without_identity
from fastapi.testclient import TestClient
from httpfakes import in_process_client
from insightfakes import fake_analyst
from jobfakes import FakeFleet, FakePredictor, job_of_one_key, make_backend

from pipeline import service
from pipeline.api.app import create_app
from pipeline.api.gateway import Gateway
from pipeline.bootstrap import Backend
from pipeline.cli import job_commands
from pipeline.cli.main import main
from pipeline.client import JobStatus
from pipeline.errors import JobErased
from pipeline.master.loop import RETENTION_EVERY_S, Master
from pipeline.master.policy import ScalingLimits
from pipeline.service.erase import erase_expired
from pipeline.service.erasure_marks import MARKS_PREFIX
from pipeline.ui.change import earlier_jobs
from pipeline.worker import Worker

CSV = b"course,comment\n" + b"".join(
    f"CHEM110,the exam was unfair {i}\nPHYS201,great lecture {i}\n".encode() for i in range(6)
)
READS = [
    "results?format=json",
    "results?format=csv",
    "summary?group_by=course",
    "aspects?group_by=course",
    "themes",
    "flagged",
    "ratings?column=course",
    "report?format=html",
]


def stored(backend: Backend) -> list[str]:
    """Every object in the embedded store, by key, but the erasure marks (no comment)."""
    root = backend.settings.data_dir / "objects"
    found = (str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    return sorted(key for key in found if not key.startswith(MARKS_PREFIX))


def labelled(backend: Backend, client: TestClient, content: bytes = CSV, **form: str) -> str:
    answer = client.post("/v1/jobs", files={"file": ("evals.csv", content)}, data=form)
    assert answer.status_code == 202, answer.text
    Worker(backend, lambda _ref: FakePredictor(), "w", insights=fake_analyst).run(burst=True)
    return str(answer.json()["request_id"])


def rows_of(backend: Backend, request_id: str) -> int:
    return sum(len(batch) for batch in backend.repository.results.batches(request_id))


def test_an_erased_job_leaves_its_record_and_nothing_of_its_comments(
    backend: Backend, client: TestClient
) -> None:
    request_id = labelled(backend, client)
    kept = labelled(backend, client, CSV + b"BIO9,another one\n")
    assert client.get(f"/v1/jobs/{request_id}").json()["status"] == "succeeded"
    mine = [key for key in stored(backend) if request_id in key]
    assert any(k.startswith("uploads/") for k in mine) and any(
        k.startswith("results/") for k in mine
    )
    assert any(k.startswith("analysis/") for k in mine), "the vectors and themes"
    before = datetime.now(UTC)

    answer = client.delete(f"/v1/jobs/{request_id}", params={"erase": "true"})

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "succeeded" and body["rows_done"] == 12
    assert datetime.fromisoformat(body["erased_at"]) >= before
    assert not [key for key in stored(backend) if request_id in key]
    objects = backend.settings.data_dir / "objects"
    named = [p for p in objects.rglob("*") if request_id in str(p)]
    assert named == [objects / MARKS_PREFIX / request_id], "its erasure's mark, no folder"
    assert rows_of(backend, request_id) == 0
    status = client.get(f"/v1/jobs/{request_id}").json()
    assert status["erased_at"] == body["erased_at"] and status["input_name"] == "evals.csv"
    assert rows_of(backend, kept) == 13 and any(kept in key for key in stored(backend))


def test_no_copy_of_an_erased_comment_is_left_in_the_database_files(
    backend: Backend, client: TestClient
) -> None:
    """SQLite kept deleted rows in its write-ahead log and free pages until overwritten."""
    secret = b"my tutor Jo Lee was kind to everyone"
    request_id = labelled(backend, client, CSV + b"BIO9," + secret + b"\n")
    files = sorted(backend.settings.data_dir.glob("pipeline.db*"))
    assert any(secret in path.read_bytes() for path in files), "written before"

    assert client.delete(f"/v1/jobs/{request_id}", params={"erase": "true"}).status_code == 200

    left = [
        p.name for p in backend.settings.data_dir.glob("pipeline.db*") if secret in p.read_bytes()
    ]
    assert left == []


@pytest.mark.parametrize("read", READS)
def test_every_read_of_an_erased_job_says_it_was_erased(
    backend: Backend, client: TestClient, read: str
) -> None:
    request_id = labelled(backend, client)
    assert client.delete(f"/v1/jobs/{request_id}?erase=true").status_code == 200

    answer = client.get(f"/v1/jobs/{request_id}/{read}")

    assert answer.status_code == 410, answer.text
    detail = answer.json()["detail"]
    assert f"job {request_id}'s comments and results were erased on" in detail
    assert answer.json()["error"] == "job_erased"


def test_comparisons_with_an_erased_job_are_refused(backend: Backend, client: TestClient) -> None:
    earlier = labelled(backend, client)
    now = labelled(backend, client, CSV + b"BIO9,another one\n")
    client.delete(f"/v1/jobs/{earlier}?erase=true")
    change = client.get(f"/v1/jobs/{now}/change", params={"since": earlier})
    trend = client.get("/v1/trend", params={"jobs": f"{earlier},{now}"})
    assert change.status_code == trend.status_code == 410
    assert earlier in change.json()["detail"] and earlier in trend.json()["detail"]


def test_the_same_file_again_makes_a_new_job_and_erasing_twice_keeps_the_first_time(
    backend: Backend, client: TestClient
) -> None:
    request_id = labelled(backend, client)
    first = client.delete(f"/v1/jobs/{request_id}?erase=true").json()["erased_at"]
    again = client.delete(f"/v1/jobs/{request_id}?erase=true")
    assert again.status_code == 200 and again.json()["erased_at"] == first

    resubmitted = client.post("/v1/jobs", files={"file": ("evals.csv", CSV)}, data={})

    assert resubmitted.status_code == 202
    assert resubmitted.json()["request_id"] != request_id
    assert not resubmitted.json().get("reused")


def test_a_queued_job_is_cancelled_and_no_worker_writes_it_afterwards(
    backend: Backend, client: TestClient
) -> None:
    answer = client.post("/v1/jobs", files={"file": ("evals.csv", CSV)}, data={})
    request_id = answer.json()["request_id"]

    erased = client.delete(f"/v1/jobs/{request_id}?erase=true").json()
    Worker(backend, lambda _ref: FakePredictor(), "w", insights=fake_analyst).run(burst=True)

    assert erased["status"] == "cancelled" and erased["erased_at"]
    assert rows_of(backend, request_id) == 0
    assert not [key for key in stored(backend) if request_id in key]
    assert backend.queue.depth().total == 0


def test_a_worker_that_finished_the_job_as_it_was_erased_removes_what_it_stored(
    backend: Backend, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The erasure lands between the worker storing the results CSV and the commit that
    would make the job succeed: the commit finds it stopped, and the worker removes the CSV
    and the themes it stored, which the erasure could not have seen."""
    answer = client.post("/v1/jobs", files={"file": ("evals.csv", CSV)}, data={})
    request_id = answer.json()["request_id"]
    publish = Worker._publish_results

    def publish_then_erased(worker: Worker, job_id: str, path: Path) -> str:
        key = publish(worker, job_id, path)
        assert backend.store.exists(key)
        service.erase(backend, job_id)
        return key

    monkeypatch.setattr(Worker, "_publish_results", publish_then_erased)
    Worker(backend, lambda _ref: FakePredictor(), "w", insights=fake_analyst).run(burst=True)

    job = backend.repository.jobs.get(request_id)
    assert job.status.value == "cancelled" and job.erased_at is not None
    assert not [key for key in stored(backend) if request_id in key]
    assert rows_of(backend, request_id) == 0


def test_another_keys_job_is_not_found_and_stays_whole(tmp_path: Path) -> None:
    keyed = job_of_one_key(tmp_path, "evals.csv", CSV, text_column="comment")
    path = f"/v1/jobs/{keyed.request_id}"
    refused = keyed.api.delete(path, params={"erase": "true"}, headers={"X-API-Key": keyed.other})
    assert refused.status_code == 404
    owned = keyed.api.get(f"{path}/summary", headers={"X-API-Key": keyed.owner})
    assert owned.status_code == 200 and owned.json()["overall"]["rows"] == 12


def test_the_gateway_erases_as_fastapi_does(backend: Backend, client: TestClient) -> None:
    request_id = labelled(backend, client)
    event = without_identity(load_event("summary", request_id))
    event = {**event, "httpMethod": "DELETE", "path": f"/v1/jobs/{request_id}"}
    event["requestContext"] = {**event["requestContext"], "httpMethod": "DELETE"}

    answer = Gateway(backend).handle(with_query(event, erase="true"))

    assert answer["statusCode"] == 200, answer
    assert json.loads(answer["body"])["erased_at"]
    read = Gateway(backend).handle(without_identity(load_event("summary", request_id)))
    assert read["statusCode"] == 410
    assert "were erased on" in json.loads(read["body"])["detail"]


def test_the_command_asks_for_yes_and_the_client_raises_job_erased(
    backend: Backend,
    client: TestClient,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    request_id = labelled(backend, client)
    monkeypatch.setattr(job_commands, "api_client", lambda _args: in_process_client(client))

    assert main(["erase", request_id]) == 2
    assert "repeat with --yes" in capsys.readouterr().err
    assert rows_of(backend, request_id) == 12, "nothing erased without --yes"
    assert main(["erase", request_id, "--yes"]) == 0
    assert "its comments and results are gone" in capsys.readouterr().out
    with in_process_client(client) as api, pytest.raises(JobErased, match="were erased on"):
        api.summary(request_id)
    assert main(["summary", request_id]) != 0
    assert "were erased on" in capsys.readouterr().err


def test_the_operator_erases_a_job_no_key_can_reach(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A job made before the first key (or under a revoked one) is no key's to erase through
    the API; the operator, with the deployment's own settings, erases it all the same."""
    backend = make_backend(tmp_path)
    request_id = labelled(backend, TestClient(create_app(backend)))
    secret = service.create_key(backend, "alice").secret
    keyed = TestClient(create_app(backend), headers={"X-API-Key": secret})
    assert keyed.delete(f"/v1/jobs/{request_id}", params={"erase": "true"}).status_code == 404
    for name in (
        "PIPELINE_API_URL",
        "PIPELINE_API_KEY",
        "PIPELINE_DATABASE_URL",
        "PIPELINE_BACKEND",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PIPELINE_DATA_DIR", str(backend.settings.data_dir))

    assert main(["erase", request_id, "--operator"]) == 2, "--yes still asked for"
    assert main(["erase", request_id, "--yes", "--operator"]) == 0

    assert f"{request_id} erased: evals.csv, 12 rows" in capsys.readouterr().out
    assert backend.repository.jobs.get(request_id).erased_at is not None
    assert rows_of(backend, request_id) == 0
    assert not [key for key in stored(backend) if request_id in key]
    assert main(["erase", "no-such-job", "--yes", "--operator"]) != 0


def test_the_retention_erases_finished_jobs_only_and_reads_refuse_them_before(
    tmp_path: Path,
) -> None:
    backend = make_backend(tmp_path, auth="none", retention_days=30)
    client = TestClient(create_app(backend))
    finished = labelled(backend, client)
    waiting = client.post(
        "/v1/jobs", files={"file": ("other.csv", CSV + b"BIO9,x\n")}, data={}
    ).json()["request_id"]
    now = datetime.now(UTC)

    assert erase_expired(backend, 30, now) == []
    assert client.get(f"/v1/jobs/{finished}/summary").status_code == 200
    assert erase_expired(backend, 30, now + timedelta(days=31)) == [finished]
    assert rows_of(backend, finished) == 0
    assert not [key for key in stored(backend) if finished in key]
    assert backend.repository.jobs.get(waiting).erased_at is None, "not finished: kept"
    assert erase_expired(backend, 30, now + timedelta(days=62)) == []


def past_retention(tmp_path: Path) -> tuple[Backend, TestClient, str]:
    """A finished job of a deployment that keeps jobs for a moment only."""
    backend = make_backend(tmp_path, auth="none", retention_days=1e-9)
    client = TestClient(create_app(backend))
    return backend, client, labelled(backend, client)


def test_a_job_past_its_retention_reads_as_erased_before_the_master_erases_it(
    tmp_path: Path,
) -> None:
    _backend, client, request_id = past_retention(tmp_path)

    answer = client.get(f"/v1/jobs/{request_id}/summary")

    assert answer.status_code == 410
    assert "more than 1e-09 days ago" in answer.json()["detail"]
    assert "PIPELINE_RETENTION_DAYS" in answer.json()["detail"]
    assert client.get(f"/v1/jobs/{request_id}").status_code == 200


def test_the_same_file_again_after_the_retention_makes_a_new_job_and_erases_the_old(
    tmp_path: Path,
) -> None:
    backend, client, expired = past_retention(tmp_path)

    again = client.post("/v1/jobs", files={"file": ("evals.csv", CSV)}, data={}).json()

    assert again["request_id"] != expired and not again.get("reused")
    assert backend.repository.jobs.get(expired).erased_at is not None
    assert rows_of(backend, expired) == 0
    assert not [key for key in stored(backend) if expired in key]


def test_the_master_erases_at_its_first_tick_then_hourly(tmp_path: Path) -> None:
    backend = make_backend(tmp_path, auth="none")
    client = TestClient(create_app(backend))
    request_id = labelled(backend, client)
    moment = [0.0]
    later = datetime.now(UTC) + timedelta(days=8)
    master = Master(
        backend,
        FakeFleet(),
        ScalingLimits(min_workers=0, max_workers=1, idle_timeout_s=60),
        clock=lambda: moment[0],
        retention_days=7,
        calendar=lambda: later,
    )

    assert master.tick().erased_jobs == (request_id,)
    second = labelled(backend, client, CSV + b"BIO9,x\n")
    moment[0] = 10.0
    assert master.tick().erased_jobs == (), "not due again within the hour"
    moment[0] = RETENTION_EVERY_S + 1
    assert master.tick().erased_jobs == (second,)


def test_an_erased_job_is_not_offered_to_compare_with() -> None:
    jobs = [
        JobStatus("now", "succeeded"),
        JobStatus("erased", "succeeded", erased_at="2026-12-05T16:00:00+00:00"),
        JobStatus("kept", "succeeded"),
        JobStatus("running", "running"),
    ]
    assert [job.request_id for job in earlier_jobs(jobs, "now")] == ["kept"]
