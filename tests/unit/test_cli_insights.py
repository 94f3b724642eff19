"""`sentiment-pipeline aspects` and `themes` (and `--explain` on submit and analyze) with a
fake API client: the tables they print, fitted to the terminal, the JSON with --json, and
refusals as the usual exit codes and messages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from clientfakes import FakeClientBase

from pipeline.cli import insight_commands, job_commands
from pipeline.cli.insight_tables import SMALL_NOTE, aspects_table, themes_text
from pipeline.cli.main import EXIT_FAILURE, EXIT_INPUT_ERROR, EXIT_NOT_FOUND, main
from pipeline.client import Submitted
from pipeline.errors import Conflict, JobNotFound, MissingColumnError, PipelineError


def figures(n: int, negative: int, neutral: int, positive: int) -> dict[str, Any]:
    counts = {"negative": negative, "neutral": neutral, "positive": positive}
    return {
        "n": n,
        "counts": counts,
        "shares": {name: count / n if n else None for name, count in counts.items()},
        "intervals": {name: [0.0, 1.0] for name in counts},
    }


EXAMS = {"name": "exams", "meaning": "exams, tests and how they are marked"}
TEACHING = {"name": "teaching", "meaning": "how the lecturer explains"}
ASPECTS: dict[str, Any] = {
    "request_id": "job1",
    "complete": True,
    "model_version": "aspects-1",
    "group_by": "course",
    "rows_labelled": 60,
    "rows_with_aspects": 50,
    "categories": [
        {**EXAMS, **figures(41, 25, 4, 12)},
        {**TEACHING, **figures(20, 2, 3, 15)},
        {"name": "workload", "meaning": "how much work", **figures(0, 0, 0, 0)},
        {"name": "grading", "meaning": "marks", **figures(0, 0, 0, 0)},
    ],
    "groups": [
        {"group": "CHEM110", "n": 52, "small": False, "aspects": [
            {"name": "exams", **figures(40, 25, 4, 11)}, {"name": "teaching", **figures(0, 0, 0, 0)}
        ]},
        {"group": None, "n": 8, "small": True, "aspects": [
            {"name": "teaching", **figures(5, 0, 1, 4)}
        ]},
        {"group": "PHYS1", "n": 3, "small": True, "aspects": [
            {"name": "exams", **figures(0, 0, 0, 0)}
        ]},
    ],
}  # fmt: skip
QUOTES = [{"row": row, "text": f"quote number {row}\nsecond line"} for row in range(5)]
THEMES: dict[str, Any] = {
    "request_id": "job1",
    "label": "negative",
    "aspect": None,
    "group_by": "course",
    "group": None,
    "seed": 13,
    "diversity": 0.875,
    "n": 80,
    "themes": [
        {
            "id": 3,
            "label": "negative",
            "name": "exam / unfair",
            "keywords": ["exam", "unfair", "marking", "questions", "time"],
            "quotes": QUOTES,
            "size": 30,
            "share": 0.375,
            "coverage": 0.9,
            "counts": [{"group": "CHEM110", "count": 25}, {"group": None, "count": 5}],
        }
    ],
}


def test_the_aspects_table_shows_n_and_shares_per_aspect_and_per_group() -> None:
    lines = aspects_table(ASPECTS, 120).splitlines()
    assert lines[0].startswith("aspects of job job1: 50 of 60 labelled comments")
    assert lines[1].split() == ["aspect", "n", "negative", "neutral", "positive", "meaning"]
    assert lines[2].split()[:5] == ["exams", "41", "61.0%", "9.8%", "29.3%"]
    assert lines[2].endswith("exams, tests and how they are marked")
    assert lines[3].split()[:2] == ["teaching", "20"]
    assert lines[4] == "no comment is about: workload, grading"
    grouped = lines[lines.index("") + 1 :]
    assert grouped[0].split()[:3] == ["course", "aspect", "n"]
    assert grouped[1].split()[:3] == ["CHEM110", "exams", "40"]
    assert grouped[2].split()[:3] == ["(blank)*", "teaching", "5"]
    assert grouped[3].split() == [
        "PHYS1*",
        "(n",
        "=",
        "3:",
        "no",
        "comment",
        "about",
        "an",
        "aspect)",
    ]
    assert grouped[-1] == SMALL_NOTE


def test_a_partial_or_empty_aspects_answer_says_so() -> None:
    partial = {**ASPECTS, "complete": False, "groups": []}
    assert "partial: the job's rows so far" in aspects_table(partial, 400).splitlines()[0]
    assert SMALL_NOTE not in aspects_table(partial, 400)
    empty = {**ASPECTS, "categories": [], "groups": []}
    assert aspects_table(empty, 200).splitlines()[1] == (
        "no aspects: none of the job's 60 labelled comments is about an aspect"
    )
    running = {**empty, "complete": False}
    assert aspects_table(running, 200).splitlines()[-1] == (
        "no comment labelled so far is about an aspect"
    )


@pytest.mark.parametrize("width", [20, 60, 100])
def test_every_line_fits_the_terminal_headings_wrapped_rows_cut(width: int) -> None:
    for text, heading in (
        (aspects_table(ASPECTS, width), "aspects of"),
        (themes_text(THEMES, width), "themes of"),
    ):
        lines = text.splitlines()
        assert max(len(line) for line in lines) <= max(width, 40)
        assert lines[0].startswith(heading) and not lines[0].endswith("…")
    narrow = aspects_table(ASPECTS, 60).splitlines()
    header = next(i for i, line in enumerate(narrow) if line.startswith("aspect "))
    assert " ".join(narrow[:header]) == aspects_table(ASPECTS, 200).splitlines()[0]
    assert narrow[header + 1].endswith("exams, tests…") and len(narrow[header + 1]) == 60


def test_themes_show_label_name_size_share_three_quotes_and_groups() -> None:
    lines = themes_text(THEMES, 200).splitlines()
    assert lines[0] == (
        "themes of job job1 (label negative, by course): 80 comments, 1 theme, "
        "keyword diversity 0.88, seed 13"
    )
    assert lines[2] == "negative #3  exam / unfair: 30 comments, 37.5% of the label's"
    assert lines[3] == "  keywords: exam, unfair, marking, questions, time"
    assert lines[4:7] == [f'  "quote number {row} second line"' for row in range(3)]
    assert lines[7] == "  by course: CHEM110 25, (blank) 5"
    assert len(lines) == 8


def test_themes_of_one_group_name_it_and_an_empty_answer_says_why() -> None:
    one = {**THEMES, "group": "CHEM110", "label": None, "aspect": "exams"}
    lines = themes_text(one, 200).splitlines()
    assert lines[0].startswith("themes of job job1 (aspect exams, course = CHEM110): 80 comments")
    assert not any(line.startswith("  by course") for line in lines)
    none = themes_text({**THEMES, "themes": [], "n": 0}, 200).splitlines()
    assert none[1] == "no themes: no labelled comment matches these filters"


class FakeClient(FakeClientBase):
    """What the commands call on a PipelineClient; ``refuse`` is raised instead of answering."""

    def __init__(self, refuse: PipelineError | None = None) -> None:
        self.refuse = refuse
        self.calls: list[tuple[str, Any]] = []

    def aspects(self, request_id: str, group_by: str | None = None) -> dict[str, Any]:
        self.calls.append(("aspects", (request_id, group_by)))
        if self.refuse:
            raise self.refuse
        return ASPECTS

    def themes(self, request_id: str, **filters: Any) -> dict[str, Any]:
        self.calls.append(("themes", (request_id, filters)))
        if self.refuse:
            raise self.refuse
        return THEMES

    def submit(self, *args: Any, **options: Any) -> Submitted:
        self.calls.append(("submit", options))
        return Submitted("job1", "queued")


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeClient:
    fake = FakeClient()
    monkeypatch.setattr(insight_commands, "api_client", lambda _args: fake)
    monkeypatch.setattr(job_commands, "api_client", lambda _args: fake)
    monkeypatch.setenv("COLUMNS", "72")
    return fake


def test_aspects_prints_the_table_at_the_terminal_width(
    fake: FakeClient, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["aspects", "job1", "--group-by", "course"]) == 0
    out = capsys.readouterr().out
    assert out == aspects_table(ASPECTS, 72) + "\n"
    assert fake.calls == [("aspects", ("job1", "course"))]


def test_json_prints_the_apis_answer(fake: FakeClient, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["aspects", "job1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == ASPECTS
    assert main(["themes", "job1", "--label", "negative", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == THEMES


def test_themes_passes_the_filters(fake: FakeClient, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["themes", "job1", "--aspect", "exams", "--group-by", "course", "--group", "CHEM110"]
    assert main(argv) == 0
    assert capsys.readouterr().out == themes_text(THEMES, 72) + "\n"
    filters = {"label": None, "aspect": "exams", "group_by": "course", "group": "CHEM110"}
    assert fake.calls == [("themes", ("job1", filters))]


def test_a_group_without_its_column_is_refused_before_any_call(
    fake: FakeClient, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["themes", "job1", "--group", "CHEM110"]) == EXIT_INPUT_ERROR
    assert (
        capsys.readouterr().err == "error: --group needs --group-by: the column whose value it is\n"
    )
    assert fake.calls == []


@pytest.mark.parametrize(
    ("refusal", "command", "code"),
    [
        (Conflict("the themes are found when the job completes"), "themes", EXIT_FAILURE),
        (JobNotFound("no job with request id 'job9'"), "aspects", EXIT_NOT_FOUND),
        (
            MissingColumnError("column 'nope' is not in the job's input"),
            "aspects",
            EXIT_INPUT_ERROR,
        ),
    ],
)
def test_refusals_exit_with_the_usual_codes_and_the_servers_message(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    refusal: PipelineError,
    command: str,
    code: int,
) -> None:
    monkeypatch.setattr(insight_commands, "api_client", lambda _args: FakeClient(refusal))
    assert main([command, "job9"]) == code
    captured = capsys.readouterr()
    assert captured.err == f"error: {refusal}\n" and captured.out == ""


@pytest.mark.parametrize(("flag", "explain"), [([], False), (["--explain"], True)])
def test_submit_asks_for_explanations_only_with_the_flag(
    fake: FakeClient, tmp_path: Path, flag: list[str], explain: bool
) -> None:
    source = tmp_path / "c.csv"
    source.write_text("comment\nfine\n", encoding="utf-8")
    assert main(["submit", str(source), "--text-column", "comment", *flag]) == 0
    assert fake.calls[0][1]["explain"] is explain


@pytest.mark.parametrize(("flag", "explain"), [([], False), (["--explain"], True)])
def test_analyze_asks_for_explanations_only_with_the_flag(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, flag: list[str], explain: bool
) -> None:
    import pipeline.analyze
    from pipeline.cli import model_commands

    asked: list[bool] = []

    def analyze_file(*_args: Any, explain: bool = False, **_options: Any) -> int:
        asked.append(explain)
        return 1

    monkeypatch.setattr(pipeline.analyze, "analyze_file", analyze_file)
    monkeypatch.setattr(model_commands, "_predictor", lambda _settings: object())
    (tmp_path / "c.csv").write_text("comment\nfine\n", encoding="utf-8")
    argv = ["analyze", str(tmp_path / "c.csv"), "--output", str(tmp_path / "o.csv"), *flag]
    assert main(argv) == 0
    assert asked == [explain]
