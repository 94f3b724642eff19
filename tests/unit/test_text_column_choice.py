"""With no comment column named, the one column named like comments is taken, on every edge
(the service, the HTTP API, the Lambda gateway, the CLI's submit and analyze), and the user is
told which; with none or several, the refusal says which setting chooses it and what looks
like the comments, and adds the columns whose first rows hold free text, as the settings
(and the command line's options) to give."""

from __future__ import annotations

import base64
import shlex
from pathlib import Path

import httpx
import pytest
from apigw_events import answer, load_event, without_identity
from fastapi.testclient import TestClient
from jobfakes import FakePredictor
from xlsxfakes import evaluation_export

from pipeline import column_guess
from pipeline.analyze import analyze_file
from pipeline.api.app import create_app
from pipeline.api.gateway import Gateway
from pipeline.bootstrap import Backend
from pipeline.cli import job_commands, model_commands
from pipeline.cli.main import EXIT_INPUT_ERROR, main
from pipeline.client import PipelineClient
from pipeline.errors import MissingColumnError
from pipeline.input_header import TEXT_NAMES, named_text_column, text_column_refusal
from pipeline.inputs import ReadOptions, iter_chunks, validate_input
from pipeline.service.column_hint import with_free_text_columns
from pipeline.settings import Settings

EVALUATIONS = b"row_id,course,instructor,term,comment\n1,CS101,Ada,2026,Great lectures\n"


@pytest.mark.parametrize(
    ("columns", "taken"),
    [
        (("row_id", "comment"), "comment"),
        ((" Feedback ", "course"), " Feedback "),
        (("REMARKS",), "REMARKS"),
        (("Student comments", "course"), None),  # only a word of the name: not taken
        (("comment", "Text"), None),  # two: either could be the wrong one
        (("course", "term"), None),
    ],
)
def test_only_one_column_named_exactly_like_comments_is_taken(
    columns: tuple[str, ...], taken: str | None
) -> None:
    assert named_text_column(columns) == taken


SEVERAL_TAIL = (
    "to label several open questions in one job, give text_column (--text-column) once for each"
)


@pytest.mark.parametrize(
    ("columns", "hint"),
    [
        (("course", "Student comments"), "'Student comments' looks like it; "),
        # every open question is named, in the app's order (a name earlier in TEXT_NAMES first)
        (
            ("Any other feedback?", "Comments on exams"),
            "'Comments on exams', 'Any other feedback?' look like comment columns; ",
        ),
        (("comment", " Text"), "'comment', ' Text' are all named like comments; "),
        (("course", "What did you like?"), ""),  # no comment word in it
        # a short name with an id, a date or a type in it names a fact about the answer
        (("Response ID", "Student comments"), "'Student comments' looks like it; "),
        (("Response ID", "Feedback type"), ""),
        (("Any comments on class time?",), "'Any comments on class time?' looks like it; "),
    ],
)
def test_the_refusal_names_the_setting_and_what_looks_like_the_comments(
    columns: tuple[str, ...], hint: str
) -> None:
    listed = ", ".join(columns)
    several = f"; {SEVERAL_TAIL}" if "look like comment columns" in hint else ""
    assert text_column_refusal(columns) == (
        f"choose the comment column (text_column, or --text-column on the command line): "
        f"{hint}the file has {listed}{several}"
    )


def test_a_column_name_with_a_comma_is_listed_as_one_name() -> None:
    """A Likert item such as "Overall, I would rate this course" read as two columns in the
    comma-separated list of a refusal."""
    columns = ("Term", "Overall, I would rate this course (1-5)", "What helped?")

    assert "the file has Term, 'Overall, I would rate this course (1-5)', What helped?" in (
        text_column_refusal(columns)
    )


def test_a_refused_survey_of_several_questions_is_told_it_can_give_them_all() -> None:
    columns = ("Course", "What helped?", "What should change?")

    assert text_column_refusal(columns) == (
        "choose the comment column (text_column, or --text-column on the command line): the "
        "file has Course, What helped?, What "
        "should change?; to label several open questions in one job, give text_column "
        "(--text-column) once "
        "for each"
    )


