"""Reading an upload's first rows and guessing which columns hold the comments and groups."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.errors import EmptyInputError, InputError
from pipeline.input_header import TEXT_NAMES, comment_words, name_words, worded_text_column
from pipeline.input_numbers import NumberCount
from pipeline.inputs import WORKBOOKS, ReadOptions, detect_format, inspect_input, iter_chunks
from pipeline.model.no_opinion import NoOpinion
from pipeline.ratings.scale import scale_of
from pipeline.xlsx import ALL_SHEETS, SheetOverview, open_workbook
from pipeline.xlsx.combined import same_table, shared_columns
from pipeline.xlsx.layout import is_table

PREVIEW_ROWS = 20
_WORD = re.compile(r"[^\W\d_]\S*|\S*[^\W\d_]")
"""A run of non-spaces holding a letter: ``2026-11-20`` and ``#42`` are no words."""
_PLACEHOLDER = NoOpinion.with_extra()
""""N/A", "none", "-"…: an unanswered question, no answer to count (the default phrases)."""
_GROUP_QUESTION_WORDS = 3
_GROUP_NAME_WORDS = 5
_NAMED_ANSWER_WORDS = 3
"""Words per answer that make a column named like comments (``Other comments``) free text."""
_ANSWER_WORDS = 5
"""Words per answer that make any other column free text (names and titles are shorter)."""
_OPEN_WORDS = frozenset(
    {"what", "why", "how", "anything", "any", "please", "describe", "explain", "suggest", "tell"}
)
"""First words of a column named as an open question ("Please describe...")."""
_RATING_WORDS = frozenset({"rate", "rating", "score", "satisfied", "satisfaction", "agree"})
"""A name that asks for a rating (``Rate the course (1-5)``) names no group, course or not."""
_REPEAT_SAMPLE = 4
"""Non-blank sample values needed before repeats say a column holds categories."""
QUESTION_NAMES = frozenset({"question", "item", "prompt"})
"""Words that name the question column of a long export (one row per answer, as Blue and
EvaluationKIT write it): a group to compare by when its values repeat."""
GROUP_NAMES = frozenset(
    {
        "course",
        "module",
        "class",
        "section",
        "instructor",
        "teacher",
        "lecturer",
        "professor",
        "tutor",
        "term",
        "semester",
        "year",
        "department",
        "faculty",
        "programme",
        "program",
        "campus",
        "sheet",
    }
)


@dataclass(frozen=True)
class Preview:
    format: str
    columns: tuple[str, ...]
    rows: pd.DataFrame
    options: ReadOptions
    """How the file was read (encoding, delimiter; a workbook's sheet and header row), as the
    server will read it."""
    sheets: tuple[SheetOverview, ...] = ()
    """A workbook's visible sheets, for the sheet picker."""
    survey: str | None = None
    """The survey tool whose export this is (``Qualtrics``), when it says so."""
    questions: Mapping[str, str] = field(default_factory=dict)
    """Column → the survey question it answers, where the export gives it."""

    def describe(self) -> str:
        """``CSV, semicolon-separated, Windows-1252`` — what was detected, for the caption."""
        kind = f"{self.format.upper()} exported from {self.survey}" if self.survey else ""
        parts = (kind or self.format.upper(), self.options.describe())
        return ", ".join(part for part in parts if part)

    def column_label(self, column: str) -> str:
        """The column as the pickers show it: with its survey question, where there is one."""
        return column_label(column, self.questions)


def column_label(column: str, questions: Mapping[str, str], width: int | None = None) -> str:
    """``Q2: Overall, I was satisfied with this course``: a column as a picker shows it, with
    the survey question it answers where the export gave one; cut to ``width`` characters
    (a job's pickers, where a long question would crowd the page)."""
    question = questions.get(column)
    shown = f"{column}: {question}" if question else column
    if width is None or len(shown) <= width:
        return shown
    return f"{shown[: width - 1].rstrip()}…"


def preview_upload(
    content: bytes, filename: str, rows: int = PREVIEW_ROWS, sheet: str | None = None
) -> Preview:
    """The file's format, columns and first rows. It uses the server's own reading code, so a
    bad file is refused here with the same message before anything is uploaded (``preview_file``
    of the bytes written to a temporary file)."""
    if not content:
        raise EmptyInputError(f"{filename} is empty")
    with tempfile.TemporaryDirectory(prefix="preview-") as folder:
        path = Path(folder) / f"upload{Path(filename).suffix.lower()}"
        path.write_bytes(content)
        return preview_file(path, filename, rows, sheet)


