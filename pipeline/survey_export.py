"""Survey exports that put rows describing the columns between the header and the answers.

Read as a plain table, those rows would be answers: their question texts labelled as comments,
counted in every share, and shown as a group of their own. The survey tools that
universities run course evaluations on write them:

- **Qualtrics** (CSV and Excel exports): under the column ids (``Q1``, ``Q2_TEXT``…) a row of
  each question's text, then a row of each column's import id as JSON
  (``{"ImportId":"QID2_TEXT"}``). The import-id row is what identifies the export; in a
  workbook whose header was found on the question texts' row, it is the one row under it.
  Without it (a legacy export, or the row deleted by hand) the question texts' row is told
  by Qualtrics' own columns: ``StartDate``, ``ResponseId``… over ``Start Date``,
  ``Response ID``…, which no answer reads.
- **SurveyMonkey** (CSV and Excel, "expanded" results): the question texts are the header,
  and under them a row of sub-headers: ``Response``, ``Open-Ended Response``, each choice of a
  multiple-choice question, each item of a matrix or of several text boxes. Identified by its
  ``Respondent ID`` column, blank in that row. A sub-header other than ``Response`` and
  ``Open-Ended Response`` is kept as its column's question: the sub-questions of one
  question (``Please tell us:`` over ``What helped you learn?`` and ``What should
  change?``) are told apart, asked for and shown by it.
- **Any other tool** writing a second header row of what each column holds (Blue's
  ``,,(1-5),(1-5),Open-ended,Open-ended``): a row in which every value is a kind of column
  (``Open-ended``, ``Text``, ``Rating``…) or a scale (``(1-5)``), at least two of them and one a
  kind. A student's answer never reads so: a rating is a number, a course a name, a comment
  more than the word ``Text``; so a first answer is never taken for one.

Qualtrics' question texts keep the HTML of its rich-text editor (``<b>``, ``<br>``): they are
read as their plain text (``pipeline.input_markup``), as comments are, so a column is asked
for, and shown with, the question the user sees.

When several exports are concatenated (``cat *.csv``), each later header comes with its
description rows too (``without_repeated_headers``).

A long export (one row per answer: a ``Question`` column, a ``Response`` column) answers every
question in one column, ratings too; ``rating_questions_refusal`` tells which questions are
answered in ratings, which labelled as comments would count in every share.

Pure logic on a table's header and records; ``pipeline.inputs`` reads them.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice

from pipeline.input_header import name_words
from pipeline.input_markup import plain_text
from pipeline.input_repeats import HeaderRepeats, SkippedRows, without_repeats
from pipeline.messages import echo
from pipeline.ratings.scale import WORD_SCALES

QUALTRICS_IMPORT_ID = re.compile(r'^\{\s*"ImportId"\s*:')
SURVEYMONKEY_ID_COLUMN = "respondent id"
SURVEYMONKEY_SUB_HEADERS = frozenset({"response", "open-ended response"})
QUALTRICS_LABELS = {
    "startdate": "start date",
    "enddate": "end date",
    "status": "response type",
    "ipaddress": "ip address",
    "recordeddate": "recorded date",
    "responseid": "response id",
    "recipientlastname": "recipient last name",
    "recipientfirstname": "recipient first name",
    "recipientemail": "recipient email",
    "externalreference": "external data reference",
    "locationlatitude": "location latitude",
    "locationlongitude": "location longitude",
    "distributionchannel": "distribution channel",
    "userlanguage": "user language",
}
"""Qualtrics' own columns (casefolded) and what its row of question texts says over them."""
QUALTRICS_LABELS_NEEDED = 2
"""Of ``QUALTRICS_LABELS``, how many a row must say (and none other) to be the question
texts' row without an import-id row under it: ``Response ID`` over ``ResponseId`` alone
could be a typing test's answer."""
COLUMN_KINDS = frozenset(
    {
        "open ended",
        "open ended response",
        "open ended question",
        "open response",
        "open text",
        "free text",
        "free response",
        "text",
        "text entry",
        "text response",
        "comment",
        "comments",
        "response",
        "essay",
        "short answer",
        "long answer",
        "rating",
        "rating scale",
        "scale",
        "likert",
        "likert scale",
        "numeric",
        "multiple choice",
        "single choice",
        "yes/no",
    }
)
"""What a second header row says a column holds (spelt with spaces for ``-`` and ``_``): no
student answers a question with one of these alone."""
_SCALE = re.compile(
    r"\(?\s*(?:scale\s*(?:of\s*)?)?\d{1,2}\s*(?:-|–|—|to)\s*\d{1,2}(?:\s*scale)?\s*\)?", re.I
)
"""A scale as a second header row gives it: ``(1-5)``, ``1 - 5``, ``Scale 0-10``, ``1 to 7``."""
SUB_HEADER_CELLS = 2
"""Values a second header row holds at least: one alone (``Text`` under ``Comments``) may be
a student's answer."""
GENERIC_TOOL = "a survey tool"
"""The tool of an export told only by its second header row."""
RECORDS_NEEDED = 2
"""How many of a table's first data records ``find_descriptions`` looks at."""


