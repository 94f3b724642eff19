"""Request ids on the command line: new ids never begin with '-', and the ids that did (one
in 64 before) still reach every command that takes one, where argparse alone would read them
as an unknown option and then ask for the request id."""

from __future__ import annotations

import pytest

from pipeline.cli.main import build_parser
from pipeline.service import jobs

DASHED = "-Y1M24eAZlN3K5Bpf8bHwQ"
"""An id as ``secrets.token_urlsafe(16)`` gave one (22 characters)."""

ID_COMMANDS = ("status", "results", "summary", "cancel", "report", "aspects", "themes")


@pytest.mark.parametrize("command", ID_COMMANDS)
@pytest.mark.parametrize("request_id", [DASHED, "-" + DASHED, "Y1M24eAZlN3K5Bpf8bHwQ-"])
def test_every_command_that_takes_a_request_id_reads_one_beginning_with_a_dash(
    command: str, request_id: str
) -> None:
    args = build_parser().parse_args([command, request_id])
    assert args.command == command and args.request_id == request_id


def test_a_dashed_id_is_read_wherever_it_stands_among_the_options() -> None:
    parser = build_parser()
    before = parser.parse_args(["aspects", DASHED, "--group-by", "course", "--json"])
    after = parser.parse_args(["themes", "--label", "negative", DASHED])
    separated = parser.parse_args(["status", "--json", "--", DASHED])
    assert (before.request_id, before.group_by, before.json) == (DASHED, "course", True)
    assert (after.request_id, after.label) == (DASHED, "negative")
    assert (separated.request_id, separated.json) == (DASHED, True)


def test_an_unknown_short_option_is_still_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        build_parser().parse_args(["status", "job1", "-x"])
    assert caught.value.code == 2
    assert "unrecognized arguments: -x" in capsys.readouterr().err


def test_new_request_ids_never_begin_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn = iter([DASHED, "-another-dashed-one-x", "_Y1M24eAZlN3K5Bpf8bHwQ"])
    monkeypatch.setattr(jobs.secrets, "token_urlsafe", lambda nbytes: next(drawn))
    assert jobs.new_request_id() == "_Y1M24eAZlN3K5Bpf8bHwQ"


def test_real_request_ids_are_22_url_safe_characters_not_beginning_with_a_dash() -> None:
    ids = {jobs.new_request_id() for _ in range(4_000)}
    assert len(ids) == 4_000
    assert all(len(i) == 22 and not i.startswith("-") for i in ids)
    assert any(i.startswith("_") for i in ids), "only '-' is excluded (1 in 64 would be '_')"
