"""benchmarks/throughput.py's label agreement: the rows the product screens out in both runs are
left out of the parity figure, while a row only one run labels still counts against it."""

from __future__ import annotations

import importlib.util
import math
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "throughput.py"
MODULE = "throughput_under_test"
NAN = float("nan")


@pytest.fixture(scope="module")
def throughput() -> Iterator[ModuleType]:
    """The script as a module (registered, as its dataclass needs; it puts benchmarks/ on
    sys.path: both are undone afterwards)."""
    saved = list(sys.path)
    spec = importlib.util.spec_from_file_location(MODULE, SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[MODULE] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(MODULE, None)
        sys.path[:] = saved


def test_rows_screened_in_both_runs_are_left_out(throughput: ModuleType) -> None:
    ours = ["positive", None, "negative", NAN, "neutral"]
    fp32 = ["positive", NAN, "negative", None, "neutral"]
    result = throughput.agreement(ours, fp32)
    assert (result.agreed, result.compared) == (3, 3)
    assert (result.screened_both, result.screened_one) == (2, 0)
    assert result.share == 1.0


def test_a_row_screened_in_one_run_only_counts_as_a_disagreement(throughput: ModuleType) -> None:
    ours = ["positive", None, "negative", "", "neutral", "neutral"]
    fp32 = ["positive", None, "negative", "neutral", NAN, "negative"]
    result = throughput.agreement(ours, fp32)
    assert (result.screened_both, result.screened_one) == (1, 2)
    assert (result.agreed, result.compared) == (2, 5)
    assert result.share == pytest.approx(2 / 5)


def test_the_long_tailed_case_no_longer_reads_as_disagreement(throughput: ModuleType) -> None:
    """Issue 15: 15 placeholders of 2,000 comments read as 99.25 % when the screened rows of
    the product's run counted against the predictor's labels of them."""
    raw = ["positive"] * 1985 + ["neutral"] * 15
    reasons = [None] * 1985 + ["no comment"] * 15
    worker = ["positive"] * 1985 + [None] * 15
    fp32 = throughput.as_product_labels(raw, reasons)
    assert fp32[-15:] == [None] * 15
    result = throughput.agreement(worker, fp32)
    assert result.share == 1.0
    assert (result.compared, result.screened_both, result.screened_one) == (1985, 15, 0)
    assert throughput.agreement(worker, raw).share == pytest.approx(0.9925)


def test_nothing_compared_reads_as_nan(throughput: ModuleType) -> None:
    result = throughput.agreement([None, NAN], ["", None])
    assert result.compared == 0 and result.screened_both == 2
    assert math.isnan(result.share)


def test_the_json_fields_are_named_after_the_reference(throughput: ModuleType) -> None:
    fields = throughput.agreement(["a", None, "b"], ["a", "b", "b"]).fields("fp32")
    assert fields == {
        "agree_fp32": pytest.approx(2 / 3),
        "compared_fp32": 3,
        "screened_both_fp32": 0,
        "screened_one_fp32": 1,
    }


def test_the_report_prints_the_left_out_counts_beside_the_share(
    throughput: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    stage: dict[str, Any] = {
        "name": "worker end to end (bf16)",
        "rate": 200.0,
        "vs_baseline": 6.0,
        "peak_rss_mb": 900.0,
        "seconds": 10.0,
        **throughput.Agreement(1984, 1986, 14, 1).fields("baseline"),
        **throughput.Agreement(1985, 1985, 15, 0).fields("fp32"),
    }
    figures = {
        "rows": 2000,
        "profile": "realistic",
        "blank_rows": 0,
        "screened_rows": 15,
        "mean_tokens": 35.8,
        "p99_tokens": 324.0,
        "chunk_rows": 500,
        "batch_size": 64,
        "torch_threads": 2,
        "cpu": "test cpu",
        "auto_precision": "bf16",
        "product_times": {"fp32": 0.0041, "bf16": 0.0012},
        "model": "student-v1",
        "baseline_model": "teacher-v1",
        "baseline_rate": 33.0,
        "stages": [stage],
    }
    throughput._report(figures)
    out = capsys.readouterr().out
    assert "model student-v1, baseline's teacher-v1" in out
    assert "auto precision here: bf16 (one product: fp32 4.1 ms, bf16 1.2 ms)" in out
    row = next(line for line in out.splitlines() if "worker" in line)
    assert "99.90%      14/1" in row
    assert "100.00%      15/0" in row