@dataclass(frozen=True)
class Descriptions:
    """The rows under a survey export's header that describe its columns."""

    tool: str
    rows: int
    """How many data rows, from the first, describe the columns: they are not answers."""
    questions: Mapping[str, str] = field(default_factory=dict)
    """Column name → the question it answers, where the export says and it is not the name."""


def find_descriptions(
    columns: Sequence[str], records: Sequence[Sequence[str]]
) -> Descriptions | None:
    """The description rows of a Qualtrics or SurveyMonkey export, from its column names and
    first ``RECORDS_NEEDED`` data records (as wide as the header); None for any other table."""
    if records and _all_import_ids(records[0]):
        return Descriptions("Qualtrics", 1)  # the header is the question texts' row
    if len(records) >= 2 and _all_import_ids(records[1]):
        return Descriptions("Qualtrics", 2, _questions_of(columns, records[0]))
    if records and _qualtrics_question_texts(columns, records[0]):
        return Descriptions("Qualtrics", 1, _questions_of(columns, records[0]))
    if records and sub_headers(columns, records[0]):
        return Descriptions(
            "SurveyMonkey", 1, _questions_of(columns, records[0], SURVEYMONKEY_SUB_HEADERS)
        )
    if records and _second_header(records[0]):
        return Descriptions(GENERIC_TOOL, 1)
    return None


def question_text(text: str) -> str:
    """A question as the survey showed it: its HTML read as plain text (Qualtrics keeps its
    rich-text editor's ``<b>`` and ``<br>``), on one line."""
    return " ".join(plain_text(text).split())


def _questions_of(
    columns: Sequence[str], record: Sequence[str], generic: frozenset[str] = frozenset()
) -> dict[str, str]:
    """Column → the question ``record`` gives it, where it says more than the column's name
    and is not one of ``generic`` (casefolded: SurveyMonkey's ``Response``)."""
    texts = zip(columns, map(question_text, record), strict=False)
    return {
        column: text
        for column, text in texts
        if text and text != column and text.casefold() not in generic
    }


def _qualtrics_question_texts(columns: Sequence[str], record: Sequence[str]) -> bool:
    """``record`` says over Qualtrics' own columns what its question texts' row says (``Start
    Date`` over ``StartDate``), over at least ``QUALTRICS_LABELS_NEEDED`` of them."""
    said = [
        (QUALTRICS_LABELS[name], " ".join(value.split()).casefold())
        for column, value in zip(columns, record, strict=False)
        if (name := column.strip().casefold()) in QUALTRICS_LABELS
    ]
    return len(said) >= QUALTRICS_LABELS_NEEDED and all(label == value for label, value in said)


def _all_import_ids(record: Sequence[str]) -> bool:
    values = [value.strip() for value in record if value.strip()]
    return bool(values) and all(QUALTRICS_IMPORT_ID.match(value) for value in values)


def sub_headers(columns: Sequence[str], record: Sequence[str]) -> bool:
    """Whether ``record``, right under the header ``columns``, is SurveyMonkey's row of
    sub-headers: blank under ``Respondent ID``, ``Response`` or ``Open-Ended Response`` in
    it. Such a row never names the columns, even where it holds the name asked for (a
    sub-question): the header is the row above it."""
    names = [column.strip().casefold() for column in columns]
    if SURVEYMONKEY_ID_COLUMN not in names:
        return False
    at = names.index(SURVEYMONKEY_ID_COLUMN)
    if at < len(record) and record[at].strip():
        return False
    return any(value.strip().casefold() in SURVEYMONKEY_SUB_HEADERS for value in record)


def _second_header(record: Sequence[str]) -> bool:
    """Every value says what its column holds (``(1-5)``, ``Open-ended``), at least
    ``SUB_HEADER_CELLS`` of them and one a kind of column (a row of scales alone could be
    ranges a student gave)."""
    values = [value.strip() for value in record if value.strip()]
    kinds = sum(_column_kind(value) for value in values)
    scales = sum(_SCALE.fullmatch(value) is not None for value in values)
    return len(values) >= SUB_HEADER_CELLS and kinds >= 1 and kinds + scales == len(values)


def _column_kind(value: str) -> bool:
    return " ".join(re.sub(r"[-_]", " ", value.casefold()).split()) in COLUMN_KINDS


def without_repeated_headers(
    rows: Iterable[list[str]],
    repeats: HeaderRepeats,
    skipped: SkippedRows,
    columns: Sequence[str],
    described: int | None,
) -> Iterator[list[str]]:
    """``rows`` without those that repeat the header (``input_repeats.without_repeats``) nor,
    when the file's first header has ``described`` rows under it that describe its columns
    (a survey export's), the rows that describe them again under a repeated one: exports
    concatenated with ``cat *.csv`` repeat the question texts and import ids with each
    header. They are told as under the first header (``find_descriptions`` of the
    ``columns``), so an answer under a repeated header is never taken for one, and counted
    with the header they belong to (``skipped.repeated_headers``)."""
    if not described:
        return without_repeats(rows, repeats, skipped)
    return without_repeats(
        _descriptions_dropped(iter(rows), repeats, skipped, columns, described),
        repeats,
        skipped,
    )


