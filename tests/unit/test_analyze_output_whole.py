"""``analyze`` writes its results whole or not at all, and leaves nothing of the comments
behind: on a full disk it left 78 of 201 records under the name asked for (blaming
"temporary files"); a folder where its themes file goes was found only after every row was
labelled and the results written; killed by SIGTERM (``timeout``, systemd, a CI kill) it left
two copies of the input and a database of labels in ``/tmp/analyze-*`` for good."""

from __future__ import annotations

import errno
import functools
import os
import signal
import tempfile
from pathlib import Path
from types import FrameType
from typing import Any, BinaryIO

import pytest
from insightfakes import fake_analyst
from jobfakes import FakePredictor, comments_csv

from pipeline import analyze
from pipeline.cli import model_commands
from pipeline.cli.main import main

COMMENTS = [f"good comment number {n} about the lectures" for n in range(6)]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``analyze``'s temporary folders go under ``tmp_path/tmp``; the fake model labels."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    monkeypatch.setattr(model_commands, "_predictor", lambda _settings: FakePredictor())
    monkeypatch.setenv("PIPELINE_INSIGHTS", "0")  # the fake has no encoder to embed with
    comments_csv(tmp_path / "in.csv", COMMENTS)
    return tmp_path


def _analyze(folder: Path, output: Path) -> int:
    return main(["analyze", str(folder / "in.csv"), "--text-column", "comment", "-o", str(output)])


def test_a_disk_that_fills_while_the_results_are_written_leaves_no_file(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def half_then_full(_backend: Any, _key: str, _scratch: Path, handle: BinaryIO) -> None:
        handle.write(b"course,comment,label\nC0,good comment number 0,posi")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(analyze, "_copy_out", half_then_full)
    output = folder / "out" / "results.csv"

    assert _analyze(folder, output) == 2

    err = capsys.readouterr().err
    assert f"cannot write {output}: No space left on device" in err
    assert "temporary files" not in err
    assert list((folder / "out").iterdir()) == []


def test_a_folder_where_the_themes_go_is_refused_before_the_model_loads(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PIPELINE_INSIGHTS", "1")

    def no_model(_settings: Any) -> None:
        raise AssertionError("the model loaded before the output was checked")

    monkeypatch.setattr(model_commands, "_predictor", no_model)
    (folder / "clash.themes.json").mkdir()

    assert _analyze(folder, folder / "clash.csv") == 2

    assert "clash.themes.json is a folder" in capsys.readouterr().err
    assert not (folder / "clash.csv").exists()


def test_sigterm_removes_the_temporary_folder_as_ctrl_c_does(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[list[str]] = []

    def killed(self: Any, burst: bool = False) -> int:
        seen.append(os.listdir(tempfile.gettempdir()))
        os.kill(os.getpid(), signal.SIGTERM)
        raise AssertionError("SIGTERM did not stop the command")

    def reached_the_test(_signum: int, _frame: FrameType | None) -> None:
        raise AssertionError("SIGTERM reached the test: nothing cleaned up")

    monkeypatch.setattr(analyze.Worker, "run", killed)
    before = signal.signal(signal.SIGTERM, reached_the_test)
    try:
        assert _analyze(folder, folder / "killed.csv") == 128 + signal.SIGTERM
        assert signal.getsignal(signal.SIGTERM) is reached_the_test  # put back after
    finally:
        signal.signal(signal.SIGTERM, before)

    assert seen and any(name.startswith("analyze-") for name in seen[0])
    assert os.listdir(tempfile.gettempdir()) == []
    assert not (folder / "killed.csv").exists()


def test_results_that_cannot_be_put_in_place_leave_no_themes_file_beside_them(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PIPELINE_INSIGHTS", "1")
    monkeypatch.setattr(
        analyze, "insights_source", lambda settings: functools.partial(fake_analyst)
    )
    output = folder / "out" / "results.csv"
    output.parent.mkdir()
    real_replace = Path.replace

    def refused(self: Path, target: Any) -> Path:
        if Path(target) == output:
            raise OSError(errno.EACCES, os.strerror(errno.EACCES))
        return real_replace(self, target)

    monkeypatch.setattr(Path, "replace", refused)

    assert _analyze(folder, output) == 2

    assert f"cannot write {output}: Permission denied" in capsys.readouterr().err
    assert list(output.parent.iterdir()) == []
