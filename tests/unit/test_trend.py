"""How the shares moved over several jobs in order (four terms of evaluations): the test for
a trend (``stats.cochran_armitage``), the figures (``pipeline.report.trend``), the table
(``trend_table``) and every edge: the FastAPI route, the API Gateway handler, the client and
``sentiment-pipeline trend``.

What it must do: see a steady move that no single step between two terms shows, follow a
group through the terms that have it, keep one Holm family over the whole trend, and refuse
rather than mislead: a job given twice, a job still running, another caller's job, a column
one job lacks, a list that is not request ids."""

from __future__ import annotations

import csv
import io
import json
from itertools import pairwise
from pathlib import Path

import httpx
import pytest
from apigw_events import load_event, with_query, without_identity
from fastapi.testclient import TestClient
from httpfakes import clients_answered_by
from jobfakes import FakePredictor, make_backend
from test_change import LABELS, counts, csv_of, finish, report_text, submitted

from pipeline import service
from pipeline.api.app import create_app
from pipeline.api.gateway import Gateway
from pipeline.bootstrap import Backend
from pipeline.cli.main import main
from pipeline.report import trend_table
from pipeline.report.change import Side, change
from pipeline.report.look_alike import look_alikes
from pipeline.report.stats import cochran_armitage
from pipeline.report.trend import MAX_JOBS, trend

# --- the test -------------------------------------------------------------------------------

MALFORMATIONS = ([48, 38, 5, 1, 1], [17_114, 14_502, 793, 127, 38])
"""Agresti, Categorical Data Analysis (2nd ed., section 3.4.6): malformations by the mother's
alcohol consumption; M² = 6.57 with scores 0, 0.5, 1.5, 4, 7 and 1.83 with 0…4."""


@pytest.mark.parametrize(
    ("scores", "squared"), [((0, 0.5, 1.5, 4, 7), 6.57), ((0, 1, 2, 3, 4), 1.83)]
)
def test_the_trend_test_matches_agrestis_example(scores: tuple[float, ...], squared: float) -> None:
    found = cochran_armitage(*MALFORMATIONS, scores)

    assert found is not None and found.z > 0  # more malformations with more alcohol
    assert found.z**2 == pytest.approx(squared, abs=0.005)


def test_for_two_jobs_it_is_the_pearson_chi_square_and_order_only_flips_its_sign() -> None:
    scipy_stats = pytest.importorskip("scipy.stats")
    for successes, trials in (([30, 5], [40, 40]), ([7, 9], [50, 13]), ([100, 130], [900, 800])):
        table = [[s, t - s] for s, t in zip(successes, trials, strict=True)]
        pearson = scipy_stats.chi2_contingency(table, correction=False)

        found = cochran_armitage(successes, trials, [0, 1])
        backwards = cochran_armitage(successes[::-1], trials[::-1], [0, 1])

        assert found is not None and backwards is not None
        assert found.z**2 == pytest.approx(pearson.statistic, rel=1e-9)
        assert found.p_value == pytest.approx(pearson.pvalue, rel=1e-9)
        assert backwards.z == pytest.approx(-found.z)


def test_too_few_comments_or_one_job_with_comments_is_not_tested() -> None:
    assert cochran_armitage([1, 2, 1], [10, 10, 10], [0, 1, 2]) is None  # 4 with the label
    assert cochran_armitage([29, 28, 29], [30, 30, 30], [0, 1, 2]) is None  # 4 without
    assert cochran_armitage([0, 20, 0], [0, 40, 0], [0, 1, 2]) is None
    with pytest.raises(ValueError, match="successes <= trials"):
        cochran_armitage([5, 11], [10, 10], [0, 1])


# --- the figures ----------------------------------------------------------------------------


def steady(negatives: list[int], n: int = 40) -> list[dict[str, int]]:
    return [counts(k, 0, n - k) for k in negatives]


