"""The app in a real browser: headless Chromium (Selenium, the system chromedriver) opens
`streamlit run streamlit_app.py` served against a real embedded API, uploads a file, waits for
the results and saves a screenshot of the results page as a test artifact.

The screenshot goes to $PIPELINE_TEST_ARTIFACTS (default artifacts/screenshots/, git-ignored),
with the timings of this run (upload to first chart, upload to results) beside it.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from ui_servers import (
    REPO_ROOT,
    chromium_missing,
    comments_csv,
    drawn_charts,
    embedded_api,
    headless_chromium,
    results_shown,
    streamlit_app,
    upload_and_analyse,
    wait_in_page,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or ""),
]

ROWS = 200


@pytest.fixture(scope="module")
def artifacts() -> Path:
    folder = Path(os.environ.get("PIPELINE_TEST_ARTIFACTS") or REPO_ROOT / "artifacts/screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def app_url(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("browser-api")
    with embedded_api(data_dir, tiny_model_dir) as api, streamlit_app(api, data_dir) as url:
        yield url


def test_upload_in_a_browser_shows_results_and_saves_a_screenshot(
    app_url: str, artifacts: Path, tmp_path: Path
) -> None:
    upload = tmp_path / "course_evaluations.csv"
    upload.write_bytes(comments_csv(ROWS))

    with headless_chromium() as driver:
        started = upload_and_analyse(driver, app_url, upload)
        wait_in_page(driver, drawn_charts, "the first chart")
        first_chart_s = time.monotonic() - started
        wait_in_page(driver, results_shown, "the results")
        results_s = time.monotonic() - started
        page = driver.find_element("tag name", "body").text

        height = driver.execute_script(
            "const main = document.querySelector('[data-testid=\"stMain\"]');"
            "return Math.max(document.body.scrollHeight, main ? main.scrollHeight : 0);"
        )
        driver.set_window_size(1400, min(max(int(height) + 100, 1200), 4000))
        time.sleep(1.0)  # let the charts redraw at the new size before the picture
        shot = artifacts / "streamlit_results.png"
        assert driver.save_screenshot(str(shot))

    timings = {
        "rows": ROWS,
        "upload_to_first_chart_s": round(first_chart_s, 2),
        "upload_to_results_s": round(results_s, 2),
    }
    (artifacts / "streamlit_timings.json").write_text(json.dumps(timings, indent=2))
    print(f"browser timings: {timings}; screenshot: {shot}")

    assert "succeeded" in page
    assert f"{ROWS} / {ROWS} rows" in page
    for heading in ("Label distribution", "Confidence", "Labels per course", "Most negative"):
        assert heading in page, heading
    assert "Traceback" not in page
    assert shot.read_bytes().startswith(b"\x89PNG")
