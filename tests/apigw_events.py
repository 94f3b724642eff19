"""API Gateway REST API proxy events (payload format 1.0) kept in tests/fixtures/apigw/.

Placeholders in the files: __REQUEST_ID__ and __UPLOAD_KEY__. Import from tests
(``from apigw_events import load_event``); tests/ is on sys.path through tests/conftest.py.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "apigw"
API_KEY_ID = "k4xq2z9d1e"


def load_event(name: str, request_id: str = "", upload_key: str = "") -> dict[str, Any]:
    text = (FIXTURES / f"{name}.json").read_text(encoding="utf-8")
    text = text.replace("__REQUEST_ID__", request_id).replace("__UPLOAD_KEY__", upload_key)
    event: dict[str, Any] = json.loads(text)
    return event


def with_query(event: dict[str, Any], **params: str) -> dict[str, Any]:
    query = {**(event.get("multiValueQueryStringParameters") or {})}
    query.update({name: [value] for name, value in params.items()})
    return {
        **event,
        "queryStringParameters": {name: values[-1] for name, values in query.items()},
        "multiValueQueryStringParameters": query,
    }


def with_form(event: dict[str, Any], **fields: str) -> dict[str, Any]:
    """The event with a URL-encoded form body instead of its own."""
    headers = {**event["headers"], "Content-Type": "application/x-www-form-urlencoded"}
    return {**event, "headers": headers, "body": urlencode(fields), "isBase64Encoded": False}


def without_identity(event: dict[str, Any], api_key: str | None = None) -> dict[str, Any]:
    """As a stage without API Gateway keys delivers it: no apiKeyId; ``api_key`` as the header
    (in ``headers`` and ``multiValueHeaders`` alike, as API Gateway sends both)."""
    context = {**event["requestContext"], "identity": {"sourceIp": "203.0.113.7"}}
    keys = [] if api_key is None else [api_key]
    return {**with_keys(event, *keys), "requestContext": context}


def with_keys(event: dict[str, Any], *keys: str) -> dict[str, Any]:
    """The event with these ``X-API-Key`` headers instead of its own: the last in ``headers``
    (API Gateway keeps one value a name there), every one in ``multiValueHeaders``."""
    headers = {k: v for k, v in event["headers"].items() if k.lower() != "x-api-key"}
    several = {
        k: v for k, v in (event.get("multiValueHeaders") or {}).items() if k.lower() != "x-api-key"
    }
    if keys:
        headers["X-API-Key"] = keys[-1]
        several["X-API-Key"] = list(keys)
    return {**event, "headers": headers, "multiValueHeaders": several}


@dataclass(frozen=True)
class ProxyAnswer:
    status: int
    headers: dict[str, str]
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


def answer(result: dict[str, Any]) -> ProxyAnswer:
    """A proxy result as API Gateway turns it into an HTTP answer."""
    body = result.get("body") or ""
    if result.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8")
    return ProxyAnswer(int(result["statusCode"]), dict(result.get("headers") or {}), body)