def test_a_steady_fall_is_flagged_though_no_step_between_two_terms_is() -> None:
    chem = steady([28, 22, 16, 10])  # 70 % → 25 % negative, 15 points a term
    bio = steady([10, 11, 9, 10])
    sides = [
        Side(counts(0, 0, 0), {"CHEM110": c, "BIO101": b}, {})
        for c, b in zip(chem, bio, strict=True)
    ]

    result = trend(sides, LABELS)

    groups = {group.group: group for group in result.groups}
    negative = groups["CHEM110"].series[0]
    assert negative.key == "negative" and negative.flagged and negative.direction == "falling"
    assert groups["CHEM110"].series[2].direction == "rising"  # positive: what is left
    assert negative.difference == pytest.approx(0.25 - 0.70)
    assert not groups["BIO101"].flagged
    for earlier, later in pairwise(sides):  # term to term: noise
        step = change(earlier, later, LABELS)
        assert not any(group.flagged for group in step.groups)
    # one family: two groups × negative and positive (the overall counts are empty)
    assert result.tests == 4
    assert negative.adjusted_p is not None and negative.adjusted_p >= negative.p_value  # type: ignore[operator]


def test_a_group_is_followed_through_the_jobs_that_have_it() -> None:
    sides = [
        Side(counts(30, 0, 10), {"A": counts(30, 0, 10), "Old": counts(3, 0, 2)}, {}),
        Side(counts(0, 0, 0), {}, {}),  # a term without the course
        Side(counts(5, 0, 35), {"A": counts(5, 0, 35), "New": counts(1, 0, 1)}, {}),
    ]

    result = trend(sides, LABELS)

    (followed,) = result.groups
    assert followed.group == "A"
    assert [share.n for share in followed.series[0].shares] == [40, 0, 40]
    assert followed.series[0].shares[1].share is None and followed.series[0].flagged
    assert result.only_one == (("Old", 0, 5), ("New", 2, 2))
    with pytest.raises(ValueError, match="2 to 12 jobs"):
        trend(sides[:1], LABELS)
    with pytest.raises(ValueError, match="2 to 12 jobs"):
        trend(sides * 5, LABELS)


def test_a_group_in_one_job_that_looks_like_another_is_named_once() -> None:
    only_one = ["MATH221", "chem-110", "CHEM 110", "HIST 1"]
    followed = ["MATH 221", "BIO101", None]

    assert look_alikes(only_one, followed) == [
        ("MATH221", "MATH 221"),
        ("chem-110", "CHEM 110"),
    ]
    assert look_alikes([None, "A"], ["B"]) == []


def test_aspects_follow_their_share_negative() -> None:
    sides = [Side(counts(10, 10, 10), {}, {"exams": counts(k, 0, 30 - k)}) for k in (25, 15, 5)] + [
        Side(counts(10, 10, 10), {}, {"exams": counts(2, 0, 28), "workload": counts(3, 0, 0)})
    ]

    result = trend(sides, LABELS)

    aspects = {series.key: series for series in result.aspects}
    assert aspects["exams"].direction == "falling"
    assert [s.n for s in aspects["workload"].shares] == [0, 0, 0, 3] and not aspects[
        "workload"
    ].tested


# --- the edges ------------------------------------------------------------------------------

TERMS = [
    csv_of(
        [("CHEM110", f"bad labs number {i}") for i in range(bad)]
        + [("CHEM110", f"good lectures {i}") for i in range(40 - bad)]
        + [("BIO101", f"good course {i}") for i in range(8)]
        + [("BIO101", "bad exam")]
        + extra
    )
    for bad, extra in ((28, [("PHYS 200", "ok")]), (20, []), (12, []), (5, [("MATH1", "good")]))
]


def four_terms(backend: Backend, client: TestClient) -> list[str]:
    ids = [submitted(client, body, f"term-{i}.csv") for i, body in enumerate(TERMS, start=1)]
    finish(backend)
    return ids


