"""GET /v1/jobs/{id}/aspects and /themes and the submit's ``explain`` field on both HTTP edges,
over fakes of the service functions: what each edge passes to the service, that both answer
alike (bodies, error JSON and statuses), that keys are checked first and the OpenAPI document
describes it all. The service's own answers: tests of pipeline.service.insights; end to end:
tests/e2e/test_insights_http.py."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from apigw_events import API_KEY_ID, load_event, with_form, with_query
from fastapi.testclient import TestClient
from jobfakes import make_backend
from test_gateway import open_event, same_on_both, via_gateway

from pipeline import service
from pipeline.api.app import create_app
from pipeline.bootstrap import Backend
from pipeline.errors import Conflict, InputError, JobNotFound, MissingColumnError
from pipeline.service import insights
from pipeline.service.results import check_one_group
from pipeline.service.views import Submission

ASPECTS: dict[str, Any] = {
    "complete": True,
    "model_version": "aspects-test-1",
    "rows_labelled": 3,
    "rows_with_aspects": 2,
    "categories": [
        {
            "name": "exams",
            "meaning": "exams, tests and their marking",
            "n": 2,
            "counts": {"negative": 1, "neutral": 0, "positive": 1},
            "shares": {"negative": 0.5, "neutral": 0.0, "positive": 0.5},
            "intervals": {
                "negative": [0.09, 0.91],
                "neutral": [0.0, 0.66],
                "positive": [0.09, 0.91],
            },
        }
    ],
    "groups": [],
}
THEMES: dict[str, Any] = {
    "seed": 13,
    "diversity": 1.0,
    "n": 2,
    "themes": [
        {
            "id": 0,
            "label": "negative",
            "name": "exam / unfair",
            "keywords": ["exam", "unfair"],
            "quotes": [{"row": 1, "text": "The exam was unfair"}],
            "size": 2,
            "share": 1.0,
            "coverage": 1.0,
            "counts": [],
        }
    ],
}
NOT_FINISHED = "the themes are found when the job completes; it is running"


class FakeInsights:
    """The two service functions, recording their calls; a request id or filter value picks
    the error to raise, as the real ones would."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def aspect_summary(
        self, _backend: Backend, owner: str, request_id: str, group_by: str | None = None
    ) -> dict[str, Any]:
        self.calls.append(("aspects", owner, request_id, group_by))
        self._refuse(request_id, group_by)
        if request_id == "plain":
            raise Conflict("this job has no aspects: its comments were labelled without insights")
        return {**ASPECTS, "request_id": request_id, "group_by": group_by}

    def theme_summary(
        self,
        _backend: Backend,
        owner: str,
        request_id: str,
        *,
        label: str | None = None,
        aspect: str | None = None,
        group_by: str | None = None,
        group: str | None = None,
    ) -> dict[str, Any]:
        self.calls.append(("themes", owner, request_id, label, aspect, group_by, group))
        self._refuse(request_id, group_by)
        if request_id == "running":
            raise Conflict(NOT_FINISHED)
        if label == "angry":
            raise InputError("label 'angry' is not one of the job's labels: negative, positive")
        check_one_group(group_by, group)
        filters = {"label": label, "aspect": aspect, "group_by": group_by, "group": group}
        return {**THEMES, "request_id": request_id, **filters}

    @staticmethod
    def _refuse(request_id: str, group_by: str | None) -> None:
        if request_id == "missing":
            raise JobNotFound(f"no job with request id {request_id!r}")
        if group_by == "nope":
            raise MissingColumnError("column 'nope' is not in the job's input")


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeInsights:
    fake = FakeInsights()
    monkeypatch.setattr(insights, "aspect_summary", fake.aspect_summary)
    monkeypatch.setattr(insights, "theme_summary", fake.theme_summary)
    return fake


@pytest.fixture
def app(backend: Backend) -> TestClient:
    return TestClient(create_app(backend))


def insight_event(route: str, request_id: str, **params: str) -> dict[str, Any]:
    """A GET of ``/v1/jobs/{request_id}/{route}`` as API Gateway delivers it."""
    event = {
        **open_event("summary", request_id),
        "path": f"/v1/jobs/{request_id}/{route}",
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
    }
    return with_query(event, **params) if params else event