def test_the_app_guesses_from_the_same_names() -> None:
    assert column_guess.TEXT_NAMES is TEXT_NAMES
    assert column_guess.guess_text_column(["course", "Feedback"]) == "Feedback"


def test_a_workbook_reads_the_first_sheet_with_a_column_named_like_comments(
    tmp_path: Path,
) -> None:
    path = evaluation_export(tmp_path / "export.xlsx")  # a cover sheet comes first
    summary = validate_input(path, None)
    assert summary.text_column == "Comment"
    assert summary.options == ReadOptions(sheet="Answers", header_row=3)
    chunk = next(iter_chunks(path, "xlsx", "Comment", 10, options=summary.options))
    assert chunk["Comment"].tolist() == ["Great lectures", "Too fast", ""]
    with pytest.raises(MissingColumnError, match=r"command line\): the file has About this"):
        validate_input(path, None, sheet="Cover")


def test_the_api_takes_the_comment_column_and_its_status_names_it(backend: Backend) -> None:
    client = TestClient(create_app(backend))
    sent = client.post("/v1/jobs", files={"file": ("c.csv", EVALUATIONS)})
    assert sent.status_code == 202, sent.text
    status = client.get(f"/v1/jobs/{sent.json()['request_id']}").json()
    assert status["text_column"] == "comment" and status["rows_total"] == 1
    refused = client.post("/v1/jobs", files={"file": ("c.csv", b"course,notes\nA,fine\n")})
    assert refused.status_code == 400
    assert refused.json() == {
        "error": "missing_column",
        "detail": "choose the comment column (text_column, or --text-column on the command "
        "line): the file has course, notes",
    }


def test_the_api_refuses_a_rating_column_sent_as_the_comment_column(backend: Backend) -> None:
    client = TestClient(create_app(backend))
    rated = b"course,rating,comment\n" + b"".join(
        f"C{i},{i % 5 + 1},comment {i}\n".encode() for i in range(20)
    )
    refused = client.post(
        "/v1/jobs", files={"file": ("c.csv", rated)}, data={"text_column": "rating"}
    )
    assert refused.status_code == 400
    assert refused.json()["error"] == "numeric_column"
    assert refused.json()["detail"].startswith(
        "column 'rating' holds numbers, not comments: 20 of its 20 answers are numbers, such "
        "as '1'; choose the comment column"
    )
    assert client.get("/v1/jobs").json()["jobs"] == []


def test_the_gateway_takes_the_comment_column_for_an_empty_field(backend: Backend) -> None:
    event = without_identity(load_event("submit_multipart"))
    body = base64.b64decode(event["body"])
    field = b'name="text_column"\r\n\r\ncomment\r\n'
    assert field in body
    blank = body.replace(field, b'name="text_column"\r\n\r\n\r\n')
    sent = answer(Gateway(backend).handle({**event, "body": base64.b64encode(blank).decode()}))
    assert sent.status == 202, sent.text
    job = backend.repository.jobs.get(sent.json()["request_id"])
    assert job.text_column == "comment"


