"""Every tab click, filter and pick reruns the whole job page (hunt 6, 3: 2.3 to 4.8 s a click
on a 3,000-comment job). About a second of each rerun went to building the same Altair charts
again (the heat map alone 0.7 s) from the same cached answers; a job's charts are now made
once per revision of the job, and erasing the job drops them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from apptests import counted_chart_builds, job_page
from httpfakes import serving
from test_streamlit_insights import InsightsApi

BUILT = ("distribution_chart", "confidence_chart", "group_chart", "aspect_chart", "heat_map",
         "compare_chart")  # fmt: skip
VIEWS = ("About what", "Compare", "Comments", "Review", "Downloads", "Overview")


@pytest.fixture(scope="module")
def api() -> Iterator[str]:
    with serving(InsightsApi) as url:
        yield url


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often each chart of the job's page is built (from an empty cache)."""
    return counted_chart_builds(monkeypatch, BUILT)


def test_clicking_through_the_tabs_builds_each_chart_once(
    api: str, monkeypatch: pytest.MonkeyPatch, builds: dict[str, int]
) -> None:
    at = job_page(api, "insightjob", monkeypatch)
    first = dict(builds)
    assert all(first[name] == 1 for name in BUILT), first
    for view in VIEWS * 2:
        at.session_state["view"] = view
        at.run()
        assert not at.exception, at.exception
    assert builds == first, "no chart built again for a click"
    assert any("Share negative per aspect" in c.proto.spec for c in at.get("vega_lite_chart"))


def test_another_group_is_a_chart_of_its_own(
    api: str, monkeypatch: pytest.MonkeyPatch, builds: dict[str, int]
) -> None:
    at = job_page(api, "insightjob", monkeypatch)
    at.selectbox(key="c-first-course").select("BIO9").run()
    assert not at.exception, at.exception
    assert builds["compare_chart"] == 2
    spec = next(c.proto.spec for c in at.get("vega_lite_chart") if "side by side" in c.proto.spec)
    assert "dark bars: BIO9 (n=4)" in spec
