"""Survey exports that put rows describing the columns between the header and the answers.

Read as a plain table, those rows would be answers: their question texts labelled as comments,
counted in every share, and shown as a group of their own. Two survey tools that universities
run course evaluations on write them:

- **Qualtrics** (CSV and Excel exports): under the column ids (``Q1``, ``Q2_TEXT``…) a row of
  each question's text, then a row of each column's import id as JSON
  (``{"ImportId":"QID2_TEXT"}``). The import-id row is what identifies the export; in a
  workbook whose header was found on the question texts' row, it is the one row under it.
- **SurveyMonkey** (CSV and Excel, "expanded" results): the question texts are the header,
  and under them a row of sub-headers: ``Response``, ``Open-Ended Response``, each choice of a
  multiple-choice question. Identified by its ``Respondent ID`` column, blank in that row.

Pure logic on a table's header and first records; ``pipeline.inputs`` reads them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

QUALTRICS_IMPORT_ID = re.compile(r'^\{\s*"ImportId"\s*:')
SURVEYMONKEY_ID_COLUMN = "respondent id"
SURVEYMONKEY_SUB_HEADERS = frozenset({"response", "open-ended response"})
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
        questions = {
            column: " ".join(text.split())
            for column, text in zip(columns, records[0], strict=False)
            if text.strip() and text.strip() != column
        }
        return Descriptions("Qualtrics", 2, questions)
    if records and _surveymonkey_sub_headers(columns, records[0]):
        return Descriptions("SurveyMonkey", 1)
    return None


def _all_import_ids(record: Sequence[str]) -> bool:
    values = [value.strip() for value in record if value.strip()]
    return bool(values) and all(QUALTRICS_IMPORT_ID.match(value) for value in values)


def _surveymonkey_sub_headers(columns: Sequence[str], record: Sequence[str]) -> bool:
    names = [column.strip().casefold() for column in columns]
    if SURVEYMONKEY_ID_COLUMN not in names or record[names.index(SURVEYMONKEY_ID_COLUMN)].strip():
        return False
    return any(value.strip().casefold() in SURVEYMONKEY_SUB_HEADERS for value in record)
