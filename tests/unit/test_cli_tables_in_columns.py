"""The command line's tables read right: laid out in the columns their cells take on a
terminal (a Chinese course name takes two a character, a decomposed accent none), a share
that does not exist shown as "–" rather than 0 %, a row's three shares adding up to 100, and
a themes' trend saying what its percentages are of."""

from __future__ import annotations

import csv
import io
import re

import pytest
from fastapi.testclient import TestClient
from httpfakes import in_process_client
from insightfakes import fake_analyst
from jobfakes import FakePredictor

from pipeline.bootstrap import Backend
from pipeline.cli import change_commands, job_commands, rating_commands
from pipeline.cli.main import main
from pipeline.report import theme_trend_table
from pipeline.terminal_text import display_width, fitted, padded
from pipeline.worker import Worker

WIDE = "数学"
DECOMPOSED = "Cafe\u0301"
COMPOSED = "Économie"
COURSES = (WIDE, DECOMPOSED, COMPOSED)


def evaluations(extra: int) -> bytes:
    """Each course one negative, one neutral and one positive comment (a third each), and
    ``extra`` more negative ones in the first; a course whose one comment is blank."""
    rows = [
        (course, rating, text)
        for course in COURSES
        for rating, text in (("1", "bad exams"), ("3", "the room"), ("5", "good labs"))
    ]
    rows += [(WIDE, "1", f"bad marking {i}") for i in range(extra)]
    rows.append(("Leer", "3", ""))
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([("course", "Q2", "comment"), *rows])
    return buffer.getvalue().encode()


@pytest.fixture
def jobs(backend: Backend, client: TestClient, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Two finished jobs (last term's, this term's); the commands ask the app in process."""
    ids = []
    for name, extra in (("a.csv", 0), ("b.csv", 3)):
        posted = client.post(
            "/v1/jobs",
            files={"file": (name, evaluations(extra))},
            data={"text_column": "comment", "group_by": "course"},
        )
        ids.append(str(posted.json()["request_id"]))
    Worker(backend, lambda _ref: FakePredictor(), "w", insights=fake_analyst).run(burst=True)
    for module in (change_commands, job_commands, rating_commands):
        monkeypatch.setattr(module, "api_client", lambda _args: in_process_client(client))
    monkeypatch.setenv("COLUMNS", "120")
    return ids


def printed(capsys: pytest.CaptureFixture[str], *argv: str) -> list[str]:
    assert main(list(argv)) == 0
    return capsys.readouterr().out.splitlines()


def rows_of(lines: list[str]) -> dict[str, str]:
    return {name: line for line in lines for name in COURSES if line.startswith(name)}


def test_a_width_is_counted_in_terminal_columns() -> None:
    assert [display_width(name) for name in COURSES] == [4, 4, 8]
    assert display_width("a\u200bb") == 2  # a zero-width space takes none
    assert padded(WIDE, 6) == WIDE + "  " and padded("7", 3, ">") == "  7"
    assert fitted("数学数学", 5) == "数学…"
    assert fitted(DECOMPOSED + " au lait", 5) == DECOMPOSED + "…"  # its accent kept with it


def test_the_summary_lines_up(jobs: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    lines = printed(capsys, "summary", jobs[1], "--group-by", "course")
    rows = rows_of(lines)
    assert rows[WIDE].startswith(WIDE + "    " + "       6")  # two columns a character
    assert rows[DECOMPOSED].startswith(DECOMPOSED + "    " + "       3")  # the accent: none
    assert rows[COMPOSED].startswith(COMPOSED + "       3")
    assert len({display_width(line) for line in lines}) == 1, "every line as wide as the header"


def test_the_summary_shows_a_share_that_does_not_exist_as_a_dash(
    jobs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    lines = printed(capsys, "summary", jobs[1], "--group-by", "course")
    blank = next(line for line in lines if line.startswith("Leer"))
    assert blank.split()[1:] == ["1", "1", "–", "–", "–"], "no labelled comment: not 0.0%"


def ratings_table(jobs: list[str], capsys: pytest.CaptureFixture[str]) -> list[str]:
    lines = printed(capsys, "ratings", jobs[0], "--column", "Q2", "--group-by", "course")
    table = [line for line in lines if line.startswith(("course ", *COURSES))]
    assert len(table) == 4
    return table


def test_the_ratings_table_lines_up(jobs: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert len({display_width(line) for line in ratings_table(jobs, capsys)}) == 1


def test_the_three_shares_of_a_ratings_row_add_up_to_100(
    jobs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    for line in ratings_table(jobs, capsys)[1:]:
        shares = line.split()[-6:-3]  # % negative, % neutral, % positive
        assert shares == ["34", "33", "33"], line  # not 33 + 33 + 33 = 99


def test_the_change_and_the_trend_line_up(
    jobs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    earlier, now = jobs
    change = rows_of(printed(capsys, "change", now, "--since", earlier, "--group-by", "course"))
    trend = rows_of(printed(capsys, "trend", "--group-by", "course", earlier, now))
    for rows in (change, trend):
        assert set(rows) == set(COURSES)
        ends = {
            display_width(re.match(rf"{re.escape(name)} +[\d,]+ +[\d,]+", line).group())  # type: ignore[union-attr]
            for name, line in rows.items()
        }
        assert len(ends) == 1, f"the n columns of {rows} do not line up"


def test_a_themes_trend_says_its_percentages_are_of_the_labelled_comments() -> None:
    body = {
        "label": "negative",
        "jobs": [
            {"input_name": name, "created_at": "2026-12-06T10:00:00", "rows_total": 236}
            for name in ("a.csv", "b.csv")
        ],
        "n": [215, 78],
        "label_n": [40, 30],
        "tests": 2,
        "themes": [
            {
                "name": name,
                "counts": [19, 7],
                "shares": [{"share": 19 / 215}, {"share": 7 / 78}],
                "direction": None,
                "quotes": [],
            }
            for name in ("数学 / 考试", "exams / unfair")
        ],
    }
    lines = theme_trend_table.text(body, 100).splitlines()
    assert "each job's labelled comments" in lines[0]
    assert "  comments by job: 215 · 78 (those with a label: each theme's % is of these)" in lines
    table = [line for line in lines if line.startswith(("theme ", "数学", "exams"))]
    starts = {display_width(re.split(r"(?=comments by job|19 · 7)", line)[0]) for line in table}
    assert len(table) == 3 and len(starts) == 1, "the counts stand under their heading"
