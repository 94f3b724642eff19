"""The scaling policy as a table: observed state and limits in, desired workers out."""

from __future__ import annotations

import pytest

from pipeline.errors import ConfigError
from pipeline.master.policy import ScalingInputs, ScalingLimits, desired_workers

LIMITS = ScalingLimits(min_workers=0, max_workers=3, idle_timeout_s=60)

# backlog, in_flight, workers, busy, idle_for_s -> desired
CASES = [
    ("nothing to do, nothing running", (0, 0, 0, 0, 0.0), 0),
    ("one job queued starts one worker", (1, 0, 0, 0, 0.0), 1),
    ("demand beyond the limit is capped", (10, 0, 0, 0, 0.0), 3),
    ("queued plus in flight counts as demand", (1, 2, 2, 2, 0.0), 3),
    ("never scale down while there is demand", (1, 0, 3, 0, 0.0), 3),
    ("idle workers stay until the idle timeout", (0, 0, 2, 0, 59.0), 2),
    ("scale to zero after the idle timeout", (0, 0, 2, 0, 60.0), 0),
    ("a busy worker is never stopped, even when idle timed out", (0, 0, 2, 1, 600.0), 1),
    ("a dead worker's message in flight still asks for a worker", (0, 1, 0, 0, 0.0), 1),
    ("busy workers above the limit are kept", (0, 4, 4, 4, 0.0), 4),
]


@pytest.mark.parametrize(
    ("observed", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_desired_workers(observed: tuple[int, int, int, int, float], expected: int) -> None:
    backlog, in_flight, workers, busy, idle_for = observed
    inputs = ScalingInputs(backlog, in_flight, workers, busy, idle_for)
    assert desired_workers(inputs, LIMITS) == expected


def test_the_minimum_is_kept_even_when_idle() -> None:
    limits = ScalingLimits(min_workers=1, max_workers=2, idle_timeout_s=0)
    assert desired_workers(ScalingInputs(0, 0, 0, 0, 1000.0), limits) == 1


@pytest.mark.parametrize(("low", "high", "idle"), [(3, 2, 1.0), (-1, 2, 1.0), (0, 2, -1.0)])
def test_impossible_limits_are_refused(low: int, high: int, idle: float) -> None:
    with pytest.raises(ConfigError):
        ScalingLimits(min_workers=low, max_workers=high, idle_timeout_s=idle)
