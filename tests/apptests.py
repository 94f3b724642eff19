"""What the AppTests of the app's views share: a job's page opened against an API, and the
page's text as a reader sees it."""

from __future__ import annotations

from collections.abc import Callable
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


def job_page(url: str, request_id: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The app on job ``request_id``'s page, run once against the API at ``url`` (no key)."""
    monkeypatch.setenv("PIPELINE_API_URL", url)
    monkeypatch.delenv("PIPELINE_API_KEY", raising=False)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["job"] = request_id
    at.run()
    assert not at.exception, at.exception
    return at


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
