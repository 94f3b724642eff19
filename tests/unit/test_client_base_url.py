"""An API address with a path after it (``…/v1``, ``…/api``) asks the API for routes it does
not have: the client says so, naming the address and where it came from, instead of
reporting a job that does not exist (a script would conclude the job is gone)."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient

from pipeline.client import PipelineClient
from pipeline.errors import JobNotFound, NotFoundError

CSV = b"comment\nThe labs were great.\n"
UNKNOWN = "A" * 22


def _over(app: TestClient, base_url: str, url_from: str = "PIPELINE_API_URL") -> PipelineClient:
    """A client of the real app at ``base_url``, as a notebook or the CLI would make it."""

    def answer(request: httpx.Request) -> httpx.Response:
        got = app.request(
            request.method,
            str(request.url),
            content=request.read(),
            headers=dict(request.headers),
            follow_redirects=False,
        )
        return httpx.Response(got.status_code, headers=got.headers, content=got.content)

    return PipelineClient(base_url, transport=httpx.MockTransport(answer), url_from=url_from)


@pytest.fixture
def request_id(client: TestClient) -> str:
    with _over(client, "http://api.test") as api:
        return api.submit(CSV, "comments.csv", "comment").request_id


@pytest.mark.parametrize("path", ["/v1", "/api", "/v1/"])
def test_a_path_after_the_address_is_said_for_a_job_that_exists(
    client: TestClient, request_id: str, path: str
) -> None:
    with _over(client, f"http://api.test{path}") as api, pytest.raises(NotFoundError) as caught:
        api.status(request_id)
    assert not isinstance(caught.value, JobNotFound)
    said = str(caught.value)
    assert f"GET http://api.test{path.rstrip('/')}/v1/jobs/{request_id} is no address" in said
    assert "check that PIPELINE_API_URL is the API's address" in said
    assert "with no /v1 or /api after it" in said


def test_every_call_says_it_submit_results_and_downloads_too(
    client: TestClient, request_id: str, tmp_path: object
) -> None:
    import io

    with _over(client, "http://api.test/api", url_from="--api-url") as api:
        calls = [
            lambda: api.submit(CSV, "comments.csv", "comment"),
            lambda: api.results_page(request_id),
            lambda: api.results_csv(request_id),
            lambda: api.download_results(request_id, io.BytesIO()),
            lambda: api.cancel(request_id),
            api.health,
        ]
        for call in calls:
            with pytest.raises(NotFoundError, match="check that --api-url is") as caught:
                call()
            assert not isinstance(caught.value, JobNotFound)


def test_at_the_right_address_an_unknown_job_is_still_job_not_found(client: TestClient) -> None:
    with _over(client, "http://api.test") as api, pytest.raises(JobNotFound) as caught:
        api.status(UNKNOWN)
    assert "PIPELINE_API_URL" not in str(caught.value)


def test_api_gateways_own_not_found_is_an_address_too() -> None:
    """API Gateway answers a path it has no route for itself, ``{"message": "Not Found"}``."""
    transport = httpx.MockTransport(lambda _: httpx.Response(404, json={"message": "Not Found"}))
    with (
        PipelineClient("https://x.execute-api.test/prod", transport=transport) as api,
        pytest.raises(NotFoundError, match="PIPELINE_API_URL") as caught,
    ):
        api.status(UNKNOWN)
    assert not isinstance(caught.value, JobNotFound)