def test_the_api_follows_each_course_over_the_terms(backend: Backend, client: TestClient) -> None:
    ids = four_terms(backend, client)

    answer = client.get("/v1/trend", params={"jobs": ", ".join(ids), "group_by": "course"})
    body = answer.json()

    assert answer.status_code == 200, answer.text
    assert [job["input_name"] for job in body["jobs"]] == [f"term-{i}.csv" for i in range(1, 5)]
    groups = {group["group"]: group for group in body["groups"]}
    chem = groups["CHEM110"]
    assert chem["n"] == [40, 40, 40, 40]
    negative = chem["series"][0]
    assert [share["share"] for share in negative["shares"]] == pytest.approx([0.7, 0.5, 0.3, 0.125])
    assert negative["flagged"] and negative["direction"] == "falling"
    assert not groups["BIO101"]["flagged"]
    assert body["only_one_job"] == [
        {"group": "MATH1", "job": 3, "n": 1},
        {"group": "PHYS 200", "job": 0, "n": 1},
    ]
    assert body["possible_matches"] == []
    assert body["aspects"] and body["notes"] == []
    # BIO101 has 4 bad comments in all: too few to test; CHEM110's two shares are tested
    assert all(series["p_value"] is None for series in groups["BIO101"]["series"])
    tested = [s for s in body["overall"] + body["aspects"] if s["p_value"] is not None]
    assert body["tests"] == len(tested) + 2

    backwards = client.get("/v1/trend", params={"jobs": ",".join(reversed(ids))}).json()
    assert backwards["overall"][0]["direction"] == "rising" and backwards["groups"] == []


def test_a_course_written_another_way_is_named_in_the_answer_and_the_report(
    backend: Backend, client: TestClient
) -> None:
    bodies = [TERMS[0], TERMS[1], TERMS[2] + b"\nphys-200,fine"]
    ids = [submitted(client, body, f"term-{i}.csv") for i, body in enumerate(bodies, start=1)]
    finish(backend)

    body = client.get("/v1/trend", params={"jobs": ",".join(ids), "group_by": "course"}).json()
    text = trend_text(client, ids[2], group_by="course", trend=",".join(ids[:2]))

    assert body["possible_matches"] == [{"group": "PHYS 200", "like": "phys-200"}]
    assert "“PHYS 200” and “phys-200” may be one course written two ways" in text


def test_it_refuses_what_would_mislead(backend: Backend, client: TestClient) -> None:
    ids = four_terms(backend, client)
    running = submitted(client, TERMS[0] + b"\nCHEM110,one more", "term-5.csv")
    plain = client.post(
        "/v1/jobs", files={"file": ("plain.csv", b"comment\ngood\nbad\n")},
        data={"text_column": "comment"},
    ).json()["request_id"]  # fmt: skip

    def refused(jobs: str, **params: str) -> tuple[int, str]:
        answer = client.get("/v1/trend", params={"jobs": jobs, **params})
        return answer.status_code, answer.json()["detail"]

    status, detail = refused(",".join([ids[0], running, ids[1]]))
    assert status == 409 and "job 2 of 3" in detail and "term-5.csv" in detail
    finish(backend)
    status, detail = refused(",".join([ids[0], plain]), group_by="course")
    assert status == 400 and detail.startswith("job 2 of 2 (") and "course" in detail
    status, detail = refused(f"{ids[0]},{ids[1]},{ids[0]}")
    assert status == 400 and f"{ids[0]} given more than once" in detail
    assert refused(ids[0]) == (400, "jobs: 1 given; a trend takes 2 to 12 jobs")
    assert refused(",".join(["A" * 22 + str(i) for i in range(MAX_JOBS + 1)]))[0] == 400
    status, detail = refused(f"{ids[0]},<script>")
    assert status == 422 and "String should match pattern" in detail and "<script>" not in detail
    assert refused(f"{ids[0]},{'A' * 22}")[0] == 404
    assert client.get("/v1/trend").status_code == 422


