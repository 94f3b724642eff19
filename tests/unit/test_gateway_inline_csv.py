"""The Lambda edge sends a running job's CSV inline only while the answer fits what Lambda
carries as Lambda counts it (JSON, every character past ASCII escaped: a Chinese character is
6 bytes there, 3 in UTF-8); past that it refuses with the way out that works for a CSV (the
JSON pages), not the generic "ask for a smaller page (limit)" the CSV route has no way to
follow. The CSV sent inline is escaped, so it starts with the byte order mark."""

from __future__ import annotations

from pathlib import Path

import pytest
from apigw_events import ProxyAnswer, answer, load_event, with_query
from jobfakes import make_backend

from pipeline.api import gateway
from pipeline.api.gateway import Gateway
from pipeline.bootstrap import Backend

CHINESE = "这门课的讲解非常清楚，作业量适中，老师很认真。" * 40  # 920 characters


@pytest.fixture
def backend(tmp_path: Path) -> Backend:
    return make_backend(tmp_path, max_upload_bytes=5000, auth="none")


def via_gateway(backend: Backend, event: dict[str, object]) -> ProxyAnswer:
    return answer(Gateway(backend).handle(event))


def running_job(backend: Backend, comments: list[str]) -> str:
    """A job of the gateway's sample upload, running, with ``comments`` labelled so far."""
    request_id = str(via_gateway(backend, load_event("submit_multipart")).json()["request_id"])
    backend.repository.jobs.begin_attempt(request_id, "v", ["negative", "positive"])
    rows = [
        {"row_index": i, "text": text, "data": {"course": "A"}, "label": "positive"}
        | {"scores": {"negative": 0.1, "positive": 0.9}, "error": None, "model_version": "v"}
        for i, text in enumerate(comments)
    ]
    backend.repository.jobs.write_chunk(request_id, rows)
    return request_id


def test_a_csv_under_the_cap_in_utf8_but_over_it_as_lambda_counts_names_the_json_pages(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    request_id = running_job(backend, [CHINESE] * 20)  # about 55 KB of UTF-8, 110 KB escaped
    monkeypatch.setattr(gateway, "MAX_INLINE_CSV_BYTES", 80_000)
    monkeypatch.setattr(gateway, "LAMBDA_ANSWER_BYTES", 90_000)
    refused = via_gateway(backend, load_event("results_csv", request_id))
    detail = refused.json()["detail"]
    assert refused.status == 413 and refused.json()["error"] == "limit_exceeded"
    assert "format=json" in detail and "smaller page" not in detail
    assert "as Lambda counts an answer" in detail and "over the 90,000" in detail

    monkeypatch.setattr(gateway, "LAMBDA_ANSWER_BYTES", 200_000)
    inline = via_gateway(backend, load_event("results_csv", request_id))
    assert inline.status == 200 and inline.text.count(CHINESE) == 20


def test_the_inline_csv_is_escaped_with_the_mark_and_raw_without(backend: Backend) -> None:
    request_id = running_job(backend, ["Très bien 👍"])
    inline = via_gateway(backend, load_event("results_csv", request_id))
    assert inline.status == 200 and inline.text.startswith("\ufeffcourse,")
    raw = via_gateway(backend, with_query(load_event("results_csv", request_id), raw="true"))
    assert raw.status == 200 and raw.text.startswith("course,") and "Très bien 👍" in raw.text
