"""What changed since an earlier job (last term's evaluations against this term's): the
figures (``pipeline.report.change``), the table (``change_table``) and every edge: the
FastAPI route, the API Gateway handler, the client and ``sentiment-pipeline change``.

What it must do: match groups exactly and say which are in one job only (and which look like
one group written two ways), flag a change only beyond the noise with one Holm family over the
whole change, warn when the model differs, and refuse rather than mislead: a job compared with
itself, a job still running, another caller's job, a column one job lacks."""

from __future__ import annotations

import csv
import io
import json
import re
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import pytest
from apigw_events import load_event, with_query, without_identity
from fastapi.testclient import TestClient
from httpfakes import clients_answered_by
from insightfakes import fake_analyst
from jobfakes import FakePredictor, make_backend
from openpyxl import load_workbook

from pipeline import service
from pipeline.api.app import create_app
from pipeline.api.gateway import Gateway
from pipeline.bootstrap import Backend
from pipeline.cli.main import main
from pipeline.file_names import safe_name
from pipeline.report import change_table
from pipeline.report.change import Side, change
from pipeline.report.data import Move
from pipeline.report.look_alike import possible_matches
from pipeline.worker import Worker

LABELS = ("negative", "neutral", "positive")


def csv_of(rows: list[tuple[str, str]]) -> bytes:
    lines = ["course,comment", *(f"{course},{comment}" for course, comment in rows)]
    return "\n".join(lines).encode()


LAST_TERM = csv_of(
    [("CHEM110", f"bad labs number {i}") for i in range(30)]
    + [("CHEM110", f"good lectures {i}") for i in range(10)]
    + [("BIO101", f"good course {i}") for i in range(8)]
    + [("BIO101", "bad exam")]
    + [("PHYS 200", "ok")]
)
THIS_TERM = csv_of(
    [("CHEM110", f"bad labs number {i}") for i in range(5)]
    + [("CHEM110", f"good lectures {i}") for i in range(35)]
    + [("BIO101", f"good course {i}") for i in range(7)]
    + [("BIO101", "bad exam"), ("BIO101", "bad exam again")]
    + [("phys-200", "fine"), ("MATH1", "good")]
)


def submitted(client: TestClient, body: bytes, name: str, **headers: str) -> str:
    answer = client.post(
        "/v1/jobs",
        files={"file": (name, body)},
        data={"text_column": "comment", "group_by": "course"},
        headers=headers,
    )
    assert answer.status_code == 202, answer.text
    return str(answer.json()["request_id"])


def finish(backend: Backend, insights: bool = True) -> None:
    analyst = fake_analyst if insights else None
    Worker(backend, lambda _ref: FakePredictor(), "w", insights=analyst).run(burst=True)


def two_terms(backend: Backend, client: TestClient) -> tuple[str, str]:
    earlier = submitted(client, LAST_TERM, "fall-2025.csv")
    now = submitted(client, THIS_TERM, "fall-2026.csv")
    finish(backend)
    return earlier, now


def by_group(body: dict[str, Any]) -> dict[str | None, dict[str, Any]]:
    return {group["group"]: group for group in body["groups"]}


def share(group: dict[str, Any], label: str) -> dict[str, Any]:
    return next(change for change in group["changes"] if change["key"] == label)


# --- the figures ----------------------------------------------------------------------------


def counts(negative: int, neutral: int, positive: int) -> dict[str, int]:
    return {"negative": negative, "neutral": neutral, "positive": positive}


def test_a_large_change_is_flagged_and_a_small_one_is_not() -> None:
    before = Side(
        counts(40, 10, 50),
        {"A": counts(30, 0, 10), "B": counts(10, 10, 40)},
        {"exams": counts(12, 0, 8)},
    )
    after = Side(
        counts(15, 10, 75),
        {"A": counts(5, 0, 35), "B": counts(10, 10, 40)},
        {"exams": counts(11, 0, 9), "workload": counts(3, 0, 0)},
    )

    result = change(before, after, LABELS)

    groups = {group.group: group for group in result.groups}
    a_negative = groups["A"].changes[0]
    assert a_negative.key == "negative" and a_negative.flagged
    assert a_negative.difference == pytest.approx(5 / 40 - 30 / 40)
    assert groups["A"].flagged and not groups["B"].flagged
    assert groups["B"].changes[0].p_value == pytest.approx(1.0)
    # neutral is shown, not tested; workload has no comment before: shown, not tested
    assert all(not c.tested for g in result.groups for c in g.changes if c.key == "neutral")
    aspects = {item.key: item for item in result.aspects}
    assert not aspects["exams"].flagged and aspects["workload"].p_value is None
    # one family: overall 2 + exams 1 + two groups × 2
    assert result.tests == 7
    assert groups["A"].changes[0].adjusted_p >= groups["A"].changes[0].p_value  # type: ignore[operator]


