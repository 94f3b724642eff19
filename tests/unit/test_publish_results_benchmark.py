"""benchmarks/publish_results.py runs on a small job, and its two ways of reading the rows back
(the product's Core query, the ORM baseline) give the same records, or it refuses to time them."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from scripts import load_script

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "publish_results.py"


def load() -> ModuleType:
    return load_script(BENCHMARK, "publish_results")


def test_it_times_every_stage_of_a_small_job(capsys: pytest.CaptureFixture[str]) -> None:
    assert load().main(["--rows", "120", "--rounds", "1"]) == 0

    out = capsys.readouterr().out
    assert out.startswith("120 short comments, 1 rounds")
    for stage in ("worker end to end", "read back (product", "read back (baseline", "both CSVs"):
        assert re.search(rf"{re.escape(stage)}.*: \d+\.\d{{3}}\n", out), out
    assert float(out.rsplit("product / baseline: ", 1)[1]) > 0


def test_it_refuses_to_time_reads_that_disagree(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.db.results import ResultRepository

    real = ResultRepository.page

    def page(self: ResultRepository, request_id: str, offset: int, limit: int) -> list[Any]:
        return [replace(record, text="changed") for record in real(self, request_id, offset, limit)]

    monkeypatch.setattr(ResultRepository, "page", page)

    with pytest.raises(SystemExit, match="disagree"):
        load().main(["--rows", "30", "--rounds", "1"])
