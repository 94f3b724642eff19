"""How many threads the model may use: no more than the CPUs this process may actually run on.

torch sizes its thread pool from the machine's cores, but a container (an ECS task with
``cpu: 2048`` on a 16-core host, a Kubernetes CPU limit) may be allowed far fewer; with more
busy threads than CPUs, every parallel region waits for the descheduled ones and inference
slows several-fold (measured on the shared 2-core development machine).
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

CGROUP_V2_MAX = Path("/sys/fs/cgroup/cpu.max")
CGROUP_V1_QUOTA = Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us")
CGROUP_V1_PERIOD = Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us")


def cpu_budget(affinity: int, quota_us: int | None, period_us: int | None) -> int:
    """CPUs usable: the affinity mask, capped by a CFS quota (rounded up; at least 1)."""
    budget = max(1, affinity)
    if quota_us is not None and period_us and quota_us > 0:
        budget = min(budget, max(1, math.ceil(quota_us / period_us)))
    return budget


def parse_cgroup_v2(text: str) -> tuple[int | None, int | None]:
    """``cpu.max`` is "QUOTA PERIOD" or "max PERIOD" (no limit)."""
    parts = text.split()
    if len(parts) != 2 or parts[0] == "max":
        return None, None
    return int(parts[0]), int(parts[1])


def container_cpus() -> int:
    """This process's CPU budget, read from its affinity and cgroup (v2, else v1)."""
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    quota: int | None = None
    period: int | None = None
    try:
        if CGROUP_V2_MAX.exists():
            quota, period = parse_cgroup_v2(CGROUP_V2_MAX.read_text())
        elif CGROUP_V1_QUOTA.exists():
            quota = int(CGROUP_V1_QUOTA.read_text())
            period = int(CGROUP_V1_PERIOD.read_text())
    except (OSError, ValueError):
        quota = period = None
    return cpu_budget(affinity or 1, quota, period)


def fit_threads_to_cpus(torch: Any) -> int:
    """Lower torch's intra-op threads to the CPU budget (never raise them); returns the count."""
    budget = container_cpus()
    if torch.get_num_threads() > budget:
        torch.set_num_threads(budget)
    return int(torch.get_num_threads())