def preview_file(
    path: Path, filename: str, rows: int = PREVIEW_ROWS, sheet: str | None = None
) -> Preview:
    """``preview_upload`` of a file on disk, read as a file named ``filename``. A workbook
    shows ``sheet``, by default the first sheet with a column named like comments; a cell
    merged down several rows shows in each, as the job reads it, except in the column named
    like comments (a comment merged over two rows is one comment)."""
    sheets = _sheets(path, filename)
    if sheets and sheet is None:
        sheet = default_sheet(sheets)
    layout = inspect_input(path, filename, sheet=sheet)
    comments = named_text_column(layout.columns, layout.questions) or ""
    chunks = iter_chunks(path, layout.format, comments, chunk_rows=rows, options=layout.options)
    with closing(chunks):
        first = next(chunks, None)
    if first is None:
        raise EmptyInputError(f"{filename} has a header but no rows")
    return Preview(
        format=layout.format,
        columns=layout.columns,
        rows=first.reset_index(drop=True),
        options=layout.options,
        sheets=sheets,
        survey=layout.survey.tool if layout.survey else None,
        questions=layout.questions,
    )


def default_sheet(sheets: Sequence[SheetOverview]) -> str | None:
    """``ALL_SHEETS`` when two sheets hold the same table (a workbook of one sheet per
    course: ``_shared_table``); else the first sheet of several columns one of which is
    named like comments, else the first with such a column, else the first of several
    columns, else the first with any: a cover or notes sheet in front (one column of text,
    or labels beside their values: ``is_table``) is passed over."""
    if _shared_table(sheets):
        return ALL_SHEETS

    def rank(sheet: SheetOverview) -> tuple[bool, bool, bool]:
        named = any(comment_words(column) for column in sheet.columns)
        wide = is_table(sheet.columns)
        return (not (named and wide), not named, not wide)

    tables = [sheet for sheet in sheets if sheet.columns]
    return min(tables, key=rank).name if tables else None


def _shared_table(sheets: Sequence[SheetOverview]) -> bool:
    """Two sheets hold the same table (``same_table``) with a column named like comments in
    common, or several columns (a Blue workbook's course sheets, whose open questions,
    ``What could be improved?``, name no comments: read whole, its cover left out)."""
    return any(
        same_table(first.columns, second.columns)
        and (
            len(shared := shared_columns(first.columns, second.columns)) > 1
            or any(map(comment_words, shared))
        )
        for i, first in enumerate(sheets)
        for second in sheets[i + 1 :]
    )


def sheet_label(sheet: str) -> str:
    """A sheet as the picker shows it; ``ALL_SHEETS`` in words."""
    return "All sheets, as one table (a column says which)" if sheet == ALL_SHEETS else sheet


def _sheets(path: Path, filename: str) -> tuple[SheetOverview, ...]:
    if detect_format(path, filename) not in WORKBOOKS:
        return ()
    with open_workbook(path) as book:
        return tuple(book.overview())


def numbers_warning(sample: pd.DataFrame, column: str) -> str | None:
    """What to tell someone who picked a comment column whose previewed answers are numbers
    (a rating column): the API refuses such a column (``pipeline.input_numbers``), so the app
    says so before *Analyse*. None for a column of comments, or one the sample lacks."""
    if column not in sample.columns:
        return None
    count = NumberCount()
    for value in sample[column].dropna().astype(str):
        if value.strip():
            count.add(value)
    if not count.mostly_numbers:
        return None
    return (
        f"{column!r} holds numbers, not comments ({count.numbers:,} of the {count.answers:,} "
        f"answers previewed, such as {count.example!r}): choose the column of written "
        "comments; a column of numbers is refused."
    )


def guess_text_column(
    columns: Sequence[str],
    sample: pd.DataFrame | None = None,
    questions: Mapping[str, str] | None = None,
) -> str | None:
    """A column named like comments, else one whose name contains such a word (or whose
    survey question does: ``questions``), else the column with the most words per value in
    the sample, preferring one whose values do not repeat (free text is longer than codes
    and names; a word has a letter, so a timestamp or an id is no text at all)."""
    if not columns:
        return None
    if (named := named_text_column(columns, questions)) is not None:
        return named
    groups = guess_group_columns(columns, None, questions, sample)
    candidates = [c for c in columns if c not in groups]
    if sample is not None:
        words = {c: _mean_words(sample[c]) for c in candidates if c in sample.columns}
        worded = [c for c in words if words[c] > 0]
        answers = [c for c in worded if not _repeated(sample[c])] or worded
        if answers:
            return max(answers, key=lambda column: words[column])
    return (candidates or list(columns))[0]


def named_text_column(
    columns: Sequence[str], questions: Mapping[str, str] | None = None
) -> str | None:
    """A column named like comments (or whose survey question is, ``questions``), else one
    whose name or question contains such a word; None if none."""
    questions = questions or {}
    for texts in ({c: c for c in columns}, questions):
        by_text = {text.strip().lower(): column for column, text in texts.items()}
        for name in TEXT_NAMES:
            if name in by_text:
                return by_text[name]
    return worded_text_column(columns, questions)


