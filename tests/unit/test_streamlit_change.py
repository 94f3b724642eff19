"""*Compare → This job against an earlier one* in the app (AppTest), against the real API on
uvicorn over two jobs labelled by the fake predictor: last term's and this term's. The page
must offer only the caller's other finished jobs, show each course's share earlier → now with
a flag only beyond the noise, name the courses found in one term only, and offer the table as
CSV; a pasted id of no job is a message, not a traceback."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from apptests import page_text
from fastapi.testclient import TestClient
from httpfakes import serving_app
from jobfakes import make_backend
from streamlit.testing.v1 import AppTest
from test_change import LAST_TERM, THIS_TERM, finish, submitted

from pipeline.api.app import create_app
from pipeline.client import PipelineClient
from pipeline.report.change_table import SMALL_LEGEND

APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"
JOB_STATES_TTL_S = 5  # the app's: how soon a job erased elsewhere stops being shown


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    backend = make_backend(tmp_path_factory.mktemp("change-app"), auth="none")
    api = TestClient(create_app(backend))
    ids = {
        "earlier": submitted(api, LAST_TERM, "fall-2025.csv"),
        "now": submitted(api, THIS_TERM, "fall-2026.csv"),
    }
    finish(backend)
    ids["queued"] = submitted(api, THIS_TERM + b"\nBIO101,later", "spring-2026.csv")
    with serving_app(create_app(backend), log_level="warning") as url:
        yield url, ids


def against_earlier(served: tuple[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch) -> AppTest:
    url, ids = served
    monkeypatch.setenv("PIPELINE_API_URL", url)
    monkeypatch.delenv("PIPELINE_API_KEY", raising=False)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["job"] = ids["now"]
    at.run()
    assert not at.exception, at.exception
    at.radio(key="c-mode").set_value("This job against an earlier one").run()
    assert not at.exception, at.exception
    return at


def test_the_change_since_last_term_per_course(
    served: tuple[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    at = against_earlier(served, monkeypatch)
    since = at.selectbox(key="ch-since")
    ids = served[1]

    today = time.strftime("%Y-%m-%d", time.gmtime())
    # the queued job is not offered, nor this one
    assert since.options == [f"fall-2025.csv · {today} · 50 comments · {ids['earlier'][:8]}"]
    since.set_value(ids["earlier"]).run()
    assert not at.exception and not at.error, page_text(at)

    table = next(f.value for f in at.dataframe if "n earlier" in f.value)
    chem = table[table["part"] == "CHEM110"].iloc[0]
    assert chem["negative: earlier → now"] == "75 % → 12 %"
    assert chem["negative: change"] == "-63 points"
    assert bool(chem["beyond the noise"])
    assert not bool(table[table["part"] == "BIO101"].iloc[0]["beyond the noise"])
    assert "aspect: teaching" not in set(table["part"]), "aspects have their own table"
    aspects = next(f.value for f in at.dataframe if {"aspect", "n earlier"} <= set(f.value))
    assert list(aspects.columns) == [
        "aspect", "n earlier", "n now", "small", "negative: earlier → now",
        "negative: change", "beyond the noise",
    ]  # fmt: skip
    assert "teaching" in set(aspects["aspect"])
    text = page_text(at)
    assert "CHEM110: negative 75 % → 12 %, positive 25 % → 88 %" in text
    assert "Only in the earlier job: PHYS 200 (n=1)." in text
    assert "“PHYS 200” (earlier) and “phys-200” (now) may be one group" in text
    assert any("Share negative: earlier" in c.proto.spec for c in at.get("vega_lite_chart"))
    downloads = {button.label for button in at.get("download_button")}
    assert {
        "Change table (CSV)",
        "Report with this change (PDF)",
        "Report with this change (HTML)",
    } <= downloads
    assert at.selectbox(key="ch-themes-label").value == "negative"
    themes = next(f.value for f in at.dataframe if "comments by job" in f.value)
    with PipelineClient(served[0]) as client:
        expected = client.trend_themes([ids["earlier"], ids["now"]], "negative")
    assert list(themes["comments by job"]) == [
        " · ".join(str(n) for n in theme["counts"]) for theme in expected["themes"]
    ], "the themes of last term's and this term's complaints, found once over both"


def test_a_pasted_id_of_no_job_or_of_a_job_not_finished_is_a_message(
    served: tuple[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    at = against_earlier(served, monkeypatch)
    at.text_input(key="ch-pasted").set_value("A" * 22).run()
    assert not at.exception
    assert "No such job" in page_text(at)

    at.text_input(key="ch-pasted").set_value(served[1]["queued"]).run()
    assert "is queued" in page_text(at) and "only finished jobs are compared" in page_text(at)

    at.text_input(key="ch-pasted").set_value(served[1]["now"]).run()
    assert "That is this job's own request id" in page_text(at)
    assert "since is this job itself" not in page_text(at), "no parameter name on the page"


def test_one_course_in_detail_now_against_earlier(
    served: tuple[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The API's change of that course alone (``/change?group=``): the same table as the
    whole change's, its aspects, tested as a family of their own."""
    at = against_earlier(served, monkeypatch)
    at.selectbox(key="ch-since").set_value(served[1]["earlier"]).run()

    assert at.selectbox(key="ch-detail").options == ["CHEM110", "BIO101"]
    at.selectbox(key="ch-detail").set_value("CHEM110").run()
    assert not at.exception and not at.error, page_text(at)

    chem, aspects = [f.value for f in at.dataframe if "n earlier" in f.value][-2:]
    assert list(chem["part"]) == ["CHEM110"]  # its own row stands where all comments stood
    assert (chem.iloc[0]["n earlier"], chem.iloc[0]["n now"]) == (40, 40)
    assert chem.iloc[0]["negative: earlier → now"] == "75 % → 12 %"
    assert bool(chem.iloc[0]["beyond the noise"])
    assert "teaching" in set(aspects["aspect"])
    text = page_text(at)
    assert text.count("CHEM110: negative 75 % → 12 %") == 2  # the whole change's, its own
    assert "tests of CHEM110 alone" in text
    with PipelineClient(served[0]) as client:
        answer = client.change(served[1]["now"], served[1]["earlier"], "course", "CHEM110")
    assert f"Holm's correction over the {answer['tests']} tests of CHEM110 alone" in text


