"""The app in a real browser: headless Chromium (Selenium, the system chromedriver) opens
`streamlit run streamlit_app.py` served against a real embedded API labelling with the shipped
model, and checks what a reader sees on screenshots: the texts, no error element, the label
colours of the charts (sampled from the PNG), the label tags of the comments table.

- The overview: a course-evaluation file uploaded through the page, its results; and that
  the API's access log did not write the page's once-a-second status polls.
- About what, Compare, the highlighted explanations and the report preview, on a job
  submitted with explanations through the API.
- Back and Forward: the page shows the job its restored address names.

The screenshots go to $PIPELINE_TEST_ARTIFACTS (default: the test session's temporary
folder), with the timings of the upload (upload to first chart, upload to results) beside them.
"""

from __future__ import annotations

import io
import json
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from ui_servers import (
    REPO_ROOT,
    chromium_missing,
    drawn_charts,
    embedded_api,
    headless_chromium,
    results_shown,
    streamlit_app,
    upload_and_analyse,
    wait_in_page,
)

from pipeline.client import PipelineClient
from pipeline.ui.palette import CONFIDENCE_COLOUR, LABEL_COLOURS

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or ""),
]

SHIPPED_MODEL = REPO_ROOT / "pipeline/model/default"
LONG_COURSE = "CHEM110 General Chemistry for Engineers and Physical Scientists"
SMALL_COURSE = "PHYS499 Seminar"
COMMENTS = {
    "positive": (
        "The lectures were clear and the labs really helped me understand the material.",
        "Best teacher I have had, always happy to answer questions!",
    ),
    "negative": (
        "Too much homework and the grading was inconsistent.",
        "Boring lectures, he just read from the slides.",
    ),
    "neutral": (
        "The course covered the topics listed in the syllabus.",
        "Exams were held in week 6 and week 12.",
    ),
}
ROWS = 150  # plus 4 in the small course
ERROR_ELEMENTS = "[data-testid='stException'], [data-testid='stAlertContentError']"
MIN_PIXELS = 150
STATUS_POLL = re.compile(r'"(GET|HEAD) (/health\S*|/v1/jobs/[^/ ?]+(/summary)?(\?\S*)?) HTTP')
"""Pixels of a colour that make a visible bar (a bar is thousands; anti-aliasing stray few)."""


def evaluations_csv() -> bytes:
    """Two courses with a long name between them, a small one (4 comments), every label, and
    the same comment written many times (the top lists must show it once)."""
    phrases = [text for texts in COMMENTS.values() for text in texts]
    lines = ["course,comment"]
    for i in range(ROWS):
        course = LONG_COURSE if i % 2 else "CS101 Programming"
        lines.append(f'{course},"{phrases[i % len(phrases)]}"')
    lines += [f'{SMALL_COURSE},"{COMMENTS["negative"][0]}"'] * 2
    lines += [f'{SMALL_COURSE},"{COMMENTS["positive"][1]}"'] * 2
    return ("\n".join(lines) + "\n").encode()


def colour_pixels(png: bytes, colour: str, tolerance: int = 12) -> int:
    """How many pixels of the picture are within ``tolerance`` (per channel) of ``colour``."""
    from PIL import Image

    target = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    image = Image.open(io.BytesIO(png)).convert("RGB")
    colours: list[tuple[int, Any]] = list(image.getcolors(maxcolors=1 << 24) or [])
    return sum(
        int(count)
        for count, pixel in colours
        if all(abs(a - b) <= tolerance for a, b in zip(pixel, target, strict=True))
    )


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wanted = os.environ.get("PIPELINE_TEST_ARTIFACTS")
    folder = Path(wanted) if wanted else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass(frozen=True)
class Servers:
    app: str
    api: str
    api_log: Path


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    data_dir = tmp_path_factory.mktemp("browser-api")
    # Unbuffered, so the access log is in the file while the test reads it.
    api = embedded_api(data_dir, SHIPPED_MODEL, PYTHONUNBUFFERED="1")
    with api as api_url, streamlit_app(api_url, data_dir) as url:
        yield Servers(url, api_url, data_dir / "api.log")


@pytest.fixture(scope="module")
def explained_job(servers: Servers) -> str:
    """A job of the evaluations submitted with explanations, finished: its request id."""
    with PipelineClient(servers.api) as client:
        job = client.submit(
            evaluations_csv(), "explained.csv", "comment", ["course"], fresh=True, explain=True
        )
        deadline = time.monotonic() + 600
        while not (status := client.status(job.request_id)).finished:
            assert time.monotonic() < deadline, status
            time.sleep(1)
    assert status.status == "succeeded", status
    return job.request_id


def _chart(driver: Any, title: str) -> Any:
    """The drawn chart whose Vega title is ``title``."""
    for chart in drawn_charts(driver):
        if title in (chart.get_attribute("innerHTML") or "") or title in chart.text:
            return chart
    return None


