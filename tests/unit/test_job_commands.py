"""The backend-side commands in-process: init is idempotent, keys are created, listed, revoked."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.cli.main import main


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("PIPELINE_DATABASE_URL", "PIPELINE_BACKEND", "PIPELINE_FLEET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PIPELINE_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_init_creates_the_storage_and_can_run_again(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init"]) == 0
    assert main(["init"]) == 0
    assert (data_dir / "pipeline.db").exists() and (data_dir / "queue.db").exists()
    assert "backend local ready" in capsys.readouterr().out


def test_keys_create_list_revoke(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "create", "alice"]) == 0
    out = capsys.readouterr()
    assert out.out.strip().startswith("sp_") and "shown only once" in out.err
    assert main(["keys", "create", "alice"]) == 1
    assert "already exists" in capsys.readouterr().err
    assert main(["keys", "list"]) == 0
    listing = capsys.readouterr().out
    assert listing.startswith("alice\t") and "active" in listing and "sp_" not in listing
    assert main(["keys", "revoke", "alice"]) == 0
    assert main(["keys", "list"]) == 0
    assert "revoked" in capsys.readouterr().out
    assert main(["keys", "revoke", "bob"]) == 1
    capsys.readouterr()
    # A revoked key's name: said so (it "already exists" read as a key that still works).
    assert main(["keys", "create", "alice"]) == 1
    said = capsys.readouterr().err
    assert "'alice' was revoked on" in said and "another name" in said, said
    assert main(["keys", "revoke", "alice"]) == 0
    assert "'alice' was already revoked on" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["evil\x1b[2Jname", "two\tcolumns", "two\nlines", "a\u202eb"])
def test_a_key_name_with_a_control_character_is_refused_by_name(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """It was stored, and ``keys list`` printed it raw: the escape cleared the screen, the tab
    or line break broke the tab-separated listing."""
    assert main(["keys", "create", name]) == 2
    said = capsys.readouterr()
    assert "control character" in said.err and "\x1b" not in said.err + said.out
    assert main(["keys", "list"]) == 0
    assert capsys.readouterr().out == ""


def test_keys_list_shows_a_stored_name_inert(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A name stored before names were checked is still printed on one inert line."""
    from pipeline.bootstrap import init_backend
    from pipeline.settings import Settings

    backend = init_backend(Settings.from_env())
    backend.repository.keys.add("0123456789abcdef", "old\x1b[2J\tname", "hash")
    assert main(["keys", "list"]) == 0
    listing = capsys.readouterr().out
    assert listing.startswith("old\\x1b[2J name\t0123456789abcdef\t"), listing
    assert "\x1b" not in listing


def test_a_worker_refuses_an_uninitialised_database(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["worker", "--burst"]) == 1
    assert "run `sentiment-pipeline init`" in capsys.readouterr().err


def test_an_error_message_is_printed_bounded(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "revoke", "x" * 100_000]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: there is no API key named 'xxx")
    assert len(err) < 5_000 and "more characters" in err
