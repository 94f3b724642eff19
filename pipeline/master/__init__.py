"""The master: a pure scaling policy and the reconcile loop that applies it to a fleet."""

from __future__ import annotations

from pipeline.master.loop import Master, TickReport
from pipeline.master.policy import ScalingInputs, ScalingLimits, desired_workers

__all__ = ["Master", "ScalingInputs", "ScalingLimits", "TickReport", "desired_workers"]
