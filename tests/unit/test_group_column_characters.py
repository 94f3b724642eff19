"""A group column is read by its name whatever the name holds: a non-ASCII letter (``Intitulé``,
``Fächer``, ``课程``), an emoji, a quote or a backslash, or what a JSON path would read as
syntax (``.``, ``$``, ``[``, a space). Each row's value is read back from the database under
that name, so the summary, a group's report and its flagged comments name the values the
results CSV holds, never every row as one ``(blank)`` group."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from jobfakes import AWKWARD_COLUMN_NAMES, FakePredictor

from pipeline.bootstrap import Backend
from pipeline.worker import Worker

COLUMNS = AWKWARD_COLUMN_NAMES
ROWS = 20


def cell(column: int, row: int) -> str:
    """Each column's own values (a mix-up of columns shows): ``v3-0`` and ``v3-1``."""
    return f"v{column}-{row % 2}"


def comment(row: int) -> str:
    return f"good lecture number {row}" if row % 2 else f"bad exam number {row}"


def survey() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*COLUMNS, "comment"])
    for row in range(ROWS):
        writer.writerow([*(cell(i, row) for i in range(len(COLUMNS))), comment(row)])
    return out.getvalue().encode()


@pytest.fixture
def request_id(backend: Backend, client: TestClient) -> str:
    answer = client.post(
        "/v1/jobs",
        files={"file": ("evaluations.csv", survey())},
        data={"text_column": "comment", "group_by": COLUMNS[0]},
    )
    assert answer.status_code == 202, answer.text
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    return str(answer.json()["request_id"])


@pytest.mark.parametrize("index", range(len(COLUMNS)), ids=COLUMNS)
def test_the_summary_groups_by_a_column_whatever_its_name_holds(
    client: TestClient, request_id: str, index: int
) -> None:
    column = COLUMNS[index]
    answer = client.get(f"/v1/jobs/{request_id}/summary", params={"group_by": column})

    assert answer.status_code == 200, answer.text
    groups = answer.json()["groups"]
    assert [(g["group"], g["rows"]) for g in groups] == [
        (cell(index, 0), ROWS // 2),
        (cell(index, 1), ROWS // 2),
    ]
    assert groups[1]["counts"]["positive"] == ROWS // 2  # the good comments: odd rows


@pytest.mark.parametrize("index", [0, 2, 3, 4, 5], ids=[COLUMNS[i] for i in (0, 2, 3, 4, 5)])
def test_a_groups_report_holds_its_own_comments_whatever_its_columns_name_holds(
    client: TestClient, request_id: str, index: int
) -> None:
    column = COLUMNS[index]
    answer = client.get(
        f"/v1/jobs/{request_id}/report",
        params={"group_by": column, "group": cell(index, 1), "format": "html"},
    )

    assert answer.status_code == 200, answer.text
    assert "good lecture number 1" in answer.text and "good lecture number 19" in answer.text
    assert "bad exam number" not in answer.text


def test_the_flagged_comments_of_a_group_are_read_by_a_non_ascii_column(
    client: TestClient, request_id: str
) -> None:
    answer = client.get(
        f"/v1/jobs/{request_id}/flagged", params={"group_by": "课程", "group": cell(2, 0)}
    )

    assert answer.status_code == 200, answer.text  # no longer "no row has 课程 = 'v2-0'"
