"""What the AppTests of the app's views share: a job's page opened against an API, and the
page's text as a reader sees it."""

from __future__ import annotations

from pathlib import Path

import pytest
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
