"""A submit let in just before its key is revoked, of a file identical to a live job of the
key: it was handed that job (202, as a reuse), and a queued job's lost message was sent again
for a key nobody may use any more, where a submit that inserts a job is refused with the
revoked key's 401 (tests/unit/test_keys_revoke_submit_race.py). Now the reuse checks the key
as the insert does: refused, nothing handed out, nothing re-sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from jobfakes import FakePredictor, comments_csv, make_backend

from pipeline import service
from pipeline.bootstrap import Backend
from pipeline.errors import Unauthorized
from pipeline.service import jobs as job_service
from pipeline.service.keys import authenticate, revoke_key
from pipeline.worker import Worker

COMMENTS = ["good course", "bad labs", "okay", "fine"]


@pytest.fixture
def backend(tmp_path: Path) -> Backend:
    return make_backend(tmp_path, auth="keys")


@pytest.fixture
def resent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The jobs whose queue message a submission would send again (``resend_if_lost``)."""
    sent: list[str] = []

    def recorded(_backend: Backend, job: Any, *_rest: Any) -> None:
        sent.append(job.request_id)

    monkeypatch.setattr(job_service, "resend_if_lost", recorded)
    return sent


def test_a_queued_job_is_not_handed_out_once_its_key_is_revoked(
    backend: Backend, tmp_path: Path, resent: list[str]
) -> None:
    owner = authenticate(backend, service.create_key(backend, "leak").secret, required=True)
    source = comments_csv(tmp_path / "c.csv", COMMENTS)
    first = service.submit(backend, source, "comment", owner=owner)
    assert service.submit(backend, source, "comment", owner=owner).reused  # as before: reused
    assert resent == [first.request_id]
    backend.repository.keys.revoke("leak")  # committed; its pass over the jobs not yet there

    with pytest.raises(Unauthorized):
        service.submit(backend, source, "comment", owner=owner)
    assert resent == [first.request_id], "no message sent again for the revoked key"
    assert backend.queue.depth().total == 1


def test_a_succeeded_job_is_not_handed_out_after_the_revocation(
    tmp_path: Path, resent: list[str]
) -> None:
    backend = make_backend(tmp_path, auth="keys", insights=False)  # a job without is reused
    owner = authenticate(backend, service.create_key(backend, "leak").secret, required=True)
    source = comments_csv(tmp_path / "c.csv", COMMENTS)
    service.submit(backend, source, "comment", owner=owner)
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    assert service.submit(backend, source, "comment", owner=owner).reused
    revoke_key(backend, "leak")

    with pytest.raises(Unauthorized):
        service.submit(backend, source, "comment", owner=owner)
    assert len(resent) == 1, "only the reuse before the revocation"
    assert [job.status.value for job in backend.repository.jobs.list_for(owner)] == ["succeeded"]