def guess_group_columns(
    columns: Sequence[str],
    text_column: str | None,
    questions: Mapping[str, str] | None = None,
    sample: pd.DataFrame | None = None,
) -> list[str]:
    """Columns named like course, instructor or term (``_group_named``: the usual ways to
    compare comments), besides ``text_column``; never one that asks for a rating (``Rate the
    course (1-5)``) or is answered in a rating scale's words (``The instructor explained
    concepts clearly``: *Strongly agree* … *Strongly disagree*). The ``sample`` tells
    categories from answers: answers to an open question do not repeat, a course or a long
    export's question texts do."""
    questions = questions or {}
    return [
        c
        for c in columns
        if c != text_column
        and not _asks_rating(c, questions)
        and not _answered_in_words_of_a_scale(c, sample)
        and _group_named(c, questions, sample)
    ]


def _asks_rating(column: str, questions: Mapping[str, str]) -> bool:
    return bool({*name_words(column), *name_words(questions.get(column, ""))} & _RATING_WORDS)


def _answered_in_words_of_a_scale(column: str, sample: pd.DataFrame | None) -> bool:
    """The sample's answers are a word scale's (Likert, satisfaction, quality); numbers are
    not enough, as a section numbered 1 to 3 is a group."""
    if sample is None or column not in sample.columns:
        return False
    try:
        return bool(scale_of(column, sample[column].dropna().tolist()).points)
    except InputError:
        return False


def _group_named(
    column: str, questions: Mapping[str, str], sample: pd.DataFrame | None = None
) -> bool:
    """Named for a group (course, instructor…): by its name, unless the name is a question
    that asks for more ("What did the instructor do well?": over three words and a question
    mark, or over five words), or by a short survey question (three words or fewer). Over
    values that repeat in ``sample`` (categories, not answers), a name or question of up to
    five words that mentions a group counts whatever it asks, and one of up to three that
    names a question (a long export's ``Question``)."""
    own, asked = names = (name_words(column), name_words(questions.get(column, "")))
    named = (
        own
        if len(own) <= _GROUP_QUESTION_WORDS
        or (len(own) <= _GROUP_NAME_WORDS and "?" not in column)
        else []
    )
    if {*named, *(asked if len(asked) <= _GROUP_QUESTION_WORDS else ())} & GROUP_NAMES:
        return True
    mentioned = {w for words in names if len(words) <= _GROUP_NAME_WORDS for w in words}
    short = {w for words in names if len(words) <= _GROUP_QUESTION_WORDS for w in words}
    return (
        bool(mentioned & GROUP_NAMES or short & QUESTION_NAMES)
        and sample is not None
        and column in sample.columns
        and _repeated(sample[column])
    )


def guess_more_text_columns(
    columns: Sequence[str],
    text_column: str | None,
    sample: pd.DataFrame,
    questions: Mapping[str, str] | None = None,
) -> list[str]:
    """The other columns of answers in free text, beside ``text_column``: a survey's further
    open questions ("What should change?"), to be labelled too. Free text is several words
    per answer in the sample (placeholders such as "N/A" aside); a column named like
    comments, or like an open question ("What should we change?", "Anything else?"), needs
    fewer than one that is not, so a name or a code column is never taken, nor one named for
    a group (``Course title``; a question that only mentions one, "What should change next
    term?", may be taken), nor one whose values repeat: a long export's column of question
    texts, a scale's labels."""
    questions = questions or {}
    found = []
    for column in columns:
        if column == text_column or column not in sample.columns or _group_named(column, questions):
            continue
        if _repeated(sample[column]):
            continue
        asked = questions.get(column, "")
        named = comment_words(column) or comment_words(asked)
        short = named or _open_question(column) or _open_question(asked)
        if _mean_words(sample[column]) >= (_NAMED_ANSWER_WORDS if short else _ANSWER_WORDS):
            found.append(column)
    return found


def _open_question(name: str) -> bool:
    """Worded as an open question: a question mark, or a first word that asks for text."""
    words = name_words(name)
    return "?" in name or bool(words and words[0] in _OPEN_WORDS)


def _repeated(values: pd.Series) -> bool:
    """Categories, not answers: the sample's values (at least ``_REPEAT_SAMPLE``; blanks and
    placeholders such as "N/A" left out) are at most half distinct. Free-text answers rarely
    repeat; a question asked of every student, or a rating scale's labels ("Strongly
    agree"), repeat on most rows."""
    texts = _answers(values)
    return len(texts) >= _REPEAT_SAMPLE and len(set(texts)) * 2 <= len(texts)


def _mean_words(values: pd.Series) -> float:
    """Words (runs holding a letter) per answer, blanks and placeholders left out; 0 for a
    column with none."""
    texts = _answers(values)
    return sum(len(_WORD.findall(text)) for text in texts) / len(texts) if texts else 0.0


def _answers(values: pd.Series) -> list[str]:
    """The sample's values that say something: not blank, not a placeholder."""
    texts = (text.strip() for text in values.fillna("").astype(str))
    return [text for text in texts if text and not _PLACEHOLDER(text)]