def test_groups_are_matched_exactly_and_near_misses_are_named() -> None:
    before = Side(counts(1, 1, 1), {"CHEM 110": counts(1, 1, 1), None: counts(0, 1, 0)}, {})
    after = Side(counts(2, 1, 1), {"chem-110": counts(2, 1, 1), None: counts(1, 0, 0)}, {})

    result = change(before, after, LABELS)

    assert [group.group for group in result.groups] == [None]
    assert result.only_before == (("CHEM 110", 3),)
    assert result.only_after == (("chem-110", 4),)
    assert possible_matches(["CHEM 110", None], ["chem-110", "CHEM 111"]) == [
        ("CHEM 110", "chem-110")
    ]


# --- the edges ------------------------------------------------------------------------------


def test_the_api_says_what_changed_per_course_and_what_is_in_one_term_only(
    backend: Backend, client: TestClient
) -> None:
    earlier, now = two_terms(backend, client)

    answer = client.get(f"/v1/jobs/{now}/change", params={"since": earlier, "group_by": "course"})
    body = answer.json()

    assert answer.status_code == 200, answer.text
    assert body["before"]["input_name"] == "fall-2025.csv"
    assert body["after"]["input_name"] == "fall-2026.csv"
    chem = by_group(body)["CHEM110"]
    assert (chem["n_before"], chem["n_after"]) == (40, 40)
    assert share(chem, "negative")["before"]["share"] == pytest.approx(0.75)
    assert share(chem, "negative")["after"]["share"] == pytest.approx(0.125)
    assert share(chem, "negative")["flagged"] and chem["flagged"]
    assert not by_group(body)["BIO101"]["flagged"]  # 1 of 9 → 2 of 9 bad: noise
    assert body["only_before"] == [{"group": "PHYS 200", "n": 1}]
    assert {item["group"] for item in body["only_after"]} == {"phys-200", "MATH1"}
    assert body["possible_matches"] == [{"before": "PHYS 200", "after": "phys-200"}]
    assert body["tests"] == 2 + len(body["aspects"]) + 2 * 2
    assert body["aspects"], "both jobs have aspects: they are compared"
    assert body["notes"] == []  # same model, same aspect model

    overall = client.get(f"/v1/jobs/{now}/change", params={"since": earlier}).json()
    assert overall["groups"] == [] and overall["overall"][0]["before"]["n"] == 50


def test_a_course_written_another_way_beside_one_of_both_terms_is_named(
    backend: Backend, client: TestClient
) -> None:
    """``Chem 110`` this term beside ``CHEM110`` of both terms: its comments would leave
    CHEM110's comparison silently; the trend named it, the change did not."""
    earlier = submitted(client, csv_of([("CHEM110", "good labs"), ("PHYS 200", "ok")]), "a.csv")
    now = submitted(
        client,
        csv_of([("CHEM110", "bad labs"), ("Chem 110", "bad labs"), ("phys-200", "fine")]),
        "b.csv",
    )
    finish(backend, insights=False)

    body = client.get(
        f"/v1/jobs/{now}/change", params={"since": earlier, "group_by": "course"}
    ).json()

    assert body["possible_matches"] == [
        {"before": "PHYS 200", "after": "phys-200"},
        {"before": "CHEM110", "after": "Chem 110"},
    ]


