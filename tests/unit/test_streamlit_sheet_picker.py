"""The app's sheet picker (AppTest against a canned API that records what is submitted): a
workbook of several sheets starts on the one with a comment column, the picked sheet is
previewed and sent with the job, and a CSV shows no picker; a comment column of numbers is
flagged under its picker. The real flow is in tests/e2e/test_streamlit_app.py."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from httpfakes import JsonHandler
from streamlit.testing.v1 import AppTest
from xlsxfakes import evaluation_export, per_course_workbook

from pipeline.xlsx import ALL_SHEETS

APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"
QUEUED = {"request_id": "job1", "status": "queued", "reused": False}


class RecordingApi(JsonHandler):
    """Healthy; accepts every submit (keeping its body) and has no job to show."""

    submitted: ClassVar[list[bytes]] = []

    def do_GET(self) -> None:
        if not self.answers_sidebar(self.path):
            self.send_json(404, {"error": "job_not_found", "detail": "no such job"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.submitted.append(self.rfile.read(length))
        self.send_json(202, QUEUED)


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    RecordingApi.submitted.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), RecordingApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("PIPELINE_API_URL", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.delenv("PIPELINE_API_KEY", raising=False)
    try:
        yield AppTest.from_file(str(APP), default_timeout=120)
    finally:
        server.shutdown()
        server.server_close()


def _upload(at: AppTest, name: str, content: bytes) -> None:
    at.run()
    at.file_uploader[0].set_value((name, content, "application/octet-stream"))
    at.run()
    assert not at.exception, at.exception


def _pickers(at: AppTest) -> list[Any]:
    return [box for box in at.selectbox if box.label == "Sheet"]


@pytest.mark.slow
def test_the_picked_sheet_is_previewed_and_sent_with_the_job(app: AppTest, tmp_path: Path) -> None:
    _upload(app, "evaluations.xlsx", evaluation_export(tmp_path / "e.xlsx").read_bytes())
    (picker,) = _pickers(app)
    assert picker.options == [
        "Cover",
        "Answers",
        "Notes",
        "All sheets, as one table (a column says which)",
    ]
    assert picker.value == "Answers"
    assert app.dataframe[0].value["Comment"].tolist()[:2] == ["Great lectures", "Too fast"]

    picker.select("Notes").run()
    assert not app.exception, app.exception
    assert app.dataframe[0].value["Author"].tolist() == ["admin"]
    captions = "\n".join(str(caption.value) for caption in app.caption)
    assert "sheet 'Notes', header on row 1" in captions

    next(button for button in app.button if button.label == "Analyse").click()
    app.run()
    (body,) = RecordingApi.submitted
    assert b'name="sheet"\r\n\r\nNotes\r\n' in body
    assert b'name="text_column"\r\n\r\nComment\r\n' in body


@pytest.mark.slow
def test_a_workbook_of_one_sheet_per_course_is_read_as_one_table(
    app: AppTest, tmp_path: Path
) -> None:
    """Two sheets hold the same table (BIOL 1010, CHEM 2210): the picker starts on all sheets,
    the preview has each row's sheet, proposed to compare by, and the job asks for ``*``."""
    _upload(app, "courses.xlsx", per_course_workbook(tmp_path / "c.xlsx").read_bytes())
    (picker,) = _pickers(app)
    assert picker.value == ALL_SHEETS
    preview = app.dataframe[0].value
    assert preview["sheet"].tolist() == ["BIOL 1010", "BIOL 1010", "CHEM 2210"]
    assert preview["Comment"].tolist() == ["Great labs", "Exams too long", "Slides came late"]
    compare = next(box for box in app.multiselect if box.label.startswith("Compare by"))
    assert "sheet" in compare.value

    next(button for button in app.button if button.label == "Analyse").click()
    app.run()
    (body,) = RecordingApi.submitted
    assert b'name="sheet"\r\n\r\n*\r\n' in body
    assert b'name="group_by"\r\n\r\nsheet\r\n' in body


def test_a_csv_has_no_sheet_picker_and_sends_no_sheet(app: AppTest) -> None:
    _upload(app, "c.csv", b"course,comment\nCS1,Great\n")
    assert _pickers(app) == []
    next(button for button in app.button if button.label == "Analyse").click()
    app.run()
    (body,) = RecordingApi.submitted
    assert b'name="sheet"' not in body


def test_a_comment_column_of_numbers_is_flagged_before_analyse(app: AppTest) -> None:
    """A rating column picked as the comment column: the API would refuse it (every row a
    number), so the form says so under the picker; the column of comments says nothing."""
    _upload(app, "c.csv", b"course,rating,comment\n" + b"CS1,4,Great labs\nCS2,2,Too fast\n" * 3)
    assert [warning.value for warning in app.warning] == []
    picker = next(box for box in app.selectbox if box.label == "Comment column")
    assert picker.value == "comment"

    picker.select("rating").run()
    assert not app.exception, app.exception
    (warning,) = app.warning
    assert "'rating' holds numbers, not comments" in warning.value
    assert "6 of the 6 answers previewed, such as '4'" in warning.value
