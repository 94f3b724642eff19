"""*Compare → Several jobs in order* in the app (AppTest), against the real API on uvicorn over
four terms labelled by the fake predictor. The page must offer only the caller's other finished
jobs, keep the order they are picked in (oldest first, this job last), show each course's share
in every term with a flag only on a trend beyond the noise, name the courses found in one term
only and offer the table as CSV."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from apptests import page_text
from fastapi.testclient import TestClient
from httpfakes import serving_app
from jobfakes import make_backend
from streamlit.testing.v1 import AppTest
from test_change import finish, submitted
from test_streamlit_change import APP
from test_trend import TERMS

from pipeline.api.app import create_app
from pipeline.client import PipelineClient


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    backend = make_backend(tmp_path_factory.mktemp("trend-app"), auth="none")
    api = TestClient(create_app(backend))
    ids = [submitted(api, body, f"term-{i}.csv") for i, body in enumerate(TERMS, start=1)]
    finish(backend)
    submitted(api, TERMS[0] + b"\nBIO101,later", "queued.csv")
    with serving_app(create_app(backend), log_level="warning") as url:
        yield url, ids


def trend_page(served: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The last term's job, on *Compare → Several jobs in order*."""
    url, ids = served
    monkeypatch.setenv("PIPELINE_API_URL", url)
    monkeypatch.delenv("PIPELINE_API_KEY", raising=False)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["job"] = ids[3]
    at.run()
    at.radio(key="c-mode").set_value("Several jobs in order (a trend)").run()
    return at


def test_four_terms_in_the_order_picked(
    served: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = served[1]
    at = trend_page(served, monkeypatch)
    assert not at.exception, at.exception

    picker = at.multiselect(key="tr-jobs")
    offered = [option.split(" · ")[0] for option in picker.options]
    assert sorted(offered) == ["term-1.csv", "term-2.csv", "term-3.csv"]  # not queued, not this
    picker.select(ids[0]).select(ids[1]).select(ids[2]).run()
    assert not at.exception and not at.error, page_text(at)

    text = page_text(at)
    assert text.index("1 term-1.csv") < text.index("2 term-2.csv") < text.index("4 term-4.csv")
    assert "CHEM110: negative falling (70 % → 12 %), positive rising (30 % → 88 %)" in text
    assert "In one job only, so no trend: MATH1 (job 4, n=1), PHYS 200 (job 1, n=1)" in text
    table = next(f.value for f in at.dataframe if "n by job" in f.value and "part" in f.value)
    chem = table[table["part"] == "CHEM110"].iloc[0]
    assert chem["n by job"] == "40 · 40 · 40 · 40"
    assert chem["negative % by job"] == "70 → 50 → 30 → 12"
    assert chem["negative: trend"] == "falling" and bool(chem["beyond the noise"])
    assert not bool(table[table["part"] == "BIO101"].iloc[0]["beyond the noise"])
    assert any("Share negative in each job" in c.proto.spec for c in at.get("vega_lite_chart"))
    downloads = [button.label for button in at.get("download_button")]
    for label in (
        "Trend table (CSV)",
        "Report with this trend (PDF)",
        "Report with this trend (HTML)",
    ):
        assert downloads.count(label) == 1, downloads

    at.multiselect(key="tr-jobs").set_value([ids[2], ids[0]]).run()  # picked the other way
    reordered = next(f.value for f in at.dataframe if "n by job" in f.value and "part" in f.value)
    assert reordered[reordered["part"] == "CHEM110"].iloc[0]["negative % by job"] == "30 → 70 → 12"


def test_one_course_through_the_terms_is_a_family_of_its_own(
    served: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = served[1]
    at = trend_page(served, monkeypatch)
    at.multiselect(key="tr-jobs").set_value(ids[:3]).run()

    assert at.selectbox(key="tr-detail").options == ["CHEM110", "BIO101"]
    at.selectbox(key="tr-detail").set_value("CHEM110").run()
    assert not at.exception and not at.error, page_text(at)

    chem, aspects = [f.value for f in at.dataframe if "n by job" in f.value][-2:]
    assert list(chem["part"]) == ["CHEM110"]  # its own row stands where all comments stood
    assert chem.iloc[0]["negative % by job"] == "70 → 50 → 30 → 12"
    assert chem.iloc[0]["negative: trend"] == "falling" and bool(chem.iloc[0]["beyond the noise"])
    assert list(aspects["aspect"]) == ["teaching"]  # no exams: CHEM110 has no comment on them
    assert aspects.iloc[0]["n by job"] == "12 · 20 · 28 · 35"
    text = page_text(at)
    assert text.count("CHEM110: negative falling (70 % → 12 %)") == 2  # the whole trend's, its own
    assert "Holm's correction over the 2 tests of CHEM110 alone" in text


def test_the_themes_of_a_label_over_the_terms_are_the_api_s(
    served: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Below the shares: the negative comments' themes found once over the four terms, each
    with its comments in each term, as ``GET /v1/trend/themes`` gives them; another label
    asks again; the table downloads as CSV."""
    url, ids = served
    at = trend_page(served, monkeypatch)
    at.multiselect(key="tr-jobs").set_value(ids[:3]).run()
    assert not at.exception and not at.error, page_text(at)

    assert at.selectbox(key="tr-themes-label").value == "negative"
    with PipelineClient(url) as client:
        expected = client.trend_themes(ids, "negative")
    themes = next(f.value for f in at.dataframe if "comments by job" in f.value)
    assert list(themes["comments by job"]) == [
        " · ".join(str(n) for n in theme["counts"]) for theme in expected["themes"]
    ]
    assert list(themes["beyond the noise"]) == [t["flagged"] for t in expected["themes"]]
    counted = " · ".join(str(n) for n in expected["label_n"])
    assert f"Negative comments by job: {counted}." in page_text(at)
    assert "Themes over these jobs (CSV)" in [b.label for b in at.get("download_button")]
    frames = [f for f in at.dataframe if "beyond the noise" in f.value]
    helps = {json.loads(f.proto.columns)["beyond the noise"]["help"] for f in frames}
    assert helps == {
        "The difference survives the Cochran–Armitage test for a trend with Holm's correction "
        "(5 % family-wise)."
    }, "a trend's flags are not Fisher's"

    at.selectbox(key="tr-themes-label").set_value("positive").run()
    assert not at.exception and not at.error, page_text(at)
    with PipelineClient(url) as client:
        positive = client.trend_themes(ids, "positive")
    themes = next(f.value for f in at.dataframe if "comments by job" in f.value)
    assert len(themes) == len(positive["themes"])
    by_job = " · ".join(str(n) for n in positive["label_n"])
    assert f"Positive comments by job: {by_job}" in page_text(at)
