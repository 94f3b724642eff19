"""Slicing the results table for the page: filters, the most positive and negative comments.

Results of a job with insights carry ``aspects`` (``teaching;exams``), ``aspect_sentiments``
(``teaching:positive;exams:negative``), ``theme`` (an id) and ``explanation``; the table shows
the aspects as tags coloured by their polarity and the theme by name."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from pipeline.errors import InputError
from pipeline.model.aspects.data import parse_list, parse_sentiments
from pipeline.ui.insights import ThemeCard
from pipeline.ui.markdown import literal
from pipeline.ui.palette import CONFIDENCE_COLOUR, LABEL_COLOURS
from pipeline.ui.review import CONFIDENCE, COPIES, distinct_comments, with_confidence

NO_LABEL = "(no label)"
ASPECTS = "aspects"
ASPECT_SENTIMENTS = "aspect_sentiments"
THEME = "theme"
THEME_NAME = "theme_name"
"""The app's downloads only: the theme's name beside its id (``with_theme_names``)."""
EXPLANATION = "explanation"
INSIGHT_COLUMNS = (ASPECTS, ASPECT_SENTIMENTS, THEME, EXPLANATION)
"""Columns the results gain from the insights (never offered as a group column)."""


@dataclass(frozen=True)
class ResultFilter:
    """What the user narrowed the table to; an empty selection means "everything".

    ``labels`` may hold NO_LABEL for the rows that could not be scored (empty comments)."""

    labels: Sequence[str] = ()
    group_column: str | None = None
    groups: Sequence[str] = ()
    min_confidence: float = 0.0
    search: str = ""
    aspects: Sequence[str] = ()
    """Categories: a row mentioning any of them passes."""
    aspect_polarity: str | None = None
    """With ``aspects``: only rows saying this (negative, neutral, positive) about one of them."""
    theme: str | None = None
    """A theme id as the results hold it."""


def filter_results(frame: pd.DataFrame, text_column: str, chosen: ResultFilter) -> pd.DataFrame:
    """The rows that pass every filter, with their ``confidence``. The search is a
    case-insensitive substring, not a regex, so ``(`` or ``*`` in it match literally."""
    rows = with_confidence(frame)
    keep = pd.Series(True, index=rows.index)
    if chosen.labels:
        shown = rows["label"].fillna("").astype(str).replace("", NO_LABEL)
        keep &= shown.isin(list(chosen.labels))
    if chosen.group_column and chosen.groups:
        keep &= rows[chosen.group_column].astype(str).isin([str(g) for g in chosen.groups])
    if chosen.min_confidence > 0:
        keep &= rows[CONFIDENCE].fillna(0.0) >= chosen.min_confidence
    if chosen.aspects and ASPECTS in rows.columns:
        wanted = set(chosen.aspects)
        keep &= rows[ASPECTS].map(lambda cell: bool(wanted & set(parse_list(_text(cell)))))
        if chosen.aspect_polarity and ASPECT_SENTIMENTS in rows.columns:
            said = rows[ASPECT_SENTIMENTS].map(lambda cell: _polarities(_text(cell)))
            keep &= said.map(lambda found: chosen.aspect_polarity in {found.get(a) for a in wanted})
    if chosen.theme is not None and THEME in rows.columns:
        keep &= rows[THEME].map(_text) == str(chosen.theme)
    if chosen.search.strip():
        needle = chosen.search.strip()
        keep &= rows[text_column].astype(str).str.contains(needle, case=False, regex=False)
    return rows[keep]


@dataclass(frozen=True)
class Order:
    """How the Comments table is sorted: over every comment that passes the filters, before
    they are cut into pages, so the first page holds the least confident comment of the job
    (or the first course), not of its first hundred rows. ``column`` None: as in the file."""

    column: str | None = None
    descending: bool = False


FILE_ORDER = Order()


def orders(text_column: str, group_columns: Sequence[str]) -> list[Order]:
    """The orders the table offers: as in the file, by confidence either way, by label, by
    the comment's text, and by each column the results can be grouped by."""
    return [
        FILE_ORDER,
        Order(CONFIDENCE),
        Order(CONFIDENCE, descending=True),
        Order("label"),
        Order(text_column),
        *(Order(column) for column in group_columns if column != text_column),
    ]


def order_name(order: Order, text_column: str) -> str:
    """An order as its picker shows it (plain text: a picker's options are not Markdown)."""
    if order.column is None:
        return "as in the file"
    if order.column == CONFIDENCE:
        return "most confident first" if order.descending else "least confident first"
    if order.column == "label":
        return "by label"
    if order.column == text_column:
        return "by comment, A to Z"
    return f"by {order.column}"


def sort_results(rows: pd.DataFrame, order: Order, labels: Sequence[str]) -> pd.DataFrame:
    """``rows`` (``filter_results``'s) in ``order``; rows that tie keep their file order, and
    a row without the value (no score, no label, a blank cell) comes last either way. Text
    sorts regardless of case; a column of numbers alone (a rating) sorts as numbers, 2
    before 10."""
    if order.column is None or order.column not in rows.columns:
        return rows
    column = rows[order.column]
    if order.column == CONFIDENCE:
        key = pd.to_numeric(column, errors="coerce")
    elif order.column == "label":
        place = {label: i for i, label in enumerate(labels)}
        key = column.map(lambda value: place.get(_text(value), len(place)))
    else:
        key = _sort_key(column.map(_text).str.strip())
    return rows.iloc[
        key.reset_index(drop=True)
        .sort_values(ascending=not order.descending, kind="stable", na_position="last")
        .index
    ]


def _sort_key(text: pd.Series) -> pd.Series:
    """Numbers where every value written is one, else the text regardless of case; blank
    cells missing (sorted last)."""
    written = text != ""
    numbers = pd.to_numeric(text.where(written), errors="coerce")
    if numbers.notna().sum() == written.sum():
        return numbers
    return text.str.casefold().where(written)


def top_comments(frame: pd.DataFrame, text_column: str, label: str, count: int = 5) -> pd.DataFrame:
    """The ``count`` distinct comments labelled ``label`` with the highest probability of it:
    text, that score and ``copies`` (how often the same comment was written).

    Only rows carrying the label count, so a file with two positive comments does not list
    neutral ones among its "most positive". Comments that differ only in case or spacing are
    one comment ("Great course!" written by thirty students is listed once, as 30 copies)."""
    score = f"score_{label}"
    if score not in frame.columns:
        return pd.DataFrame(columns=[text_column, score, COPIES])
    labelled = frame[(frame["label"] == label) & frame[score].notna()]
    distinct = distinct_comments(labelled, text_column, score, ascending=False)
    return distinct.head(count)[[text_column, score, COPIES]]


def comments_table(
    frame: pd.DataFrame,
    text_column: str,
    labels: Sequence[str],
    theme_names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The results table as the page shows it: label and confidence first (always in view next
    to a long comment), then the comment, its aspects and theme, and the input's other columns;
    the per-label scores are left to the downloads. ``label`` holds a one-item list (empty for
    an unlabelled row), the shape of a coloured tag column; ``aspects`` a list of
    ``aspect_tag`` tags; ``theme`` the theme's name (from ``theme_names``, id → name)."""
    scored = with_confidence(frame)
    hidden = {*(f"score_{x}" for x in labels), "label", CONFIDENCE, "model_version", text_column,
              *INSIGHT_COLUMNS}  # fmt: skip
    rest = [column for column in scored.columns if column not in hidden]
    tags = scored["label"].map(lambda value: [value] if isinstance(value, str) and value else [])
    shown = {"label": tags, CONFIDENCE: scored[CONFIDENCE], text_column: scored[text_column]}
    if ASPECTS in scored.columns:
        sentiments = scored.get(ASPECT_SENTIMENTS, pd.Series("", index=scored.index))
        shown[ASPECTS] = [
            aspect_tags(_text(names), _text(polarity))
            for names, polarity in zip(scored[ASPECTS], sentiments, strict=True)
        ]
    if THEME in scored.columns and theme_names:
        shown[THEME] = scored[THEME].map(lambda value: theme_names.get(_text(value), ""))
    return pd.DataFrame(shown | {column: scored[column] for column in rest}, index=scored.index)


def aspect_tag(name: str, polarity: str) -> str:
    """``exams: negative``: an aspect with what the comment says about it."""
    return f"{name.replace('_', ' ')}: {polarity}" if polarity else name.replace("_", " ")


def aspect_tags(aspects: str, sentiments: str) -> list[str]:
    """The tags of one row's aspects; a malformed polarity cell shows the names alone."""
    polarity = _polarities(sentiments)
    return [aspect_tag(name, polarity.get(name, "")) for name in parse_list(aspects)]


def _polarities(cell: str) -> dict[str, str]:
    """``aspect_sentiments`` read back; a malformed cell reads as none."""
    try:
        return parse_sentiments(cell)
    except InputError:
        return {}


def tag_options(categories: Sequence[str], labels: Sequence[str]) -> tuple[list[str], list[str]]:
    """Every aspect tag the table can show and its colour: the polarity's label colour."""
    options, colours = [], []
    for name in categories:
        for polarity in labels:
            options.append(aspect_tag(name, polarity))
            colours.append(LABEL_COLOURS.get(polarity, CONFIDENCE_COLOUR))
    return options, colours


def has_explanations(frame: pd.DataFrame) -> bool:
    return EXPLANATION in frame.columns and bool(frame[EXPLANATION].map(_text).str.len().any())


def theme_names(themes: Sequence[ThemeCard]) -> dict[str, str]:
    """Theme id (as the results hold it) → its name as the page shows it, with its label:
    ``homework / overwhelmed (negative)``."""
    return {str(theme.id): f"{theme.name} ({theme.label})" for theme in themes}


def with_theme_names(frame: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    """The results with ``theme_name`` beside ``theme`` (blank for a row in no theme), for the
    app's downloads: in a spreadsheet the bare id means nothing, and the page names each
    theme. The results as they are when there are no themes, or when the input already has a
    ``theme_name`` column (never overwritten)."""
    if THEME not in frame.columns or not names or THEME_NAME in frame.columns:
        return frame
    named = frame.copy()
    values = frame[THEME].map(lambda value: names.get(_text(value), ""))
    named.insert(int(frame.columns.get_loc(THEME)) + 1, THEME_NAME, values)
    return named


def _text(value: object) -> str:
    """A cell as text; a missing value (NaN, None) is empty."""
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


def categories(frame: pd.DataFrame) -> list[str]:
    """The aspect categories the rows mention, sorted (none when the results have no aspects)."""
    if ASPECTS not in frame.columns:
        return []
    return sorted({name for cell in frame[ASPECTS] for name in parse_list(_text(cell))})


SHOWN_REASONS = 3
"""Reasons named in ``nothing_labelled``; the rest are counted together."""


def nothing_labelled(errors: Sequence[object]) -> str | None:
    """Why a job's page holds no shares, charts or aspects: none of its comments got a label
    (``"None of the 2 comments got a label: 2 language fr is not supported by …"``); None
    when one did. ``errors`` is every row's reason (the results' ``error``), None where it
    was labelled."""
    if not errors or any(pd.isna(error) or error == "" for error in errors):
        return None
    counted = Counter(str(error) for error in errors).most_common()
    reasons = [f"{count:,} × {literal(reason)}" for reason, count in counted[:SHOWN_REASONS]]
    if len(counted) > SHOWN_REASONS:
        reasons.append(f"{sum(count for _, count in counted[SHOWN_REASONS:]):,} for other reasons")
    return (
        f"None of the {len(errors):,} comments got a label, so there are no shares, charts or "
        f"aspects to show: {'; '.join(reasons)}. The *Comments* tab and the downloads give "
        "each comment with its reason (see *Comments that get no label* in the docs)."
    )
