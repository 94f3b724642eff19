"""Access logs that never hold a secret and are not drowned by status polls.

uvicorn's access log prints each request's path with its query string, and a query string can
carry what should never be written down (an API key someone put in the URL; the API refuses it,
but the log line is written either way). ``QueryScrubber`` on the access handler logs the path
and the query only as ``?...``. The parameters are dropped, not guessed at: a key can sit in any
parameter, even in a name. A key in the path (pasted where a request id goes: ``status sp_…``)
is refused as well, and logged as ``sp_...``: the path is looked at decoded, so ``%73p_…``
is caught too.

Every open page of the app polls its job's status (and summary) once a second, and
``status --watch`` does the same: at info level that is thousands of identical lines an hour
that bury the ones that matter. ``PollingQuieter`` on the access logger turns a successful
status poll (GET or HEAD of ``/health…``, ``/v1/jobs/{id}`` or ``/v1/jobs/{id}/summary``,
answered below 400) into a debug record; a refused or failed poll, and every other request,
stays at info.

``uvicorn_log_config`` is uvicorn's own logging configuration with both filters in place.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any
from urllib.parse import quote, unquote

from pipeline.service.keys import hide_secrets

HIDDEN_QUERY = "?..."  # ASCII: an access log may go to a stream that holds nothing else
POLLED = re.compile(r"/health(/live|/ready)?|/v1/jobs/[^/]+(/summary|/aspects)?")
"""The paths clients poll: health checks, a job's status, its running summary and aspects."""
_QUIET_METHODS = frozenset({"GET", "HEAD"})


_PATH_SAFE = "/:@!$&'()*+,;=~"
"""What ``quote`` leaves of a path besides letters, digits and ``_.-``, as a browser sends it."""


def without_query(target: str) -> str:
    """``/v1/jobs?api_key=sp_x`` → ``/v1/jobs?...``; ``/v1/jobs/sp_<key>`` → ``/v1/jobs/sp_...``;
    a path without a query or a secret is unchanged."""
    path, separator, _query = target.partition("?")
    decoded = unquote(path)
    hidden = hide_secrets(decoded)
    if hidden != decoded:  # re-encoded: the decoded path may hold a line break or a quote
        path = quote(hidden, safe=_PATH_SAFE)
    return path + HIDDEN_QUERY if separator else path


class QueryScrubber(logging.Filter):
    """Rewrites the request target of uvicorn's access records (``%s - "%s %s HTTP/%s" %d``:
    the third argument); any other record passes unchanged."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], without_query(args[2]), *args[3:])
        return True


def is_status_poll(method: str, target: str, status: int) -> bool:
    """A successful read of what clients poll (the query string does not matter)."""
    path = target.partition("?")[0]
    return method in _QUIET_METHODS and status < 400 and POLLED.fullmatch(path) is not None


class PollingQuieter(logging.Filter):
    """Demotes uvicorn's access records of status polls to debug: they pass on (as debug) only
    where the access logger is enabled for debug (``--log-level debug``); any other record
    passes unchanged."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if not (isinstance(args, tuple) and len(args) >= 5):
            return True
        method, target, status = args[1], args[2], args[4]
        if not (isinstance(method, str) and isinstance(target, str) and isinstance(status, int)):
            return True
        if record.levelno != logging.INFO or not is_status_poll(method, target, status):
            return True
        record.levelno, record.levelname = logging.DEBUG, logging.getLevelName(logging.DEBUG)
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's default logging configuration, the access log scrubbed and polls quieted."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    filters = config.setdefault("filters", {})
    filters["no_query"] = {"()": f"{__name__}.QueryScrubber"}
    filters["quiet_polls"] = {"()": f"{__name__}.PollingQuieter"}
    config["handlers"]["access"]["filters"] = ["no_query"]
    # On the logger, not the handler: the logger's filters run before any handler, so a
    # handler added later (a test's, a deployment's) sees the same records.
    config["loggers"]["uvicorn.access"]["filters"] = ["quiet_polls"]
    return config