def test_aspects_answer_the_service_body_on_both_edges(
    backend: Backend, app: TestClient, fake: FakeInsights
) -> None:
    plain = same_on_both(backend, app, insight_event("aspects", "job1")).json()
    assert plain == {**ASPECTS, "request_id": "job1", "group_by": None}
    grouped = same_on_both(backend, app, insight_event("aspects", "job1", group_by="course"))
    assert grouped.json()["group_by"] == "course"
    blank = same_on_both(backend, app, insight_event("aspects", "job1", group_by=""))
    assert blank.json()["group_by"] is None
    each_edge = [("aspects", "anonymous", "job1", group) for group in (None, "course", None)]
    assert fake.calls == [call for call in each_edge for _edge in range(2)]


def test_themes_pass_every_filter_and_treat_empty_ones_but_group_as_absent(
    backend: Backend, app: TestClient, fake: FakeInsights
) -> None:
    filters = {"label": "negative", "aspect": "exams", "group_by": "course", "group": "CHEM110"}
    found = same_on_both(backend, app, insight_event("themes", "job1", **filters)).json()
    assert found == {**THEMES, "request_id": "job1", **filters}
    empty = {"label": "", "aspect": "", "group_by": ""}
    assert same_on_both(backend, app, insight_event("themes", "job1", **empty)).status == 200
    no_group = insight_event("themes", "job1", group_by="course", group="")
    refused = same_on_both(backend, app, no_group)  # one group's themes never widen to all
    assert (refused.status, refused.json()["error"]) == (400, "input")
    assert "group is empty" in refused.json()["detail"]
    asked = ("themes", "anonymous", "job1", "negative", "exams", "course", "CHEM110")
    unfiltered = ("themes", "anonymous", "job1", None, None, None, None)
    empty_group = ("themes", "anonymous", "job1", None, None, "course", "")
    assert fake.calls == [asked, asked, unfiltered, unfiltered, empty_group, empty_group]


@pytest.mark.parametrize(
    ("route", "request_id", "params", "status", "code", "detail"),
    [
        ("aspects", "missing", {}, 404, "job_not_found", "'missing'"),
        ("aspects", "job1", {"group_by": "nope"}, 400, "missing_column", "'nope'"),
        ("aspects", "plain", {}, 409, "conflict", "labelled without insights"),
        ("themes", "missing", {}, 404, "job_not_found", "'missing'"),
        ("themes", "running", {}, 409, "conflict", "found when the job completes"),
        ("themes", "job1", {"group_by": "nope"}, 400, "missing_column", "'nope'"),
        ("themes", "job1", {"label": "angry"}, 400, "input", "not one of the job's labels"),
        ("themes", "job1", {"group": "CHEM110"}, 400, "input", "group needs group_by"),
        ("themes", "a.b", {}, 422, "invalid_request", "'request_id'"),
        ("aspects", "a.b", {}, 422, "invalid_request", "'request_id'"),
    ],
)
def test_refusals_give_the_same_error_json_on_both_edges(
    backend: Backend,
    app: TestClient,
    fake: FakeInsights,
    route: str,
    request_id: str,
    params: dict[str, str],
    status: int,
    code: str,
    detail: str,
) -> None:
    refused = same_on_both(backend, app, insight_event(route, request_id, **params))
    assert (refused.status, refused.json()["error"]) == (status, code)
    assert detail in refused.json()["detail"]


def test_other_methods_are_405_with_allow(backend: Backend, app: TestClient) -> None:
    for route in ("aspects", "themes"):
        event = {**insight_event(route, "job1"), "httpMethod": "POST"}
        refused = same_on_both(backend, app, event)
        assert refused.status == 405 and refused.headers["Allow"] == "GET"


def test_without_a_valid_key_neither_edge_asks_the_service(
    tmp_path: Path, fake: FakeInsights
) -> None:
    keyed = make_backend(tmp_path, auth="keys")
    alice = service.create_key(keyed, "alice")
    client = TestClient(create_app(keyed))
    for route in ("aspects", "themes"):
        refused = same_on_both(keyed, client, insight_event(route, "job1"))
        assert refused.status == 401 and refused.headers["WWW-Authenticate"] == "X-API-Key"
    assert fake.calls == []
    answered = client.get("/v1/jobs/job1/aspects", headers={"X-API-Key": alice.secret})
    assert answered.status_code == 200
    assert fake.calls == [("aspects", alice.key_id, "job1", None)]