@pytest.mark.parametrize("pasted", ["../../etc/passwd", "x" * 5000, "<script>alert(1)</script>"])
def test_a_pasted_earlier_id_that_is_no_request_id_is_said_as_the_sidebar_says_it(
    served: tuple[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch, pasted: str
) -> None:
    """The API's validation text (``String should match pattern '^[A-Za-z0-9_-]{1,64}$'``)
    was shown for a pasted path or a page of text."""
    at = against_earlier(served, monkeypatch)
    at.text_input(key="ch-pasted").set_value(pasted).run()
    assert not at.exception
    shown = page_text(at)
    assert f"{pasted[:80]!r} is not a request id" in shown
    assert "No such job." in shown
    assert "should match pattern" not in shown and "since" not in shown.split("No such job")[1]


def test_an_earlier_job_erased_elsewhere_is_no_longer_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The change and the trend were cached for an hour keyed on the request ids alone: an
    earlier job erased from the command line (or the API, or the retention pass) stayed on
    the page, its shares in the table and its comments quoted in the themes and their CSV.
    Now the jobs' states are read again every few seconds, and the API's "erased" is shown."""
    from pipeline import service

    backend = make_backend(tmp_path, auth="none")
    api = TestClient(create_app(backend))
    earlier = submitted(api, LAST_TERM, "fall-2025.csv")
    now = submitted(api, THIS_TERM, "fall-2026.csv")
    finish(backend)
    with serving_app(create_app(backend), log_level="warning") as url:
        monkeypatch.setenv("PIPELINE_API_URL", url)
        monkeypatch.delenv("PIPELINE_API_KEY", raising=False)
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.query_params["job"] = now
        at.run()
        at.radio(key="c-mode").set_value("This job against an earlier one").run()
        at.text_input(key="ch-pasted").set_value(earlier).run()
        assert not at.exception and not at.error, page_text(at)
        assert any("n earlier" in frame.value for frame in at.dataframe)
        at.radio(key="c-mode").set_value("Several jobs in order (a trend)").run()
        at.multiselect(key="tr-jobs").set_value([earlier]).run()
        assert not at.exception and not at.error, page_text(at)
        assert any("comments by job" in frame.value for frame in at.dataframe)

        service.erase(backend, earlier)
        time.sleep(JOB_STATES_TTL_S + 0.5)
        at.run()  # the trend still chosen
        for mode in ("Several jobs in order (a trend)", "This job against an earlier one"):
            if mode != at.radio(key="c-mode").value:
                at.radio(key="c-mode").set_value(mode).run()
                at.text_input(key="ch-pasted").set_value(earlier).run()
            assert not at.exception, at.exception
            shown = page_text(at)
            assert "erased" in " ".join(str(error.value) for error in at.error), (mode, shown)
            assert not any("n earlier" in frame.value for frame in at.dataframe), mode
            assert not any("comments by job" in frame.value for frame in at.dataframe), mode
            assert "Change table (CSV)" not in {b.label for b in at.get("download_button")}


def test_a_small_group_in_detail_says_what_small_means(
    served: tuple[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """BIO101 has 9 comments in each job: its own tables carry the `small` column, and the
    caption that says what it means stands under them as under the whole change's."""
    url, ids = served
    monkeypatch.setenv("PIPELINE_API_URL", url)
    monkeypatch.delenv("PIPELINE_API_KEY", raising=False)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["job"] = ids["now"]
    at.run()
    at.radio(key="c-mode").set_value("This job against an earlier one").run()
    at.selectbox(key="ch-since").set_value(ids["earlier"]).run()
    assert page_text(at).count(SMALL_LEGEND) == 1, "the whole change's tables"

    at.selectbox(key="ch-detail").set_value("BIO101").run()
    assert not at.exception and not at.error, page_text(at)
    bio = [f.value for f in at.dataframe if "n earlier" in f.value][-2]
    assert list(bio["part"]) == ["BIO101"] and bool(bio.iloc[0]["small"])
    assert page_text(at).count(SMALL_LEGEND) == 2, "and under the group's own"
