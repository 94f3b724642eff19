"""The app in a real browser: headless Chromium (Selenium, the system chromedriver) opens
`streamlit run streamlit_app.py` served against a real embedded API labelling with the shipped
model, uploads a course-evaluation file, waits for the results and checks what a reader sees on
screenshots: the texts, no error element, the label colours of the charts (sampled from the
PNG), the label tags of the comments table; and that the API's access log did not write the
page's once-a-second status polls.

The screenshots go to $PIPELINE_TEST_ARTIFACTS (default artifacts/screenshots/, git-ignored),
with the timings of this run (upload to first chart, upload to results) beside them.
"""

from __future__ import annotations

import io
import json
import os
import re
import time
from collections.abc import Iterator
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
    return sum(
        count
        for count, pixel in image.getcolors(maxcolors=1 << 24) or []
        if all(abs(a - b) <= tolerance for a, b in zip(pixel, target, strict=True))
    )


@pytest.fixture(scope="module")
def artifacts() -> Path:
    folder = Path(os.environ.get("PIPELINE_TEST_ARTIFACTS") or REPO_ROOT / "artifacts/screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The app's URL and the API's log file."""
    data_dir = tmp_path_factory.mktemp("browser-api")
    # Unbuffered, so the access log is in the file while the test reads it.
    api = embedded_api(data_dir, SHIPPED_MODEL, PYTHONUNBUFFERED="1")
    with api as api_url, streamlit_app(api_url, data_dir) as url:
        yield url, data_dir / "api.log"


def _chart(driver: Any, title: str) -> Any:
    """The drawn chart whose Vega title is ``title``."""
    for chart in drawn_charts(driver):
        if title in (chart.get_attribute("innerHTML") or "") or title in chart.text:
            return chart
    return None


def _full_page(driver: Any) -> None:
    height = driver.execute_script(
        "const main = document.querySelector('[data-testid=\"stMain\"]');"
        "return Math.max(document.body.scrollHeight, main ? main.scrollHeight : 0);"
    )
    driver.set_window_size(1400, min(max(int(height) + 100, 1200), 4000))
    time.sleep(1.0)  # let the charts redraw at the new size before the picture


def test_the_overview_reads_right_in_a_browser(
    servers: tuple[str, Path], artifacts: Path, tmp_path: Path
) -> None:
    app_url, api_log = servers
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
        _full_page(driver)
        page = driver.find_element("tag name", "body").text
        errors = [element.text for element in driver.find_elements("css selector", ERROR_ELEMENTS)]
        overview = artifacts / "streamlit_results.png"
        assert driver.save_screenshot(str(overview))
        distribution = _chart(driver, "Label distribution").screenshot_as_png
        groups = _chart(driver, "Labels per course").screenshot_as_png
        (artifacts / "label_distribution.png").write_bytes(distribution)
        (artifacts / "labels_per_course.png").write_bytes(groups)

        driver.find_element("xpath", "//*[@role='tab'][normalize-space(.)='Comments']").click()
        table = wait_in_page(
            driver,
            lambda d: [t for t in d.find_elements("css selector", "[data-testid='stDataFrame']")
                       if t.is_displayed()],
            "the comments table",
        )  # fmt: skip
        time.sleep(1.0)
        comments = table[0].screenshot_as_png
        (artifacts / "comments_table.png").write_bytes(comments)

    timings = {
        "rows": total,
        "upload_to_first_chart_s": round(first_chart_s, 2),
        "upload_to_results_s": round(results_s, 2),
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
