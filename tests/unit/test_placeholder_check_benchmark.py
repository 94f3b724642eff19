"""benchmarks/placeholder_check.py runs, checks that both ways agree, and reports both times."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "placeholder_check.py"


def test_the_benchmark_reports_both_ways_on_both_profiles() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--rows", "200", "--chunk", "64", "--repeat", "1"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(figures) == {"realistic", "short"}
    for row in figures.values():
        assert row["placeholders"] >= 200 // 25  # the ones mixed in, and any in the pool
        assert row["text_by_text_s"] > 0 and row["chunked_s"] > 0
        assert row["speed_up"] > 0