def test_one_course_alone_is_followed_with_its_aspects_as_a_family_of_its_own(
    backend: Backend, client: TestClient
) -> None:
    ids = four_terms(backend, client)
    jobs = ",".join(ids)

    def trend_of(**params: str) -> httpx.Response:
        return client.get("/v1/trend", params={"jobs": jobs, **params})

    bio = trend_of(group_by="course", group="BIO101").json()
    math = trend_of(group_by="course", group="MATH1").json()

    assert bio["group"] == "BIO101" and bio["groups"] == [] and bio["only_one_job"] == []
    assert [share["n"] for share in bio["overall"][0]["shares"]] == [9, 9, 9, 9]
    exams = {series["key"]: series for series in bio["aspects"]}["exams"]
    assert [share["count"] for share in exams["shares"]] == [1, 1, 1, 1]
    assert "teaching" not in {series["key"] for series in bio["aspects"]}, "CHEM110's, not its"
    assert bio["tests"] == 0  # 4 bad comments in 36: too few to test, and said so by null p
    assert [share["n"] for share in math["overall"][0]["shares"]] == [0, 0, 0, 1]
    refusals = (
        (
            {"group_by": "course", "group": "CHEM 110"},
            400,
            "no job has 'course' = 'CHEM 110' (did you mean 'CHEM110'?); their values: ",
        ),
        ({"group": "BIO101"}, 400, "group needs group_by"),
        ({"group_by": "course", "group": ""}, 400, "group needs group_by"),
    )
    for params, status, detail in refusals:
        answer = trend_of(**params)
        assert answer.status_code == status and detail in answer.json()["detail"], answer.text
    event = {**without_identity(load_event("summary", ids[0])), "path": "/v1/trend"}
    query = {"jobs": jobs, "group_by": "course", "group": "BIO101"}
    gateway = Gateway(backend).handle(with_query(event, **query))
    assert json.loads(gateway["body"]) == bio


def test_a_different_model_or_a_job_without_aspects_is_said(
    backend: Backend, client: TestClient
) -> None:
    first = submitted(client, TERMS[0], "term-1.csv")
    finish(backend, insights=False)
    second = submitted(client, TERMS[1], "term-2.csv")
    FakePredictor.version = "fake-2"
    try:
        finish(backend)
    finally:
        FakePredictor.version = "fake-1"

    body = client.get("/v1/trend", params={"jobs": f"{first},{second}"}).json()

    assert body["aspects"] == []
    assert any("2 different models (fake-1, fake-2)" in note for note in body["notes"])
    assert any("Aspects are followed only when every job has them" in n for n in body["notes"])


def test_another_callers_job_is_never_followed(tmp_path: Path) -> None:
    keyed = make_backend(tmp_path, auth="keys")
    alice = service.create_key(keyed, "alice").secret
    bob = service.create_key(keyed, "bob").secret
    api = TestClient(create_app(keyed))
    hers = submitted(api, TERMS[0], "alice.csv", **{"X-API-Key": alice})
    his = [submitted(api, body, "bob.csv", **{"X-API-Key": bob}) for body in TERMS[1:3]]
    finish(keyed)
    mixed = ",".join([hers, *his])

    answer = api.get("/v1/trend", params={"jobs": mixed}, headers={"X-API-Key": bob})
    absent = api.get(
        "/v1/trend", params={"jobs": ",".join(["B" * 22, *his])}, headers={"X-API-Key": bob}
    )
    assert answer.status_code == 404 and "alice.csv" not in answer.text
    assert answer.json()["detail"].replace(hers, "") == absent.json()["detail"].replace(
        "B" * 22, ""
    )
    own = api.get("/v1/trend", params={"jobs": ",".join(his)}, headers={"X-API-Key": bob})
    assert own.status_code == 200, own.text

    service.revoke_key(keyed, "bob")
    again = api.get("/v1/trend", params={"jobs": ",".join(his)}, headers={"X-API-Key": bob})
    assert again.status_code == 401


def test_the_gateway_answers_as_the_api_does(backend: Backend, client: TestClient) -> None:
    ids = four_terms(backend, client)
    event = {**without_identity(load_event("summary", ids[0])), "path": "/v1/trend"}
    query = {"jobs": ",".join(ids), "group_by": "course"}

    answer = Gateway(backend).handle(with_query(event, **query))

    assert answer["statusCode"] == 200
    assert json.loads(answer["body"]) == client.get("/v1/trend", params=query).json()
    refusals = [
        ({}, 422),
        ({"jobs": f"{ids[0]},bad id"}, 422),
        ({"jobs": f"{ids[0]},{ids[1]}\n"}, 422),
        ({"jobs": ids[0]}, 400),
        ({"jobs": f"{ids[0]},{ids[0]}"}, 400),
    ]
    for bad, status in refusals:
        gateway = Gateway(backend).handle(with_query(event, **bad))
        fastapi = client.get("/v1/trend", params=bad)
        assert gateway["statusCode"] == fastapi.status_code == status, gateway["body"]
        assert json.loads(gateway["body"]) == fastapi.json()


