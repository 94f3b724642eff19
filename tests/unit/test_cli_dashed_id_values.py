"""Request ids that begin with '-' (one in 64 of those issued before 2 December 2026) are read
as they are wherever a command takes a request id: after ``--since`` and ``--trend`` and among
``trend``'s ids too, where argparse alone answered "expected one argument" or "unrecognized
arguments"."""

from __future__ import annotations

import pytest

from pipeline.cli.main import build_parser
from pipeline.cli.request_ids import is_dashed_id

DASHED = "-Y1M24eAZlN3K5Bpf8bHwQ"
OTHER = "-Z2N35fBamO4L6Cqg9cIxR"
NEW = "Y1M24eAZlN3K5Bpf8bHwQx"


@pytest.mark.parametrize("command", ["change", "report"])
def test_since_reads_a_dashed_id(command: str) -> None:
    args = build_parser().parse_args([command, NEW, "--since", DASHED, "--group-by", "course"])
    assert (args.request_id, args.since, args.group_by) == (NEW, DASHED, "course")


def test_since_reads_a_dashed_id_of_this_job_too() -> None:
    args = build_parser().parse_args(["change", DASHED, "--since", OTHER])
    assert (args.request_id, args.since) == (DASHED, OTHER)


def test_trend_option_reads_dashed_ids_among_the_others() -> None:
    argv = ["report", NEW, "--trend", DASHED, "plainid1234567890abcd", OTHER, "--format", "html"]
    args = build_parser().parse_args(argv)
    assert args.request_id == NEW and args.format == "html"
    assert list(args.trend) == [DASHED, "plainid1234567890abcd", OTHER]


@pytest.mark.parametrize(
    "argv",
    [
        ["trend", DASHED, NEW],
        ["trend", NEW, DASHED, "--group-by", "course"],
        ["trend", "--group-by", "course", "--", DASHED, NEW],
    ],
    ids=["first", "before an option", "after --, as before"],
)
def test_trend_reads_dashed_ids_as_they_are(argv: list[str]) -> None:
    args = build_parser().parse_args(argv)
    assert DASHED in args.request_ids and NEW in args.request_ids


def test_an_option_still_needs_its_value(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        build_parser().parse_args(["change", NEW, "--since", "--group-by", "course"])
    assert caught.value.code == 2
    assert "argument --since: expected one argument" in capsys.readouterr().err


def test_a_command_without_request_ids_reads_dashes_as_options(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as caught:
        build_parser().parse_args(["predict", DASHED])
    assert caught.value.code == 2


@pytest.mark.parametrize(
    ("token", "dashed"),
    [
        (DASHED, True),
        ("-" + DASHED, True),
        ("--long-option-of-22-ch", False),  # a command's own option
        ("--long-option-of-22-ch=v", False),
        ("-short", False),  # too short to be an id
        ("-h", False),
        ("-Y1M24eAZlN3K5Bpf8bH.Q", False),  # not URL-safe base64
    ],
)
def test_only_a_token_that_can_only_be_an_id_is_read_as_one(token: str, dashed: bool) -> None:
    assert is_dashed_id(token, {"-h", "--help", "--long-option-of-22-ch"}) is dashed
