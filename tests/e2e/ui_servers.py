"""The processes the UI tests (and benchmarks/ui_first_chart.py) run against: the embedded API
(`sentiment-pipeline up`), the Streamlit app (`streamlit run`), and a headless Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
APP = REPO_ROOT / "streamlit_app.py"
CHROMEDRIVER = Path("/usr/bin/chromedriver")
COURSES = ("CS101", "MATH201", "HIST110", "BIO150")
INSTRUCTORS = ("Dr. Patel", "Prof. Chen", "Dr. Okafor")
PHRASES = (
    "The lectures were clear and the labs really helped me understand the material.",
    "Too much homework and the grading was inconsistent.",
    "The course covered the topics listed in the syllabus.",
    "Best teacher I have had, always happy to answer questions!",
    "Boring lectures, he just read from the slides.",
    "Exams were held in week 6 and week 12.",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def comments_csv(rows: int, extra: Mapping[int, str] | None = None, tag: str = "") -> bytes:
    """A course-evaluation CSV: course, instructor, comment; ``extra`` replaces chosen rows and
    ``tag`` makes the file differ from another of the same size (so it is not deduplicated)."""
    lines = ["course,instructor,comment"]
    for i in range(rows):
        text = (extra or {}).get(i, f"{PHRASES[i % len(PHRASES)]} (answer {i}{tag})")
        quoted = '"' + text.replace('"', '""') + '"'
        lines.append(f"{COURSES[i % len(COURSES)]},{INSTRUCTORS[i % 3]},{quoted}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def api_env(data_dir: Path, model_dir: Path, **overrides: str) -> dict[str, str]:
    """The environment of an isolated embedded product: its own data folder and database."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PIPELINE_") and key != "AWS_ENDPOINT_URL"
    }
    env.update(
        HF_HUB_OFFLINE="1",
        PIPELINE_DATA_DIR=str(data_dir),
        PIPELINE_MODEL=str(model_dir),
        PIPELINE_DEVICE="cpu",
        PIPELINE_MAX_WORKERS="1",
    )
    env.update(overrides)
    return env


def cli(*args: str, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a ``sentiment-pipeline`` command and return what it printed."""
    return subprocess.run(
        [*_cli_command(), *args], capture_output=True, text=True, env=dict(env), timeout=300
    )


@contextmanager
def embedded_api(data_dir: Path, model_dir: Path, **overrides: str) -> Iterator[str]:
    """`sentiment-pipeline up` on a free port until the block ends; yields its URL."""
    port = free_port()
    env = api_env(data_dir, model_dir, **overrides)
    url = f"http://127.0.0.1:{port}"
    with _process([*_cli_command(), "up", "--port", str(port)], env, data_dir / "api.log") as proc:
        _wait_until_up(f"{url}/health", proc, data_dir / "api.log")
        yield url


@contextmanager
def streamlit_app(api_url: str, log_dir: Path, **env_overrides: str) -> Iterator[str]:
    """`streamlit run streamlit_app.py` (headless) against ``api_url``; yields its URL."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("PIPELINE_")}
    env.update(PIPELINE_API_URL=api_url, **env_overrides)
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
    ]
    log = log_dir / "streamlit.log"
    with _process(command, env, log) as proc:
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(f"{url}/_stcore/health", proc, log)
        yield url


def chromium_missing() -> str | None:
    """Why the browser test cannot run here, or None when it can."""
    if shutil.which("chromium") is None and shutil.which("chromium-browser") is None:
        return "Chromium is not installed (apt-get install -y chromium chromium-driver)"
    if not CHROMEDRIVER.exists():
        return f"{CHROMEDRIVER} is missing (apt-get install -y chromium-driver)"
    return None


@contextmanager
def headless_chromium(width: int = 1400, height: int = 1800) -> Iterator[Any]:
    """Selenium driving the system Chromium through the system chromedriver (no downloads)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        f"--window-size={width},{height}",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def wait_in_page(driver: Any, condition: Any, what: str, timeout_s: float = 240) -> Any:
    """Wait for ``condition(driver)``; on a timeout, fail with what the page says."""
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    # Streamlit re-renders the page as it reruns: an element found a moment ago may be gone.
    stale = (StaleElementReferenceException,)
    try:
        return WebDriverWait(driver, timeout_s, poll_frequency=0.1, ignored_exceptions=stale).until(
            condition
        )
    except TimeoutException as exc:
        page = driver.find_element("tag name", "body").text[-3000:]
        raise AssertionError(f"waited in vain for {what}; the page says:\n{page}") from exc


def enabled_button(driver: Any, label: str) -> Any:
    found = driver.find_elements("xpath", f"//button[normalize-space(.)='{label}']")
    return found[0] if found and found[0].is_enabled() else None


def drawn_charts(driver: Any) -> list[Any]:
    """Charts that Vega has finished drawing (a canvas or svg inside the chart element)."""
    return [
        chart
        for chart in driver.find_elements("css selector", "[data-testid='stVegaLiteChart']")
        if chart.find_elements("css selector", "canvas, svg.marks")
    ]


def upload_and_analyse(driver: Any, app_url: str, upload: Path) -> float:
    """Open the app, choose the file, click Analyse; returns the click's time.monotonic()."""
    driver.get(app_url)
    picker = "input[type='file']"
    field = wait_in_page(driver, lambda d: d.find_elements("css selector", picker), "the uploader")
    field[0].send_keys(str(upload))
    wait_in_page(driver, lambda d: _click(enabled_button(d, "Analyse")), "the Analyse button")
    return time.monotonic()


def _click(button: Any) -> bool:
    """Click ``button`` if there is one (a stale one raises, and the wait tries again)."""
    if button is None:
        return False
    button.click()
    return True


def results_shown(driver: Any) -> bool:
    """The results tabs and their three charts are drawn."""
    tabs = driver.find_elements("xpath", "//*[@role='tab']")
    return bool(tabs) and len(drawn_charts(driver)) >= 3


def _cli_command() -> list[str]:
    executable = shutil.which("sentiment-pipeline")
    return [executable] if executable else [sys.executable, "-m", "pipeline"]


@contextmanager
def _process(command: list[str], env: Mapping[str, str], log: Path) -> Iterator[subprocess.Popen]:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as output:
        proc = subprocess.Popen(
            command, env=dict(env), stdout=output, stderr=subprocess.STDOUT, cwd=REPO_ROOT
        )
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_until_up(url: str, proc: subprocess.Popen, log: Path, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not come up:\n{log.read_text(errors='replace')[-4000:]}")
        time.sleep(0.2)
