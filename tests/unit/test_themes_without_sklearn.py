"""Themes are part of every job, ``analyze`` on the base install included: scikit-learn is a
core dependency, and where it is missing all the same (an install that left it out) the job
completes without themes and says why in one line, not with a traceback."""

from __future__ import annotations

import functools
import logging
import re
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from insightfakes import fake_analyst
from jobfakes import FakePredictor, comments_csv

import pipeline.analyze
from pipeline.analyze import analyze_file, themes_path
from pipeline.settings import Settings
from pipeline.themes.stopwords import stop_words

REPO = Path(__file__).resolve().parents[2]
COMMENTS = ["good lecture", "bad exam", "too much homework", "fine", "the exam was fair"]


def test_the_base_install_has_what_themes_need() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = {re.split(r"[<>=!~\[ ;]", spec, maxsplit=1)[0] for spec in project["dependencies"]}
    assert "scikit-learn" in names


@pytest.fixture
def without_sklearn(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """scikit-learn cannot be imported, as on an install without it."""
    for name in [name for name in sys.modules if name.split(".")[0] == "sklearn"]:
        monkeypatch.setitem(sys.modules, name, None)
    for name in ("sklearn", "sklearn.cluster", "sklearn.feature_extraction.text"):
        monkeypatch.setitem(sys.modules, name, None)
    stop_words.cache_clear()
    yield
    stop_words.cache_clear()


@pytest.mark.usefixtures("without_sklearn")
def test_analyze_without_sklearn_says_why_there_is_no_themes_file(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(
        pipeline.analyze,
        "insights_source",
        lambda settings: functools.partial(fake_analyst, insights=settings.insights),
    )
    output = tmp_path / "out.csv"
    with caplog.at_level(logging.WARNING):
        rows = analyze_file(
            comments_csv(tmp_path / "in.csv", COMMENTS),
            output,
            FakePredictor,
            "comment",
            screening=Settings(insights=True),
        )

    assert rows == len(COMMENTS) and output.is_file()
    assert not themes_path(output).exists()
    told = [line for line in capsys.readouterr().err.splitlines() if "no themes file" in line]
    assert len(told) == 1 and "scikit-learn" in told[0] and "pip install" in told[0]
    logged = [record for record in caplog.records if "themes" in record.getMessage()]
    assert logged and all(record.exc_info is None for record in logged)  # no traceback
    assert all("scikit-learn" in record.getMessage() for record in logged)
