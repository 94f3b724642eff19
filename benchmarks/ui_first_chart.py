"""Time from upload to the first chart in the Streamlit app, in a real headless Chromium.

It starts the embedded product (`sentiment-pipeline up`) and the app (`streamlit run`), then:

1. UI, cold: the first upload after start, so the master must start a worker (scale from zero);
2. then ``--repeats`` times, alternating: the API baseline (the file submitted with
   PipelineClient, polling the summary every 50 ms until it holds a labelled row: the earliest
   moment any chart could be drawn) and the UI, both while that worker is still running.

The UI's own overhead is the median warm UI time over the median warm API baseline, measured
in the same run. Each file differs (a tag per run) so no upload is answered by an earlier job.

    python benchmarks/ui_first_chart.py --model pipeline/model/default --rows 1000
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "tests" / "e2e"))

from ui_servers import (  # noqa: E402  (the test helpers start the same processes)
    comments_csv,
    drawn_charts,
    embedded_api,
    headless_chromium,
    results_shown,
    streamlit_app,
    upload_and_analyse,
    wait_in_page,
)

from pipeline.client import PipelineClient  # noqa: E402

POLL_S = 0.05


def browser_run(app_url: str, upload: Path) -> dict[str, float]:
    with headless_chromium() as driver:
        started = upload_and_analyse(driver, app_url, upload)
        wait_in_page(driver, drawn_charts, "the first chart", timeout_s=900)
        first_chart = time.monotonic() - started
        wait_in_page(driver, results_shown, "the results", timeout_s=900)
        return {
            "first_chart_s": round(first_chart, 2),
            "results_s": round(time.monotonic() - started, 2),
        }


def api_run(api_url: str, content: bytes) -> dict[str, float]:
    with PipelineClient(api_url) as client:
        started = time.monotonic()
        request_id = client.submit(content, "baseline.csv", "comment", ["course"]).request_id
        first_rows = None
        while True:
            summary = client.summary(request_id)
            if first_rows is None and summary.rows_done > 0:
                first_rows = time.monotonic() - started
            if client.status(request_id).finished:
                done = time.monotonic() - started
                return {"first_chart_s": round(first_rows or done, 2), "results_s": round(done, 2)}
            time.sleep(POLL_S)


def _upload(folder: Path, rows: int, tag: str) -> Path:
    path = folder / f"comments_{tag}.csv"
    path.write_bytes(comments_csv(rows, tag=f" {tag}"))
    return path


def _medians(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: round(statistics.median(run[key] for run in runs), 2) for key in runs[0]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="model directory or 'default'")
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output", type=Path, help="also write the figures here as JSON")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="ui-bench-") as folder:
        work = Path(folder)
        with (
            embedded_api(work / "data", Path(args.model)) as api,
            streamlit_app(api, work) as app,
        ):
            cold = browser_run(app, _upload(work, args.rows, "cold"))
            baseline, warm = [], []
            for i in range(args.repeats):
                baseline.append(api_run(api, comments_csv(args.rows, tag=f" api{i}")))
                warm.append(browser_run(app, _upload(work, args.rows, f"ui{i}")))

    figures = {
        "rows": args.rows,
        "repeats": args.repeats,
        "ui_cold": cold,
        "api_warm_median": _medians(baseline),
        "ui_warm_median": _medians(warm),
        "api_warm_runs": baseline,
        "ui_warm_runs": warm,
    }
    for phase in ("first_chart_s", "results_s"):
        ratio = figures["ui_warm_median"][phase] / figures["api_warm_median"][phase]
        figures[f"ui_over_api_{phase.removesuffix('_s')}"] = round(ratio, 3)
    text = json.dumps(figures, indent=2)
    print(text)
    if args.output:
        args.output.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
