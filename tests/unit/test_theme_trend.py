"""Which themes of one label grew or faded over several jobs (the complaints of four terms):
the figures (``pipeline.report.theme_trend``), the service, the FastAPI route and the API
Gateway handler, the client, ``sentiment-pipeline trend --themes`` and its table.

What it must do: find a theme once over every job, so that it is the same theme in each;
count it per job against the job's comments; flag a steady rise or fall, and only that; say
which theme is new; refuse what it cannot answer (a label the jobs lack, a job without themes,
one not finished, another caller's)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import httpx
import pytest
from apigw_events import load_event, with_query, without_identity
from fastapi.testclient import TestClient
from httpfakes import clients_answered_by
from jobfakes import make_backend
from test_change import csv_of, finish, report_text, submitted

from pipeline.api.app import create_app
from pipeline.api.gateway import Gateway
from pipeline.bootstrap import Backend
from pipeline.cli.main import main
from pipeline.report import theme_trend_table
from pipeline.report.theme_trend import theme_trend
from pipeline.themes.report import Theme

THEMES = "/v1/trend/themes"


def term(labs: int, parking: int, good: int = 40) -> bytes:
    """One term's comments: broken labs in CHEM110, a full car park at BIO101, praise."""
    rows = [("CHEM110", f"bad labs broken again {i}") for i in range(labs)]
    rows += [("BIO101", f"bad parking lot full {i}") for i in range(parking)]
    rows += [("CHEM110", f"good lectures {i}") for i in range(good)]
    return csv_of(rows)


TERMS = [term(30, 0), term(20, 5), term(12, 12), term(5, 25)]
"""Fewer lab complaints each term; a parking complaint that appears in the second and grows."""


def four_terms(backend: Backend, client: TestClient, insights: bool = True) -> list[str]:
    ids = [submitted(client, body, f"term-{i}.csv") for i, body in enumerate(TERMS, start=1)]
    finish(backend, insights)
    return ids


def by_keyword(body: dict, word: str) -> list[dict]:
    return [theme for theme in body["themes"] if word in " ".join(theme["keywords"])]


# --- the figures ----------------------------------------------------------------------------


def _theme(theme_id: int, name: str, size: int) -> Theme:
    return Theme(theme_id, "negative", tuple(name.split()), (), size, 0.0, 1.0)


def test_a_steady_rise_is_flagged_a_flat_theme_is_not_and_flagged_ones_come_first() -> None:
    themes = [_theme(0, "flat one", 40), _theme(1, "rising one", 30)]
    counts = {0: [10, 10, 10, 10], 1: [0, 5, 10, 15]}
    quotes = {1: [(3, 7, "the car park is full")]}

    found = theme_trend(themes, counts, [100, 100, 100, 100], quotes)

    assert [item.theme.name for item in found] == ["rising / one", "flat / one"]
    rising, flat = found
    assert rising.series.flagged and rising.series.direction == "rising"
    assert [share.share for share in rising.series.shares] == [0.0, 0.05, 0.1, 0.15]
    assert not flat.series.flagged and flat.series.tested
    assert rising.to_dict()["quotes"] == [{"job": 3, "row": 7, "text": "the car park is full"}]
    assert not rising.new, "it had comments before the last job"
    assert theme_trend(themes, {0: [0, 0, 0, 9], 1: [1, 1, 1, 1]}, [50] * 4, {})[0].new


def test_the_themes_are_one_holm_family_and_one_job_is_no_trend() -> None:
    themes = [_theme(i, f"theme {i}", 10) for i in range(3)]
    counts = {0: [2, 4, 6], 1: [6, 4, 2], 2: [3, 4, 3]}

    found = theme_trend(themes, counts, [40, 40, 40], {})

    raw = sorted(item.series.p_value or 0 for item in found)
    adjusted = sorted(item.series.adjusted_p or 0 for item in found)
    assert adjusted[0] == pytest.approx(min(1.0, raw[0] * 3))
    with pytest.raises(ValueError, match="need 2 to 12 jobs"):
        theme_trend(themes, {0: [1], 1: [1], 2: [1]}, [10], {})


# --- the service through both HTTP edges ----------------------------------------------------


