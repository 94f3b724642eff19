"""Themes of real course comments (the authored set, real base-MiniLM vectors): the issue's
quality goals, identical reruns, and a re-clustered subset."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.model.data import AUTHORED_COMMENTS
from pipeline.model.embeddings import embed
from pipeline.themes import ThemeReport, find_themes, recluster

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def comments() -> pd.DataFrame:
    return pd.read_csv(AUTHORED_COMMENTS)


@pytest.fixture(scope="module")
def vectors(comments: pd.DataFrame) -> np.ndarray:
    return embed(comments["text"].tolist())


@pytest.fixture(scope="module")
def report(comments: pd.DataFrame, vectors: np.ndarray) -> ThemeReport:
    return find_themes(comments["text"].tolist(), vectors, comments["label"].tolist())


def test_keywords_are_diverse_and_cover_their_themes(report: ThemeReport) -> None:
    coverage = [theme.coverage for theme in report.themes]
    assert report.diversity >= 0.6
    assert np.mean(coverage) >= 0.55
    assert min(coverage) >= 0.30, [(t.keywords, round(t.coverage, 2)) for t in report.themes]


def test_every_comment_has_a_theme_of_its_label(
    comments: pd.DataFrame, report: ThemeReport
) -> None:
    assert (report.assignment >= 0).all()
    label_of = {theme.id: theme.label for theme in report.themes}
    assert [label_of[t] for t in report.assignment] == comments["label"].tolist()


def test_a_rerun_gives_identical_themes(
    comments: pd.DataFrame, vectors: np.ndarray, report: ThemeReport
) -> None:
    again = find_themes(comments["text"].tolist(), vectors, comments["label"].tolist())
    assert report.same_as(again)


def test_a_subset_is_reclustered_from_its_stored_vectors(
    comments: pd.DataFrame, vectors: np.ndarray
) -> None:
    stored = vectors.astype(np.float16)
    negative = np.flatnonzero(comments["label"] == "negative")
    report = recluster(comments["text"].tolist(), stored, comments["label"].tolist(), negative)
    assert {t.label for t in report.themes} == {"negative"}
    assert sorted(report.row_themes()) == negative.tolist()
