"""The app's pages for the states a healthy embedded API rarely produces (a failed job, a
server error, no API at all, bad configuration) and for what a reader must see right (colours,
shares that add up, groups named in full with n, distinct top comments, confirm before
cancel), with AppTest against a canned HTTP server. The real flows against the real API are in
tests/e2e/test_streamlit_app.py."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
from httpfakes import JsonHandler, nothing_flagged
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from pipeline.ui.markdown import unescaped
from pipeline.ui.palette import LABEL_COLOURS

APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"
FAILED_JOB = {
    "request_id": "failedjob",
    "status": "failed",
    "input_name": "evaluations.csv",
    "text_column": "comment",
    "group_by": [],
    "rows_total": 40,
    "rows_done": 0,
    "rows_failed": 0,
    "eta_s": None,
    "labels": ["negative", "neutral", "positive"],
    "error": "the job stopped 3 workers in a row and was moved to the dead-letter table",
}


LABELS = ["negative", "neutral", "positive"]
CHEM = "CHEM110 General Chemistry for Engineers and Physical Scientists"
LONG_COMMENT = (
    "The labs were the best part of my week: every session built on the lecture before, the "
    "demonstrators explained the why and not only the how, and by the end of term I could "
    "design an experiment on my own, which I never thought I would say about chemistry. "
    "Please keep the Thursday review sessions exactly as they are."
)
# (course, comment, label, p(negative), p(neutral), p(positive)). Five comments per label over
# all, so each label's share is a third: rounded alone, 33 + 33 + 33 = 99 %.
ROWS = [
    (CHEM, "Great course!", "positive", 0.01, 0.02, 0.97),
    (CHEM, "great course! ", "positive", 0.00, 0.01, 0.99),
    (CHEM, "Great  course!", "positive", 0.02, 0.03, 0.95),
    (CHEM, LONG_COMMENT, "positive", 0.01, 0.01, 0.98),
    (CHEM, "Too much homework and no feedback.", "negative", 0.91, 0.05, 0.04),
    (CHEM, "The exams had nothing to do with the lectures.", "negative", 0.88, 0.08, 0.04),
    (CHEM, "Worst scheduling I have seen.", "negative", 0.93, 0.04, 0.03),
    (CHEM, "Boring.", "negative", 0.80, 0.15, 0.05),
    (CHEM, "Lectures were on Tuesdays.", "neutral", 0.10, 0.80, 0.10),
    (CHEM, "We used the second edition.", "neutral", 0.05, 0.90, 0.05),
    (CHEM, "There were two midterms.", "neutral", 0.10, 0.85, 0.05),
    (CHEM, "The room was in building C.", "neutral", 0.12, 0.78, 0.10),
    ("BIO9", "Loved the field trip.", "positive", 0.02, 0.08, 0.90),
    ("BIO9", "The field trip was cancelled twice.", "negative", 0.70, 0.25, 0.05),
    ("BIO9", "Labs on Fridays.", "neutral", 0.20, 0.60, 0.20),
]
DONE_JOB = {
    **FAILED_JOB,
    "request_id": "donejob",
    "status": "succeeded",
    "input_name": "evaluations.csv",
    "group_by": ["term", "course"],
    "rows_total": len(ROWS) + 1,
    "rows_done": len(ROWS) + 1,
    "rows_failed": 1,
    "error": None,
    "model_version": "test-model",
    "low_confidence": 0.7,
}
RUNNING_JOB = {
    **DONE_JOB,
    "request_id": "runningjob",
    "status": "running",
    "rows_total": 300,
    "rows_done": 120,
    "rows_failed": 0,
    "eta_s": 12,
    "rows_per_s": 35.2,
}


def results_csv() -> bytes:
    """The finished job's results as the server writes them (plus one empty comment)."""
    frame = pd.DataFrame(
        [
            {
                "term": "Fall 2026",
                "course": course,
                "comment": text,
                "label": label,
                **{f"score_{x}": p for x, p in zip(LABELS, scores, strict=True)},
                "error": "",
                "model_version": "test-model",
                "language": "en",
            }
            for course, text, label, *scores in ROWS
        ]
    )
    empty = {
        "term": "Fall 2026",
        "course": "BIO9",
        "comment": "",
        "label": "",
        "error": "empty comment",
    }
    frame = pd.concat([frame, pd.DataFrame([empty])], ignore_index=True)
    return frame.to_csv(index=False).encode()


