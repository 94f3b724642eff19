"""Aspects and themes through the embedded product: `sentiment-pipeline up` in its own process,
real workers (the tiny sentiment model, the shipped aspect model, the base MiniLM), HTTP calls
and the command line. Aspect counts agree with the result rows; themes wait for the job to
finish, then cover its labelled comments and come out the same on every call; another key
sees neither."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
import test_job_pipeline_http as embedded
from test_job_pipeline_http import Server, all_rows, cli, comments_file, finished, submit

pytestmark = pytest.mark.slow

product = embedded.server
"""The embedded product (`up` with keys for alice and bob), started once for this module."""

ROWS = 120


def aspects(client: httpx.Client, request_id: str, **params: str) -> httpx.Response:
    return client.get(f"/v1/jobs/{request_id}/aspects", params=params)


def themes(client: httpx.Client, request_id: str, **params: str) -> httpx.Response:
    return client.get(f"/v1/jobs/{request_id}/themes", params=params)


def test_aspects_and_themes_of_a_job_over_http(product: Server, tmp_path: Path) -> None:
    source = comments_file(tmp_path / "insights.csv", ROWS, "insights")
    with product.client(product.alice) as alice, product.client(product.bob) as bob:
        request_id = submit(alice, source, group_by="course")
        early = themes(alice, request_id)
        assert early.status_code == 409, early.text
        assert "complete" in early.json()["detail"]
        partial = aspects(alice, request_id)
        assert partial.status_code == 200, partial.text
        status = finished(alice, request_id)
        assert status["status"] == "succeeded"

        rows = all_rows(alice, request_id)
        labelled = [row for row in rows if row["label"]]
        mentions = Counter(name for row in labelled for name in row["aspects"] or [])
        polarity = Counter(
            (name, sentiment)
            for row in labelled
            for name, sentiment in (row["aspect_sentiments"] or {}).items()
        )
        overall = aspects(alice, request_id).json()
        assert overall["complete"] is True and overall["group_by"] is None
        assert overall["rows_labelled"] == len(labelled)
        assert overall["rows_with_aspects"] == sum(1 for row in labelled if row["aspects"])
        assert overall["categories"], "the comments name lectures, exams, homework…"
        for category in overall["categories"]:
            assert category["meaning"]
            assert category["n"] == mentions[category["name"]] == sum(category["counts"].values())
            for sentiment, count in category["counts"].items():
                assert count == polarity[(category["name"], sentiment)]
        sizes = [category["n"] for category in overall["categories"]]
        assert sizes == sorted(sizes, reverse=True)

        grouped = aspects(alice, request_id, group_by="course").json()
        assert [group["group"] for group in grouped["groups"]] == ["C0", "C1", "C2", "C3"]
        assert sum(group["n"] for group in grouped["groups"]) == len(labelled)
        per_group: Counter[str] = Counter()
        for group in grouped["groups"]:
            per_group.update({aspect["name"]: aspect["n"] for aspect in group["aspects"]})
        assert +per_group == {c["name"]: c["n"] for c in overall["categories"] if c["n"]}

        found = themes(alice, request_id)
        assert found.status_code == 200, found.text
        body = found.json()
        assert body["n"] == len(labelled)
        assert sum(theme["size"] for theme in body["themes"]) == len(labelled)
        assert {theme["label"] for theme in body["themes"]} <= set(status["labels"])
        assert themes(alice, request_id).json() == body, "the same themes on every call"
        label = body["themes"][0]["label"]
        one_label = themes(alice, request_id, label=label).json()
        assert {theme["label"] for theme in one_label["themes"]} == {label}
        one_course = themes(alice, request_id, group_by="course", group="C1").json()
        assert one_course["n"] == sum(1 for row in labelled if row["course"] == "C1")

        for refused, code in [
            (aspects(alice, request_id, group_by="nope"), 400),
            (themes(alice, request_id, group="C1"), 400),
            (themes(alice, request_id, label="furious"), 400),
            (aspects(bob, request_id), 404),
            (themes(bob, request_id), 404),
        ]:
            assert refused.status_code == code, refused.text

    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PIPELINE_")},
        "PIPELINE_API_URL": product.url,
        "PIPELINE_API_KEY": product.alice,
        "COLUMNS": "100",
    }
    table = cli(env, "aspects", request_id, "--group-by", "course")
    assert table.returncode == 0, table.stderr
    assert overall["categories"][0]["name"] in table.stdout and "C3" in table.stdout
    as_json: Any = json.loads(cli(env, "themes", request_id, "--json").stdout)
    assert as_json == body
    listed = cli(env, "themes", request_id, "--label", label)
    assert listed.returncode == 0 and max(len(line) for line in listed.stdout.splitlines()) <= 100
    foreign = cli({**env, "PIPELINE_API_KEY": product.bob}, "themes", request_id)
    assert foreign.returncode == 4 and request_id in foreign.stderr  # no such job (for bob)


def test_explain_is_stored_with_the_job(product: Server, tmp_path: Path) -> None:
    source = comments_file(tmp_path / "explained.csv", 20, "explained")
    with product.client(product.alice) as alice:
        request_id = submit(alice, source, explain="true")
        assert alice.get(f"/v1/jobs/{request_id}").json()["explain"] is True
        assert finished(alice, request_id)["status"] == "succeeded"
        rows = [row for row in all_rows(alice, request_id) if row["label"]]
        assert rows and all(row["explanation"] for row in rows)
        refused = alice.post(
            "/v1/jobs",
            files={"file": (source.name, source.read_bytes())},
            data={"text_column": "comment", "explain": "perhaps"},
        )
        assert refused.status_code == 422 and "'explain'" in refused.json()["detail"]