def _descriptions_dropped(
    rows: Iterator[list[str]],
    repeats: HeaderRepeats,
    skipped: SkippedRows,
    columns: Sequence[str],
    described: int,
) -> Iterator[list[str]]:
    """The rows, less the ``described`` rows of descriptions right under each repeated
    header (which is kept, for ``without_repeats`` to leave out and count)."""
    ahead: deque[list[str]] = deque()
    while (row := ahead.popleft() if ahead else next(rows, None)) is not None:
        header = repeats.repeats(row)
        yield row
        if not header:
            continue
        ahead.extend(islice(rows, max(RECORDS_NEEDED, described) - len(ahead)))
        found = find_descriptions(columns, list(ahead))
        if found is not None and found.rows == described:
            for _ in range(described):
                ahead.popleft()
            skipped.repeated_headers += described
            skipped.repeated_descriptions += described


QUESTION_WORDS = frozenset({"question", "item", "prompt"})
"""Words that name the question column of a long export (one row per answer, as Blue,
Blackboard and EvaluationKIT write it)."""
_QUESTION_NAME_WORDS = 3
RATING_SHARE = 0.8
"""Share of a question's answers that are ratings for it to be a rating question: an open
question's answers now and then read as one ("Agree", "Good")."""
RATING_ANSWERS = 2
"""Answers a question needs before it is told a rating question."""
MOST_QUESTIONS = 1_000
"""Distinct values of a long export's question column at most (an evaluation asks a few
dozen questions): a column of more, named ``Question``, holds students' questions."""
_RATING_WORDS = frozenset(
    word for _name, points in WORD_SCALES for synonyms in points for word in synonyms
)
_RATING_NUMBER = re.compile(r"\d{1,2}(?:[.,]\d+)?(?:\s*/\s*\d{1,2})?")
_RATING_HIGHEST = 10
_QUESTIONS_SHOWN = 3
_QUESTION_CHARS = 60


def question_column_of(columns: Sequence[str], text_column: str) -> str | None:
    """The question column of a long export (``Question``, ``Question text``, ``Item``)
    beside its answers ``text_column``; None in a table of one column per question."""
    return next(
        (
            column
            for column in columns
            if column != text_column
            and len(words := name_words(column)) <= _QUESTION_NAME_WORDS
            and QUESTION_WORDS & set(words)
        ),
        None,
    )


def rating_questions_refusal(
    columns: Sequence[str], text_column: str, rows: Iterable[Sequence[str]]
) -> str | None:
    """Why a long export's answer column, taken for its name, is no comment column: some of
    its questions are answered in ratings (``is_rating``) in at least ``RATING_SHARE`` of
    their answers, which labelled as comments would count in every share. Names those
    questions, the open ones, and how to go on; None when the table has no question column
    or no such question. ``rows`` (as wide as ``columns``) are read to the end: a long
    export sorted by question may hold its ratings last."""
    question_column = question_column_of(columns, text_column)
    if question_column is None:
        return None
    at, text_at = columns.index(question_column), columns.index(text_column)
    answers: Counter[str] = Counter()
    ratings: Counter[str] = Counter()
    for row in rows:
        if not (answer := row[text_at].strip()):
            continue
        question = row[at].strip()
        if question not in answers and len(answers) >= MOST_QUESTIONS:
            return None  # answers, not questions: no long export
        answers[question] += 1
        ratings[question] += is_rating(answer)
    rated = [
        question
        for question, count in answers.items()
        if count >= RATING_ANSWERS and ratings[question] >= RATING_SHARE * count
    ]
    if not rated:
        return None
    open_questions = [question for question in answers if question not in rated]
    kept = f" ({_questions(open_questions)})" if open_questions else ""
    return (
        f"column {echo(text_column)}, taken as the comment column for its name, answers every "
        f"question of this long export (column {echo(question_column)}), ratings too: "
        f"{sum(ratings[q] for q in rated):,} of its {sum(answers.values()):,} answers are "
        f"ratings, to {_questions(rated)}, and would be labelled as comments; keep only the "
        f"rows of the open questions{kept} and upload again, or give "
        f"text_column={echo(text_column)} (--text-column {echo(text_column)}) to label every "
        "answer"
    )


def _questions(questions: Sequence[str]) -> str:
    """``'Q1', 'Q2', 'Q3' and 4 more``: questions for a message."""
    shown = ", ".join(echo(question, _QUESTION_CHARS) for question in questions[:_QUESTIONS_SHOWN])
    more = len(questions) - _QUESTIONS_SHOWN
    return f"{shown} and {more:,} more" if more > 0 else shown


def is_rating(answer: str) -> bool:
    """A rating, not a comment: a number up to 10 (``4``, ``4.5``, ``4/5``) or a point of a
    word scale (``Strongly agree``, ``Very satisfied``, ``Good``) alone."""
    text = " ".join(answer.casefold().replace("’", "'").split())
    if text in _RATING_WORDS:
        return True
    if not _RATING_NUMBER.fullmatch(text):
        return False
    number = float(re.split(r"\s*/", text)[0].replace(",", "."))
    return number <= _RATING_HIGHEST