def test_a_complaint_that_grows_and_one_that_fades_are_found_in_every_term(
    backend: Backend, client: TestClient
) -> None:
    ids = four_terms(backend, client)

    answer = client.get(THEMES, params={"jobs": ",".join(ids), "label": "negative"})

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [job["request_id"] for job in body["jobs"]] == ids
    assert body["n"] == [70, 65, 64, 70], "each job's comments with a label"
    assert body["label_n"] == [30, 25, 24, 30]
    assert [sum(counts) for counts in zip(*(t["counts"] for t in body["themes"]), strict=True)] == (
        body["label_n"]
    ), "every negative comment of every job is in one theme"
    (parking,) = by_keyword(body, "parking")
    assert parking["counts"] == [0, 5, 12, 25]
    assert parking["flagged"] and parking["direction"] == "rising"
    assert body["themes"][0]["flagged"], "flagged themes first"
    labs = [theme for theme in by_keyword(body, "labs") if theme["flagged"]]
    assert labs and all(theme["direction"] == "falling" for theme in labs)
    results = {
        index: client.get(f"/v1/jobs/{request_id}/results", params={"limit": 200}).json()["rows"]
        for index, request_id in enumerate(ids)
    }
    for quote in parking["quotes"]:
        row = results[quote["job"]][quote["row"]]
        assert row["comment"] == quote["text"] and row["label"] == "negative"


def test_one_group_alone_and_two_jobs_are_a_change(backend: Backend, client: TestClient) -> None:
    ids = four_terms(backend, client)
    params = {"jobs": f"{ids[0]},{ids[3]}", "label": "negative"}

    alone = client.get(THEMES, params={**params, "group_by": "course", "group": "BIO101"}).json()
    change = client.get(THEMES, params=params).json()

    assert alone["n"] == [0, 25] and alone["label_n"] == [0, 25]
    printed = theme_trend_table.text(alone)
    assert "  comments of course BIO101 by job: 0 · 25" in printed, "not the jobs' own counts"
    assert {word for t in alone["themes"] for word in t["keywords"]} >= {"parking"}
    assert all("labs" not in t["keywords"] for t in alone["themes"]), "CHEM110's are not there"
    assert len(change["jobs"]) == 2 and change["label_n"] == [30, 30]


@pytest.mark.parametrize(
    ("params", "status", "words"),
    [
        ({"label": "angry"}, 400, "label 'angry' is not one of the jobs'"),
        ({"label": "negative", "group": "BIO101"}, 400, "group needs group_by"),
        (
            {"label": "negative", "group_by": "course", "group": "ART1"},
            400,
            "group 'ART1': no job has a comment in it",
        ),
        ({"label": "negative", "group_by": "term"}, 400, "job 1 of 4"),
        ({}, 422, "'label'"),
    ],
)
def test_what_cannot_be_answered_is_refused_naming_why(
    backend: Backend, client: TestClient, params: dict[str, str], status: int, words: str
) -> None:
    ids = four_terms(backend, client)

    answer = client.get(THEMES, params={"jobs": ",".join(ids), **params})

    assert answer.status_code == status, answer.text
    assert words in answer.json()["detail"]


def test_a_job_without_themes_or_not_finished_or_another_key_s_is_refused(
    tmp_path: Path,
) -> None:
    backend = make_backend(tmp_path, auth="none")
    client = TestClient(create_app(backend))
    without = four_terms(backend, client, insights=False)
    queued = submitted(client, term(1, 1), "spring.csv")
    keyed = make_backend(tmp_path / "keyed", auth="keys")

    plain = client.get(THEMES, params={"jobs": ",".join(without[:2]), "label": "negative"})
    waiting = client.get(THEMES, params={"jobs": f"{without[0]},{queued}", "label": "negative"})

    assert plain.status_code == 409 and "job 1 of 2" in plain.json()["detail"]
    assert "has no themes" in plain.json()["detail"]
    assert waiting.status_code == 409 and "job 2 of 2" in waiting.json()["detail"]
    from pipeline import service

    secret = service.create_key(keyed, "bob").secret
    other = TestClient(create_app(keyed)).get(
        THEMES,
        params={"jobs": ",".join(without[:2]), "label": "negative"},
        headers={"X-API-Key": secret},
    )
    assert other.status_code == 404


def test_the_gateway_answers_as_the_api_does(backend: Backend, client: TestClient) -> None:
    ids = four_terms(backend, client)
    summary = without_identity(load_event("summary", ids[0]))
    event = {**summary, "path": THEMES, "multiValueQueryStringParameters": None}
    query = {"jobs": ",".join(ids), "label": "negative"}

    answer = Gateway(backend).handle(with_query(event, **query))

    assert answer["statusCode"] == 200
    assert json.loads(answer["body"]) == client.get(THEMES, params=query).json()
    for bad, status in [
        ({"label": "negative"}, 422),
        ({"jobs": ",".join(ids)}, 422),
        ({"jobs": f"{ids[0]},bad id", "label": "negative"}, 422),
        ({"jobs": ids[0], "label": "negative"}, 400),
        ({"jobs": ",".join(ids), "label": "angry"}, 400),
    ]:
        gateway = Gateway(backend).handle(with_query(event, **bad))
        fastapi = client.get(THEMES, params=bad)
        assert gateway["statusCode"] == fastapi.status_code == status, gateway["body"]
        assert json.loads(gateway["body"]) == fastapi.json()


