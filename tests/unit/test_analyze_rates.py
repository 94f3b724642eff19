"""``analyze``'s "about what" bar times the insights pass from its start, so its rate is the
pass's own even when one chunk holds every row (it showed 537,731 comments a second)."""

from __future__ import annotations

import re
import time

import pytest

from pipeline.analyze import PhasedProgress

PASS_S = 0.2


def test_the_insights_bar_times_the_pass_from_the_last_label(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with PhasedProgress(10, insights=True) as shown:
        shown.labelled(10)
        time.sleep(PASS_S)  # the insights pass works on its one chunk
        shown.analysed(10)
    err = capsys.readouterr().err
    about = [line for line in re.split(r"[\r\n]", err) if line.startswith("about what: 100%")]
    assert about, err
    rate = re.search(r"([\d.]+)comment/s", about[-1])
    assert rate is not None, about[-1]
    assert float(rate.group(1)) <= 10 / PASS_S * 1.5, about[-1]  # about 50 a second


def test_without_insights_no_second_bar_opens(capsys: pytest.CaptureFixture[str]) -> None:
    with PhasedProgress(10) as shown:
        shown.labelled(10)
    err = capsys.readouterr().err
    assert "about what" not in err and "labels" not in err and "10/10" in err