def _picture(driver: Any, find: Any, what: str) -> bytes:
    """A PNG of the element ``find(driver)`` returns, found again if Streamlit redraws it
    between finding and shooting (a rerun replaces the page's elements)."""

    def shot(d: Any) -> bytes | None:
        element = find(d)
        return element.screenshot_as_png if element is not None else None

    picture: bytes = wait_in_page(driver, shot, what)
    return picture


def _shown_table(driver: Any) -> Any:
    tables = driver.find_elements("css selector", "[data-testid='stDataFrame']")
    return next((table for table in tables if table.is_displayed()), None)


def _full_page(driver: Any) -> None:
    height = driver.execute_script(
        "const main = document.querySelector('[data-testid=\"stMain\"]');"
        "return Math.max(document.body.scrollHeight, main ? main.scrollHeight : 0);"
    )
    driver.set_window_size(1400, min(max(int(height) + 100, 1200), 4000))
    time.sleep(1.0)  # let the charts redraw at the new size before the picture


def test_the_overview_reads_right_in_a_browser(
    servers: Servers, artifacts: Path, tmp_path: Path
) -> None:
    app_url, api_log = servers.app, servers.api_log
    upload = tmp_path / "course_evaluations.csv"
    upload.write_bytes(evaluations_csv())
    total = ROWS + 4

    with headless_chromium() as driver:
        started = upload_and_analyse(driver, app_url, upload)
        wait_in_page(driver, drawn_charts, "the first chart")
        first_chart_s = time.monotonic() - started
        wait_in_page(driver, results_shown, "the results")
        results_s = time.monotonic() - started
        wait_in_page(driver, lambda d: _chart(d, "Labels per course"), "the group chart")
        # The results come once every label is in, before what the comments are about is
        # worked out: the page is read once the job has ended.
        finished = f"succeeded · {total} / {total} rows"
        wait_in_page(driver, lambda d: finished in d.find_element("tag name", "body").text,
                     finished)  # fmt: skip
        succeeded_s = time.monotonic() - started
        _full_page(driver)
        page = driver.find_element("tag name", "body").text
        errors = [element.text for element in driver.find_elements("css selector", ERROR_ELEMENTS)]
        overview = artifacts / "streamlit_results.png"
        assert driver.save_screenshot(str(overview))
        distribution = _picture(driver, lambda d: _chart(d, "Label distribution"), "the chart")
        groups = _picture(driver, lambda d: _chart(d, "Labels per course"), "the group chart")
        (artifacts / "label_distribution.png").write_bytes(distribution)
        (artifacts / "labels_per_course.png").write_bytes(groups)

        driver.find_element("xpath", "//*[@role='tab'][normalize-space(.)='Comments']").click()
        wait_in_page(driver, _shown_table, "the comments table")
        time.sleep(1.0)
        wait_in_page(driver, _idle, "the page to finish running")  # not greyed out as stale
        comments = _picture(driver, _shown_table, "the comments table")
        (artifacts / "comments_table.png").write_bytes(comments)
        fetched = driver.execute_script(
            "return performance.getEntriesByType('resource').map(entry => entry.name)"
        )
        icons = driver.execute_script(
            "return [...document.querySelectorAll('link[rel*=icon]')].map(link => link.href)"
        )

    timings = {
        "rows": total,
        "upload_to_first_chart_s": round(first_chart_s, 2),
        "upload_to_results_s": round(results_s, 2),
        "upload_to_succeeded_s": round(succeeded_s, 2),
    }
    (artifacts / "streamlit_timings.json").write_text(json.dumps(timings, indent=2))
    print(f"browser timings: {timings}; screenshots in {artifacts}")

    assert "succeeded" in page
    assert f"{total} / {total} rows" in page
    for text in ("Label distribution", "Confidence", "Labels per course", "Most positive",
                 "Most negative", "fewer than 10 comments", COMMENTS["positive"][0]):  # fmt: skip
        assert text in page, text
    assert page.count(COMMENTS["positive"][1]) == 1, "a comment written 27 times is listed once"
    assert "written 27 times" in page
    assert "Traceback" not in page
    assert errors == []
    served_here = ("http://127.0.0.1", "http://localhost", "data:", "blob:")
    assert fetched, "the browser lists what it fetched"
    assert [url for url in fetched if not url.startswith(served_here)] == [], (
        "the page works offline: nothing is fetched from another host (the favicon included)"
    )
    assert icons and all(url.startswith(served_here) for url in icons), icons

    for name, picture in (("label distribution", distribution), ("labels per course", groups)):
        found = {label: colour_pixels(picture, colour) for label, colour in LABEL_COLOURS.items()}
        assert all(count >= MIN_PIXELS for count in found.values()), (name, found)
        assert colour_pixels(picture, "#ff4b4b") == 0, f"{name}: Streamlit's red is not a label"
    label_tags = {label: colour_pixels(comments, colour) for label, colour in LABEL_COLOURS.items()}
    assert sum(count > 0 for count in label_tags.values()) >= 2, label_tags
    assert colour_pixels(comments, CONFIDENCE_COLOUR) > 0, "confidence bars in their own colour"

    logged = api_log.read_text(errors="replace")
    assert '"POST /v1/jobs HTTP/1.1" 202' in logged
    assert STATUS_POLL.findall(logged) == [], "the page's status polls stay out of the log"


