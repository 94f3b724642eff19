"""The policy simulation on small traces worked out by hand: cold starts, idle timeouts, warm
reuse of an instance ECS has not removed yet, the worker limit, and an always-on fleet."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pipeline.errors import ConfigError
from pipeline.master.policy import ScalingLimits
from pipeline.master.simulation import Arrival, FleetModel, percentile, simulate

# 100 rows/s, a minute to get a new instance ready, $3.60/h = $0.001 per instance-second.
MODEL = FleetModel(
    rows_per_second=100,
    cold_start_s=60,
    warm_start_s=10,
    scale_in_delay_s=0,
    price_per_hour=3.6,
    tick_s=1,
)
TRACE = [Arrival(at_s=0, rows=600), Arrival(at_s=100, rows=100)]
ON_DEMAND = ScalingLimits(min_workers=0, max_workers=1, idle_timeout_s=30)


def test_each_burst_pays_a_cold_start_and_the_idle_timeout() -> None:
    result = simulate(TRACE, ON_DEMAND, MODEL, horizon_s=200)
    # Job 1: instance launched at 0, ready at 60, labels 60-66, idle 30 s: stopped at 95.
    # Job 2: arrives at 100, new instance ready at 160, labels 160-161, stopped at 190.
    assert result.waits_s == (60.0, 60.0)
    assert result.billed_s == 95 + 90
    assert result.instances_launched == 2
    assert result.cost == pytest.approx(0.185)
    assert result.p95_wait_s == 60.0


def test_an_instance_still_up_after_scale_in_serves_the_next_job_warm() -> None:
    lingering = replace(MODEL, scale_in_delay_s=50)
    result = simulate(TRACE, ON_DEMAND, lingering, horizon_s=200)
    # The worker stops at 95 but its instance stays until 145; job 2 starts on it at 110,
    # that worker stops at 140 and the instance goes at 190.
    assert result.waits_s == (60.0, 10.0)
    assert (result.instances_launched, result.billed_s) == (1, 190.0)


def test_a_longer_idle_timeout_keeps_the_worker_for_the_next_job() -> None:
    patient = ScalingLimits(min_workers=0, max_workers=1, idle_timeout_s=60)
    result = simulate(TRACE, patient, MODEL, horizon_s=200)
    # Idle from 66: still there at 100, labels 100-101, stopped at 160.
    assert result.waits_s == (60.0, 0.0)
    assert (result.instances_launched, result.billed_s) == (1, 160.0)


def test_an_always_on_instance_never_makes_a_job_wait_here_but_bills_the_day() -> None:
    result = simulate(TRACE, ScalingLimits(1, 1, idle_timeout_s=30), MODEL, horizon_s=200)
    assert result.waits_s == (0.0, 0.0)
    assert (result.instances_launched, result.billed_s) == (1, 200.0)


def test_jobs_beyond_the_worker_limit_wait_for_a_free_worker() -> None:
    instant = replace(MODEL, cold_start_s=0)
    burst = [Arrival(0, 1000), Arrival(0, 1000), Arrival(0, 1000)]
    result = simulate(burst, ScalingLimits(0, 2, idle_timeout_s=0), instant, horizon_s=30)
    # Two workers from t=0; the third job starts when the first two end at 10, ends at 20:
    # the idle worker is kept while a job is in flight, then both stop at 20.
    assert result.waits_s == (0.0, 0.0, 10.0)
    assert (result.instances_launched, result.billed_s) == (2, 40.0)


def test_nearest_rank_percentile() -> None:
    values = [float(v) for v in range(20, 0, -1)]
    assert percentile(values, 95) == 19.0
    assert percentile(values, 100) == 20.0
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 95) == 0.0


def test_a_model_that_cannot_finish_is_refused() -> None:
    with pytest.raises(ConfigError, match="rows_per_second"):
        FleetModel(rows_per_second=0)
    with pytest.raises(ConfigError, match="negative"):
        FleetModel(cold_start_s=-1)
