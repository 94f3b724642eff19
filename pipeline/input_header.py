"""A file's header row as column names, and the columns a user asks for matched to them.

Pure logic: no file is read here. Names are stripped; a blank one is called ``column_<n>``
after its position. Two columns of one name are refused (one would overwrite the other), as is
a header that cannot be one (a comment as long as a page). A requested column matches its name
exactly, else ignoring case and surrounding spaces; when nothing matches, the message suggests
the closest names. When none is asked for, the one column named like comments is the comment
column (``named_text_column``).
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Mapping, Sequence

from pipeline.errors import (
    AmbiguousColumnError,
    InputError,
    LimitExceededError,
    MissingColumnError,
)
from pipeline.messages import echo

MAX_COLUMNS = 16_384
"""Excel's own limit: no exported file has more."""
MAX_NAME_CHARS = 1_000
"""Longer than any question text a survey tool puts in a header."""
TEXT_COLUMN_NAME_CHARS = 255
"""The job table stores the comment column's name in 255 characters."""
TEXT_NAMES = (
    "comment",
    "comments",
    "text",
    "feedback",
    "review",
    "response",
    "answer",
    "remark",
    "remarks",
    "opinion",
    "message",
    # the same in the languages of universities that export in them (casefolded)
    "comentario",
    "comentarios",
    "comentários",
    "observaciones",
    "commentaire",
    "commentaires",
    "remarques",
    "commenti",
    "kommentar",
    "kommentare",
    "anmerkungen",
    "bemerkungen",
    "opmerkingen",
    "评论",
    "評論",
    "意见",
    "意見",
    "评语",
    "コメント",
    "تعليق",
    "تعليقات",
    "التعليقات",
    "ملاحظات",
)
"""Names that mean the comments, likeliest first: a column named one of them is the comment
column when none is asked for (here) and the app's first guess (``pipeline.column_guess``). A
university's export names its columns in its own language (``Comentarios``, ``Kommentar``)."""
TEXT_WORDS = frozenset(TEXT_NAMES)
_UNSPACED_NAMES = tuple(name for name in TEXT_NAMES if "\u3000" <= name[0] <= "\u9fff")
"""Names in a script written without spaces between words (``学生评论``, students'
comments): found inside a longer name, not as a word of it."""
RECORD_WORDS = frozenset(
    {
        "id",
        "ids",
        "uuid",
        "key",
        "no",
        "num",
        "number",
        "code",
        "date",
        "time",
        "timestamp",
        "submitted",
        "duration",
        "type",
        "status",
        "count",
        "length",
        "language",
        "channel",
        "source",
        "url",
        "link",
    }
)
"""Words that make a name with a comment word in it name a fact about the answer, not the
answer: ``Response ID``, ``Comment date``, ``Feedback type``, ``Review status``."""
_RECORD_NAME_WORDS = 3
TEXT_COLUMN_OPTION = "text_column, or --text-column on the command line"
"""How a refusal names the choice of comment column: the API's field and the CLI's option."""
CHOOSE_TEXT_COLUMN = f"choose the comment column ({TEXT_COLUMN_OPTION})"
"""How the refusal of a file whose comment column was neither given nor named begins."""
_SEVERAL_HINT = (
    "to label several open questions in one job, give text_column (--text-column) once for each"
)
_SHOWN_CHARS = 60
_QUESTION_CHARS = 40
_LISTED_COLUMNS = 30


def clean_header(cells: Sequence[str]) -> tuple[str, ...]:
    """The column names of a header row; refuses what cannot be a header. Two columns of one
    name are each named by their place (``0.0 (column 10)``, ``0.0 (column 12)``): exports
    repeat names the job never asks for (Canvas heads each question's points column with its
    points), and a job that asks for such a name is told to choose one."""
    if len(cells) > MAX_COLUMNS:
        raise LimitExceededError(
            f"the header has {len(cells):,} columns, over the limit of {MAX_COLUMNS:,}"
        )
    taken = {cell.strip() for cell in cells}
    names: list[str] = []
    for position, cell in enumerate(cells, start=1):
        name = cell.strip()
        if len(name) > MAX_NAME_CHARS:
            raise InputError(
                f"column {position} of the header is too long for a column name "
                f"({echo(name, _SHOWN_CHARS)}): the first row must hold the column names, "
                f"at most {MAX_NAME_CHARS:,} characters each; add a header row"
            )
        names.append(name or _blank_name(position, taken))
    return _placed_duplicates(names)


def resolve_column(
    wanted: str,
    columns: Sequence[str],
    role: str = "column",
    questions: Mapping[str, str] | None = None,
) -> str:
    """The file's name for the requested column (``matching_columns``); ``role`` names it in
    the refusal of a name that means none of them, or several."""
    name = wanted.strip()
    matches = matching_columns(name, columns, questions)
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise AmbiguousColumnError(
            f"{role} {echo(name)} matches {len(matches)} columns: "
            f"{', '.join(echo(m) for m in matches)}; give the exact name"
        )
    if placed := _placed_names(name, columns):
        raise AmbiguousColumnError(
            f"{role} {echo(name)}: the header has {len(placed)} columns of that name, so each "
            f"is named by its place: {', '.join(echo(m) for m in placed)}; give one of these "
            "names, or rename the columns in the file"
        )
    raise MissingColumnError(
        f"{role} {echo(name)} is not in the file{did_you_mean(name, columns)}; its columns are: "
        f"{listing(columns)}"
    )


