"""Marks for tests that need an instruction set this CPU may lack: such a test skips there,
even under PIPELINE_STRICT_SKIPS=1 (the ``needs_cpu_feature`` marker, tests/conftest.py),
since no test run can give a CPU what it has not."""

from __future__ import annotations

import pytest

from pipeline.model.precision import machine_capabilities, supported_precisions

RUNS_INT8 = "int8" in supported_precisions("cpu", machine_capabilities("cpu"))
"""The product offers int8 on this CPU (it needs VNNI)."""


def int8_marks(reason: str = "this CPU does not run int8") -> list[pytest.MarkDecorator]:
    """A test's marks where it needs the product's int8 (``pytestmark``, ``pytest.param``)."""
    return [pytest.mark.needs_cpu_feature, pytest.mark.skipif(not RUNS_INT8, reason=reason)]
