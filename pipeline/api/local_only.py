"""An API that serves without keys answers this machine's own requests only.

``up`` on 127.0.0.1 needs no key until one is made: only a program on this machine can connect.
A web page the operator opens can still reach it through the browser. With its own host name
resolved to 127.0.0.1 (DNS rebinding) the browser takes the API for the page's own origin and
lets it read every comment and erase jobs; without that, a form it posts (multipart, a
"simple" cross-site request) still submits jobs. Both carry the page's names: the ``Host``
header names the attacker's host, and a cross-site request carries its ``Origin``. So a
keyless API refuses a ``Host`` that is not a loopback name and an ``Origin`` from anywhere
else, as Jupyter does. With keys nothing changes: a page cannot send the key header across
sites, nor know the key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from pipeline.addresses import is_loopback
from pipeline.api.errors import error_body

FORBIDDEN = 403


def foreign_reason(host: str | None, origin: str | None) -> str | None:
    """Why a keyless API must not answer a request with these headers; None when it may."""
    name = _host_name(host or "")
    if not name or not is_loopback(name):
        return (
            f"this API serves without keys, so it answers requests addressed to this machine "
            f"only (127.0.0.1, localhost), not to {_shown(host)}: open it at "
            "http://127.0.0.1 on its port"
        )
    if origin is not None and not is_loopback(_origin_name(origin)):
        return (
            f"this API serves without keys, so it answers this machine's programs and pages "
            f"only, not a page of {_shown(origin)}"
        )
    return None


def install_local_only(app: FastAPI) -> None:
    """Refuse (403 ``forbidden``) what ``foreign_reason`` refuses, before any route runs."""

    @app.middleware("http")
    async def local_only(request: Request, call_next: Callable[..., Any]) -> Any:
        reason = foreign_reason(request.headers.get("host"), request.headers.get("origin"))
        if reason is not None:
            return JSONResponse(error_body("forbidden", reason), FORBIDDEN)
        return await call_next(request)


def _host_name(host: str) -> str:
    """``127.0.0.1:8000`` → ``127.0.0.1``; ``[::1]:8000`` → ``::1``; lower case."""
    return _url_host(f"//{host.strip()}")


def _origin_name(origin: str) -> str:
    """The host an ``Origin`` names; empty for ``null`` (a sandboxed page, a file) or garble."""
    return _url_host(origin)


def _url_host(url: str) -> str:
    """The host of ``url``, lower case; empty when it has none or is garbled."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _shown(value: str | None) -> str:
    """A header's value, quoted and cut, for a message: it is the caller's text."""
    if not value:
        return "no host"
    return repr(value[:100])
