"""A JSON results page of a wide file is rendered off the event loop: while it renders, the
API answers its other requests (``/health/live``, whose silence restarts the service), and the
page is the same JSON as ever."""

from __future__ import annotations

import json
import time
from typing import Any

import anyio
import httpx
import pytest
from fastapi.testclient import TestClient
from jobfakes import FakePredictor, comments_csv

import pipeline.api.app
from pipeline import service
from pipeline.api.app import create_app
from pipeline.api.common import HEALTH_LIVE
from pipeline.bootstrap import Backend
from pipeline.service.views import ResultsPage
from pipeline.worker import Worker

COLUMNS = [f"q{n}" for n in range(2000)]
PAGE = ResultsPage(
    request_id="wide",
    status="succeeded",
    columns=COLUMNS,
    rows=[{column: f"answer {row} é" for column in COLUMNS} for row in range(100)],
    offset=0,
    limit=100,
    available=100,
    rows_total=100,
    complete=True,
    next_offset=None,
)
"""200,000 cells: FastAPI's encoding of it held the event loop for over a second."""


def test_liveness_is_answered_while_a_wide_page_renders(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline.api.app.service, "results_page", lambda *_args: PAGE)
    app = create_app(backend)
    waits: list[float] = []

    async def probe() -> dict[str, Any]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            page: dict[str, Any] = {}

            async def fetch() -> None:
                answer = await client.get("/v1/jobs/wide/results", params={"limit": 100})
                page.update(answer.json())

            async with anyio.create_task_group() as tasks:
                tasks.start_soon(fetch)
                while not page:  # each turn: as long as a probe arriving then would wait
                    asked = time.perf_counter()
                    assert (await client.get(HEALTH_LIVE)).status_code == 200
                    await anyio.sleep(0.02)
                    waits.append(time.perf_counter() - asked)
            return page

    page = anyio.run(probe)
    assert page["rows"] == PAGE.rows
    assert max(waits) < 0.5, waits  # the event loop was never held for long


def test_a_page_is_the_json_fastapi_would_send(backend: Backend, tmp_path: Any) -> None:
    client = TestClient(create_app(backend))
    submitted = client.post(
        "/v1/jobs",
        files={"file": ("c.csv", comments_csv(tmp_path / "c.csv", ["good", "bad ☹"]).read_bytes())},
        data={"text_column": "comment"},
    )
    request_id = submitted.json()["request_id"]
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)

    answer = client.get(f"/v1/jobs/{request_id}/results", params={"limit": 5})

    assert answer.headers["content-type"] == "application/json"
    expected = service.results_page(backend, request_id, None, 0, 5).to_dict()
    assert (
        answer.content
        == json.dumps(expected, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
    )