def _open_tab(driver: Any, label: str) -> None:
    driver.find_element("xpath", f"//*[@role='tab'][normalize-space(.)='{label}']").click()


def _errors(driver: Any) -> list[str]:
    return [element.text for element in driver.find_elements("css selector", ERROR_ELEMENTS)]


HEAT_CELL = re.compile(r"(.*?) \(n=[\d,]+\): .+ \d+% negative \(n=[\d,]+\)$")


def _click_heat_cell(driver: Any) -> str:
    """Click the heat map's first cell (what a reader clicks), found by what a screen reader
    reads of it (``ENG102 (n=50): lecturer 13% negative (n=38)``); the aspect below follows,
    with a button to that group's comments about it. Returns that button's text."""
    cells = wait_in_page(
        driver,
        lambda d: [mark for mark in d.find_elements(
            "css selector", "[data-testid='stVegaLiteChart'] svg [aria-label]")
            if HEAT_CELL.match(mark.get_attribute("aria-label") or "")],
        "the heat map's cells",
    )  # fmt: skip
    from selenium.webdriver.common.action_chains import ActionChains

    label = str(cells[0].get_attribute("aria-label"))
    group = HEAT_CELL.match(label)
    assert group, label
    ActionChains(driver).move_to_element(cells[0]).click().perform()  # on its number
    # Away from the chart, so its tooltip does not cover the screenshot.
    ActionChains(driver).move_to_element(driver.find_element("tag name", "h1")).perform()
    wanted = f"… only those of {group.group(1)}"
    wait_in_page(driver, lambda d: wanted in d.find_element("tag name", "body").text, wanted)
    return wanted


def _marked_titles(driver: Any) -> list[str | None]:
    """The titles of the highlighted words (read at once: a rerun replaces the elements)."""
    marked = driver.find_elements("css selector", "[data-testid='stHtml'] span[title]")
    return [span.get_attribute("title") for span in marked]


def _report_frame(driver: Any) -> Any:
    frames = driver.find_elements("css selector", "iframe[src^='data:text/html']")
    return frames[0] if frames else None


def _report_text(driver: Any) -> str | None:
    """The report preview's text, the frame found again each try."""
    frame = _report_frame(driver)
    if frame is None:
        return None
    driver.switch_to.frame(frame)
    try:
        return str(driver.find_element("tag name", "body").text)
    finally:
        driver.switch_to.default_content()


def _idle(driver: Any) -> bool:
    """The script is not running (the header's status widget offers no *Stop*): the page is
    not greyed out as stale."""
    status = driver.find_elements("css selector", "[data-testid='stStatusWidget']")
    return not any("Stop" in element.text or "Running" in element.text for element in status)


def _shot(driver: Any, path: Path) -> str:
    """A full-page screenshot once the page has finished running; returns what it says."""
    wait_in_page(driver, _idle, "the page to finish running")
    _full_page(driver)
    wait_in_page(driver, _idle, "the page to finish running")
    assert driver.save_screenshot(str(path))
    return str(driver.find_element("tag name", "body").text)


