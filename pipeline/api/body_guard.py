"""A request's body is read only when its sender may send it, and never past the upload limit.

FastAPI parses a form (Starlette spools its file part to a temporary file) before any route
or dependency runs, and a body sent with ``Transfer-Encoding: chunked`` declares no length to
refuse it by. Without this guard a caller with no key, or a valid one, could make the API
receive and write to disk as many bytes as they cared to send before the key check's 401 or
the route's 413. So this pure ASGI middleware, around the app:

- runs ``check_sender`` (the route's own key check) on a request that carries a body before
  any of the body is read, and answers its refusal (401; 503 when keys cannot be checked);
- answers 413 ``limit_exceeded`` at once for a declared ``Content-Length`` over the
  allowance;
- counts the bytes ``receive`` delivers and, once they pass the allowance, stops reading and
  answers the same 413 in place of whatever the app was about to answer (the form parser
  turns a failing ``receive`` into a 400 of its own).

Pure ASGI rather than ``@app.middleware("http")``: only a wrapper of ``receive`` sees the body
as it arrives.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pipeline.api.errors import error_answer
from pipeline.errors import LimitExceededError

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
"""The methods whose requests carry a body an API route reads."""


class BodyGuard:
    """Admit a request's body only after ``check_sender`` passes (it raises to refuse; it runs
    in a thread, as it may query the database), and only up to ``allowance`` bytes, refused
    as over ``max_bytes`` (the limit users are told: the allowance adds room for the multipart
    framing around the file)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        allowance: int,
        check_sender: Callable[[Request], object],
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.allowance = allowance
        self.check_sender = check_sender

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)  # headers and query only: nothing is received here
        try:
            if request.method in BODY_METHODS:
                await run_in_threadpool(self.check_sender, request)
            declared = request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.allowance:
                raise self.over_limit()
        except Exception as exc:
            await _answer(exc, scope, receive, send)
            return
        await _CappedBody(self, scope, receive, send).run()

    def over_limit(self) -> LimitExceededError:
        """The refusal of a body past the allowance, in the words of the route's own 413."""
        return LimitExceededError(f"the upload is over the limit of {self.max_bytes:,} bytes")


class _CappedBody:
    """One request through the app with its body counted as it arrives."""

    def __init__(self, guard: BodyGuard, scope: Scope, receive: Receive, send: Send) -> None:
        self.guard = guard
        self.scope = scope
        self.outer_receive = receive
        self.outer_send = send
        self.received = 0
        self.refusal: LimitExceededError | None = None
        self.forwarding = False
        """The app's own answer has started going out: it is the caller's answer now."""
        self.refused = False
        """The 413 has gone out: nothing of the app's answer follows it."""

    async def run(self) -> None:
        try:
            await self.guard.app(self.scope, self.receive, self.send)
        except Exception:
            if self.refusal is None or self.forwarding:
                raise
            if not self.refused:  # the app gave up on the body without answering
                await self._refuse()

    async def receive(self) -> Message:
        if self.refusal is not None:  # never read past the allowance, however often asked
            raise self.refusal
        message = await self.outer_receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.guard.allowance:
                self.refusal = self.guard.over_limit()
                raise self.refusal
        return message

    async def send(self, message: Message) -> None:
        if self.refusal is not None and not self.forwarding:
            # Whatever the app answers to a body cut short (a 400 from the form parser), the
            # caller is told why instead: the 413, once.
            if not self.refused and message["type"] == "http.response.start":
                await self._refuse()
            return
        if message["type"] == "http.response.start":
            self.forwarding = True
        await self.outer_send(message)

    async def _refuse(self) -> None:
        self.refused = True
        assert self.refusal is not None
        await _answer(self.refusal, self.scope, self.outer_receive, self.outer_send)


async def _answer(error: Exception, scope: Scope, receive: Receive, send: Send) -> None:
    """The answer both edges give to ``error`` (``pipeline.api.errors``)."""
    answer = error_answer(error)
    response = JSONResponse(answer.body, answer.status, headers=answer.headers or None)
    await response(scope, receive, send)
