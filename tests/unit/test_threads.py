"""The model's thread count follows the CPUs a container may use, not the host's cores."""

from __future__ import annotations

import pytest

from pipeline.model.threads import cpu_budget, parse_cgroup_v2


@pytest.mark.parametrize(
    ("affinity", "quota", "period", "expected"),
    [
        (16, None, None, 16),  # no limit
        (16, 200_000, 100_000, 2),  # ECS task with 2 vCPUs on a 16-core host
        (16, 150_000, 100_000, 2),  # 1.5 CPUs: round up, a half-used thread still helps
        (16, 50_000, 100_000, 1),  # less than one CPU: one thread
        (4, 800_000, 100_000, 4),  # a quota above the affinity mask changes nothing
        (8, -1, 100_000, 8),  # cgroup v1 "no limit"
        (0, None, None, 1),
    ],
)
def test_cpu_budget(affinity: int, quota: int | None, period: int | None, expected: int) -> None:
    assert cpu_budget(affinity, quota, period) == expected


def test_cgroup_v2_cpu_max_is_parsed() -> None:
    assert parse_cgroup_v2("200000 100000\n") == (200_000, 100_000)
    assert parse_cgroup_v2("max 100000\n") == (None, None)