def test_about_what_compare_explanations_and_report_read_right_in_a_browser(
    servers: Servers, explained_job: str, artifacts: Path
) -> None:
    with headless_chromium() as driver:
        driver.get(f"{servers.app}/?job={explained_job}")
        wait_in_page(driver, results_shown, "the results")

        _open_tab(driver, "About what")
        aspects = wait_in_page(
            driver, lambda d: _chart(d, "What the comments are about"), "the aspect chart"
        )
        heat = wait_in_page(driver, lambda d: _chart(d, "Share negative per aspect"), "heat map")
        wait_in_page(driver, lambda d: "Keywords:" in d.find_element("tag name", "body").text,
                     "the themes")  # fmt: skip
        clicked = _click_heat_cell(driver)
        about_page = _shot(driver, artifacts / "about_what.png")
        about_errors = _errors(driver)
        aspect_png = _picture(driver, lambda d: _chart(d, "What the comments are about"), "aspects")
        heat_png = _picture(driver, lambda d: _chart(d, "Share negative per aspect"), "heat map")
        (artifacts / "aspects.png").write_bytes(aspect_png)
        (artifacts / "aspect_heat_map.png").write_bytes(heat_png)
        assert aspects is not None and heat is not None

        _open_tab(driver, "Compare")
        wait_in_page(driver, lambda d: _chart(d, "Label shares side by side"), "the comparison")
        wait_in_page(driver, lambda d: "Themes of each side" in d.find_element("tag name", "body")
                     .text, "the themes of each side")  # fmt: skip
        compare_page = _shot(driver, artifacts / "compare.png")
        compare_errors = _errors(driver)
        compare_png = _picture(driver, lambda d: _chart(d, "Label shares side by side"), "compare")
        (artifacts / "compare_chart.png").write_bytes(compare_png)

        _open_tab(driver, "Comments")
        wait_in_page(driver, _marked_titles, "the highlighted words")
        time.sleep(1.0)
        comments_page = _shot(driver, artifacts / "explanations.png")
        titles = wait_in_page(driver, _marked_titles, "the highlighted words")

        _open_tab(driver, "Downloads")
        switch = wait_in_page(
            driver,
            lambda d: d.find_elements(
                "xpath", "//label[.//*[normalize-space(.)='Preview the report here']]"
            ),
            "the report preview switch",
        )
        switch[0].click()
        wait_in_page(driver, _report_frame, "the report preview")
        time.sleep(2.0)
        report_page = _shot(driver, artifacts / "report_preview.png")
        report_errors = _errors(driver)
        report_text = wait_in_page(driver, _report_text, "the report preview's text")

    for text in ("What the comments are about", "Share negative per aspect and course",
                 "Themes", "Keywords:", "Show these", clicked):  # fmt: skip
        assert text in about_page, text
    assert about_errors == [] and compare_errors == [] and report_errors == []
    for text in ("Label shares side by side", "beyond the noise", "Holm", "Themes of each side",
                 "all other groups"):  # fmt: skip
        assert text in compare_page, text
    assert "Why these labels" in comments_page
    assert any(title and " toward " in title for title in titles), titles
    assert "Download" in report_page or "Report (PDF)" in report_page
    assert "95 %" in report_text and LONG_COURSE in report_text

    found = {label: colour_pixels(aspect_png, colour) for label, colour in LABEL_COLOURS.items()}
    assert found["negative"] >= MIN_PIXELS and found["positive"] >= MIN_PIXELS, found
    reddish = colour_pixels(heat_png, LABEL_COLOURS["negative"], tolerance=60)
    assert reddish >= MIN_PIXELS, "the heat map's negative cells are red"
    compared = {label: colour_pixels(compare_png, c) for label, c in LABEL_COLOURS.items()}
    assert all(count >= MIN_PIXELS // 3 for count in compared.values()), compared
    for name, picture in (("aspects", aspect_png), ("heat map", heat_png),
                          ("compare", compare_png)):  # fmt: skip
        assert colour_pixels(picture, "#ff4b4b") == 0, f"{name}: Streamlit's red is not a label"


def _shows(driver: Any, request_id: str | None, title: str) -> bool:
    """The address names ``request_id`` (None: no job), the page's title reads ``title`` and
    the page has finished running."""
    query = driver.execute_script("return window.location.search")
    if query != (f"?job={request_id}" if request_id else ""):
        return False
    headings = [element.text for element in driver.find_elements("css selector", "h1")]
    return title in headings and _idle(driver)


def _press(driver: Any, text: str) -> None:
    """Click the button that reads ``text`` (besides its icon)."""
    button = f"//button[contains(normalize-space(.), '{text}')]"
    wait_in_page(driver, lambda d: d.find_elements("xpath", button), text)[0].click()


def test_back_and_forward_show_the_job_the_address_names(servers: Servers) -> None:
    """Opening a job pushes its address; Back and Forward restore one and rerun the page, which
    shows that address's job (or the upload form), not the job opened last."""
    with PipelineClient(servers.api) as client:
        first, second = (
            client.submit(f"comment\nA good course, {name}.\n".encode(), name, "comment")
            for name in ("first.csv", "second.csv")
        )
    views = {
        "first": (first.request_id, "first.csv"),
        "second": (second.request_id, "second.csv"),
        "upload": (None, "Analyse comments"),
    }
    with headless_chromium() as driver:

        def shown(view: str) -> None:
            wait_in_page(driver, lambda d: _shows(d, *views[view]), view, timeout_s=60)

        driver.get(f"{servers.app}/?job={first.request_id}")
        shown("first")
        field = "input[aria-label='Open a job by request id']"
        box = wait_in_page(driver, lambda d: d.find_elements("css selector", field), "the field")
        box[0].send_keys(second.request_id)
        _press(driver, "Open")
        shown("second")
        driver.back()
        shown("first")
        driver.forward()
        shown("second")
        _press(driver, "New analysis")
        shown("upload")
        driver.back()
        shown("second")