def resolve_group_columns(
    asked: Sequence[str], columns: Sequence[str], questions: Mapping[str, str] | None = None
) -> tuple[str, ...]:
    """The file's names for the group-by columns ``asked``, each of which may also list
    several, comma-separated (``course, instructor``). A value that names a column whole is
    that column: survey headers are questions, and hold commas (``Instructor (Last, First)``)."""
    role = "group-by column"
    found: list[str] = []
    for value in asked:
        if matching_columns(value.strip(), columns, questions) or "," not in value:
            found.append(resolve_column(value, columns, role, questions))
            continue
        parts = [part for part in value.split(",") if part.strip()]
        found += [resolve_column(part, columns, role, questions) for part in parts]
    return tuple(dict.fromkeys(found))


def matching_columns(
    wanted: str, columns: Sequence[str], questions: Mapping[str, str] | None = None
) -> list[str]:
    """The columns a requested name may mean, as submit and every later request read it: the
    column of that very name; else those equal to it ignoring case and spacing (``course`` for
    `` Course ``); else those whose survey question it is (``questions``: a survey export's, by
    column). One is the column; several are ambiguous; none, no column."""
    if wanted in columns:
        return [wanted]
    asked = folded(wanted)
    if not asked:
        return []
    named = [column for column in columns if folded(column) == asked]
    if named:
        return named
    questions = questions or {}
    return [column for column in columns if folded(questions.get(column, "")) == asked]


def folded(name: str) -> str:
    """``name`` as ``matching_columns`` compares it: case and spacing aside."""
    return " ".join(name.split()).casefold()


def named_text_column(
    columns: Sequence[str], questions: Mapping[str, str] | None = None
) -> str | None:
    """The one column named like comments, ignoring case and surrounding spaces (``Comment``,
    `` feedback ``), or whose survey question is (``questions``: a survey export's, by
    column); None when no column or several are, where a guess could label the wrong text."""
    named = _named_like_comments(columns, questions or {})
    return named[0] if len(named) == 1 else None


def text_column_refusal(columns: Sequence[str], questions: Mapping[str, str] | None = None) -> str:
    """Why no comment column was taken, for a file where none was asked for: which setting
    chooses it, the columns named like comments or those that contain such a word
    (``Student comments``, the app's second guess; in a survey export, in its question:
    every one, since a survey's open questions are each one of them), and the file's
    columns, each with its question where the export gives one."""
    questions = questions or {}
    named = _named_like_comments(columns, questions)
    worded = worded_text_columns(columns, questions)
    several = len(columns) > 2
    if len(named) > 1:
        hint = f"{', '.join(echo(c) for c in named)} are all named like comments; "
    elif len(worded) > 1:
        hint = f"{', '.join(echo(c) for c in worded)} look like comment columns; "
        several = True
    elif worded:
        hint = f"{echo(worded[0])} looks like it; "
    else:
        hint = ""
    shown = [_with_question(column, questions) for column in columns]
    tail = f"; {_SEVERAL_HINT}" if several else ""
    return f"{CHOOSE_TEXT_COLUMN}: {hint}the file has {listing(shown)}{tail}"


def unlabelled_note(columns: Sequence[str]) -> str:
    """What to say of the free-text ``columns`` left unlabelled beside a comment column taken
    for its name: a survey's other open questions, whose answers would otherwise go
    unlabelled without a word."""
    return (
        f"not labelled, though free text too: {', '.join(echo(c) for c in columns)}; "
        f"{_SEVERAL_HINT}"
    )


def check_text_column_name(name: str) -> None:
    if len(name) > TEXT_COLUMN_NAME_CHARS:
        raise InputError(
            f"the comment column's name is too long ({echo(name, _SHOWN_CHARS)}): at most "
            f"{TEXT_COLUMN_NAME_CHARS} characters are supported; shorten it in the header"
        )


def listing(columns: Sequence[str]) -> str:
    """The columns for a message: the first few, each cut short, then how many more. A name
    with a comma in it is quoted, so ``Overall, I would rate this course`` reads as one."""
    head = ", ".join(_listed(c) for c in columns[:_LISTED_COLUMNS])
    more = len(columns) - _LISTED_COLUMNS
    return f"{head} … and {more:,} more" if more > 0 else head or "none"


def _listed(column: str) -> str:
    shown = column if len(column) <= _SHOWN_CHARS else f"{column[:_SHOWN_CHARS]}…"
    return echo(shown) if "," in column else shown


