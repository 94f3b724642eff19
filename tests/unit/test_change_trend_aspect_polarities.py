"""An aspect's row of a change or a trend carried its share negative alone (``count``,
``share`` and ``n`` of the negative comments about it), while the label rows carry every
label: a reader could not tell "fewer complaints about exams" from "fewer comments about exams
at all", nor read the neutral and positive ones. Now each side of an aspect's row (``before``
and ``after``; each of a trend's ``shares``) also has ``counts`` and ``shares`` keyed by label,
as the summary and ``/aspects`` name them, the same counts ``/aspects`` gives of that job; the
old fields are as they were."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from test_change import LABELS, two_terms
from test_trend import four_terms

from pipeline.bootstrap import Backend


def aspect_counts(client: TestClient, request_id: str) -> dict[str, dict[str, int]]:
    """Each aspect's comments by polarity, as ``GET /aspects`` gives them of the whole job."""
    body = client.get(f"/v1/jobs/{request_id}/aspects").json()
    return {item["name"]: item["counts"] for item in body["categories"]}


def check_side(side: dict[str, Any], expected: dict[str, int]) -> None:
    """Every label's count and share beside the share negative the row has always had."""
    assert list(side["counts"]) == list(LABELS) and list(side["shares"]) == list(LABELS)
    assert side["counts"] == {label: expected.get(label, 0) for label in LABELS}
    assert side["counts"]["negative"] == side["count"], "the old fields are kept as they were"
    assert sum(side["counts"].values()) == side["n"]
    if side["n"]:
        assert side["shares"]["negative"] == pytest.approx(side["share"])
        assert sum(side["shares"].values()) == pytest.approx(1.0)
    else:
        assert set(side["shares"].values()) == {None}


def test_a_changes_aspect_rows_carry_every_labels_counts_and_shares(
    backend: Backend, client: TestClient
) -> None:
    earlier, now = two_terms(backend, client)
    body = client.get(f"/v1/jobs/{now}/change", params={"since": earlier}).json()
    then, today = aspect_counts(client, earlier), aspect_counts(client, now)

    assert body["aspects"]
    for row in body["aspects"]:
        check_side(row["before"], then.get(row["key"], {}))
        check_side(row["after"], today.get(row["key"], {}))
    assert any(row["after"]["counts"]["positive"] for row in body["aspects"])
    assert all("counts" not in row["before"] for row in body["overall"]), "label rows as before"


def test_a_trends_aspect_rows_carry_every_labels_counts_and_shares_in_each_job(
    backend: Backend, client: TestClient
) -> None:
    ids = four_terms(backend, client)
    body = client.get("/v1/trend", params={"jobs": ",".join(ids)}).json()
    per_job = [aspect_counts(client, request_id) for request_id in ids]

    assert body["aspects"]
    for row in body["aspects"]:
        assert len(row["shares"]) == len(ids)
        for side, found in zip(row["shares"], per_job, strict=True):
            check_side(side, found.get(row["key"], {}))
    assert any(side["counts"]["positive"] for row in body["aspects"] for side in row["shares"])
