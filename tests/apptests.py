"""What the AppTests of the app's views share: a job's page opened against an API, and the
page's text as a reader sees it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from pipeline.ui.markdown import unescaped

APP = Path(__file__).resolve().parents[1] / "streamlit_app.py"

READ_KINDS = ("markdown", "caption", "error", "warning", "info", "success")


def page_text(at: AppTest) -> str:
    """The page's text as a reader sees it (Markdown's backslash escapes dropped)."""
    elements = [element for kind in READ_KINDS for element in at.get(kind)]
    return "\n".join(unescaped(str(getattr(element, "value", ""))) for element in elements)


def job_page(
    url: str, request_id: str, monkeypatch: pytest.MonkeyPatch, view: str | None = None
) -> AppTest:
    """The app on job ``request_id``'s page (on its tab ``view``), run once against the API at
    ``url`` (no key)."""
    monkeypatch.setenv("PIPELINE_API_URL", url)
    monkeypatch.delenv("PIPELINE_API_KEY", raising=False)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["job"] = request_id
    if view is not None:
        at.session_state["view"] = view
    at.run()
    assert not at.exception, at.exception
    return at


@contextmanager
def served_job(folder: Path, csv: str) -> Iterator[tuple[str, str]]:
    """The real API on uvicorn (no keys) over a job of ``csv`` (comments in ``comment``,
    grouped by ``course``) labelled by the fake predictor: the API's URL and the job's id."""
    from fastapi.testclient import TestClient
    from httpfakes import serving_app
    from jobfakes import FakePredictor, make_backend

    from pipeline.api.app import create_app
    from pipeline.worker import Worker

    backend = make_backend(folder, auth="none")
    answer = TestClient(create_app(backend)).post(
        "/v1/jobs",
        files={"file": ("evaluations.csv", csv)},
        data={"text_column": "comment", "group_by": "course"},
    )
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    with serving_app(create_app(backend), log_level="warning") as url:
        yield url, str(answer.json()["request_id"])


def downloads_handed(monkeypatch: pytest.MonkeyPatch, clicked_only: bool = False) -> dict[str, Any]:
    """What the page hands its download buttons, by file name: the bytes, or the callable a
    click runs. With ``clicked_only``, a file handed over as it is (made before any click) is
    recorded as a callable that fails the test."""
    found: dict[str, Any] = {}
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def kept(self: MediaFileManager, data: Any, *args: Any, **kwargs: Any) -> str:
        name = kwargs.get("file_name")
        if name:
            found[str(name)] = (
                (lambda: pytest.fail("made before any click")) if clicked_only else data
            )
        return add(self, data, *args, **kwargs)

    def deferred(self: MediaFileManager, data: Callable[[], Any], *args: Any, **kwargs: Any) -> str:
        found[str(kwargs.get("file_name"))] = data
        return add_deferred(self, data, *args, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add", kept)
    monkeypatch.setattr(MediaFileManager, "add_deferred", deferred)
    return found


def summary_part(group: str | None, negative: int, positive: int) -> dict[str, Any]:
    """One group's part of a summary answer, as the API writes it, with no neutral comment."""
    counts = {"negative": negative, "neutral": 0, "positive": positive}
    total = negative + positive
    return {
        "group": group,
        "rows": total,
        "errors": 0,
        "counts": counts,
        "shares": {k: v / total for k, v in counts.items()},
        "mean_scores": dict.fromkeys(counts, 0.5),
    }


def counted_chart_builds(monkeypatch: pytest.MonkeyPatch, names: Iterable[str]) -> dict[str, int]:
    """How often each of the named ``pipeline.ui.charts`` builders is called from now on (the
    app's chart cache emptied first, so a cached chart counts once)."""
    import streamlit as st

    from pipeline.ui import charts

    st.cache_resource.clear()
    counted = dict.fromkeys(names, 0)
    for name in counted:
        made = getattr(charts, name)

        def counting(*args: Any, _made: Any = made, _name: str = name, **kwargs: Any) -> Any:
            counted[_name] += 1
            return _made(*args, **kwargs)

        monkeypatch.setattr(charts, name, counting)
    return counted