# --- the client, the command and its table --------------------------------------------------


def test_the_command_prints_the_themes_or_writes_a_csv(
    backend: Backend,
    client: TestClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ids = four_terms(backend, client)
    body = client.get(THEMES, params={"jobs": ",".join(ids), "label": "negative"}).json()
    seen = clients_answered_by(monkeypatch, lambda: httpx.Response(200, json=body))
    api = ["--api-url", "http://api.test"]

    assert main(["trend", *ids, "--themes", "negative", *api]) == 0
    printed = capsys.readouterr().out
    assert dict(seen[0].url.params) == {"jobs": ",".join(ids), "label": "negative"}
    assert printed.startswith("Themes of the negative comments over 4 jobs")
    assert "negative comments by job: 30 · 25 · 24 · 30" in printed
    parking = next(line for line in printed.splitlines() if "parking" in line.split("  ")[0])
    assert "0 · 5 · 12 · 25" in parking and "0 → 8 → 19 → 36" in parking
    assert "rising ↑" in parking

    target = tmp_path / "themes.csv"
    assert main(["trend", *ids, "--themes", "negative", "-o", str(target), *api]) == 0
    captured = capsys.readouterr()  # the file's confirmation on stderr: stdout is the data's
    assert f"wrote {target} ({len(body['themes'])} themes)" in captured.err
    assert captured.out == ""
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads UTF-8
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    (row,) = [row for row in rows if "parking" in row["keywords"]]
    assert [row[f"comments_{job}"] for job in range(1, 5)] == ["0", "5", "12", "25"]
    assert row["trend"] == "rising" and float(row["share_4"]) == pytest.approx(25 / 70, 1e-5)


def test_a_theme_s_text_in_the_csv_is_formula_escaped() -> None:
    share = {"count": 1, "n": 2, "share": 0.5, "low": 0.1, "high": 0.9}
    theme = {
        "name": "=HYPERLINK(1)",
        "keywords": ["=cmd"],
        "counts": [1, 1],
        "shares": [share, share],
        "difference": 0.0,
        "adjusted_p": None,
        "direction": None,
        "new": False,
        "quotes": [{"job": 0, "row": 0, "text": "+1 bad"}],
    }
    body = {"jobs": [{}, {}], "themes": [theme]}

    (row,) = list(csv.DictReader(io.StringIO(theme_trend_table.to_csv(body))))

    assert row["theme"].startswith("'=") and row["keywords"].startswith("'=")
    assert row["quote"].startswith("'+")


# --- the report's pages ---------------------------------------------------------------------


def test_the_report_s_trend_and_change_pages_follow_the_complaints_themes(
    backend: Backend, client: TestClient
) -> None:
    ids = four_terms(backend, client)
    body = client.get(THEMES, params={"jobs": ",".join(ids), "label": "negative"}).json()
    (parking,) = by_keyword(body, "parking")

    trend = report_text(client, ids[3], "trend", group_by="course", trend=",".join(ids[:3]))
    change = report_text(client, ids[3], "change", group_by="course", since=ids[2])

    assert "Themes of the negative comments by job" in trend
    assert "negative comments by job: 30 · 25 · 24 · 30" in trend
    assert f"{parking['name']} 0 · 5 · 12 · 25 ▲ 0% → 8% → 19% → 36%" in trend
    assert "Themes of the negative comments, earlier and now" in change
    assert "negative comments by job: 24 · 30" in change


def test_a_group_s_own_report_follows_its_own_complaints_only(
    backend: Backend, client: TestClient
) -> None:
    ids = four_terms(backend, client)

    text = report_text(
        client, ids[3], "trend", group_by="course", group="BIO101", trend=",".join(ids[:3])
    )

    assert "negative comments by job: 0 · 5 · 12 · 25" in text
    assert "parking" in text
    assert "labs" not in text and "CHEM110" not in text, "no other course's complaints"


def test_a_report_over_jobs_without_themes_says_why_and_still_renders(tmp_path: Path) -> None:
    backend = make_backend(tmp_path, auth="none")
    client = TestClient(create_app(backend))
    ids = four_terms(backend, client, insights=False)

    text = report_text(client, ids[1], "change", group_by="course", since=ids[0])

    assert "The themes cannot be followed here: job 1 of 2" in text
    assert "has no themes" in text