def _cli_client(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The CLI's client, sending to the real app in-process; returns the paths it called."""
    app = TestClient(create_app(backend))
    paths: list[str] = []

    def forward(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        sent = app.request(
            request.method, request.url.path, headers=request.headers, content=request.read()
        )
        return httpx.Response(sent.status_code, headers=sent.headers, content=sent.content)

    transport = httpx.MockTransport(forward)

    def client(_args: object) -> PipelineClient:
        return PipelineClient("http://api.test", transport=transport)

    monkeypatch.setattr(job_commands, "api_client", client)
    return paths


def test_cli_submit_says_which_column_it_took(
    backend: Backend,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _cli_client(backend, monkeypatch)
    source = tmp_path / "comments.csv"
    source.write_bytes(EVALUATIONS)
    assert main(["submit", str(source)]) == 0
    shown = capsys.readouterr()
    request_id = shown.out.strip()
    assert shown.err == "comments from column 'comment'\n"
    assert backend.repository.jobs.get(request_id).text_column == "comment"


@pytest.mark.parametrize(
    ("name", "content", "argv"),
    [
        ("comments.csv", EVALUATIONS, ["--text-column", "comment"]),  # the user chose it
        ("comments.txt", b"Great lectures\nToo fast\n", []),  # a TXT file has one column
    ],
)
def test_cli_submit_is_silent_about_a_column_it_did_not_choose(
    backend: Backend,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: bytes,
    argv: list[str],
) -> None:
    paths = _cli_client(backend, monkeypatch)
    source = tmp_path / name
    source.write_bytes(content)
    assert main(["submit", str(source), *argv]) == 0
    assert capsys.readouterr().err == ""
    assert paths == ["/v1/jobs"]  # no status asked for


def test_cli_submit_refuses_a_file_without_a_comment_column_naming_the_setting(
    backend: Backend,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _cli_client(backend, monkeypatch)
    source = tmp_path / "comments.csv"
    source.write_bytes(b"course,Student comments\nCS101,Great\n")
    assert main(["submit", str(source)]) == EXIT_INPUT_ERROR
    assert capsys.readouterr().err == (
        "error: choose the comment column (text_column, or --text-column on the command line): "
        "'Student comments' looks like it; "
        "the file has course, Student comments\n"
    )


@pytest.mark.parametrize(("column", "shown"), [(None, True), ("comment", False)])
def test_analyze_says_which_column_it_took(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], column: str | None, shown: bool
) -> None:
    source = tmp_path / "comments.csv"
    source.write_bytes(EVALUATIONS)
    output = tmp_path / "out.csv"
    rows = analyze_file(
        source,
        output,
        FakePredictor,
        column,
        screening=Settings(insights=False),
    )
    assert rows == 1 and output.is_file()
    err = capsys.readouterr().err
    assert err.startswith("comments from column 'comment'\n") is shown
    assert ("comments from column" in err) is shown


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"Evaluations, Fall 2026\n\ncourse,comment\nCS101,Great\n", "header on line 3"),
        (b"course,comment\nCS101,Great\n", None),
    ],
    ids=["title-lines", "a-plain-csv"],
)
def test_analyze_says_what_it_did_not_read_as_comments(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, said: str | None
) -> None:
    source = tmp_path / "report.csv"
    source.write_bytes(content)
    output = tmp_path / "out.csv"

    rows = analyze_file(
        source, output, FakePredictor, "comment", screening=Settings(insights=False)
    )

    err = capsys.readouterr().err
    assert rows == 1
    expected = f"read as comma-separated, UTF-8, {said}\n" if said else None
    assert (expected in err) if expected else ("read as" not in err), err


@pytest.mark.parametrize(
    ("options", "skips"),
    [
        (ReadOptions(sheet="Answers", header_row=1), False),
        (ReadOptions(sheet="Answers", header_row=3), True),
        (ReadOptions(delimiter=",", header_row=1), True),
        (ReadOptions(delimiter=",", description_rows=2), True),
        (ReadOptions(encoding="utf-8", delimiter=";"), False),
    ],
    ids=["sheet-header-on-row-1", "titles-above-a-sheet", "txt-header", "survey-rows", "plain"],
)
def test_read_options_know_when_lines_were_not_read_as_comments(
    options: ReadOptions, skips: bool
) -> None:
    assert options.skips_rows() is skips


KEEP = "What should the instructor keep doing?"
CHANGE = "What should change next time?"
ANSWERS = [
    "The weekly problem sets with worked solutions",
    "Explaining each proof slowly on the board",
    "Posting the slides before every lecture",
    "Answering questions on the forum within a day",
    "Running the review session before the midterm",
]


def _survey(tmp_path: Path, *questions: str) -> Path:
    header = ",".join(["Course", *(f'"{q}"' for q in questions)])
    rows = [
        ",".join([f"CHEM{110 + i % 2}", *(f'"{answer} ({q[:4]})"' for q in questions)])
        for i, answer in enumerate(ANSWERS)
    ]
    path = tmp_path / "survey.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def cli(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The CLI's client sending to the real app in-process (``_cli_client``)."""
    return _cli_client(backend, monkeypatch)


def _suggested(argv: list[str], capsys: pytest.CaptureFixture[str]) -> list[str]:
    """The options a refused command suggests at the end of its message."""
    assert main(argv) == EXIT_INPUT_ERROR
    err = capsys.readouterr().err
    assert err.startswith("error: choose the comment column")
    return shlex.split(err.rstrip().removesuffix(")").rsplit("add ", 1)[1])