def did_you_mean(name: str, columns: Sequence[str]) -> str:
    """`` (did you mean 'Course'?)`` for up to three names close to ``name``; empty if none."""
    by_folded: dict[str, str] = {}
    for column in columns:
        by_folded.setdefault(column.casefold(), column)
    close = difflib.get_close_matches(name.casefold(), list(by_folded), n=3, cutoff=0.6)
    if not close:
        return ""
    return f" (did you mean {' or '.join(echo(by_folded[c]) for c in close)}?)"


def worded_text_column(
    columns: Sequence[str], questions: Mapping[str, str] | None = None
) -> str | None:
    """The first column whose name, or survey question (``questions``), holds a word of
    ``TEXT_NAMES``, taken in that order (``Student comments``), unless it also holds one of
    ``RECORD_WORDS`` (``Response ID`` is no comment): a hint here, the app's second guess
    (``pipeline.column_guess``)."""
    return next(iter(worded_text_columns(columns, questions)), None)


def worded_text_columns(
    columns: Sequence[str], questions: Mapping[str, str] | None = None
) -> list[str]:
    """Every column whose name or survey question holds a word of ``TEXT_NAMES``, as
    ``worded_text_column`` orders them: a refusal's hint names each (a survey of two open
    questions, ``Q12_TEXT`` and ``Q13_TEXT``, steers to neither alone)."""
    questions = questions or {}
    words = {c: comment_words(c) | comment_words(questions.get(c, "")) for c in columns}
    found = (c for name in TEXT_NAMES for c in columns if name in words[c])
    return list(dict.fromkeys(found))


def comment_words(name: str) -> set[str]:
    """The words of ``TEXT_NAMES`` in a column name or question (``Student comments`` →
    comments), none in a short name for a fact about the answer (``Response ID``); a
    question that happens to hold such a word ("Any comments on class time?") keeps them."""
    words = name_words(name)
    if len(words) <= _RECORD_NAME_WORDS and set(words) & RECORD_WORDS:
        return set()
    return set(words) & TEXT_WORDS | {found for found in _UNSPACED_NAMES if found in name}


def name_words(name: str) -> list[str]:
    """A column name's lower-case words, in any alphabet (``Course code`` → course, code;
    ``Comentários do aluno`` → comentários, do, aluno)."""
    return re.findall(r"[^\W_]+", name.casefold())


def _named_like_comments(columns: Sequence[str], questions: Mapping[str, str]) -> list[str]:
    def named(text: str) -> bool:
        return text.strip().casefold() in TEXT_WORDS

    return [c for c in columns if named(c) or named(questions.get(c, ""))]


def _with_question(column: str, questions: Mapping[str, str]) -> str:
    """``Q2 (What did you think of the course?)``: the column and its question, cut short."""
    question = questions.get(column)
    if not question:
        return column
    if len(question) > _QUESTION_CHARS:
        question = f"{question[:_QUESTION_CHARS].rstrip()}…"
    return f"{column} ({question})"


def _blank_name(position: int, taken: set[str]) -> str:
    """``column_<n>``, made unique against the header's own names."""
    name = f"column_{position}"
    while name in taken:
        name = f"_{name}"
    return name


def header_holds(cells: Sequence[str], wanted: str) -> bool:
    """Whether ``cells``, read as a header, name the column ``wanted`` (case and spacing
    aside; ``wanted`` may be a name ``clean_header`` gives a repeated one by its place)."""
    asked = folded(wanted)
    if not asked:
        return False
    if any(folded(cell) == asked for cell in cells):
        return True
    stripped = [cell.strip() for cell in cells]
    return any(folded(name) == asked for name in _placed_duplicates(stripped))


def _placed_duplicates(names: Sequence[str]) -> tuple[str, ...]:
    """``names`` with every one that occurs twice or more named by its place as well."""
    seen = Counter(names)
    taken = set(names)
    placed: list[str] = []
    for position, name in enumerate(names, start=1):
        if seen[name] > 1:
            name = f"{name} (column {position})"
            while name in taken:
                name = f"_{name}"
            taken.add(name)
        placed.append(name)
    return tuple(placed)


_PLACED = re.compile(r"_*(.*) \(column (\d+)\)")
"""A name ``_placed_duplicates`` gives: the file's own name and the column's place…"""
_BLANK = re.compile(r"_*column_(\d+)")
"""…and one ``_blank_name`` gives a header cell left blank."""


def placed_name(column: str) -> tuple[str, int] | None:
    """For a column ``clean_header`` named by its place (``0.0 (column 10)``), the name the
    file gives it and that place, from 1 (``("0.0", 10)``); None for any other column."""
    match = _PLACED.fullmatch(column)
    return (match.group(1), int(match.group(2))) if match else None


def blank_place(column: str) -> int | None:
    """For a column ``clean_header`` named because its header cell is blank (``column_3``),
    its place, from 1; None for any other column."""
    match = _BLANK.fullmatch(column)
    return int(match.group(1)) if match else None


def _placed_names(wanted: str, columns: Sequence[str]) -> list[str]:
    """The columns ``clean_header`` named by their place because the header repeats
    ``wanted`` (ignoring case and spacing)."""
    asked = folded(wanted)
    return [
        column
        for column in columns
        if (placed := placed_name(column)) is not None and folded(placed[0]) == asked
    ]
