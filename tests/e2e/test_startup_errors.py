"""A process that cannot start (`up`, `worker`, `master`, `init`) says what failed and what to
do in one line on stderr and exits non-zero: no traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

COMMANDS = [["up"], ["worker", "--burst"], ["master"], ["init"]]


def run_cli(command: list[str], data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PIPELINE_DATA_DIR": str(data_dir), **env}
    argv = [sys.executable, "-m", "pipeline", *command]
    if os.geteuid() == 0:
        # Root writes into any folder whatever its mode, and changes the mode of any; without
        # those privileges (CAP_DAC_OVERRIDE, CAP_FOWNER) the child is held to them as anyone.
        argv = ["setpriv", "--bounding-set=-dac_override,-fowner", "--", *argv]
    return subprocess.run(
        argv, env=environment, capture_output=True, text=True, timeout=120, check=False
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *phrases: str) -> None:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for phrase in phrases:
        assert phrase in lines[0]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: command[0])
def test_a_read_only_data_folder_is_one_line(command: list[str], tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    data_dir.chmod(0o555)
    result = run_cli(command, data_dir)
    where = f"the data folder {data_dir} cannot be written"
    assert_one_line_error(result, where, "Permission denied", "PIPELINE_DATA_DIR")


def test_a_data_folder_others_can_read_is_made_owner_only(tmp_path: Path) -> None:
    """The database, queue and logs in it hold every key's comments."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    data_dir.chmod(0o755)
    result = run_cli(["init"], data_dir)
    assert result.returncode == 0, result.stderr
    assert data_dir.stat().st_mode & 0o777 == 0o700
    assert f"the data folder {data_dir} could be read by other accounts" in result.stderr
    fresh = tmp_path / "fresh" / "data"
    assert run_cli(["init"], fresh).returncode == 0
    assert fresh.stat().st_mode & 0o777 == 0o700


@pytest.mark.skipif(os.geteuid() != 0, reason="giving the folder to another account needs root")
def test_a_data_folder_others_can_read_and_this_user_cannot_close_is_refused(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    data_dir.chmod(0o777)
    os.chown(data_dir, 65534, 65534)  # another account's folder, open to all
    result = run_cli(["init"], data_dir)
    assert_one_line_error(
        result, f"the data folder {data_dir} can be read by other accounts", "chmod 700"
    )
    assert not (data_dir / "pipeline.db").exists()


def test_a_damaged_database_is_one_line(tmp_path: Path) -> None:
    """Its schema readable, its tables not: a traceback from the first query before."""
    data_dir = tmp_path / "data"
    assert run_cli(["init"], data_dir).returncode == 0
    database = data_dir / "pipeline.db"
    with database.open("r+b") as handle:
        handle.seek(12288)
        handle.write(os.urandom(database.stat().st_size - 12288))
    result = run_cli(["up"], data_dir, PIPELINE_API_PORT=str(closed_port()))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    last = result.stderr.strip().splitlines()[-1]  # after the migrations' log lines
    assert last.startswith("error: the database is damaged") and "restore it from a backup" in last


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: command[0])
def test_an_unreachable_database_is_one_line(command: list[str], tmp_path: Path) -> None:
    url = f"postgresql+psycopg2://postgres:secret@127.0.0.1:{closed_port()}/pipeline"
    result = run_cli(command, tmp_path / "data", PIPELINE_DATABASE_URL=url)
    assert_one_line_error(
        result, "cannot use the database at postgresql+psycopg2://postgres:***@", "refused"
    )
    assert "secret" not in result.stderr


def test_a_password_in_the_query_string_is_not_printed(tmp_path: Path) -> None:
    url = f"postgresql+psycopg2://postgres@127.0.0.1:{closed_port()}/pipeline?password=S3cret"
    result = run_cli(["keys", "list"], tmp_path / "data", PIPELINE_DATABASE_URL=url)
    assert_one_line_error(result, "cannot use the database at", "?password=hidden")
    assert "S3cret" not in result.stderr


def test_a_database_url_that_cannot_be_used_is_one_line(tmp_path: Path) -> None:
    result = run_cli(["up"], tmp_path / "data", PIPELINE_DATABASE_URL="nosuchdb://secret@x/y")
    assert_one_line_error(result, "PIPELINE_DATABASE_URL cannot be used", "postgresql+psycopg2://")
    assert "secret" not in result.stderr