def test_cli_submit_names_the_free_text_column_as_an_option_that_works(
    cli: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _survey(tmp_path, KEEP)
    suggested = _suggested(["submit", str(path)], capsys)
    assert suggested == ["--text-column", KEEP]
    assert main(["submit", str(path), *suggested]) == 0


def test_several_open_questions_are_each_an_option(
    cli: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _survey(tmp_path, KEEP, CHANGE)
    suggested = _suggested(["submit", str(path)], capsys)
    assert suggested == ["--text-column", KEEP, "--text-column", CHANGE]


def test_cli_analyze_names_the_free_text_column_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(model_commands, "_predictor", lambda _settings: FakePredictor())
    monkeypatch.setenv("PIPELINE_INSIGHTS", "0")
    path, output = _survey(tmp_path, KEEP), tmp_path / "out.csv"
    suggested = _suggested(["analyze", str(path), "-o", str(output)], capsys)
    assert main(["analyze", str(path), "-o", str(output), *suggested]) == 0
    assert output.is_file()


def test_the_api_names_the_free_text_columns_as_text_column_values_that_work(
    backend: Backend, tmp_path: Path
) -> None:
    """The API answered with the file's columns only: a script had to work out which one."""
    client = TestClient(create_app(backend))
    survey = _survey(tmp_path, KEEP, CHANGE).read_bytes()
    refused = client.post("/v1/jobs", files={"file": ("survey.csv", survey)})
    assert refused.status_code == 400 and refused.json()["error"] == "missing_column"
    assert refused.json()["detail"].endswith(
        f". For the free text of its first rows, give text_column {KEEP!r} and {CHANGE!r} (on "
        f"the command line, add --text-column {shlex.quote(KEEP)} --text-column "
        f"{shlex.quote(CHANGE)})"
    )
    sent = client.post(
        "/v1/jobs", files={"file": ("survey.csv", survey)}, data={"text_column": [KEEP, CHANGE]}
    )
    assert sent.status_code == 202, sent.text


def test_the_gateway_names_the_free_text_column_too(backend: Backend, tmp_path: Path) -> None:
    event = without_identity(load_event("submit_multipart"))
    body = base64.b64decode(event["body"])
    start = body.index(b'name="file"')
    content_start = body.index(b"\r\n\r\n", start) + 4
    content_end = body.index(b"\r\n--", content_start)
    survey = _survey(tmp_path, KEEP).read_bytes()
    field = b'name="text_column"\r\n\r\ncomment\r\n'
    swapped = (body[:content_start] + survey + body[content_end:]).replace(
        field, b'name="text_column"\r\n\r\n\r\n'
    )
    refused = answer(Gateway(backend).handle({**event, "body": base64.b64encode(swapped).decode()}))
    assert refused.status == 400, refused.text
    assert refused.json()["detail"].endswith(
        f"give text_column {KEEP!r} (on the command line, add --text-column {shlex.quote(KEEP)})"
    )


def test_without_free_text_the_refusal_is_left_as_it_is(
    cli: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "codes.csv"
    path.write_text("Course,Section\nCHEM110,A\nCHEM111,B\nCHEM112,C\n", encoding="utf-8")
    assert main(["submit", str(path)]) == EXIT_INPUT_ERROR
    err = capsys.readouterr().err
    assert err.startswith("error: choose the comment column")
    assert "--text-column '" not in err and "free text of its first rows" not in err


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--text-column", "coment"], "'coment'"),
        (["--text-column", KEEP, "--group-by", "Instructor"], "'Instructor'"),
    ],
    ids=["comment-column-given", "group-by"],
)
def test_other_column_refusals_get_no_hint(
    cli: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    said: str,
) -> None:
    path = _survey(tmp_path, KEEP)
    assert main(["submit", str(path), *argv]) == EXIT_INPUT_ERROR
    err = capsys.readouterr().err
    assert said in err and "free text of its first rows" not in err


def test_a_file_that_cannot_be_previewed_keeps_the_refusal(tmp_path: Path) -> None:
    refusal = MissingColumnError("choose the comment column (text_column, or --text-column …)")
    gone = tmp_path / "gone.csv"
    assert with_free_text_columns(refusal, gone, gone.name, None) is refusal
