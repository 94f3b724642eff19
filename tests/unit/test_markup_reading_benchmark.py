"""benchmarks/markup_reading.py runs, checks the marked-up file reads back as the plain one, and
reports both times."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "markup_reading.py"


def test_the_benchmark_reads_both_files_and_reports_the_ratio() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--rows", "300", "--repeat", "1"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["rows"] == 300
    assert figures["plain_s"] > 0 and figures["markup_s"] > 0
    assert figures["ratio"] > 0
