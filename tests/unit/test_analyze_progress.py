"""``analyze``'s progress through both phases of a job: the worker tells its caller the rows of
each insights chunk it commits (``on_insights``) after every label is in, and ``analyze``
shows them as a second bar, then a "finding themes…" line, rather than a full labels' bar that
sits silent while the insights pass runs; without insights nothing more is shown."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from insightfakes import fake_analyst
from jobfakes import FakePredictor, comments_csv, make_backend

import pipeline.analyze
from pipeline import service
from pipeline.analyze import PhasedProgress, analyze_file
from pipeline.settings import Settings
from pipeline.worker import Worker

COMMENTS = [
    "good lecture and good exam",
    "bad exam",
    "okay homework I guess",
    "good lecture",
    "bad homework load",
    "bad exam again",
    "good good lecture",
    "fine",
    "the exam was fair",
    "too much homework",
]


def phases(tmp_path: Path, insights: bool) -> list[tuple[str, int]]:
    """The worker's progress calls for a job of ``COMMENTS``, in order, chunks of 4 rows."""
    backend = make_backend(tmp_path, chunk_rows=4)
    service.submit(backend, comments_csv(tmp_path / "in.csv", COMMENTS), "comment")
    calls: list[tuple[str, int]] = []
    Worker(
        backend,
        lambda _ref: FakePredictor(),
        "w",
        on_rows=lambda rows: calls.append(("labels", rows)),
        insights=functools.partial(fake_analyst, insights=insights),
        on_insights=lambda rows: calls.append(("insights", rows)),
    ).run(burst=True)
    return calls


def test_the_worker_reports_each_insights_chunk_after_every_label(tmp_path: Path) -> None:
    calls = phases(tmp_path, insights=True)
    kinds = [kind for kind, _rows in calls]
    first = kinds.index("insights")
    assert set(kinds[:first]) == {"labels"} and set(kinds[first:]) == {"insights"}
    labelled = [rows for kind, rows in calls if kind == "labels"]
    analysed = [rows for kind, rows in calls if kind == "insights"]
    assert sum(analysed) == sum(labelled) == len(COMMENTS)
    assert len(analysed) > 1 and max(analysed) <= 4  # one call per committed chunk


def test_without_insights_the_worker_reports_labels_only(tmp_path: Path) -> None:
    calls = phases(tmp_path, insights=False)
    assert {kind for kind, _rows in calls} == {"labels"}
    assert sum(rows for _kind, rows in calls) == len(COMMENTS)


def analyze(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    insights: bool,
    progress: bool = True,
    terminal: bool = True,
) -> int:
    """``analyze_file`` on ``COMMENTS`` with the fake analyst in place of the real models,
    its stderr taken for a ``terminal`` or not (capsys's is none)."""
    monkeypatch.setattr(pipeline.analyze, "on_terminal", lambda _stream: terminal)
    monkeypatch.setattr(
        pipeline.analyze,
        "insights_source",
        lambda settings: functools.partial(fake_analyst, insights=settings.insights),
    )
    return analyze_file(
        comments_csv(tmp_path / "in.csv", COMMENTS),
        tmp_path / "out.csv",
        FakePredictor,
        "comment",
        chunk_rows=4,
        progress=progress,
        screening=Settings(insights=insights),
    )


def test_analyze_shows_the_insights_pass_then_the_themes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert analyze(tmp_path, monkeypatch, insights=True) == len(COMMENTS)
    shown = capsys.readouterr().err
    lines = [line.rsplit("\r", 1)[-1].strip() for line in shown.split("\n") if line.strip()]
    assert lines[0].startswith("labels: 100%") and "| 10/10 " in lines[0]
    assert lines[1].startswith("about what: 100%") and "| 10/10 " in lines[1]
    assert lines[2].startswith(PhasedProgress.THEMES)
    assert len(lines) == 3
    # the themes' line opens once every row has its insights, not before
    assert shown.index(PhasedProgress.THEMES) > shown.index("about what: 100%")
    assert pipeline.analyze.themes_path(tmp_path / "out.csv").is_file()


def test_analyze_without_insights_shows_the_labels_bar_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert analyze(tmp_path, monkeypatch, insights=False) == len(COMMENTS)
    shown = capsys.readouterr().err
    assert "10/10" in shown
    assert "about what" not in shown and "labels" not in shown and "themes" not in shown


def test_analyze_into_a_log_draws_no_bars(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Hunt 5, 1: under cron (``2> a.err``) the bars' ``\r`` frames filled the log."""
    assert analyze(tmp_path, monkeypatch, insights=True, terminal=False) == len(COMMENTS)
    shown = capsys.readouterr().err
    assert "\r" not in shown and "10/10" not in shown and PhasedProgress.THEMES not in shown
    assert f"labelling {len(COMMENTS)} comments of " in shown  # one line says what runs


def test_analyze_without_progress_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert analyze(tmp_path, monkeypatch, insights=True, progress=False) == len(COMMENTS)
    assert capsys.readouterr().err == ""


def test_analyze_tells_of_a_threat_or_words_of_self_harm_with_their_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    urgent = [*COMMENTS[:2], "I'll kill him if he fails me", *COMMENTS[2:4], "I want to die"]
    source = comments_csv(tmp_path / "urgent.csv", urgent)

    analyze_file(
        source,
        tmp_path / "out.csv",
        FakePredictor,
        "comment",
        chunk_rows=4,
        screening=Settings(insights=False),
    )
    told = capsys.readouterr().err

    assert (
        "2 comments with a threat or words of self-harm, rows 3 (threat), 6 (distress) "
        "(the file's data rows from 1): read them first"
    ) in told
    analyze_file(
        source,
        tmp_path / "quiet.csv",
        FakePredictor,
        "comment",
        progress=False,
        screening=Settings(insights=False),
    )
    assert capsys.readouterr().err == ""
