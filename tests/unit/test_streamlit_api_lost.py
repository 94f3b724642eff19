"""A job's page whose API stops answering while the job's line refreshes (the ``st.fragment``
that redraws itself every second), with AppTest against a canned API that is stopped and
started again on the same port.

The line used to say the error once, then, from its next refresh on, only "Not loaded: the
API did not answer (see above)" with nothing above it, while the sidebar, drawn by the last
whole page, went on saying *connected*."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from apptests import job_page, page_text
from httpfakes import JsonHandler, free_port
from streamlit.testing.v1 import AppTest, local_script_runner

RUNNING = {
    "request_id": "runningjob",
    "status": "running",
    "input_name": "evals_fall2026.xlsx",
    "text_column": "comment",
    "group_by": [],
    "rows_total": 501,
    "rows_done": 0,
    "rows_failed": 0,
    "eta_s": 40,
    "labels": ["negative", "neutral", "positive"],
}


class RunningApi(JsonHandler):
    """One running job, no row labelled yet (its line asks for its status alone)."""

    jobs: ClassVar[dict[str, dict[str, Any]]] = {"/v1/jobs/runningjob": RUNNING}

    def do_GET(self) -> None:
        if self.answers_sidebar(self.path):
            return
        body = self.jobs.get(self.path.split("?")[0])
        self.send_json(200 if body else 404, body or {"error": "not_found", "detail": "?"})


class Api:
    """The canned API on one port, that can stop answering and start again there."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), RunningApi)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()
        self._server = None


@pytest.fixture
def api() -> Iterator[Api]:
    served = Api()
    served.start()
    try:
        yield served
    finally:
        if served._server is not None:
            served.stop()


@contextmanager
def fragments_alone(at: AppTest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``at.run()`` inside the block reruns the page's fragments alone, as their timer does
    in the browser (``run_every``): the rest of the page is not drawn."""
    ids = list(at._fragment_storage._fragments)  # AppTest has no public way to them
    assert ids, "the page draws a refreshing part"
    made = local_script_runner.RerunData

    def fragment_rerun(*args: Any, **kwargs: Any) -> Any:
        return made(*args, **{**kwargs, "fragment_id_queue": list(ids), "is_auto_rerun": True})

    with monkeypatch.context() as patched:
        patched.setattr(local_script_runner, "RerunData", fragment_rerun)
        yield


def sidebar_says(at: AppTest) -> str:
    return " ".join(str(caption.value) for caption in at.sidebar.caption)


def errors(at: AppTest) -> list[str]:
    return [str(error.value) for error in at.error]


def test_the_api_stopping_while_the_line_refreshes_is_said_in_full_and_in_the_sidebar(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = job_page(api.url, "runningjob", monkeypatch)
    assert "**running**" in page_text(at) and "connected" in sidebar_says(at)

    api.stop()
    with fragments_alone(at, monkeypatch):
        at.run()  # the line meets the API gone: the whole page is drawn again, once
    assert not at.exception, at.exception
    assert len(errors(at)) == 1 and "cannot be reached" in errors(at)[0], errors(at)
    assert api.url.replace("http://", "") in errors(at)[0].replace("\\", ""), "its address"
    said = sidebar_says(at)
    assert "no answer (see the page)" in said and "connected" not in said, said
    assert "evals_fall2026" in " ".join(str(title.value) for title in at.title).replace("\\", "")
    assert "as last loaded" in page_text(at)

    for _refresh in range(2):  # every later refresh says it again, in full, where it was
        with fragments_alone(at, monkeypatch):
            at.run()
        assert not at.exception, at.exception
        assert len(errors(at)) == 1 and "cannot be reached" in errors(at)[0], page_text(at)
        assert "see above" not in page_text(at)

    api.start()
    with fragments_alone(at, monkeypatch):
        at.run()  # the line reaches it again: the whole page once more, the error gone
    assert not at.exception, at.exception
    assert not at.error, errors(at)
    assert "**running**" in page_text(at) and "connected" in sidebar_says(at)


def test_a_page_opened_with_the_api_gone_says_so_once(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No job as last loaded in this session: the error alone, said once, the sidebar
    pointing at it (no line left refreshing against an API that is not there)."""
    api.stop()
    at = job_page(api.url, "runningjob", monkeypatch)

    assert len(errors(at)) == 1 and "cannot be reached" in errors(at)[0], errors(at)
    assert "no answer (see the page)" in sidebar_says(at)
    assert not at._fragment_storage._fragments, "no line left refreshing"
