"""What a job's reports cost: one group's own report against the whole report, a tagged
(accessible, PDF/UA-1) PDF against an untagged one, the change since an earlier job (the
report with its page, and ``GET /change`` against ``GET /summary`` by the same column) and the
trend over every job (``GET /trend`` against the same) and the negative comments' themes
over every job (``GET /trend/themes`` against ``GET /trend``), on the same job, in one process.

``--rows`` realistic course comments (``benchmarks/comments.py``: student feedback from
../shared/data spread over its courses, fixed seed) are labelled twice by a real Worker with
the shipped model and insights on, in a fresh embedded backend, ``--jobs`` times (each after
the first submitted ``fresh``: the last is the one reported on, the one before it its earlier
job, and all of them, oldest first, the trend). Then, ``--repeats`` times, each step is made
in turn (the same order each repeat, after one unmeasured warm-up of each): the whole report
by course as HTML and PDF, the first course's own report as HTML and PDF, the whole report's
HTML laid out as an untagged PDF and as the tagged one the service serves, the whole report
with the change since the earlier job as HTML and PDF and with the trend through every job as
PDF, and the change's and the trend's figures against the summary by course. The fastest time
of each counts (the one least disturbed by other work on a shared machine); the figures that
matter are the ratios, measured in the same run.

Usage: ``python benchmarks/reports.py [--rows 1500] [--jobs 2] [--repeats 3] [--json out.json]``.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from comments import write_comments


def labelled_jobs(folder: Path, rows: int, jobs: int) -> tuple[Any, list[str], str]:
    """``jobs`` succeeded jobs of the same ``rows`` comments by course, with aspects and themes
    (each after the first submitted ``fresh``); the backend, their request ids in order and
    the first course."""
    from pipeline import service
    from pipeline.bootstrap import init_backend
    from pipeline.db import JobStatus
    from pipeline.insights.loading import insights_source
    from pipeline.model.predictor import Predictor
    from pipeline.settings import Settings
    from pipeline.worker import Worker

    settings = Settings(data_dir=folder / "data", model="default", insights=True)
    backend = init_backend(settings)
    source = write_comments(folder / "comments.csv", rows)
    predictor = Predictor.load("default")
    ids = []
    for index in range(jobs):
        fresh = index > 0
        ids.append(service.submit(backend, source, "comment", ["course"], fresh=fresh).request_id)
        Worker(
            backend, lambda _reference: predictor, "bench", insights=insights_source(settings)
        ).run(burst=True)
        job = backend.repository.jobs.get(ids[-1])
        if job.status is not JobStatus.SUCCEEDED:
            raise RuntimeError(f"the job ended {job.status}: {job.error}")
    first = service.summary(backend, ids[-1], None, "course").groups[0].group
    return backend, ids, str(first)


def fastest(
    steps: dict[str, Callable[[], object]], repeats: int
) -> tuple[dict[str, float], dict[str, int]]:
    """Each step's fastest wall time over ``repeats`` rounds after a warm-up, and its size."""
    sizes = {name: len(step()) for name, step in steps.items()}  # type: ignore[arg-type]
    best = dict.fromkeys(steps, float("inf"))
    for _ in range(repeats):
        for name, step in steps.items():
            started = time.perf_counter()
            step()
            best[name] = min(best[name], time.perf_counter() - started)
    return {name: round(seconds, 3) for name, seconds in best.items()}, sizes


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1500)
    parser.add_argument("--jobs", type=int, default=2, help="2 to 12: the trend's jobs")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)

    from weasyprint import HTML

    from pipeline import service
    from pipeline.report.job import report_file
    from pipeline.report.render import PDF_VARIANT
    from pipeline.service.change import change_summary
    from pipeline.service.theme_trend import theme_trend_summary
    from pipeline.service.trend import trend_summary

    with tempfile.TemporaryDirectory(prefix="reports-bench-") as folder:
        backend, ids, course = labelled_jobs(Path(folder), args.rows, args.jobs)
        earlier, request_id = ids[-2:]

        def made(
            report_format: str,
            group: str | None = None,
            since: str | None = None,
            trend: Sequence[str] = (),
        ) -> Callable[[], bytes]:
            return lambda: (
                report_file(
                    backend,
                    request_id,
                    None,
                    "course",
                    report_format,  # type: ignore[arg-type]
                    group,
                    since,
                    trend,
                ).content
            )

        html = made("html")().decode("utf-8")
        steps: dict[str, Callable[[], object]] = {
            "whole_html": made("html"),
            "whole_pdf": made("pdf"),
            "group_html": made("html", course),
            "group_pdf": made("pdf", course),
            "layout_untagged": lambda: HTML(string=html).write_pdf(),
            "layout_tagged": lambda: HTML(string=html).write_pdf(pdf_variant=PDF_VARIANT),
            "whole_html_since": made("html", since=earlier),
            "whole_pdf_since": made("pdf", since=earlier),
            "whole_pdf_trend": made("pdf", trend=ids[:-1]),
            "summary_json": lambda: json.dumps(
                service.summary(backend, request_id, None, "course").to_dict()
            ),
            "change_json": lambda: json.dumps(
                change_summary(backend, None, request_id, earlier, "course")
            ),
            "trend_json": lambda: json.dumps(trend_summary(backend, None, ids, "course")),
            "trend_themes_json": lambda: json.dumps(
                theme_trend_summary(backend, None, ids, "negative")
            ),
        }
        seconds, sizes = fastest(steps, args.repeats)
        courses = len(backend.repository.results.summarize(request_id, ["x"], "course"))
        backend.repository.database.dispose()
    found = {
        "machine": f"{platform.processor() or platform.machine()}, {platform.node()}",
        "rows": args.rows,
        "jobs": args.jobs,
        "courses": courses,
        "repeats": args.repeats,
        "fastest_s": seconds,
        "bytes": sizes,
        "ratios": {
            "group_pdf / whole_pdf": round(seconds["group_pdf"] / seconds["whole_pdf"], 3),
            "group_html / whole_html": round(seconds["group_html"] / seconds["whole_html"], 3),
            "every_group_pdf / whole_pdf (estimate: courses x group_pdf)": round(
                courses * seconds["group_pdf"] / seconds["whole_pdf"], 2
            ),
            "tagged / untagged layout": round(
                seconds["layout_tagged"] / seconds["layout_untagged"], 3
            ),
            "whole_pdf_since / whole_pdf": round(
                seconds["whole_pdf_since"] / seconds["whole_pdf"], 3
            ),
            "whole_pdf_trend / whole_pdf": round(
                seconds["whole_pdf_trend"] / seconds["whole_pdf"], 3
            ),
            "whole_html_since / whole_html": round(
                seconds["whole_html_since"] / seconds["whole_html"], 3
            ),
            "change_json / summary_json": round(
                seconds["change_json"] / seconds["summary_json"], 2
            ),
            "trend_json / summary_json": round(seconds["trend_json"] / seconds["summary_json"], 2),
            "trend_themes_json / trend_json": round(
                seconds["trend_themes_json"] / seconds["trend_json"], 2
            ),
        },
    }
    print(json.dumps(found, indent=2))
    if args.json is not None:
        args.json.write_text(json.dumps(found, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