def test_it_refuses_what_would_mislead(backend: Backend, client: TestClient) -> None:
    earlier, now = two_terms(backend, client)
    running = submitted(client, THIS_TERM + b"\nCHEM110,one more", "fall-2026b.csv")
    no_column = client.post(
        "/v1/jobs", files={"file": ("plain.csv", b"comment\ngood\nbad\n")},
        data={"text_column": "comment"},
    ).json()["request_id"]  # fmt: skip

    def refused(request_id: str, **params: str) -> tuple[int, str]:
        answer = client.get(f"/v1/jobs/{request_id}/change", params=params)
        return answer.status_code, answer.json()["detail"]

    status, detail = refused(now, since=now)
    assert status == 400 and "this job itself" in detail
    status, detail = refused(running, since=earlier)
    assert status == 409 and "this job" in detail and "queued" in detail
    status, detail = refused(now, since=running)
    assert status == 409 and "the earlier job" in detail and "fall-2026b.csv" in detail
    finish(backend)
    status, detail = refused(now, since=no_column, group_by="course")
    assert status == 400 and "the earlier job" in detail and "course" in detail
    status, detail = refused(now, since=earlier, group_by="comment")
    assert status == 400 and detail.startswith("this job (") and "comment column" in detail
    assert refused(now, since="A" * 22)[0] == 404
    assert refused(now, since="not an id!")[0] == 422
    assert client.get(f"/v1/jobs/{now}/change").status_code == 422


def test_one_course_alone_is_compared_with_its_aspects_as_a_family_of_its_own(
    backend: Backend, client: TestClient
) -> None:
    earlier, now = two_terms(backend, client)

    def change_of(**params: str) -> httpx.Response:
        return client.get(f"/v1/jobs/{now}/change", params={"since": earlier, **params})

    chem = change_of(group_by="course", group="CHEM110").json()
    math = change_of(group_by="course", group="MATH1").json()

    assert chem["group"] == "CHEM110" and chem["groups"] == [] and chem["only_before"] == []
    assert share({"changes": chem["overall"]}, "negative")["flagged"]
    assert [item["key"] for item in chem["aspects"]] == ["teaching"], "its own, not BIO101's exams"
    assert chem["tests"] == 2 + 1  # its two label shares and teaching's share negative
    table = change_table.text(chem).splitlines()
    first = next(i for i, line in enumerate(table) if "n before" in line) + 1
    assert table[first].startswith("CHEM110") and table[first + 1].startswith("aspect: teaching")
    assert math["overall"][0]["before"]["n"] == 0 and math["overall"][0]["p_value"] is None
    refusals = (
        (
            {"group_by": "course", "group": "CHEM 110"},
            "no job has 'course' = 'CHEM 110' (did you mean 'CHEM110'?); their values: ",
        ),
        ({"group": "CHEM110"}, "group needs group_by"),
    )
    for params, detail in refusals:
        answer = change_of(**params)
        assert answer.status_code == 400 and detail in answer.json()["detail"], answer.text
    event = {**without_identity(load_event("summary", now)), "path": f"/v1/jobs/{now}/change"}
    query = {"since": earlier, "group_by": "course", "group": "CHEM110"}
    assert json.loads(Gateway(backend).handle(with_query(event, **query))["body"]) == chem


def test_another_callers_job_is_never_compared(tmp_path: Path) -> None:
    keyed = make_backend(tmp_path, auth="keys")
    alice = service.create_key(keyed, "alice").secret
    bob = service.create_key(keyed, "bob").secret
    api = TestClient(create_app(keyed))
    hers = submitted(api, LAST_TERM, "alice.csv", **{"X-API-Key": alice})
    his = submitted(api, THIS_TERM, "bob.csv", **{"X-API-Key": bob})
    finish(keyed)

    for who, request_id, since in ((bob, his, hers), (bob, hers, his), (alice, his, hers)):
        answer = api.get(
            f"/v1/jobs/{request_id}/change", params={"since": since}, headers={"X-API-Key": who}
        )
        assert answer.status_code == 404, answer.text
        assert "alice.csv" not in answer.text and "bob.csv" not in answer.text

    service.revoke_key(keyed, "alice")
    for headers in ({"X-API-Key": alice}, {}):
        refused = api.get(f"/v1/jobs/{hers}/change", params={"since": his}, headers=headers)
        assert refused.status_code == 401, refused.text


def test_a_different_model_or_no_aspects_is_said(backend: Backend, client: TestClient) -> None:
    earlier = submitted(client, LAST_TERM, "fall-2025.csv")
    finish(backend, insights=False)
    now = submitted(client, THIS_TERM, "fall-2026.csv")
    FakePredictor.version = "fake-2"
    try:
        finish(backend)
    finally:
        FakePredictor.version = "fake-1"

    body = client.get(f"/v1/jobs/{now}/change", params={"since": earlier}).json()

    assert body["aspects"] == []
    assert any("different models (fake-1 earlier, fake-2 now)" in note for note in body["notes"])
    assert any("Aspects are compared only when both jobs have them" in n for n in body["notes"])


