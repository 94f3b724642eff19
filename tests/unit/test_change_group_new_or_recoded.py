"""One group's change and trend (``group=``) of a course new this term, or of one recoded
between the exports (``PHYS 200`` last term, ``phys-200`` this term).

``change --group`` of a new course died with a traceback (``max()`` of no rows) and ``trend
--group`` printed an empty table: both say why there is no row instead, as the report does.
And a recoded course's own change, trend and report said "no comments in the earlier job"
(every theme "new") without naming the spelling the earlier job has: they name it now, which
tells no other group's figures."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from httpfakes import clients_answered_in_process
from test_change import report_text, two_terms

from pipeline.bootstrap import Backend
from pipeline.cli.main import main
from pipeline.report import change_table, trend_table

API = ["--api-url", "http://api.test"]


def printed(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """What the command prints (the API answering in process)."""
    assert main([*argv, *API]) == 0
    return capsys.readouterr().out


def test_the_change_and_trend_of_a_new_course_say_why_there_is_no_row(
    backend: Backend,
    client: TestClient,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    earlier, now = two_terms(backend, client)
    clients_answered_in_process(monkeypatch, client)

    shown = printed(
        capsys, "change", now, "--since", earlier, "--group-by", "course", "--group", "MATH1"
    )
    assert "MATH1 has no comments in the earlier job (fall-2025.csv)." in shown
    assert "n before" not in shown and "0 tests" not in shown

    shown = printed(capsys, "trend", earlier, now, "--group-by", "course", "--group", "MATH1")
    assert "MATH1 has comments in this job only, so it has no trend." in shown
    assert "n by job" not in shown


def test_a_recoded_course_names_its_spelling_in_the_earlier_job(
    backend: Backend,
    client: TestClient,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    earlier, now = two_terms(backend, client)  # PHYS 200 last term, phys-200 this term
    one = {"group_by": "course", "group": "phys-200"}
    change = client.get(f"/v1/jobs/{now}/change", params={"since": earlier, **one}).json()
    trend = client.get("/v1/trend", params={"jobs": f"{earlier},{now}", **one}).json()

    assert change["possible_matches"] == [{"before": "PHYS 200", "after": "phys-200"}]
    assert trend["possible_matches"] == [{"group": "phys-200", "like": "PHYS 200"}]
    said = (
        "phys-200 has no comments in the earlier job (fall-2025.csv), which has “PHYS 200”: "
        "perhaps phys-200 written another way"
    )
    assert said in change_table.text(change)
    assert "“PHYS 200”: perhaps phys-200 written another way" in trend_table.text(trend)
    assert said in report_text(client, now, since=earlier, **one)
    assert "“PHYS 200”: perhaps phys-200" in report_text(client, now, "trend", trend=earlier, **one)

    math = client.get(
        f"/v1/jobs/{now}/change", params={"since": earlier, "group_by": "course", "group": "MATH1"}
    ).json()
    assert math["possible_matches"] == [], "no look-alike: none named, no other course"
    clients_answered_in_process(monkeypatch, client)
    shown = printed(
        capsys, "change", now, "--since", earlier, "--group-by", "course", "--group", "phys-200"
    )
    assert said in shown and shown.count("PHYS 200") == 1, "said once, in its sentence"


def test_a_course_dropped_this_term_names_its_spelling_now() -> None:
    """The other way round (``change --group`` of last term's spelling): its row, and the
    pair as the whole change names it."""
    body = {
        "before": {"request_id": "a", "input_name": "a.csv", "created_at": "2025-12-01"},
        "after": {"request_id": "b", "input_name": "b.csv", "created_at": "2026-12-01"},
        "group": "PHYS 200",
        "tested_labels": ["negative"],
        "overall": [
            {"key": "negative", "before": {"n": 12, "share": 0.5}, "after": {"n": 0}},
        ],
        "possible_matches": [{"before": "PHYS 200", "after": "phys-200"}],
    }

    text = change_table.text(body)

    assert "PHYS 200" in text.splitlines()[4], "its row: 12 comments earlier, none now"
    assert "“PHYS 200” (earlier) and “phys-200” (now) may be one group" in text
