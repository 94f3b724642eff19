"""A leaked key is replaced without losing its department's jobs: ``keys rotate`` gives the
same key a new secret (the old one refused at once), and ``keys hand-over`` gives one owner's
jobs to another key. Neither ever opens a job to more callers than before: jobs are not
handed to anonymous or to a revoked key, and a revoked key comes back only when asked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jobfakes import make_backend, new_job

from pipeline import service
from pipeline.api.app import create_app
from pipeline.bootstrap import Backend
from pipeline.cli.main import main
from pipeline.errors import Conflict, InputError, NotFoundError
from pipeline.service.keys import hand_over_jobs, rotate_key

CSV = b"course,comment\nA,good\nB,bad\n"


def submit(client: TestClient, key: str | None, data: bytes = CSV) -> str:
    headers = {"X-API-Key": key} if key else {}
    answer = client.post(
        "/v1/jobs",
        files={"file": ("c.csv", data)},
        data={"text_column": "comment"},
        headers=headers,
    )
    assert answer.status_code == 202, answer.text
    return str(answer.json()["request_id"])


def status(client: TestClient, request_id: str, key: str) -> int:
    return client.get(f"/v1/jobs/{request_id}", headers={"X-API-Key": key}).status_code


def listed(client: TestClient, key: str) -> list[str]:
    answer: Any = client.get("/v1/jobs", headers={"X-API-Key": key}).json()
    return [job["request_id"] for job in answer["jobs"]]


@pytest.fixture
def backend(tmp_path: Path) -> Backend:
    return make_backend(tmp_path, auth="keys")


@pytest.fixture
def client(backend: Backend) -> TestClient:
    return TestClient(create_app(backend))


def test_a_rotated_key_keeps_its_jobs_and_its_old_secret_is_refused(
    client: TestClient, backend: Backend
) -> None:
    old = service.create_key(backend, "chem")
    request_id = submit(client, old.secret)
    new = rotate_key(backend, "chem")
    assert new.secret != old.secret and new.key_id == old.key_id
    assert status(client, request_id, old.secret) == 401
    assert status(client, request_id, new.secret) == 200
    assert listed(client, new.secret) == [request_id]
    (record,) = service.list_keys(backend)
    assert record.replaced_at is not None and record.revoked_at is None


def test_a_revoked_key_is_rotated_only_when_reinstating_it_is_asked_for(
    client: TestClient, backend: Backend
) -> None:
    old = service.create_key(backend, "chem")
    request_id = submit(client, old.secret)
    service.revoke_key(backend, "chem")
    with pytest.raises(Conflict, match="--reinstate"):
        rotate_key(backend, "chem")
    (record,) = service.list_keys(backend)
    assert record.revoked_at is not None  # the refused rotation changed nothing
    back = rotate_key(backend, "chem", reinstate=True)
    assert status(client, request_id, back.secret) == 200
    assert status(client, request_id, old.secret) == 401
    with pytest.raises(NotFoundError, match="'bio'"):
        rotate_key(backend, "bio")


def test_a_revoked_keys_jobs_are_handed_to_a_new_key(client: TestClient, backend: Backend) -> None:
    old = service.create_key(backend, "chem")
    first = submit(client, old.secret)
    second = submit(client, old.secret, CSV + b"C,fine\n")
    other = service.create_key(backend, "bio")
    theirs = submit(client, other.secret)
    service.revoke_key(backend, "chem")
    new = service.create_key(backend, "chem-2026")
    assert status(client, first, new.secret) == 404
    moved = hand_over_jobs(backend, "chem", "chem-2026")
    assert moved.jobs == 2
    assert sorted(listed(client, new.secret)) == sorted([first, second])
    assert status(client, first, new.secret) == 200
    assert status(client, theirs, new.secret) == 404  # another key's job stays theirs
    assert listed(client, other.secret) == [theirs]


@pytest.mark.parametrize(
    ("source", "target", "why"),
    [
        ("chem", "anonymous", "not handed to anonymous"),
        ("chem", "gone", "is revoked"),
        ("chem", "chem", "same owner"),
        ("chem", "apigw:../x", "no API Gateway key"),
        ("nobody", "chem", "no API key named 'nobody'"),
        ("chem", "nobody", "no API key named 'nobody'"),
    ],
)
def test_a_hand_over_that_would_widen_access_or_names_nothing_is_refused(
    client: TestClient, backend: Backend, source: str, target: str, why: str
) -> None:
    chem = service.create_key(backend, "chem")
    request_id = submit(client, chem.secret)
    service.create_key(backend, "gone")
    service.revoke_key(backend, "gone")
    with pytest.raises((InputError, NotFoundError), match=why):
        hand_over_jobs(backend, source, target)
    assert listed(client, chem.secret) == [request_id]


def test_jobs_sent_without_a_key_are_handed_to_the_first_key(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)  # auto on loopback: keyless until a key exists
    client = TestClient(create_app(backend))
    request_id = submit(client, None)
    alice = service.create_key(backend, "alice")
    assert status(client, request_id, alice.secret) == 404
    assert hand_over_jobs(backend, "anonymous", "alice").jobs == 1
    assert status(client, request_id, alice.secret) == 200


def test_jobs_of_an_api_gateway_key_are_handed_to_another(backend: Backend) -> None:
    jobs = backend.repository.jobs
    jobs.create(new_job("gw1", owner="apigw:abc123XYZ9"))
    service.create_key(backend, "chem")
    assert hand_over_jobs(backend, "apigw:abc123XYZ9", "apigw:def456").jobs == 1
    assert jobs.get("gw1").owner == "apigw:def456"


def test_a_handed_over_copy_of_a_submission_leaves_the_receiver_reusing_its_own(
    backend: Backend,
) -> None:
    jobs = backend.repository.jobs
    jobs.create(new_job("theirs", owner="o-source"))
    jobs.create(new_job("mine", owner="o-target"))
    assert jobs.hand_over("o-source", "o-target") == 1
    reused, created = jobs.create_unless_reusable(new_job("again", owner="o-target"))
    assert (reused.request_id, created) == ("mine", False)
    assert {job.request_id for job in jobs.list_for("o-target")} == {"theirs", "mine"}


def test_the_commands_rotate_list_and_hand_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("PIPELINE_DATABASE_URL", "PIPELINE_BACKEND", "PIPELINE_FLEET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PIPELINE_DATA_DIR", str(tmp_path / "data"))
    assert main(["keys", "create", "chem"]) == 0
    first = capsys.readouterr().out.strip()
    assert main(["keys", "rotate", "chem"]) == 0
    out = capsys.readouterr()
    assert out.out.strip().startswith("sp_") and out.out.strip() != first
    assert "old secret is refused" in out.err
    assert main(["keys", "list"]) == 0
    listing = capsys.readouterr().out
    assert "UTC\tactive, secret replaced " in listing and listing.rstrip().endswith("UTC")
    assert main(["keys", "revoke", "chem"]) == 0
    assert "keys rotate chem --reinstate" in capsys.readouterr().err
    assert main(["keys", "rotate", "chem"]) == 1
    assert "--reinstate" in capsys.readouterr().err
    assert main(["keys", "create", "chem2"]) == 0
    capsys.readouterr()
    assert main(["keys", "hand-over", "chem", "chem2"]) == 0
    assert "0 jobs of 'chem' handed to 'chem2'" in capsys.readouterr().err
    assert main(["keys", "rotate", "chem", "--reinstate"]) == 0
    assert "active again" in capsys.readouterr().err


def test_the_operator_lists_the_jobs_of_a_revoked_key_to_find_their_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    backend = make_backend(tmp_path, auth="keys")
    client = TestClient(create_app(backend))
    chem = service.create_key(backend, "chem")
    first = submit(client, chem.secret)
    second = submit(client, chem.secret, CSV + b"C,fine\n")
    service.revoke_key(backend, "chem")
    monkeypatch.setenv("PIPELINE_DATA_DIR", str(backend.settings.data_dir))
    for name in ("PIPELINE_DATABASE_URL", "PIPELINE_BACKEND", "PIPELINE_FLEET"):
        monkeypatch.delenv(name, raising=False)
    assert main(["keys", "jobs", "chem"]) == 0
    out = capsys.readouterr()
    lines = out.out.splitlines()
    assert [line.split("\t")[0] for line in lines] == [second, first]  # newest first
    assert all(" UTC\tcancelled\t" in line and line.endswith("c.csv") for line in lines)
    assert "2 jobs of 'chem'" in out.err
    assert main(["keys", "jobs", "chem", "--limit", "1"]) == 0
    assert "--limit shows more" in capsys.readouterr().err
    assert main(["keys", "jobs", "nobody"]) == 1
    assert "no API key named 'nobody'" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["anonymous", "apigw:Team1"])
def test_a_key_cannot_take_the_name_of_another_owner(backend: Backend, name: str) -> None:
    with pytest.raises(InputError, match="give the key another name"):
        service.create_key(backend, name)


def test_an_older_key_named_anonymous_makes_the_word_ambiguous_and_is_refused(
    client: TestClient, backend: Backend
) -> None:
    """Made before such names were refused: `hand-over anonymous X` must not guess which
    jobs it means (every keyless caller's, or that key's)."""
    backend.repository.keys.add("k-old", "anonymous", "hash-old")
    service.create_key(backend, "chem")
    with pytest.raises(InputError, match="cannot be told"):
        hand_over_jobs(backend, "anonymous", "chem")


def test_names_are_read_as_created_whatever_spaces_surround_them(
    client: TestClient, backend: Backend
) -> None:
    chem = service.create_key(backend, " chem ")
    request_id = submit(client, chem.secret)
    service.create_key(backend, "bio")
    assert hand_over_jobs(backend, " chem", "bio ").jobs == 1
    rotated = rotate_key(backend, "bio ")
    assert status(client, request_id, rotated.secret) == 200
    assert service.revoke_key(backend, " bio").revoked_at is not None
