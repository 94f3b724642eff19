"""What a request id may look like, for the API that refuses any other and for the clients that
should not send one (a ``?job=<img …>`` link, a path pasted as an id); and the one check of the
id a job queue message names, for every reader of the queue."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pipeline.errors import JobNotFound

REQUEST_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
"""What ``new_request_id`` issues (22 of these characters) with room to spare; anything else
is refused (422) before a lookup, and never quoted back."""
REQUEST_ID = re.compile(REQUEST_ID_PATTERN)
"""The compiled REQUEST_ID_PATTERN."""
_SHOWN_CHARS = 80
"""How much of a message's hostile id a log line quotes (escaped)."""


def queued_request_id(body: Mapping[str, Any]) -> str:
    """The request id a job queue message's ``body`` names. Only the service sends them, but
    anything holding the right to send may too (an operator's script, a replay tool, a
    corrupted re-drive): an id no job can have (a NUL, which PostgreSQL refuses to look up,
    killed the worker at each delivery and then the master's dead-letter pass; a number, a
    path) is JobNotFound before any lookup, so its message is dropped as one whose job is gone
    is."""
    value = body.get("request_id")
    if isinstance(value, str) and REQUEST_ID.fullmatch(value):
        return value
    raise JobNotFound(f"no job has the request id {value!r:.{_SHOWN_CHARS}}")
