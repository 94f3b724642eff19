"""Numbers out of their range are refused when the settings are read, naming the variable and
the range: a batch size of 0 once started a deployment whose every job then waited "for its
model", and a port of 99999 or a maximum of -1 workers were taken without a word."""

from __future__ import annotations

import pytest

from pipeline.errors import ConfigError
from pipeline.settings import Settings


@pytest.mark.parametrize(
    ("variable", "raw", "told"),
    [
        ("PIPELINE_BATCH_SIZE", "0", "PIPELINE_BATCH_SIZE=0 must be at least 1"),
        ("PIPELINE_CHUNK_ROWS", "0", "PIPELINE_CHUNK_ROWS=0 must be at least 1"),
        ("PIPELINE_FIRST_CHUNK_ROWS", "-3", "PIPELINE_FIRST_CHUNK_ROWS=-3 must be at least 1"),
        ("PIPELINE_MAX_UPLOAD_BYTES", "-5", "PIPELINE_MAX_UPLOAD_BYTES=-5 must be at least 1"),
        ("PIPELINE_MAX_ROWS", "0", "PIPELINE_MAX_ROWS=0 must be at least 1"),
        ("PIPELINE_MAX_COMMENT_CHARS", "0", "PIPELINE_MAX_COMMENT_CHARS=0 must be at least 1"),
        ("PIPELINE_MAX_RECEIVES", "0", "PIPELINE_MAX_RECEIVES=0 must be at least 1"),
        ("PIPELINE_MAX_WORKERS", "-1", "PIPELINE_MAX_WORKERS=-1 must be at least 0"),
        ("PIPELINE_MIN_WORKERS", "-1", "PIPELINE_MIN_WORKERS=-1 must be at least 0"),
        (
            "PIPELINE_MIN_WORKERS",
            "3",
            "PIPELINE_MIN_WORKERS=3 must be at most PIPELINE_MAX_WORKERS=2",
        ),
        ("PIPELINE_API_PORT", "99999", "PIPELINE_API_PORT=99999 must be a TCP port, 1 to 65535"),
        ("PIPELINE_API_PORT", "0", "PIPELINE_API_PORT=0 must be a TCP port, 1 to 65535"),
        ("PIPELINE_HEARTBEAT_S", "0", "PIPELINE_HEARTBEAT_S=0 must be more than 0 seconds"),
    ],
)
def test_a_number_out_of_range_is_refused_by_its_variable(
    variable: str, raw: str, told: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({variable: raw})
    assert str(refused.value) == told


@pytest.mark.parametrize(
    ("variable", "raw"),
    [
        ("PIPELINE_BATCH_SIZE", "1"),
        ("PIPELINE_MAX_WORKERS", "0"),
        ("PIPELINE_MAX_ROWS", "1"),
        ("PIPELINE_API_PORT", "1"),
        ("PIPELINE_API_PORT", "65535"),
        ("PIPELINE_MIN_WORKERS", "2"),
    ],
)
def test_the_ends_of_each_range_are_taken(variable: str, raw: str) -> None:
    Settings.from_env({variable: raw})


def test_a_minimum_above_the_maximum_is_refused_whichever_way_it_is_given() -> None:
    with pytest.raises(ConfigError, match="PIPELINE_MIN_WORKERS=2 must be at most"):
        Settings(min_workers=2, max_workers=1)
    assert Settings().replace(max_workers=5, min_workers=5).min_workers == 5


def test_a_bool_that_is_no_known_word_is_refused_listing_the_words() -> None:
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({"PIPELINE_INSIGHTS": "maybe"})
    assert str(refused.value) == (
        "PIPELINE_INSIGHTS='maybe' is not a valid bool: use one of 1, true, yes, on, 0, false, "
        "no, off"
    )


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("MASTER_INTERVAL_S", "-1", "more than 0 seconds"),  # a master that would spin
        ("MASTER_INTERVAL_S", "nan", "more than 0 seconds"),
        ("VISIBILITY_TIMEOUT_S", "0", "more than 0 seconds"),
        ("WORKER_POLL_S", "-0.5", "at least 0 seconds"),
    ],
)
def test_a_duration_out_of_range_is_refused_by_name(name: str, value: str, said: str) -> None:
    with pytest.raises(ConfigError, match=f"PIPELINE_{name}={value}.*{said}"):
        Settings.from_env({f"PIPELINE_{name}": value})


def test_no_wait_between_polls_is_allowed() -> None:
    assert Settings.from_env({"PIPELINE_WORKER_POLL_S": "0"}).worker_poll_s == 0.0
