"""The alert a worker posts when a finished job holds a threat or words of self-harm
(``PIPELINE_ALERT_URL``): counts and groups, never a comment; at most once per job, retried
while the channel is down and never failing the job; https only."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from jobfakes import FakePredictor, make_backend
from test_release_edges import CLEAN, CSV, DISTRESS, THREAT

from pipeline.api.app import create_app
from pipeline.bootstrap import Backend
from pipeline.db.records import JobStatus
from pipeline.errors import ConfigError
from pipeline.release.alert import TRIES, UrgentAlerts, check_url
from pipeline.release.screen import ReleaseScreen
from pipeline.settings import Settings
from pipeline.worker import Worker

HOOK = "https://hooks.example.test/services/T000/B000/secret-part"


def alerts(answers: list[httpx.Response | Exception], seen: list[httpx.Request]) -> UrgentAlerts:
    """Alerts to a channel that gives ``answers`` in turn (the last one again after)."""

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = answers[min(len(seen), len(answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer

    client = httpx.Client(transport=httpx.MockTransport(handler))
    screen = ReleaseScreen.from_settings(Settings())
    return UrgentAlerts(HOOK, screen, client, sleep=lambda _s: None)


def run_job(tmp_path: Path, body: bytes, sender: UrgentAlerts) -> tuple[Backend, str]:
    backend = make_backend(tmp_path, auth="none")
    answer = TestClient(create_app(backend)).post(
        "/v1/jobs",
        files={"file": ("evaluations.csv", body)},
        data={"text_column": "comment", "group_by": "course"},
    )
    request_id = str(answer.json()["request_id"])
    Worker(backend, lambda _ref: FakePredictor(), "w", alerts=sender).run(burst=True)
    return backend, request_id


def test_a_finished_job_with_a_threat_and_distress_posts_counts_never_comments(
    tmp_path: Path,
) -> None:
    seen: list[httpx.Request] = []
    backend, request_id = run_job(tmp_path, CSV, alerts([httpx.Response(200)], seen))

    assert backend.repository.jobs.get(request_id).status == JobStatus.SUCCEEDED
    (posted,) = seen
    assert str(posted.url) == HOOK
    body = json.loads(posted.content)
    assert body["threat"] == 1 and body["distress"] == 1
    assert body["groups"] == [  # most first, ties in the file's order
        {"group": "CHEM110", "comments": 1},
        {"group": "BIO101", "comments": 1},
    ]
    assert body["text"].startswith(
        "1 comment with a threat of violence and 1 comment with words of self-harm or suicide "
        f"in evaluations.csv (job {request_id}) (course: "
    )
    assert f"sentiment-pipeline flagged {request_id} --kinds threat,distress" in body["text"]
    sent = posted.content.decode()
    for comment in (THREAT, DISTRESS, "kill him", "kill myself", "jo.smith@uni.edu"):
        assert comment not in sent


def test_a_job_with_nothing_urgent_posts_nothing(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []
    body = "course,comment\n" + "".join(f"CHEM110,{text}\n" for text in CLEAN)
    backend, request_id = run_job(tmp_path, body.encode(), alerts([httpx.Response(200)], seen))

    assert backend.repository.jobs.get(request_id).status == JobStatus.SUCCEEDED
    assert seen == []


def test_a_channel_that_is_down_is_retried_then_logged_and_the_job_still_succeeds(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[httpx.Request] = []
    sender = alerts([httpx.ConnectError("refused"), httpx.Response(503)], seen)
    with caplog.at_level(logging.WARNING, logger="pipeline.release.alert"):
        backend, request_id = run_job(tmp_path, CSV, sender)

    assert backend.repository.jobs.get(request_id).status == JobStatus.SUCCEEDED
    assert len(seen) == TRIES
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "hooks.example.test" in warning and "HTTP 503" in warning
    assert "secret-part" not in warning  # a webhook's path is its password


def test_a_channel_that_refuses_is_not_asked_again(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []
    run_job(tmp_path, CSV, alerts([httpx.Response(404)], seen))
    assert len(seen) == 1


def test_only_https_leaves_this_machine() -> None:
    for fine in (HOOK, "http://localhost:9000/hook", "http://127.0.0.1/x"):
        check_url(fine)
    for wrong in ("http://hooks.example.test/x", "ftp://example.test", "hooks.example.test"):
        with pytest.raises(ConfigError, match="PIPELINE_ALERT_URL must be an https"):
            check_url(wrong)


def test_a_worker_with_a_bad_alert_url_refuses_to_start(tmp_path: Path) -> None:
    backend = make_backend(tmp_path, alert_url="http://hooks.example.test/x")
    with pytest.raises(ConfigError, match="PIPELINE_ALERT_URL"):
        Worker(backend, lambda _ref: FakePredictor(), "w")
    assert UrgentAlerts.from_settings(Settings()) is None


def test_an_alert_counts_a_course_written_blank_apart_from_the_rows_without_one() -> None:
    """The rows of a course written "(blank)" (an Excel pivot's empty cell) and those with no
    course were one group of the alert: the person told where to look looked at the wrong one."""
    from pipeline.db.records import ResultRecord
    from pipeline.release.alert import count_urgent

    def row(index: int, course: str | None) -> ResultRecord:
        data = {"comment": THREAT} if course is None else {"comment": THREAT, "course": course}
        return ResultRecord(index, THREAT, data, "negative", None, None, "m")

    rows = [row(0, "(blank)"), row(1, None), row(2, ""), row(3, "CHEM110")]
    found = count_urgent([rows], ReleaseScreen.from_settings(Settings()), "course")
    assert found.threat == 4
    assert dict(found.groups) == {'"(blank)" (as written)': 1, "(blank)": 2, "CHEM110": 1}
