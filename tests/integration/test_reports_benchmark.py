"""benchmarks/reports.py runs on a small job with the shipped model and writes every figure it
promises: the reports' fastest times and sizes and the ratios the docs quote."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import pytest
from scripts import load_script

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "reports.py"

pytestmark = pytest.mark.slow


def load() -> ModuleType:
    return load_script(BENCHMARK, "reports_benchmark")


def test_it_times_the_reports_against_each_other_and_the_change_and_trend_against_the_summary(
    tmp_path: Path,
) -> None:
    pytest.importorskip("weasyprint")
    out = tmp_path / "reports.json"

    load().main(["--rows", "80", "--jobs", "3", "--repeats", "1", "--json", str(out)])

    found = json.loads(out.read_text())
    assert found["rows"] == 80 and found["jobs"] == 3 and found["courses"] >= 2
    steps = ("whole_html", "whole_pdf", "group_html", "group_pdf", "layout_untagged")
    since = ("whole_html_since", "whole_pdf_since", "whole_pdf_trend", "summary_json")
    since = (*since, "change_json", "trend_json")
    for step in (*steps, "layout_tagged", *since):
        assert found["fastest_s"][step] > 0 and found["bytes"][step] > 0
    assert found["bytes"]["group_pdf"] < found["bytes"]["whole_pdf"]
    ratios = found["ratios"]
    assert 0 < ratios["group_pdf / whole_pdf"] < 1
    assert ratios["tagged / untagged layout"] > 0
    assert found["bytes"]["whole_pdf_since"] > found["bytes"]["whole_pdf"], "one page more"
    assert found["bytes"]["whole_pdf_trend"] > found["bytes"]["whole_pdf"], "one page more"
    assert ratios["change_json / summary_json"] > 0
    assert ratios["trend_json / summary_json"] > 0
