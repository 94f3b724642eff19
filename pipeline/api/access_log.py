"""Access logs that never hold a secret: uvicorn's access log prints each request's path with
its query string, and a query string can carry what should never be written down (an API key
someone put in the URL; the API refuses it, but the log line is written either way).

``uvicorn_log_config`` is uvicorn's own logging configuration with ``QueryScrubber`` on the
access handler: the path is logged, the query only as ``?...``. The parameters are dropped, not
guessed at: a key can sit in any parameter, even in a name.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

HIDDEN_QUERY = "?..."  # ASCII: an access log may go to a stream that holds nothing else


def without_query(target: str) -> str:
    """``/v1/jobs?api_key=sp_x`` → ``/v1/jobs?...``; a path without a query is unchanged."""
    path, separator, _query = target.partition("?")
    return path + HIDDEN_QUERY if separator else target


class QueryScrubber(logging.Filter):
    """Rewrites the request target of uvicorn's access records (``%s - "%s %s HTTP/%s" %d``:
    the third argument); any other record passes unchanged."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], without_query(args[2]), *args[3:])
        return True


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's default logging configuration, with the access log scrubbed."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["no_query"] = {"()": f"{__name__}.QueryScrubber"}
    config["handlers"]["access"]["filters"] = ["no_query"]
    return config
