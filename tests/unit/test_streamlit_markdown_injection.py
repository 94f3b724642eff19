"""A file whose course names, column names and file name are Markdown (an image that would be
fetched from another host as soon as the job is opened, a link that reads *Log in again*)
shows them as written: no label, caption, alert, progress text or tooltip the page renders
as Markdown carries them unescaped (AppTest against the real API and a labelled job)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from apptests import job_page
from fastapi.testclient import TestClient
from httpfakes import serving_app
from insightfakes import fake_analyst
from jobfakes import FakePredictor, make_backend
from streamlit.testing.v1 import AppTest

from pipeline.api.app import create_app
from pipeline.ui.markdown import unescaped
from pipeline.worker import Worker

BEACON = "![px](http://evil.example/pixel.png) Optics"
PHISH = "[Log in again](http://phish.example/login)"
BOLD = "**MATH** [x](javascript:alert(1))"
MATHS = "GEO $E=mc^2$ :red[Red] :material/warning: http://evil.example/bare"
COURSES = (BEACON, PHISH, BOLD, MATHS)
COURSE_COLUMN = "[Course](http://phish.example/column)"
COMMENT_COLUMN = "![c](http://evil.example/column.png) comment"
FILE_NAME = "![f](beacon.png) evals.csv"  # the API keeps a file name after its last /
COMMENTS = (
    "The exam was bad and unfair",
    "Good lectures, good lecture notes",
    "The homework was fine",
)
# What a rendered text must not hold once its escapes are dropped: an image or a link, an
# autolink or HTML, an address.
MARKUP = ("![", "](", "<", "://", "www.")
# The element fields Streamlit renders as Markdown; a picker's options and placeholder,
# st.text, st.code and tables are plain text.
FIELDS = ("body", "label", "help", "text")
PLAIN = {"text", "code", "exception", "dataframe", "arrow_data_frame", "vega_lite_chart", "html"}


def _csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([COURSE_COLUMN, COMMENT_COLUMN])
    for i, course in enumerate(COURSES):
        for comment in COMMENTS[: 3 if i == 0 else 2]:  # the beacon's course is the largest
            writer.writerow([course, comment])
    return out.getvalue().encode()


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The real API serving one finished job of the hostile file: (its address, the id)."""
    backend = make_backend(tmp_path_factory.mktemp("markdown"), auth="none")
    client = TestClient(create_app(backend))
    answer = client.post(
        "/v1/jobs",
        files={"file": (FILE_NAME, _csv())},
        data={"text_column": [COMMENT_COLUMN], "group_by": [COURSE_COLUMN]},
    )
    assert answer.status_code == 202, answer.text
    request_id = answer.json()["request_id"]
    Worker(backend, lambda _ref: FakePredictor(), "w", insights=fake_analyst).run(burst=True)
    assert client.get(f"/v1/jobs/{request_id}").json()["status"] == "succeeded"
    with serving_app(create_app(backend), log_level="warning") as url:
        yield url, request_id


def _rendered(at: AppTest) -> list[tuple[str, str]]:
    """(element type, text) of everything on the page Streamlit renders as Markdown."""
    found = []
    for root in (at.main, at.sidebar):
        for node in root:
            proto = getattr(node, "proto", None)
            if proto is None or getattr(node, "type", "") in PLAIN:
                continue
            for field in FIELDS:
                value = getattr(proto, field, None)
                if isinstance(value, str) and value:
                    found.append((str(node.type), value))
    return found


def _unescaped_markup(at: AppTest) -> list[tuple[str, str]]:
    """The rendered texts that hold Markdown markup of their own once every escaped character
    (``\\[``) and one-line code span (shown as written) is taken out."""
    bad = []
    for kind, text in _rendered(at):
        bare = re.sub(r"\\.", "", re.sub(r"(`+)[^`\n]+\1", "", text)).replace("\u2060", "")
        if any(mark in bare for mark in MARKUP):
            bad.append((kind, text))
    return bad


def _shown(at: AppTest) -> str:
    return "\n".join(unescaped(text) for _kind, text in _rendered(at))


def _opened(api: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> AppTest:
    url, request_id = api
    at = job_page(url, request_id, monkeypatch)
    assert len(at.tabs) == 6, _shown(at)
    return at


def test_a_job_of_markdown_names_shows_them_as_written(
    api: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _opened(api, monkeypatch)
    assert _unescaped_markup(at) == []
    shown = _shown(at)
    for name in (FILE_NAME, COMMENT_COLUMN, COURSE_COLUMN, BEACON):
        assert name in shown, f"{name!r} is shown, as written"
    # A switch's label is its name for screen readers, as written: no course that needs an
    # escape goes into it (test_streamlit_input_labels.py); the button above names it.
    assert "Preview that report here" in shown
    assert f"{BEACON}: report (PDF)" in shown


@pytest.mark.parametrize("course", COURSES)
def test_each_course_picked_in_compare_and_downloads_shows_as_written(
    api: tuple[str, str], monkeypatch: pytest.MonkeyPatch, course: str
) -> None:
    at = _opened(api, monkeypatch)
    at.selectbox(key=f"c-first-{COURSE_COLUMN}").select(course)
    at.selectbox(key="d-one-group").select(course)
    at.run()
    assert not at.exception, at.exception
    assert _unescaped_markup(at) == []
    shown = _shown(at)
    assert "Preview that report here" in shown
    assert f"{course}: report (HTML)" in shown
    assert any(line.startswith(f"{course}: ") and "themes" in line for line in shown.split("\n"))


def test_the_check_finds_markup_left_as_it_is() -> None:
    """So the tests above can fail: a label holding a course unescaped is found."""

    class Node:
        type = "toggle"

        def __init__(self, label: str) -> None:
            self.proto = type("Proto", (), {"label": label})()

    class Page:
        def __init__(self, *labels: str) -> None:
            self.main: list[Any] = [Node(label) for label in labels]
            self.sidebar: list[Any] = []

    escaped = "Preview \\!\\[px\\]\\(http\\:\u2060\\/\\/evil\\.example\\/pixel\\.png\\)'s report"
    page: Any = Page(f"Preview {BEACON}'s report here", escaped, "run `![x](y)` first")
    assert _unescaped_markup(page) == [("toggle", f"Preview {BEACON}'s report here")]
