"""Themes of a job (or of a filtered part of it, such as one course) from stored embeddings.

Per label (a sentiment label, or any other key such as an aspect): k-means on the comments'
sentence vectors (clustering.py), c-TF-IDF keywords among that label's themes (keywords.py),
the most central distinct quotes (quotes.py), counts per group (report.py). Pure: texts,
vectors and labels come in, a ``ThemeReport`` goes out.

A theme whose keywords occur in fewer than ``MIN_COVERAGE`` of its comments is not one a
reader can name: it is dissolved, each of its comments joining the nearest other theme of its
label, and the keywords are picked again (the issue's goal for every theme). A label's only
theme cannot be dissolved: when its comments share too few words (a few unrelated comments)
it is named ``MIXED_THEME`` (``Theme.named`` false), with what keywords it has and their real
coverage.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pipeline.errors import InputError
from pipeline.themes.clustering import choose_k, cluster, dissolve
from pipeline.themes.keywords import theme_keywords
from pipeline.themes.quotes import central_quotes, shown_quote
from pipeline.themes.report import (
    MIN_COVERAGE,
    NO_THEME,
    Quote,
    Theme,
    ThemeReport,
    counts_by_group,
)
from pipeline.themes.terms import surface_terms


def find_themes(
    texts: Sequence[str],
    embeddings: np.ndarray,
    labels: Sequence[str | None],
    groups: Sequence[object] | None = None,
    *,
    row_ids: Sequence[int] | np.ndarray | None = None,
    seed: int = 0,
) -> ThemeReport:
    """Themes per label. ``labels[i]`` None leaves row i without a theme; ``row_ids`` name the
    rows in quotes and ``row_themes`` (default 0..n-1); ``groups`` adds counts per value."""
    n = len(texts)
    ids = np.arange(n, dtype=np.int64) if row_ids is None else np.asarray(row_ids, np.int64)
    _check_lengths(n, embeddings, labels, groups, ids)
    texts = [text if isinstance(text, str) else "" for text in texts]
    assignment = np.full(n, NO_THEME, dtype=np.int64)
    label_of = np.array(["" if label is None else str(label) for label in labels], dtype=object)
    labelled = np.flatnonzero([label is not None for label in labels])
    found_terms = _presence([texts[i] for i in labelled])
    themes: list[Theme] = []
    taken: Counter[str] = Counter()
    for label in sorted(set(label_of[labelled])):
        local = np.flatnonzero(label_of[labelled] == label)
        rows = labelled[local]
        found, theme_of_row = _label_themes(
            label, rows, texts, embeddings, found_terms, local, ids, seed, len(themes), taken
        )
        themes += found
        assignment[rows] = theme_of_row
    if groups is not None:
        counts = counts_by_group(assignment, groups)
        themes = [dataclasses.replace(t, counts=counts.get(t.id, ())) for t in themes]
    return ThemeReport(themes=tuple(themes), row_ids=ids, assignment=assignment, seed=seed)


def recluster(
    texts: Sequence[str],
    embeddings: np.ndarray,
    labels: Sequence[str | None],
    subset: Sequence[int] | np.ndarray,
    groups: Sequence[object] | None = None,
    *,
    row_ids: Sequence[int] | np.ndarray | None = None,
    seed: int = 0,
) -> ThemeReport:
    """Themes of the rows at positions ``subset`` only (one course, one instructor), found
    afresh from their stored vectors; quotes and ``row_themes`` keep the original row ids."""
    picked = np.asarray(subset, dtype=np.int64)
    ids = np.arange(len(texts), dtype=np.int64) if row_ids is None else np.asarray(row_ids)
    return find_themes(
        [texts[i] for i in picked],
        np.asarray(embeddings)[picked],
        [labels[i] for i in picked],
        None if groups is None else [groups[i] for i in picked],
        row_ids=ids[picked],
        seed=seed,
    )


def _label_themes(
    label: str,
    rows: np.ndarray,
    texts: Sequence[str],
    embeddings: np.ndarray,
    found_terms: _Terms,
    local: np.ndarray,
    ids: np.ndarray,
    seed: int,
    first_id: int,
    taken: Counter[str],
) -> tuple[list[Theme], np.ndarray]:
    """The themes of one label's rows, numbered from ``first_id``; and each row's theme id."""
    vectors = np.asarray(embeddings[rows], dtype=np.float32)
    presence = found_terms.presence[local]
    clusters = cluster(vectors, choose_k(len(rows)), seed)
    while True:
        chosen = Counter(taken)
        keywords = theme_keywords(
            presence, clusters.assignment, clusters.n_themes, found_terms.keys, chosen
        )
        coverage = [
            _coverage(presence, clusters.assignment == index, found_terms, keywords[index])
            for index in range(clusters.n_themes)
        ]
        worst = int(np.argmin(coverage))
        if clusters.n_themes == 1 or coverage[worst] >= MIN_COVERAGE:
            break
        clusters = dissolve(vectors, clusters, worst)
    taken.update(chosen - taken)
    themes = []
    for index in range(clusters.n_themes):
        members = np.flatnonzero(clusters.assignment == index)
        member_texts = [texts[i] for i in rows[members]]
        named = _holding(presence, clusters.assignment == index, found_terms, keywords[index])
        quotes = central_quotes(
            member_texts, vectors[members], clusters.centres[index], named=named
        )
        themes.append(
            Theme(
                id=first_id + index,
                label=label,
                keywords=tuple(found_terms.shown.get(key, key) for key in keywords[index]),
                quotes=tuple(
                    Quote(int(ids[rows[members[q]]]), shown_quote(member_texts[q])) for q in quotes
                ),
                size=len(members),
                share=len(members) / len(rows),
                coverage=coverage[index],
            )
        )
    return themes, clusters.assignment + first_id


def _coverage(
    presence: Any, members: np.ndarray, found_terms: _Terms, keys: Sequence[str]
) -> float:
    """Share of the member rows holding at least one of the keyword ``keys``."""
    holding = _holding(presence, members, found_terms, keys)
    return float(np.mean(holding)) if holding.size else 0.0


def _holding(
    presence: Any, members: np.ndarray, found_terms: _Terms, keys: Sequence[str]
) -> np.ndarray:
    """For each member row, whether it holds one of the keyword ``keys``."""
    rows = presence[np.flatnonzero(members)]
    if not keys:
        return np.zeros(rows.shape[0], dtype=bool)
    wanted = [found_terms.columns[key] for key in keys]
    return np.asarray(rows[:, wanted].getnnz(axis=1) > 0)


@dataclass(frozen=True)
class _Terms:
    """Which terms each comment holds (sparse 0/1 [comments, terms]), each term key's column,
    and how keys that comments write in several forms are shown."""

    presence: Any
    columns: dict[str, int]
    keys: list[str]
    shown: dict[str, str]


def _presence(texts: Sequence[str]) -> _Terms:
    import scipy.sparse as sp

    column: dict[str, int] = {}
    variants: Counter[tuple[str, str]] = Counter()
    indices: list[int] = []
    indptr = [0]
    for text in texts:
        held: dict[str, str] = {}
        for key, form in surface_terms(text):
            held.setdefault(key, form)
        for key, form in held.items():
            indices.append(column.setdefault(key, len(column)))
            if form != key:
                variants[key, form] += 1
        indptr.append(len(indices))
    matrix = sp.csr_matrix(
        (np.ones(len(indices), dtype=np.float32), indices, indptr), shape=(len(texts), len(column))
    )
    return _Terms(matrix, column, list(column), _shown_forms(matrix, column, variants))


def _shown_forms(
    matrix: Any, column: dict[str, int], variants: Counter[tuple[str, str]]
) -> dict[str, str]:
    """How each folded key is shown, where some comments write it otherwise: the form most
    comments use ("exams" over "exam"; a tie goes to the alphabetically last form, so the
    choice never depends on the order of the rows). Keys absent here are shown as they are."""
    support = np.bincount(matrix.indices, minlength=len(column))
    forms: dict[str, list[tuple[int, str]]] = {}
    for (key, form), count in variants.items():
        forms.setdefault(key, []).append((count, form))
    shown = {}
    for key, written in forms.items():
        as_key = int(support[column[key]]) - sum(count for count, _ in written)
        shown[key] = max([(as_key, key), *written])[1]
    return shown


def _check_lengths(
    n: int,
    embeddings: np.ndarray,
    labels: Sequence[object],
    groups: Sequence[object] | None,
    ids: np.ndarray,
) -> None:
    sizes = {"embeddings": len(embeddings), "labels": len(labels), "row_ids": len(ids)}
    if groups is not None:
        sizes["groups"] = len(groups)
    wrong = {name: size for name, size in sizes.items() if size != n}
    if wrong:
        raise InputError(f"themes need one entry per text ({n}); got {wrong}")