def test_the_command_prints_the_table_or_writes_a_csv(
    backend: Backend,
    client: TestClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ids = four_terms(backend, client)
    body = client.get("/v1/trend", params={"jobs": ",".join(ids), "group_by": "course"}).json()
    seen = clients_answered_by(monkeypatch, lambda: httpx.Response(200, json=body))
    api = ["--api-url", "http://api.test"]

    assert main(["trend", *ids, "--group-by", "course", *api]) == 0
    printed = capsys.readouterr().out
    assert dict(seen[0].url.params) == {"jobs": ",".join(ids), "group_by": "course"}
    assert "\n  1 term-1.csv (" in printed and "\n  4 term-4.csv (" in printed
    chem = next(line for line in printed.splitlines() if line.startswith("CHEM110"))
    assert "70 50 30 12 ↓" in chem and "30 50 70 88 ↑" in chem
    assert "In one job only, so no trend: MATH1 (job 4, n=1), PHYS 200 (job 1, n=1)" in printed

    target = tmp_path / "trend.csv"
    assert main(["trend", *ids, "--group-by", "course", "-o", str(target), *api]) == 0
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads UTF-8
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    chem_row = next(row for row in rows if row["part"] == "CHEM110")
    assert [float(chem_row[f"negative_{job}"]) for job in range(1, 5)] == pytest.approx(
        [0.7, 0.5, 0.3, 0.125]
    )
    assert float(chem_row["negative_change_points"]) == pytest.approx(-57.5)
    assert chem_row["negative_trend"] == "falling" and chem_row["positive_trend"] == "rising"
    assert rows[0]["part"] == "(all comments)"
    assert main(["trend", *ids, "--group-by", "course", "--group", "(blank)", *api]) == 0
    assert dict(seen[-1].url.params)["group"] == "(blank)"


def test_the_text_names_look_alikes_in_one_job_only() -> None:
    body = {
        "jobs": [{}, {}],
        "only_one_job": [{"group": "MATH221", "job": 1, "n": 40}],
        "possible_matches": [{"group": "MATH221", "like": "MATH 221"}],
    }

    assert trend_table.one_job_only(body) == [
        "In one job only, so no trend: MATH221 (job 2, n=40). Values are matched exactly.",
        "“MATH221” and “MATH 221” may be one group written two ways: recode one file to follow "
        "them as one.",
    ]


def test_the_csv_escapes_a_group_that_looks_like_a_formula() -> None:
    share = {"count": 1, "n": 2, "share": 0.5, "low": 0.1, "high": 0.9}
    series = {"key": "negative", "shares": [share, share], "difference": 0.0, "z": 0.0,
              "p_value": 1.0, "adjusted_p": 1.0, "flagged": False, "direction": None}  # fmt: skip
    body = {
        "jobs": [{}, {}],
        "tested_labels": ["negative"],
        "groups": [{"group": "=HYPERLINK(1)", "n": [2, 2], "series": [series]}],
    }

    (row,) = csv.DictReader(io.StringIO(trend_table.to_csv(body)))

    assert row["part"] == "'=HYPERLINK(1)" and row["negative_1"] == "0.5"


def test_the_csv_has_a_column_per_job_and_per_share() -> None:
    body = {"jobs": [{}, {}, {}], "tested_labels": ["negative"], "overall": [], "groups": []}

    header = next(csv.reader(io.StringIO(trend_table.to_csv(body))))

    assert header[:6] == ["part", "kind", "n_1", "n_2", "n_3", "small"]
    assert header[6:12] == [
        "negative_1", "negative_2", "negative_3", "negative_change_points",
        "negative_adjusted_p", "negative_trend",
    ]  # fmt: skip
    assert header[-1] == "aspect_negative_trend"


# --- the report's section -------------------------------------------------------------------


def trend_text(client: TestClient, request_id: str, **params: str) -> str:
    return report_text(client, request_id, "trend", **params)


def test_the_report_follows_each_course_over_the_terms(
    backend: Backend, client: TestClient
) -> None:
    ids = four_terms(backend, client)
    earlier = ",".join(ids[:3])

    answer = client.get(
        f"/v1/jobs/{ids[3]}/report", params={"group_by": "course", "trend": earlier}
    )
    text = trend_text(client, ids[3], group_by="course", trend=earlier)

    assert "-trend-4-jobs.html" in answer.headers["content-disposition"]
    assert "over 4 jobs, oldest first" in text
    assert text.index("term-1.csv") < text.index("term-3.csv") < text.index("term-4.csv")
    assert "CHEM110 : negative falling, 70% → 50% → 30% → 12% (p<0.001 after Holm)" in text
    assert "CHEM110 40 · 40 · 40 · 40 ▼ 70% → 50% → 30% → 12% (-58 pts)" in text
    bio = "BIO101 9 · 9 · 9 · 9 small 11% → 11% → 11% → 11% (+0 pts)"
    assert bio in text, "not tested: no flag"
    assert "In one job only, so no trend: MATH1 (job 4, n=1), PHYS 200 (job 1, n=1)." in text
    plain = client.get(f"/v1/jobs/{ids[3]}/report", params={"group_by": "course"}).text
    assert '<section id="trend"' not in plain


def test_the_whole_report_s_trend_is_one_family_not_the_last_group_s(
    backend: Backend, client: TestClient
) -> None:
    """The groups' rows are read in a loop whose variable once took the name of the body's
    ``group``: the whole report's page then said its family was the last group's."""
    ids = four_terms(backend, client)

    text = trend_text(client, ids[3], group_by="course", trend=",".join(ids[:3]))

    assert "tests of the whole trend," in text
    assert "trend alone" not in text and "'series'" not in text


def test_a_groups_own_report_shows_its_own_trend_and_aspects_and_names_no_other_group(
    backend: Backend, client: TestClient
) -> None:
    ids = four_terms(backend, client)
    earlier = ",".join(ids[:3])

    chem = trend_text(client, ids[3], group_by="course", group="CHEM110", trend=earlier)
    new = trend_text(client, ids[3], group_by="course", group="MATH1", trend=earlier)

    assert "CHEM110 40 · 40 · 40 · 40 ▼ 70% → 50% → 30% → 12%" in chem
    aspects = "Aspects: share negative aspect n by job negative by job teaching 12 · 20 · 28 · 35"
    assert aspects in chem
    assert "over the 2 tests of CHEM110's trend alone" in chem, "its own family: its 2 shares"
    for other in ("BIO101", "PHYS", "MATH1", "all comments", "exams"):
        assert other not in chem
    assert "MATH1 has comments in this job only, so it has no trend." in new
    assert "CHEM110" not in new and "PHYS" not in new


def test_a_report_with_a_trend_it_cannot_follow_is_refused(
    backend: Backend, client: TestClient
) -> None:
    ids = four_terms(backend, client)
    path = f"/v1/jobs/{ids[3]}/report"

    def status(**params: str) -> int:
        return client.get(path, params=params).status_code

    assert status(trend=f"{ids[0]},{'A' * 22}") == 404
    assert status(trend=f"{ids[0]},not an id") == 422
    assert status(trend=f"{ids[0]},{ids[3]}") == 400  # this job is the trend's last already
    assert status(trend=",".join(["A" * 22 + str(i) for i in range(MAX_JOBS)])) == 400
    event = {**without_identity(load_event("summary", ids[3])), "path": path}
    for query, expected in (
        ({"trend": "bad id"}, 422),
        ({"trend": ""}, 422),
        ({"trend": ids[3]}, 400),
        ({"trend": ",".join(ids[:3])}, 200),
    ):
        answer = Gateway(backend).handle(with_query(event, format="html", **query))
        assert answer["statusCode"] == expected == status(**query), answer["body"][:300]
    assert "Over the terms" in answer["body"]


def test_the_client_and_the_command_ask_for_the_report_with_a_trend(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = clients_answered_by(monkeypatch, lambda: httpx.Response(200, content=b"%PDF-1.7"))
    monkeypatch.chdir(tmp_path)

    assert main(["report", "rid", "--trend", "t1", "t2", "--api-url", "http://api.test"]) == 0

    assert dict(seen[0].url.params) == {"format": "pdf", "trend": "t1,t2"}
    assert (tmp_path / "rid-report.pdf").read_bytes() == b"%PDF-1.7"
