"""What screen readers hear of the page's pickers, boxes and switches (AppTest, the real API
on uvicorn): Streamlit hands their labels as written to the browser as their accessible
name (``aria-label``), so a label escaped for Markdown was read out with its backslashes:
"Erase evals backslash underscore fall2026 backslash dot xlsx", "Preview backslash
(blank backslash)'s report here"."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from apptests import job_page
from fastapi.testclient import TestClient
from httpfakes import serving_app
from jobfakes import FakePredictor, make_backend
from streamlit.testing.v1 import AppTest

from pipeline.api.app import create_app
from pipeline.ui.markdown import input_label, literal
from pipeline.worker import Worker

# Each of these labels is the accessible name of its element in the browser.
NAMED_BY_LABEL = ("checkbox", "toggle", "selectbox", "multiselect", "text_input", "number_input",
                  "radio", "slider")  # fmt: skip
COMMENTS = (
    b"Course_Name,comment\n"
    b"HIST_110,the exam was bad\n"
    b",good lectures\n"
    b"PHYS*201,fine\n"
    b"HIST_110,great notes\n"
)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    backend = make_backend(tmp_path_factory.mktemp("labels"), auth="none")
    client = TestClient(create_app(backend))
    answer = client.post(
        "/v1/jobs",
        files={"file": ("evals_fall2026.csv", COMMENTS)},
        data={"text_column": ["comment"], "group_by": ["Course_Name"]},
    )
    assert answer.status_code == 202, answer.text
    request_id = answer.json()["request_id"]
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    with serving_app(create_app(backend), log_level="warning") as url:
        yield url, request_id


def labels(at: AppTest) -> dict[str, str]:
    found: list[Any] = [node for kind in NAMED_BY_LABEL for node in at.get(kind)]
    return {str(node.key or node.label): str(node.label) for node in found}


def test_no_picker_box_or_switch_is_named_with_markdown_escapes(
    api: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, request_id = api
    at = job_page(url, request_id, monkeypatch)
    at.selectbox(key="d-one-group").select("(blank)").run()
    at.selectbox(key="f-group").select("Course_Name").run()
    assert not at.exception, at.exception

    named = labels(at)
    assert {"e-sure", "d-one-preview", "d-one-group", "f-values"} <= set(named), named
    escaped = {key: label for key, label in named.items() if "\\" in label}
    assert escaped == {}, "read out with their backslashes"
    assert named["e-sure"] == "Erase this job (4 comments) for good"
    assert named["d-one-preview"] == "Preview that report here"
    assert named["f-values"] == "Where that column is"
    assert named["d-one-group"] == "Which one"


def test_a_value_that_needs_no_escape_stays_in_the_label() -> None:
    assert input_label("Which course", "Which one") == "Which course"
    assert input_label("Preview HIST110's report here", "x") == "Preview HIST110's report here"
    for text in ("Which course_name", "Preview (blank)'s report here", "Erase a.csv for good",
                 "Where ![x](http://e.example/p.png) is"):  # fmt: skip
        assert literal(text) != text
        assert input_label(text, "instead") == "instead"
