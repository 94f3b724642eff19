"""PIPELINE_RETENTION_DAYS: 0 keeps every job; otherwise the days after which a finished job is
erased, at most 100 years. Far more (999999 meant as "for ever") would put the cut-off before
year 1: every read of a finished job and the master's retention pass would fail
(OverflowError), so such a value is refused when the settings are read."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from jobfakes import make_backend

from pipeline.errors import ConfigError
from pipeline.service.erase import erase_expired
from pipeline.settings import MAX_RETENTION_DAYS, Settings


@pytest.mark.parametrize("raw", ["999999", "740000", "36501", "-1", "inf", "nan"])
def test_a_retention_beyond_100_years_or_below_0_is_refused_saying_0_keeps_jobs(
    raw: str,
) -> None:
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({"PIPELINE_RETENTION_DAYS": raw})
    message = str(refused.value)
    assert message.startswith("PIPELINE_RETENTION_DAYS=")
    assert "at most 36,500 (100 years)" in message
    assert "0 to keep every job for ever" in message


def test_a_retention_that_is_not_a_number_is_refused() -> None:
    with pytest.raises(ConfigError, match="PIPELINE_RETENTION_DAYS='abc' is not a valid float"):
        Settings.from_env({"PIPELINE_RETENTION_DAYS": "abc"})


@pytest.mark.parametrize("raw", ["0", "30", "36500"])
def test_retentions_up_to_100_years_are_taken(raw: str) -> None:
    assert Settings.from_env({"PIPELINE_RETENTION_DAYS": raw}).retention_days == float(raw)


def test_the_longest_retention_works_in_the_retention_pass(tmp_path: Path) -> None:
    backend = make_backend(tmp_path, auth="none", retention_days=MAX_RETENTION_DAYS)
    assert erase_expired(backend, MAX_RETENTION_DAYS, datetime.now(UTC)) == []