def test_an_api_gateway_key_id_is_the_owner_asked_about(tmp_path: Path, fake: FakeInsights) -> None:
    backend = make_backend(tmp_path)
    event = {**load_event("summary", "job1"), "path": "/v1/jobs/job1/themes"}
    assert via_gateway(backend, event).status == 200
    assert fake.calls[0][:3] == ("themes", f"apigw:{API_KEY_ID}", "job1")


class SubmitSpy:
    """``service.submit`` and ``submit_stored`` recording the ``explain`` each was given."""

    def __init__(self) -> None:
        self.explain: list[bool] = []

    def submit(self, *_args: Any, explain: bool = False, **_kwargs: Any) -> Submission:
        self.explain.append(explain)
        return Submission(request_id="job1", status="succeeded")

    submit_stored = submit


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> SubmitSpy:
    spy = SubmitSpy()
    monkeypatch.setattr(service, "submit", spy.submit)
    monkeypatch.setattr(service, "submit_stored", spy.submit_stored)
    return spy


@pytest.mark.parametrize(
    ("fields", "explain"),
    [
        ({}, False),
        ({"explain": "true"}, True),
        ({"explain": "false"}, False),
        ({"explain": "yes"}, True),  # read like fresh: FastAPI's (pydantic's) boolean words
    ],
)
def test_explain_is_passed_to_the_service_from_both_edges(
    backend: Backend, app: TestClient, spy: SubmitSpy, fields: dict[str, str], explain: bool
) -> None:
    multipart = open_event("submit_multipart")
    boundary = b"--2c8a3bc1ef6f38d4c128a99555ef58bf"
    extra = b"".join(
        boundary + f'\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    )
    event = _prepend_to_body(multipart, boundary, extra)
    assert same_on_both(backend, app, event).status == 202
    stored = with_form(open_event("submit_multipart"), upload_key="uploads/x", **fields)
    assert same_on_both(backend, app, stored).status == 202
    assert spy.explain == [explain] * 4


@pytest.mark.parametrize("value", ["maybe", "2", "explain"])
def test_explain_that_is_not_a_boolean_is_refused_alike(
    backend: Backend, app: TestClient, spy: SubmitSpy, value: str
) -> None:
    event = with_form(open_event("submit_multipart"), upload_key="uploads/x", explain=value)
    refused = same_on_both(backend, app, event)
    assert (refused.status, refused.json()["error"]) == (422, "invalid_request")
    assert "'explain'" in refused.json()["detail"] and "valid boolean" in refused.json()["detail"]
    assert spy.explain == []


def test_the_openapi_document_describes_both_routes_and_the_explain_field(
    app: TestClient,
) -> None:
    document = app.get("/openapi.json").json()
    for route, model in (("aspects", "AspectsBody"), ("themes", "ThemesBody")):
        operation = document["paths"][f"/v1/jobs/{{request_id}}/{route}"]["get"]
        documented = set(operation["responses"])
        assert documented == {"200", "400", "401", "404", "409", "410", "422", "503"}
        success = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert success == {"$ref": f"#/components/schemas/{model}"}
        assert operation["description"], "the docs page explains the route"
    themes = document["paths"]["/v1/jobs/{request_id}/themes"]["get"]["parameters"]
    assert {p["name"] for p in themes} >= {"label", "aspect", "group_by", "group"}
    schemas = document["components"]["schemas"]
    assert set(schemas["AspectsBody"]["required"]) >= {"categories", "groups", "complete"}
    assert schemas["ThemesBody"]["properties"]["themes"]["items"] == {
        "$ref": "#/components/schemas/ThemeRecord"
    }
    form = schemas["Body_submit_job_v1_jobs_post"]["properties"]["explain"]
    assert form["type"] == "boolean" and form["default"] is False


def _prepend_to_body(event: dict[str, Any], boundary: bytes, parts: bytes) -> dict[str, Any]:
    """The multipart event with ``parts`` (each opening with ``boundary``) before its own."""
    body = base64.b64decode(event["body"])
    return {**event, "body": base64.b64encode(body.replace(boundary, parts + boundary, 1)).decode()}