def test_the_gateway_answers_as_the_api_does(backend: Backend, client: TestClient) -> None:
    earlier, now = two_terms(backend, client)
    event = without_identity(load_event("summary", now))
    event = {**event, "path": f"/v1/jobs/{now}/change"}

    answer = Gateway(backend).handle(with_query(event, since=earlier, group_by="course"))
    expected = client.get(f"/v1/jobs/{now}/change", params={"since": earlier, "group_by": "course"})

    assert answer["statusCode"] == 200
    assert httpx.Response(200, content=answer["body"]).json() == expected.json()
    for query, status in (({}, 422), ({"since": "bad id"}, 422), ({"since": now}, 400)):
        refused = Gateway(backend).handle(with_query(event, **query))
        assert refused["statusCode"] == status, refused["body"]


def test_the_command_prints_the_table_or_writes_a_csv(
    backend: Backend,
    client: TestClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    earlier, now = two_terms(backend, client)
    body = client.get(
        f"/v1/jobs/{now}/change", params={"since": earlier, "group_by": "course"}
    ).json()
    seen = clients_answered_by(monkeypatch, lambda: httpx.Response(200, json=body))
    api = ["--api-url", "http://api.test"]

    assert main(["change", now, "--since", earlier, "--group-by", "course", *api]) == 0
    printed = capsys.readouterr().out
    assert dict(seen[0].url.params) == {"since": earlier, "group_by": "course"}
    assert "fall-2025.csv" in printed and "fall-2026.csv" in printed
    chem = next(line for line in printed.splitlines() if line.startswith("CHEM110"))
    assert "75% → 12% (-63) *" in chem
    assert "Only in the earlier job: PHYS 200 (n=1)" in printed
    assert "“PHYS 200” (earlier) and “phys-200” (now) may be one group" in printed

    target = tmp_path / "change.csv"
    assert (
        main(["change", now, "--since", earlier, "--group-by", "course", "-o", str(target), *api])
        == 0
    )
    captured = capsys.readouterr()  # the file's confirmation on stderr: stdout is the data's
    assert captured.out == "" and captured.err.startswith(f"wrote {target} (")
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads UTF-8
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert rows[0]["part"] == change_table.ALL
    chem_row = next(row for row in rows if row["part"] == "CHEM110")
    assert float(chem_row["negative_change_points"]) == pytest.approx(-62.5)
    assert chem_row["beyond_the_noise"] == "negative down, positive up"
    workbook = tmp_path / "change.xlsx"
    assert main(["change", now, "--since", earlier, "-o", str(workbook), *api]) == 0
    header, *cells = load_workbook(workbook)["change"].iter_rows(values_only=True)
    assert list(header) == list(rows[0])
    assert [row[0] for row in cells][:1] == [change_table.ALL]


def test_the_csv_escapes_a_group_that_looks_like_a_formula() -> None:
    body = {
        "tested_labels": ["negative"],
        "overall": [],
        "aspects": [],
        "groups": [
            {
                "group": '=HYPERLINK("http://x")',
                "changes": [
                    {
                        "key": "negative",
                        "before": {"n": 2, "share": 0.5},
                        "after": {"n": 2, "share": 0.5},
                        "difference": 0.0,
                        "adjusted_p": 1.0,
                        "flagged": False,
                    }
                ],
            }
        ],
    }

    rows = list(csv.reader(io.StringIO(change_table.to_csv(body))))

    assert rows[2][0] == '\'=HYPERLINK("http://x")'


# --- the report's section -------------------------------------------------------------------


def report_text(client: TestClient, request_id: str, section: str = "change", **params: str) -> str:
    """The text of the report's ``<section id=section>``, tags dropped and spaces squeezed."""
    answer = client.get(f"/v1/jobs/{request_id}/report", params=params)
    assert answer.status_code == 200, answer.text
    start = answer.text.index(f'<section id="{section}"')
    section = answer.text[start : answer.text.index("</section>", start)]
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section)))


