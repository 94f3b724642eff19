"""The Comments table sorted over the whole job, then paged (AppTest against a canned API,
and ``explore.sort_results`` alone).

The grid's own sort (a click on a column's title) reorders only the 100 rows it is given: on
page 3 of an evaluation, *confidence* ascending showed that page's least confident comment as
the job's, and the *Why these labels* list under the table stayed in file order. *Order* sorts
every comment the filters keep before the table is cut into pages, and the list follows it."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from apptests import job_page, page_text
from httpfakes import JsonHandler, nothing_flagged, serving
from streamlit.testing.v1 import AppTest

from pipeline.ui import explore

LABELS = ["negative", "neutral", "positive"]
ROWS = 150  # two pages of the table
LEAST_SURE = 140  # the job's least confident comment, on the second page in file order
JOB = {
    "request_id": "sortjob",
    "status": "succeeded",
    "input_name": "evaluations.csv",
    "text_column": "comment",
    "group_by": ["course"],
    "rows_total": ROWS,
    "rows_done": ROWS,
    "rows_failed": 0,
    "labels": LABELS,
    "model_version": "test-model",
    "low_confidence": 0.7,
    "explain": True,
}


def confidence(row: int) -> float:
    """0.99 down to 0.55 over the rows, repeating; the row ``LEAST_SURE`` lowest of all."""
    return 0.40 if row == LEAST_SURE else round(0.99 - (row % 45) / 100, 2)


def results_csv() -> bytes:
    records = []
    for row in range(ROWS):
        label = LABELS[row % 3]
        top = confidence(row)
        scores = {f"score_{x}": top if x == label else round((1 - top) / 2, 3) for x in LABELS}
        records.append(
            {
                "course": f"C{row % 7}",
                "comment": f"comment {row:03d} was fine",
                "label": label,
                **scores,
                "error": "",
                "model_version": "test-model",
                "language": "en",
                "explanation": "fine:+0.40",
            }
        )
    return pd.DataFrame(records).to_csv(index=False).encode()


def summary() -> dict[str, Any]:
    counts = {label: ROWS // 3 for label in LABELS}
    overall = {"group": None, "rows": ROWS, "errors": 0, "counts": counts,
               "shares": dict.fromkeys(LABELS, 1 / 3),
               "mean_scores": dict.fromkeys(LABELS, 0.5)}  # fmt: skip
    return {"request_id": "sortjob", "status": "succeeded", "labels": LABELS,
            "rows_done": ROWS, "rows_total": ROWS, "overall": overall, "group_by": None,
            "groups": []}  # fmt: skip


class SortApi(JsonHandler):
    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if self.answers_sidebar(path):
            return
        if path == "/v1/jobs/sortjob":
            self.send_json(200, JOB)
        elif path.endswith("/results"):
            data = results_csv()
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        elif path.endswith("/summary"):
            self.send_json(200, summary())
        elif path.endswith("/flagged"):
            self.send_json(200, nothing_flagged("sortjob", ROWS))
        else:
            self.send_json(404, {"error": "not_found", "detail": "?"})


@pytest.fixture(scope="module")
def api() -> Iterator[str]:
    with serving(SortApi) as url:
        yield url


def comments_tab(at: AppTest) -> Any:
    (tab,) = [tab for tab in at.tabs if tab.label == "Comments"]
    return tab


def table(at: AppTest) -> pd.DataFrame:
    (shown,) = [frame.value for frame in comments_tab(at).dataframe]
    return shown


def highlighted(at: AppTest) -> list[str]:
    """The comments of *Why these labels*, in the order listed."""
    (block,) = comments_tab(at).get("html")
    return re.findall(r"comment \d{3}", block.proto.body)


def test_least_confident_first_sorts_every_comment_then_pages(
    api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = job_page(api, "sortjob", monkeypatch)
    at.session_state["view"] = "Comments"
    at.run()
    assert table(at)["comment"].iloc[0] == "comment 000 was fine", "as in the file at first"

    at.selectbox(key="f-order").select(explore.Order(explore.CONFIDENCE)).run()
    assert not at.exception, at.exception

    first = table(at)
    assert first["comment"].iloc[0] == f"comment {LEAST_SURE} was fine", "the job's lowest"
    assert list(first["confidence"]) == sorted(first["confidence"])
    assert highlighted(at) == [text.removesuffix(" was fine") for text in first["comment"]]
    said = page_text(at)
    assert "page 1 of 2, least confident first: *Order* sorts them all" in said, said

    at.get("pagination")[0].set_value(2).run()
    second = table(at)
    assert len(first) + len(second) == ROWS
    assert second["confidence"].min() >= first["confidence"].max(), "page 2 goes on from 1"
    assert highlighted(at) == [text.removesuffix(" was fine") for text in second["comment"]]


def frame_of(**columns: list[Any]) -> pd.DataFrame:
    return pd.DataFrame(columns)


def test_rows_without_the_value_come_last_and_ties_keep_the_file_order() -> None:
    rows = frame_of(
        comment=["b", "A", "c", "", "a"],
        label=["positive", "", "negative", "neutral", "negative"],
        confidence=[0.9, float("nan"), 0.6, 0.9, 0.6],
        rating=["10", "2", "", "1", "2"],
    )

    def order(column: str | None, descending: bool = False) -> list[int]:
        found = explore.sort_results(rows, explore.Order(column, descending), LABELS)
        return list(found.index)

    assert order(None) == [0, 1, 2, 3, 4]
    assert order("confidence") == [2, 4, 0, 3, 1]
    assert order("confidence", descending=True) == [0, 3, 2, 4, 1]
    assert order("label") == [2, 4, 3, 0, 1]
    assert order("comment") == [1, 4, 0, 2, 3], "case aside, the blank comment last"
    assert order("rating") == [3, 1, 4, 0, 2], "numbers as numbers: 2 before 10"


def test_the_orders_offered_name_the_groups_and_nothing_twice() -> None:
    offered = explore.orders("comment", ["course", "comment"])
    names = [explore.order_name(order, "comment") for order in offered]
    assert names == [
        "as in the file",
        "least confident first",
        "most confident first",
        "by label",
        "by comment, A to Z",
        "by course",
    ]


def test_a_sorted_page_is_still_its_rows() -> None:
    rows = pd.read_csv(io.BytesIO(results_csv()), keep_default_na=False)
    scored = explore.filter_results(rows, "comment", explore.ResultFilter())
    sorted_rows = explore.sort_results(scored, explore.Order(explore.CONFIDENCE), LABELS)
    assert sorted(sorted_rows.index) == list(range(ROWS))
    assert sorted_rows.loc[LEAST_SURE, "comment"] == f"comment {LEAST_SURE} was fine"
