"""The precision probe on this machine's real CPU: it times what the flags offer, and the
predictor's ``auto`` is the policy's answer to those times."""

from __future__ import annotations

import logging

import pytest

from pipeline.model.precision import (
    describe_choice,
    fast_default,
    machine_capabilities,
    reduced_candidates,
)
from pipeline.model.precision_probe import product_times
from pipeline.model.predictor import Predictor


def test_every_precision_the_flags_offer_is_timed() -> None:
    capabilities = machine_capabilities("cpu")
    times = product_times(capabilities)
    assert set(times) == {"fp32", *reduced_candidates(capabilities)}
    assert all(0 < seconds < 1 for seconds in times.values())


def test_auto_is_the_policy_s_answer_to_this_cpu_s_times(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="pipeline.model.predictor"):
        predictor = Predictor.load("default")
    capabilities = machine_capabilities("cpu")
    timed = bool(reduced_candidates(capabilities))  # else auto is fp32 with nothing to weigh
    assert (predictor.product_times is not None) == timed
    assert predictor.precision == fast_default("cpu", capabilities, predictor.product_times)
    told = describe_choice(predictor.precision, predictor.product_times)
    assert f"on cpu in {told}" in caplog.text


def test_an_explicit_precision_is_not_timed() -> None:
    predictor = Predictor.load("default", precision="fp32")
    assert predictor.product_times is None
    assert predictor.precision == "fp32"