def test_the_report_says_what_changed_since_the_earlier_job(
    backend: Backend, client: TestClient
) -> None:
    earlier, now = two_terms(backend, client)

    answer = client.get(f"/v1/jobs/{now}/report", params={"group_by": "course", "since": earlier})
    text = report_text(client, now, group_by="course", since=earlier)

    # the id as a file name has it (an id may start with "_", which a name does not)
    assert f"-since-{safe_name(earlier)[:8]}.html" in answer.headers["content-disposition"]
    assert "What changed since fall-2025.csv" in text
    assert "CHEM110 : negative 75% → 12% (-63 pts, p<0.001 after Holm)" in text
    assert "CHEM110 40 40 ▼ 75% → 12% (-63 pts) ▲ 25% → 88% (+63 pts)" in text
    assert "BIO101 9 small 9 small 11% → 22% (+11 pts)" in text, "within the noise: no mark"
    assert "Only in the earlier job: PHYS 200 (n=1)." in text
    assert "“PHYS 200” (earlier) and “phys-200” (now) may be one course" in text
    assert "Aspects: share negative" in text
    plain = client.get(f"/v1/jobs/{now}/report", params={"group_by": "course"}).text
    assert '<section id="change"' not in plain


def test_a_groups_own_report_shows_its_own_change_and_aspects_and_names_no_other_group(
    backend: Backend, client: TestClient
) -> None:
    earlier, now = two_terms(backend, client)

    chem = report_text(client, now, group_by="course", group="CHEM110", since=earlier)
    new = report_text(client, now, group_by="course", group="MATH1", since=earlier)

    assert "CHEM110 40 40 ▼ 75% → 12% (-63 pts)" in chem
    assert (
        "Aspects: share negative aspect n earlier n now negative: earlier → now teaching 10 35"
        in chem
    )
    assert "over the 3 tests of CHEM110's change alone" in chem
    for other in ("BIO101", "PHYS", "phys-200", "MATH1", "all comments", "exams"):
        assert other not in chem
    assert "MATH1 has no comments in the earlier job (fall-2025.csv)." in new
    assert "CHEM110" not in new and "PHYS" not in new


def test_a_report_since_a_job_it_cannot_compare_with_is_refused(
    backend: Backend, client: TestClient
) -> None:
    earlier, now = two_terms(backend, client)

    def status(**params: str) -> int:
        return client.get(f"/v1/jobs/{now}/report", params=params).status_code

    assert status(since="A" * 22) == 404
    assert status(since="not an id") == 422
    assert status(since=now) == 400
    event = {**without_identity(load_event("summary", now)), "path": f"/v1/jobs/{now}/report"}
    for query, expected in (
        ({"since": "bad id"}, 422),
        ({"since": ""}, 422),
        ({"since": earlier}, 200),
    ):
        answer = Gateway(backend).handle(with_query(event, format="html", **query))
        assert answer["statusCode"] == expected, answer["body"][:300]
    assert "Since the earlier job" in answer["body"]


def test_the_client_and_the_command_ask_for_the_report_since(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = clients_answered_by(monkeypatch, lambda: httpx.Response(200, content=b"%PDF-1.7"))
    monkeypatch.chdir(tmp_path)

    assert main(["report", "rid", "--since", "old", "--api-url", "http://api.test"]) == 0

    assert dict(seen[0].url.params) == {"format": "pdf", "since": "old"}
    assert (tmp_path / "rid-report.pdf").read_bytes() == b"%PDF-1.7"


@pytest.mark.parametrize(
    ("before", "now", "shown"),
    [
        ((11, 43), (12, 54), -4),
        ((30, 40), (5, 40), -63),
        ((1, 9), (2, 9), 11),
        ((0, 5), (1, 4), 25),
    ],
)
def test_the_change_shown_is_the_difference_of_the_shares_shown(
    before: tuple[int, int], now: tuple[int, int], shown: int
) -> None:
    """25.6 % → 22.2 % printed "26% → 22% (-3)": the rounded change of the exact shares, which
    a reader of the two rounded shares subtracts to 4."""
    share_before, share_now = before[0] / before[1], now[0] / now[1]
    move = Move("negative", share_before, share_now, share_now - share_before, 1.0, False)
    assert move.shown_difference is not None
    assert round(move.shown_difference * 100) == shown
    printed = change_table._move(move)
    assert printed.startswith(f"{share_before * 100:.0f}% → {share_now * 100:.0f}% ({shown:+d})"), (
        printed
    )
    assert Move("negative", None, 0.5, None, None, False).shown_difference is None
