"""A big JSON answer rendered where it cannot hold up every other request.

A sync endpoint runs in the thread pool, but a ``dict`` it returns is encoded afterwards on the
event loop (``jsonable_encoder``, then ``json.dumps``): one results page of a 5,000-column file
(30 MB) kept the loop, and with it every other request and ``/health/live``, busy for tens of
seconds. Rendered here, in the endpoint's thread, a row at a time (one long ``json.dumps`` call
would hold the interpreter's lock throughout), the bytes are the same as FastAPI's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fastapi.responses import Response


def json_response(body: Mapping[str, Any], listed: str) -> Response:
    """``body`` as the JSON FastAPI sends (key order, separators, UTF-8, no NaN), its list
    ``listed`` rendered item by item."""
    parts = []
    for name, value in body.items():
        if name == listed:
            items = b",".join(_dumped(item) for item in value)
            parts.append(_dumped(name) + b":[" + items + b"]")
        else:
            parts.append(_dumped(name) + b":" + _dumped(value))
    return Response(b"{" + b",".join(parts) + b"}", media_type="application/json")


def _dumped(value: object) -> bytes:
    """As ``JSONResponse.render`` writes it."""
    return json.dumps(
        value, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode("utf-8")
