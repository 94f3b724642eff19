"""Hunt 5, 4: the command line took a key only from ``--api-key`` (every account on the
machine reads it in ``ps`` for as long as ``--wait`` waits) or the environment. A key file,
``--api-key-file`` or ``PIPELINE_API_KEY_FILE``, readable by its owner alone, is read; one
that others may read, or that cannot be read, stops the command before any request, never
falling back to another key or to none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from clientfakes import FakeClientBase

from pipeline.cli.main import main
from pipeline.client import JobStatus

ID = "AAAAAAAAAAAAAAAAAAAAAA"


class Recorded(FakeClientBase):
    """A PipelineClient that notes the key it was given and answers a status."""

    keys: list[str]

    def __init__(self, base_url: str, api_key: str = "", **_options: Any) -> None:
        self.keys.append(api_key)

    def status(self, request_id: str) -> JobStatus:
        return JobStatus(request_id, "succeeded", rows_total=1, rows_done=1)


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The keys the commands built their clients with (none built: an empty list)."""
    monkeypatch.delenv("PIPELINE_API_KEY", raising=False)
    monkeypatch.delenv("PIPELINE_API_KEY_FILE", raising=False)
    keys: list[str] = []
    monkeypatch.setattr(Recorded, "keys", keys, raising=False)
    monkeypatch.setattr("pipeline.client.PipelineClient", Recorded)
    return keys


def _key_file(folder: Path, mode: int, content: str = "sp_filekey123\n") -> Path:
    path = folder / "api-key"
    path.write_text(content, encoding="utf-8")
    path.chmod(mode)
    return path


def test_the_key_file_option_sends_the_files_key(tmp_path: Path, sent: list[str]) -> None:
    key_file = _key_file(tmp_path, 0o600)
    assert main(["status", ID, "--api-key-file", str(key_file)]) == 0
    assert sent == ["sp_filekey123"]


def test_the_key_file_variable_sends_the_files_key_and_an_option_beats_it(
    tmp_path: Path, sent: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIPELINE_API_KEY_FILE", str(_key_file(tmp_path, 0o400)))
    assert main(["status", ID]) == 0
    assert main(["status", ID, "--api-key", "sp_option"]) == 0
    assert sent == ["sp_filekey123", "sp_option"]


@pytest.mark.parametrize(("mode", "shown"), [(0o644, "0644"), (0o640, "0640"), (0o602, "0602")])
def test_a_key_file_other_accounts_may_read_is_refused_before_any_request(
    mode: int,
    shown: str,
    tmp_path: Path,
    sent: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key_file = _key_file(tmp_path, mode)
    assert main(["status", ID, "--api-key-file", str(key_file)]) == 2
    err = capsys.readouterr().err
    assert f"other accounts may read or change it (mode {shown}); " in err
    assert f"chmod 600 {key_file}" in err and "sp_filekey123" not in err

    monkeypatch.setenv("PIPELINE_API_KEY", "sp_fallback")  # never sent in its place
    monkeypatch.setenv("PIPELINE_API_KEY_FILE", str(key_file))
    assert main(["status", ID]) == 1
    assert "PIPELINE_API_KEY and PIPELINE_API_KEY_FILE are both set" in capsys.readouterr().err
    monkeypatch.delenv("PIPELINE_API_KEY")
    assert main(["status", ID]) == 1
    assert f"PIPELINE_API_KEY_FILE {key_file}: other accounts may read" in (capsys.readouterr().err)
    assert sent == []


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("", "holds no key: it is empty"),
        ("  \n", "holds no key: it is empty"),
        ("sp_one\nsp_two\n", "holds more than one line"),
        ("x" * 5000, "is not a key file: over 4,096 bytes"),
    ],
)
def test_a_key_file_without_one_key_is_refused(
    content: str,
    said: str,
    tmp_path: Path,
    sent: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    key_file = _key_file(tmp_path, 0o600, content)
    assert main(["status", ID, "--api-key-file", str(key_file)]) == 2
    assert f"--api-key-file {key_file} {said}" in capsys.readouterr().err
    assert sent == []


def test_a_missing_key_file_is_refused(
    tmp_path: Path, sent: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", ID, "--api-key-file", str(tmp_path / "none")]) == 2
    assert "cannot read --api-key-file" in capsys.readouterr().err
    assert sent == []


def test_a_key_and_a_key_file_together_are_refused(tmp_path: Path, sent: list[str]) -> None:
    key_file = _key_file(tmp_path, 0o600)
    with pytest.raises(SystemExit) as refused:
        main(["status", ID, "--api-key", "sp_x", "--api-key-file", str(key_file)])
    assert refused.value.code == 2
    assert sent == []


@pytest.mark.parametrize("command", ["submit", "status", "results", "jobs", "aspects", "flagged"])
def test_the_help_says_a_command_line_key_is_seen_by_other_accounts(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "every account on this machine can read a command line (ps)" in text
    assert "--api-key-file FILE" in text