def _part(group: str | None, rows: list[tuple[Any, ...]], errors: int = 0) -> dict[str, Any]:
    counts = {label: sum(1 for row in rows if row[2] == label) for label in LABELS}
    scored = sum(counts.values())
    return {
        "group": group,
        "rows": scored + errors,
        "errors": errors,
        "counts": counts,
        "shares": {label: counts[label] / scored for label in LABELS},
        "mean_scores": dict.fromkeys(LABELS, 0.5),
    }


def summary_body(job: dict[str, Any], group_by: str | None) -> dict[str, Any]:
    body = {
        "request_id": job["request_id"],
        "status": job["status"],
        "labels": LABELS,
        "rows_done": job["rows_done"],
        "rows_total": job["rows_total"],
        "overall": _part(None, ROWS, errors=1),
        "group_by": group_by,
        "groups": [],
    }
    if group_by == "course":
        body["groups"] = [
            _part(CHEM, [row for row in ROWS if row[0] == CHEM]),
            _part("BIO9", [row for row in ROWS if row[0] == "BIO9"], errors=1),
        ]
    return body


class CannedApi(JsonHandler):
    """Answers GETs from ``routes`` (path → (status, JSON body)), the two jobs' results and
    summaries, and DELETE (cancel) of the running job, which it counts; anything else is a 404."""

    routes: ClassVar[dict[str, tuple[int, Any]]] = {
        "/health": (200, {"status": "ok"}),
        "/v1/jobs": (200, {"jobs": []}),
        "/v1/jobs/failedjob": (200, FAILED_JOB),
        "/v1/jobs/broken": (500, {"error": "internal", "detail": "see the server log"}),
        "/v1/jobs/donejob": (200, DONE_JOB),
        "/v1/jobs/donejob/flagged": (200, nothing_flagged("donejob", DONE_JOB["rows_done"])),
        "/v1/jobs/failedjob/flagged": (200, nothing_flagged("failedjob", FAILED_JOB["rows_done"])),
        "/v1/jobs/runningjob": (200, RUNNING_JOB),
    }
    cancelled: ClassVar[list[str]] = []
    revoke_after: ClassVar[int | None] = None  # GETs answered before the key is "revoked"

    def do_GET(self) -> None:
        if self.revoke_after is not None:
            if self.revoke_after == 0:
                self.send_json(401, {"error": "unauthorized", "detail": "invalid API key"})
                return
            type(self).revoke_after = self.revoke_after - 1
        url = urlsplit(self.path)
        query = {name: values[0] for name, values in parse_qs(url.query).items()}
        if url.path == "/v1/jobs/donejob/results" and query.get("format") == "csv":
            self._send_csv(results_csv())
            return
        job = {"/v1/jobs/donejob/summary": DONE_JOB, "/v1/jobs/runningjob/summary": RUNNING_JOB}
        if url.path in job:
            self.send_json(200, summary_body(job[url.path], query.get("group_by")))
            return
        status, body = self.routes.get(url.path, (404, {"error": "not_found", "detail": "?"}))
        self.send_json(status, body)

    def do_DELETE(self) -> None:
        if self.path != "/v1/jobs/runningjob":
            self.send_json(404, {"error": "not_found", "detail": "?"})
            return
        self.cancelled.append("runningjob")
        self.send_json(200, {**RUNNING_JOB, "status": "cancelled"})

    def _send_csv(self, data: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def canned_api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), CannedApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def app(canned_api: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("PIPELINE_API_URL", canned_api)
    monkeypatch.delenv("PIPELINE_API_KEY", raising=False)
    return AppTest.from_file(str(APP), default_timeout=30)


def _errors(at: AppTest) -> str:
    """The error messages as a reader sees them (the Markdown's escapes read)."""
    return "\n".join(unescaped(str(error.value)) for error in at.error)


def test_a_failed_job_shows_its_reason_and_no_results(app: AppTest) -> None:
    app.query_params["job"] = "failedjob"
    app.run()

    assert not app.exception, app.exception
    assert "The job failed:" in _errors(app)
    assert "dead-letter table" in _errors(app)
    assert not app.tabs


def test_a_server_error_is_a_message_not_a_traceback(app: AppTest) -> None:
    app.query_params["job"] = "broken"
    app.run()

    assert not app.exception, app.exception
    assert "HTTP 500: see the server log" in _errors(app)


def test_no_api_at_all_is_explained_in_the_sidebar_and_at_submit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PIPELINE_API_URL", "http://127.0.0.1:9")
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.run()
    assert "cannot be reached" in "\n".join(str(error.value) for error in at.sidebar.error)
    at.file_uploader[0].set_value(("c.csv", b"course,comment\nCS1,Great\n", "text/csv"))
    at.run()
    next(button for button in at.button if button.label == "Analyse").click()
    at.run()

    assert not at.exception, at.exception
    # Said once, where it happened; the sidebar points there.
    assert _errors(at).count("cannot be reached") == 1 and not at.sidebar.error
    assert "no answer (see the page)" in " ".join(str(c.value) for c in at.sidebar.caption)
    assert not at.session_state.job_id


def test_a_bad_setting_is_named_instead_of_crashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIPELINE_BACKEND", "mainframe")
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.run()

    assert not at.exception, at.exception
    assert "PIPELINE_BACKEND='mainframe'" in _errors(at)


def test_streamlit_secrets_win_over_the_environment(
    canned_api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIPELINE_API_URL", "http://127.0.0.1:9")
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.secrets["PIPELINE_API_URL"] = canned_api
    at.run()

    assert not at.exception, at.exception
    assert not at.error
    assert at.session_state.api_url == canned_api


def _page(at: AppTest) -> str:
    """Everything the page writes, to search in and to show when an assertion fails."""
    kinds = ("title", "markdown", "caption", "text", "error", "warning", "info", "code")
    found: list[Any] = [element for kind in kinds for element in at.get(kind)]
    return "\n".join(
        str(element.value) if element.type in ("text", "code") else unescaped(str(element.value))
        for element in found
    )


def _button(at: AppTest, label: str) -> Any:
    matches = [button for button in at.button if button.label == label]
    assert matches, f"no button {label!r} among {[b.label for b in at.button]}"
    return matches[0]


def _column_config(frame_element: Any) -> dict[str, Any]:
    return dict(json.loads(frame_element.proto.columns))


@pytest.fixture
def done(app: AppTest) -> AppTest:
    app.query_params["job"] = "donejob"
    app.run()
    assert not app.exception, app.exception
    assert len(app.tabs) == 6, _page(app)
    return app


def test_shares_on_the_overview_add_up_to_100(done: AppTest) -> None:
    shares = {metric.label: metric.value for metric in done.metric if metric.label != "Comments"}
    assert shares == {"Negative": "34%", "Neutral": "33%", "Positive": "33%"}


def test_top_comments_are_distinct_in_full_and_coloured_by_their_label(done: AppTest) -> None:
    texts = [element.value for element in done.text]
    assert texts.count(LONG_COMMENT) == 1, "the long comment is shown whole, once"
    great = [text for text in texts if text.casefold().split() == ["great", "course!"]]
    assert len(great) == 1, texts
    badges = [m.value for m in done.markdown if "-badge[" in m.value]
    assert any(b.startswith(":green-badge[p(positive) 0.99]") and "written 3 times" in b
               for b in badges), badges  # fmt: skip
    assert any(b.startswith(":red-badge[p(negative)") for b in badges), badges
    assert not any(b.startswith(":red-badge[p(positive)") for b in badges)


def test_groups_are_named_in_full_with_n_and_the_small_mark_explained(done: AppTest) -> None:
    (chart,) = [c for c in done.get("vega_lite_chart") if "Labels per course" in c.proto.spec]
    spec = json.loads(chart.proto.spec)
    (data,) = chart.proto.datasets
    drawn = dataframe_util.convert_arrow_bytes_to_pandas_df(data.data.data)
    assert set(drawn["group"]) == {f"{CHEM} (n=12)", "BIO9 (n=3, small)"}
    assert spec["encoding"]["y"]["axis"]["labelLimit"] == 0
    assert spec["encoding"]["color"]["scale"]["range"] == [LABEL_COLOURS[x] for x in LABELS]
    assert "*small*: fewer than 10 comments" in _page(done)


def test_a_column_of_one_value_is_not_offered_to_compare_by(done: AppTest) -> None:
    """The job was compared by ``term`` first, but every row is ``Fall 2026``: the first chart
    is per course, and ``term`` is offered nowhere (it would only repeat the whole file)."""
    pickers = [done.selectbox(key=key) for key in ("overview-group", "c-column", "d-group")]
    assert [picker.value for picker in pickers] == ["course"] * 3
    assert all("term" not in picker.options for picker in pickers)


def test_the_comments_table_shows_a_coloured_label_and_one_confidence(done: AppTest) -> None:
    table = next(frame for frame in done.dataframe if "confidence" in frame.value.columns)
    assert list(table.value.columns[:3]) == ["label", "confidence", "comment"]
    assert not [column for column in table.value.columns if column.startswith("score_")]
    assert table.value["label"].tolist()[:2] == [["positive"], ["positive"]]
    config = _column_config(table)
    options = config["label"]["type_config"]["options"]
    assert {o["value"]: o["color"] for o in options} == LABEL_COLOURS
    assert config["confidence"]["type_config"]["color"] not in LABEL_COLOURS.values()


def test_the_summary_table_adds_up_and_marks_small_groups(done: AppTest) -> None:
    done.selectbox(key="d-group").select("course").run()
    view = next(frame.value for frame in done.dataframe if "n" in frame.value.columns)
    assert view["course"].tolist() == ["(all)", CHEM, "BIO9"]
    assert view["n"].tolist() == [15, 12, 3]
    assert view["small"].tolist() == [False, False, True]
    assert view[[f"{x} %" for x in LABELS]].sum(axis=1).tolist() == [100, 100, 100]


def test_a_request_id_pasted_with_spaces_opens_the_job(app: AppTest) -> None:
    app.query_params["job"] = "  donejob \n"
    app.run()
    assert not app.exception, app.exception
    assert app.session_state.job_id == "donejob"
    assert len(app.tabs) == 6

    fresh = AppTest.from_file(str(APP), default_timeout=30)
    fresh.run()
    fresh.sidebar.text_input[0].input(" `donejob`\t")
    _button(fresh, "Open").click()
    fresh.run()
    assert not fresh.exception, fresh.exception
    assert fresh.session_state.job_id == "donejob"
    assert not fresh.error, _page(fresh)


def _shown_job(at: AppTest) -> str | None:
    """The request id of the job the page shows; None on the upload form."""
    assert not at.exception, at.exception
    if any(title.value == "Analyse comments" for title in at.title):
        return None
    (shown,) = [str(block.value) for block in at.code]
    return shown


def test_back_and_forward_show_the_job_the_address_names(app: AppTest) -> None:
    """Back and Forward restore an address and rerun the page with it (AppTest: the query
    params set between runs): the page follows the address, not the job opened last."""
    app.query_params["job"] = "failedjob"
    app.run()
    app.sidebar.text_input[0].input("donejob")
    _button(app, "Open").click()
    app.run()
    assert app.query_params == {"job": "donejob"} and _shown_job(app) == "donejob"

    app.query_params["job"] = "failedjob"  # Back
    app.run()
    assert _shown_job(app) == "failedjob" and "The job failed:" in _errors(app)
    assert not app.tabs

    app.query_params["job"] = "donejob"  # Forward
    app.run()
    assert _shown_job(app) == "donejob" and len(app.tabs) == 6

    _button(app, "New analysis").click()
    app.run()
    assert "job" not in app.query_params and _shown_job(app) is None

    app.query_params["job"] = "donejob"  # Back
    app.run()
    assert _shown_job(app) == "donejob"
    del app.query_params["job"]  # Forward, to the upload form
    app.run()
    assert _shown_job(app) is None and app.session_state.job_id is None


@pytest.mark.parametrize(
    "wanted", ["NoSuchJobAtAllxxxxxxxx", "%2e%2e%2f", "<script>alert(1)</script>"]
)
def test_an_id_that_does_not_open_is_not_among_the_recent_jobs(app: AppTest, wanted: str) -> None:
    """Each such id was listed as ``upload · …``, a button to the same error."""
    app.run()
    app.sidebar.text_input[0].input(wanted)
    _button(app, "Open").click()
    app.run()
    assert not app.exception, app.exception
    assert "No such job." in _errors(app)
    assert app.session_state.recent == []
    assert not [b for b in app.sidebar.button if b.key and b.key.startswith("recent-")]

    app.sidebar.text_input[0].input("donejob")
    _button(app, "Open").click()
    app.run()
    assert [job.request_id for job in app.session_state.recent] == ["donejob"]


def test_a_running_job_shows_the_servers_progress(app: AppTest) -> None:
    app.query_params["job"] = "runningjob"
    app.run()
    assert not app.exception, app.exception
    assert "120 / 300 rows · 35 rows/s · about 12 s left" in _page(app)
    bar: Any = app.get("progress")[0]
    assert bar.value == 40
    assert any("Labels so far" in chart.proto.spec for chart in app.get("vega_lite_chart"))


def test_a_key_revoked_while_a_job_runs_clears_the_page_and_the_connected_line(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job's status answers once, then the key is revoked: the refreshing progress meets
    the refusal and reruns the whole page, which shows the refusal and none of the job."""
    monkeypatch.setenv("PIPELINE_API_KEY", "a-key-revoked-meanwhile")
    CannedApi.revoke_after = 1
    try:
        app.query_params["job"] = "runningjob"
        app.run()
    finally:
        CannedApi.revoke_after = None
    assert not app.exception, app.exception
    assert "The API refused the API key." in _errors(app)
    assert "connected" not in _page(app)
    assert RUNNING_JOB["input_name"] not in [unescaped(title.value) for title in app.title]
    assert not app.get("progress")


def test_cancel_asks_first_and_can_be_taken_back(app: AppTest) -> None:
    CannedApi.cancelled.clear()
    app.query_params["job"] = "runningjob"
    app.run()

    _button(app, "Cancel the job").click()
    app.run()
    assert "Cancel this job?" in _page(app)
    assert CannedApi.cancelled == [], "one click cancels nothing"

    _button(app, "Keep it running").click()
    app.run()
    assert "Cancel this job?" not in _page(app)
    assert CannedApi.cancelled == []

    _button(app, "Cancel the job").click()
    app.run()
    _button(app, "Yes, cancel the job").click()
    app.run()
    assert not app.exception, app.exception
    assert CannedApi.cancelled == ["runningjob"]


def test_no_module_level_string_is_printed_on_the_page() -> None:
    """Streamlit's "magic" writes every bare expression of the script on the page: a
    docstring under a constant would appear above the title."""
    import ast

    tree = ast.parse(APP.read_text(encoding="utf-8"))
    bare = [node.lineno for node in tree.body[1:] if isinstance(node, ast.Expr)]
    assert bare == [], f"bare expressions at lines {bare}"
