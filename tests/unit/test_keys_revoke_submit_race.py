"""A submit let in just before its key is revoked is refused at its job's insert, as a revoked
key is at the door: it inserted a live job after the revocation's pass had cancelled the key's
jobs, and a worker labelled it for a key nobody may use any more (SQLite; the PostgreSQL
interleavings are in tests/integration/test_keys_revoke_submit_race_pg.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jobfakes import comments_csv, make_backend

from pipeline import service
from pipeline.api.app import create_app
from pipeline.bootstrap import Backend
from pipeline.errors import Unauthorized
from pipeline.service import jobs as job_service
from pipeline.service.keys import HEADER, authenticate, revoke_key

COMMENTS = ["good course", "bad labs", "okay", "fine"]


@pytest.fixture
def backend(tmp_path: Path) -> Backend:
    return make_backend(tmp_path, auth="keys")


def door_refusal(backend: Backend, secret: str) -> str:
    """What the revoked key is told at the door now."""
    with pytest.raises(Unauthorized) as refused:
        authenticate(backend, secret, required=True)
    return str(refused.value)


def stored_inputs(backend: Backend) -> list[Path]:
    return [path for path in (backend.settings.data_dir / "objects").rglob("input.*")]


@pytest.mark.parametrize("fresh", [False, True])
def test_a_submit_authenticated_before_the_revocation_inserts_no_job(
    backend: Backend, tmp_path: Path, fresh: bool
) -> None:
    secret = service.create_key(backend, "leak").secret
    owner = authenticate(backend, secret, required=True)  # the request is let in…
    assert revoke_key(backend, "leak").jobs_cancelled == 0  # …the key revoked meanwhile…
    source = comments_csv(tmp_path / "late.csv", COMMENTS)

    with pytest.raises(Unauthorized) as refused:  # …then its job is to be inserted
        service.submit(backend, source, "comment", owner=owner, fresh=fresh)

    assert str(refused.value) == door_refusal(backend, secret)
    assert backend.repository.jobs.list_for(owner) == []
    assert backend.queue.depth().total == 0
    assert stored_inputs(backend) == []  # the stored copy of the file went with it


def test_an_active_key_and_anonymous_still_submit(backend: Backend, tmp_path: Path) -> None:
    service.create_key(backend, "leak")
    secret = service.create_key(backend, "chem").secret
    chem = authenticate(backend, secret, required=True)
    revoke_key(backend, "leak")  # another key's revocation changes nothing for chem
    source = comments_csv(tmp_path / "c.csv", COMMENTS)
    assert service.submit(backend, source, "comment", owner=chem).status == "queued"
    assert service.submit(backend, source, "comment", owner="anonymous").status == "queued"
    assert backend.queue.depth().total == 2


def test_the_api_answers_401_when_the_key_is_revoked_during_the_submit(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key passes the door, is revoked while the file is being read, and the API answers
    as it does to a revoked key, with nothing queued."""
    secret = service.create_key(backend, "leak").secret
    reading = job_service.validate_input

    def revoked_while_read(*args: Any, **kwargs: Any) -> Any:
        revoke_key(backend, "leak")
        return reading(*args, **kwargs)

    monkeypatch.setattr(job_service, "validate_input", revoked_while_read)
    client = TestClient(create_app(backend, require_keys=True))
    answer = client.post(
        "/v1/jobs",
        headers={HEADER: secret},
        files={"file": ("late.csv", "comment\n" + "\n".join(COMMENTS))},
        data={"text_column": "comment"},
    )

    assert answer.status_code == 401, answer.text
    assert answer.json()["detail"] == door_refusal(backend, secret)
    owner = backend.repository.keys.named("leak").key_id
    assert backend.repository.jobs.list_for(owner) == []
    assert backend.queue.depth().total == 0
