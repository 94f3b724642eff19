"""The worker fork server's preload (pipeline/adapters/worker_launch.py): the insights' modules
only where insights are on; a module that cannot be imported (scikit-learn is optional) is
logged and does not keep the rest out."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import ClassVar

import pytest

from pipeline.adapters import worker_launch
from pipeline.model import language


class RecordingDetector:
    texts: ClassVar[list[str]] = []

    def probabilities(self, text: str) -> Mapping[str, float]:
        RecordingDetector.texts.append(text)
        return {}


def test_a_missing_module_is_logged_and_the_rest_is_still_prepared(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    RecordingDetector.texts = []
    monkeypatch.setattr(language, "Py3LangidDetector", RecordingDetector)
    with caplog.at_level(logging.WARNING, logger="pipeline.adapters.worker_launch"):
        worker_launch.prepare_fork_parent(("pipeline.no_such_module", "pipeline.themes.warm"))
    assert "could not import pipeline.no_such_module" in caplog.text
    assert RecordingDetector.texts == [worker_launch.LANGUAGE_SAMPLE]


@pytest.mark.parametrize(
    ("environ", "with_insights"),
    [({}, True), ({"PIPELINE_INSIGHTS": "0"}, False), ({"PIPELINE_CHUNK_ROWS": "x"}, True)],
)
def test_the_insights_modules_are_preloaded_unless_insights_are_off(
    environ: dict[str, str], with_insights: bool
) -> None:
    modules = worker_launch.preloaded_modules(environ)
    assert modules[: len(worker_launch.PRELOADED_MODULES)] == worker_launch.PRELOADED_MODULES
    assert ("sklearn.cluster" in modules) is with_insights
