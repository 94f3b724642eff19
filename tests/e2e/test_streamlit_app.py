"""The Streamlit app (AppTest) against a real embedded API and worker started by the test:
upload → progress → results → downloads, coming back by request id, cancelling, bad files,
an unknown request id and a refused API key. Nothing here is mocked but the browser."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hostile_cases import qualtrics_export, table
from openpyxl import load_workbook
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest
from ui_servers import APP, api_env, cli, comments_csv, embedded_api
from xlsxfakes import evaluation_export

from pipeline.client import PipelineClient
from pipeline.ui.markdown import unescaped

VIEWS = ("Overview", "About what", "Compare", "Comments", "Review", "Downloads")

pytestmark = pytest.mark.slow

FORMULA = '=HYPERLINK("http://evil.example","click me")'
LABELS = {"negative", "neutral", "positive"}
WAIT_S = 240


@pytest.fixture(scope="module")
def api_url(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with embedded_api(tmp_path_factory.mktemp("ui-api"), tiny_model_dir) as url:
        yield url


@pytest.fixture
def app(api_url: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("PIPELINE_API_URL", api_url)
    monkeypatch.delenv("PIPELINE_API_KEY", raising=False)
    return AppTest.from_file(str(APP), default_timeout=120)


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What each download button would serve, by file name (bytes, or the deferred callable)."""
    served: dict[str, Any] = {}
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def record(self: MediaFileManager, data: Any, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("file_name"):
            served[kwargs["file_name"]] = data
        return add(self, data, *args, **kwargs)

    def record_deferred(self: MediaFileManager, make: Any, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("file_name"):
            served[kwargs["file_name"]] = make
        return add_deferred(self, make, *args, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add", record)
    monkeypatch.setattr(MediaFileManager, "add_deferred", record_deferred)
    return served


def _text(at: AppTest) -> str:
    """Everything the page says (the Markdown's escapes read, as a reader sees it), to search
    and to show when an assertion fails."""
    parts = [
        str(getattr(element, "value", "") or getattr(element, "label", ""))
        for kind in ("title", "markdown", "caption", "error", "warning", "info", "success")
        for element in at.get(kind)
    ]
    code = [str(element.value) for element in at.get("code")]
    return "\n".join([*map(unescaped, parts), *code])


def _run_until(at: AppTest, done: Callable[[AppTest], bool]) -> None:
    """Rerun as the browser's fragment timer would, until ``done`` (a hang fails, not waits)."""
    deadline = time.monotonic() + WAIT_S
    while True:
        at.run()
        assert not at.exception, at.exception
        if done(at):
            return
        assert time.monotonic() < deadline, f"the page never got there:\n{_text(at)}"
        time.sleep(0.5)


def _button(at: AppTest, label: str) -> Any:
    matches = [button for button in at.button if label in str(button.label)]
    assert matches, f"no button {label!r} among {[b.label for b in at.button]}"
    return matches[0]


def _upload(at: AppTest, name: str, content: bytes) -> None:
    at.run()
    at.file_uploader[0].set_value((name, content, "text/csv"))
    at.run()
    assert not at.exception, at.exception


def _has_results(at: AppTest) -> bool:
    return len(at.tabs) == len(VIEWS)


def _finished(at: AppTest) -> bool:
    """The results are shown once every label is in; the job ends when its insights are."""
    return _has_results(at) and "**running**" not in _text(at)


def test_upload_progress_results_and_downloads(app: AppTest, downloads: dict[str, Any]) -> None:
    content = comments_csv(60, extra={3: FORMULA, 7: ""})
    _upload(app, "course_eval.csv", content)

    assert [s.value for s in app.selectbox if s.label == "Comment column"] == ["comment"]
    assert [(m.label[:8], m.value) for m in app.multiselect] == [
        ("More com", []),
        ("Compare ", ["course", "instructor"]),
    ]
    assert len(app.dataframe[0].value) == 20, "the preview shows the first rows"

    _button(app, "Analyse").click()
    app.run()
    assert not app.exception, app.exception
    request_id = app.session_state.job_id
    assert [code.value for code in app.code] == [request_id], "the request id is shown to copy"
    assert app.get("progress") or "waiting for a worker" in _text(app)

    _run_until(app, _has_results)
    assert "60 / 60" in _text(app), "every label is in when the results show"
    _run_until(app, _finished)

    assert [tab.label for tab in app.tabs] == list(VIEWS)
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Comments"] == "60"
    assert len(app.get("vega_lite_chart")) >= 3, "distribution, confidence and per-course charts"
    recent = [unescaped(str(b.label)) for b in app.sidebar.button]
    assert any("course_eval.csv" in label for label in recent), "recent jobs"

    with PipelineClient(app.session_state.api_url) as client:
        truth = pd.read_csv(io.BytesIO(client.results_csv(request_id)), keep_default_na=False)
    stem = f"course_eval-{request_id[:8]}"
    results = pd.read_csv(
        io.BytesIO(downloads[f"{stem}-results.csv"]()), encoding="utf-8-sig", keep_default_na=False
    )
    assert len(results) == 60
    assert results["label"].tolist() == truth["label"].tolist()
    assert results.loc[3, "comment"] == "'" + FORMULA, "formula cells are escaped"
    assert set(results["label"]) - {""} <= LABELS
    assert results.loc[7, "error"].startswith("empty comment")

    sheet = load_workbook(io.BytesIO(downloads[f"{stem}-results.xlsx"]())).active
    assert sheet.max_row == 61
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    formula = sheet.cell(row=5, column=[c.value for c in sheet[1]].index("comment") + 1)
    assert formula.value == FORMULA and formula.quotePrefix, "held as text, as written"

    summary = pd.read_csv(io.BytesIO(downloads[f"{stem}-summary.csv"]()), encoding="utf-8-sig")
    assert summary["course"].tolist()[0] == "(all)"
    assert set(summary["course"].tolist()[1:]) == {"CS101", "MATH201", "HIST110", "BIO150"}
    assert summary["rows"].tolist()[0] == 60

    for view, chart in (("About what", "What the comments are about"),
                        ("Compare", "Label shares side by side")):  # fmt: skip
        tab = next(tab for tab in app.tabs if tab.label == view)
        errors: list[Any] = list(tab.get("error"))
        assert not errors, [str(error.value) for error in errors]
        assert any(chart in c.proto.spec for c in tab.get("vega_lite_chart")), view

    app.text_input(key="f-search").input("week 12").run()
    expected = int(truth["comment"].str.contains("week 12").sum())
    assert f"{expected} of 60 comments" in _text(app)

    again = AppTest.from_file(str(APP), default_timeout=120)
    again.query_params["job"] = request_id
    again.run()
    assert not again.exception, again.exception
    assert _has_results(again), "a request id in the address opens the same results"


def test_a_workbook_with_a_cover_sheet_picks_the_answers_and_labels_them(
    app: AppTest, tmp_path: Path
) -> None:
    """The picker starts on the sheet with a comment column, under its title rows; choosing
    another sheet previews that one; the job reads the sheet the page showed."""
    content = evaluation_export(tmp_path / "evaluations.xlsx").read_bytes()
    _upload(app, "evaluations.xlsx", content)

    (picker,) = [box for box in app.selectbox if box.label == "Sheet"]
    assert picker.options[:3] == ["Cover", "Answers", "Notes"]  # then all sheets as one
    assert picker.value == "Answers", "the notes sheet holds another table: not all sheets"
    assert "sheet 'Answers', header on row 3" in _text(app)
    assert [s.value for s in app.selectbox if s.label == "Comment column"] == ["Comment"]
    assert len(app.dataframe[0].value) == 3

    picker.select("Notes").run()
    assert not app.exception, app.exception
    assert [s.value for s in app.selectbox if s.label == "Comment column"] == ["Comment"]
    assert app.dataframe[0].value["Author"].tolist() == ["admin"]
    picker = next(box for box in app.selectbox if box.label == "Sheet")
    picker.select("Answers").run()

    _button(app, "Analyse").click()
    app.run()
    assert not app.exception, app.exception
    _run_until(app, _has_results)
    assert "sheet **Answers** (header on row 3)" in _text(app)
    assert {metric.label: metric.value for metric in app.metric}["Comments"] == "3"


def test_a_libreoffice_spreadsheet_is_previewed_and_labelled_as_its_workbook_is(
    app: AppTest,
) -> None:
    """An .ods LibreOffice Calc saved from the same export: the same sheet picker, the same
    sheet and header found, and a job that reads it."""
    content = (Path(__file__).parents[1] / "fixtures" / "ods" / "evaluations.ods").read_bytes()
    _upload(app, "evaluations.ods", content)

    (picker,) = [box for box in app.selectbox if box.label == "Sheet"]
    assert picker.options[:3] == ["Cover", "Answers", "Notes"], "the hidden sheet is not offered"
    assert picker.value == "Answers"
    assert "read as ODS, sheet 'Answers', header on row 3" in _text(app), _text(app)
    assert app.dataframe[0].value["Comment"].tolist() == ["Great lectures", "Too fast", ""]

    _button(app, "Analyse").click()
    app.run()
    assert not app.exception, app.exception
    _run_until(app, _has_results)
    assert {metric.label: metric.value for metric in app.metric}["Comments"] == "3"
    with PipelineClient(app.session_state.api_url) as client:
        job = client.status(app.session_state.job_id)
    assert (job.input_format, job.rows_total, job.text_column) == ("ods", 3, "Comment")


def test_a_qualtrics_export_is_labelled_from_its_first_answer(app: AppTest) -> None:
    """Its question texts and import ids are not comments; its columns show their questions."""
    answers = [("CHEM110", "great labs"), ("CHEM110", "boring"), ("PHYS101", "fine exams")]
    _upload(app, "qualtrics.csv", qualtrics_export(answers, "Any other comments?"))

    assert "read as CSV exported from Qualtrics" in _text(app), _text(app)
    (column,) = [box for box in app.selectbox if box.label == "Comment column"]
    assert column.value == "Q3"
    assert column.format_func(column.value) == "Q3: Any other comments?"
    assert [m.value for m in app.multiselect] == [[], ["Q1"]]
    assert app.dataframe[0].value["Q3"].tolist() == [comment for _c, comment in answers]

    _button(app, "Analyse").click()
    app.run()
    assert not app.exception, app.exception
    _run_until(app, _finished)
    assert {metric.label: metric.value for metric in app.metric}["Comments"] == "3"
    with PipelineClient(app.session_state.api_url) as client:
        job = client.status(app.session_state.job_id)
    assert (job.text_column, job.group_by, job.rows_total) == ("Q3", ("Q1",), 3)


def test_a_survey_with_two_open_questions_labels_each_answer_and_compares_by_question(
    app: AppTest,
) -> None:
    """The second open question is offered as a further comment column, ticked; each answer
    becomes a row of its own with the question it answers."""
    helped, change = "What helped you learn the most?", "What should change next term?"
    rows = [
        ["CHEM110", "The weekly labs made the theory click for me", "Exams were far too long"],
        ["CHEM110", "Worked examples in every single lecture", ""],
        ["PHYS101", "", "Slides were posted far too late each week"],
    ]
    _upload(app, "survey.csv", table(["Course", helped, change], rows))

    (column,) = [box for box in app.selectbox if box.label == "Comment column"]
    more, compare = app.multiselect
    assert (column.value, more.value, compare.value) == (helped, [change], ["Course"])

    _button(app, "Analyse").click()
    app.run()
    assert not app.exception, app.exception
    _run_until(app, _finished)
    assert {metric.label: metric.value for metric in app.metric}["Comments"] == "4"
    assert f"comments from **{helped}**, **{change}**" in _text(app)
    with PipelineClient(app.session_state.api_url) as client:
        job = client.status(app.session_state.job_id)
        page = client.results_page(app.session_state.job_id)
    assert (job.text_column, job.group_by, job.rows_total) == ("comment", ("Course", "question"), 4)
    assert [(row["question"], row["comment"]) for row in page.rows] == [
        (helped, rows[0][1]),
        (change, rows[0][2]),
        (helped, rows[1][1]),
        (change, rows[2][2]),
    ]


def test_cancel_keeps_the_finished_rows(app: AppTest) -> None:
    _upload(app, "big.csv", comments_csv(3000))
    _button(app, "Analyse").click()
    app.run()

    _button(app, "Cancel the job").click()
    app.run()
    assert "Cancel this job?" in _text(app), "a click alone cancels nothing"
    _button(app, "Yes, cancel the job").click()
    _run_until(app, lambda at: "cancelled" in _text(at))

    with PipelineClient(app.session_state.api_url) as client:
        job = client.status(app.session_state.job_id)
    assert job.status == "cancelled"
    assert f"{job.rows_done:,} finished rows are kept" in _text(app)
    assert _has_results(app) == (job.rows_done > 0)


def test_an_excel_csv_from_windows_previews_as_columns_and_says_how(app: AppTest) -> None:
    _upload(app, "excel.csv", "course;comment\nCS1;très bien, merci\n".encode("cp1252"))

    assert "read as CSV, semicolon-separated, Windows-1252" in _text(app), _text(app)
    assert [b for b in app.button if b.label == "Analyse"]


def test_a_file_in_no_known_encoding_is_refused_before_upload(app: AppTest) -> None:
    _upload(app, "odd.csv", b"course,comment\nCS1,tr\x81s bien\n")

    refused = [unescaped(str(error.value)) for error in app.error]
    assert any("neither UTF-8 nor Windows-1252" in message for message in refused), _text(app)
    assert not [b for b in app.button if b.label == "Analyse"]


def test_a_file_the_server_refuses_shows_its_message_and_queues_nothing(app: AppTest) -> None:
    _upload(app, "blank.csv", b"course,comment\nCS1,\nCS2,   \n")
    _button(app, "Analyse").click()
    app.run()

    assert not app.exception, app.exception
    refused = [unescaped(str(error.value)) for error in app.error]
    assert any("no comments in column 'comment'" in message for message in refused), _text(app)
    assert not app.session_state.job_id


def test_an_unknown_request_id_says_so(app: AppTest) -> None:
    app.run()
    app.text_input[0].input("no-such-job")
    _button(app, "Open").click()
    app.run()

    assert not app.exception, app.exception
    assert any("No such job" in unescaped(str(error.value)) for error in app.error), _text(app)
    assert "no-such-job" in _text(app)


def test_a_wrong_api_key_is_explained(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "keyed"
    created = cli("keys", "create", "ui-test", env=api_env(data_dir, tiny_model_dir))
    assert created.returncode == 0, created.stderr
    with embedded_api(data_dir, tiny_model_dir) as url:
        monkeypatch.setenv("PIPELINE_API_URL", url)
        monkeypatch.setenv("PIPELINE_API_KEY", "not-the-key")
        at = AppTest.from_file(str(APP), default_timeout=120)
        _upload(at, "c.csv", comments_csv(3))
        assert _button(at, "Analyse").disabled, "nothing is sent with a key the API refused"

        monkeypatch.setenv("PIPELINE_API_KEY", created.stdout.strip())
        keyed = AppTest.from_file(str(APP), default_timeout=120)
        _upload(keyed, "c.csv", comments_csv(3))
        _button(keyed, "Analyse").click()
        keyed.run()

    assert not at.exception, at.exception
    messages = " ".join(unescaped(str(error.value)) for error in at.error)
    assert "refused the API key" in messages
    assert "PIPELINE_API_KEY" in messages
    assert not at.session_state.job_id
    assert not keyed.exception, keyed.exception
    assert keyed.session_state.job_id, f"the right key is accepted:\n{_text(keyed)}"
