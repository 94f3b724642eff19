"""`up --ui` finds the app and points it at the API it runs beside."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import ConfigError
from pipeline.ui.launcher import client_url, find_app, ui_command


def test_the_app_in_the_working_folder_wins(tmp_path: Path) -> None:
    (tmp_path / "streamlit_app.py").write_text("")
    assert find_app(tmp_path) == tmp_path / "streamlit_app.py"


def test_the_checkout_app_is_found_from_anywhere(tmp_path: Path) -> None:
    assert find_app(tmp_path) == Path(__file__).resolve().parents[2] / "streamlit_app.py"


def test_a_missing_app_names_where_it_looked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("pipeline.ui.launcher.APP_FILE", "no_such_app.py")
    with pytest.raises(ConfigError, match=r"no_such_app\.py not found"):
        find_app(tmp_path)


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:8000"),
        ("0.0.0.0", "http://127.0.0.1:8000"),
        ("10.1.2.3", "http://10.1.2.3:8000"),
        ("::1", "http://[::1]:8000"),
    ],
)
def test_client_url_reaches_the_api(host: str, url: str) -> None:
    assert client_url(host, 8000) == url


def test_ui_command_runs_streamlit_headless_on_the_given_address() -> None:
    command = ui_command(Path("/x/streamlit_app.py"), "127.0.0.1", 8600)
    assert command[1:4] == ["-m", "streamlit", "run"]
    assert command[command.index("--server.port") + 1] == "8600"
    assert command[command.index("--server.headless") + 1] == "true"


def test_the_apps_own_settings_go_with_it_from_any_working_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Streamlit reads ``.streamlit/config.toml`` from the working folder only: ``up --ui``
    started elsewhere showed tracebacks in the browser and red buttons."""
    monkeypatch.chdir(tmp_path)
    app = Path(__file__).resolve().parents[2] / "streamlit_app.py"
    command = ui_command(app, "127.0.0.1", 8600)

    def option(name: str) -> str:
        return command[command.index(name) + 1]

    assert option("--client.showErrorDetails") == "none"
    assert option("--client.toolbarMode") == "viewer"
    assert option("--theme.primaryColor") == "#4a6fa5"
    assert option("--server.maxUploadSize") == "200"
    assert option("--server.port") == "8600", "the launcher's own options still apply"


def test_on_loopback_the_app_answers_this_machines_names_only() -> None:
    def allowed(host: str) -> list[str]:
        command = ui_command(Path("/x/streamlit_app.py"), host, 8600)
        return [command[i + 1] for i, part in enumerate(command) if part == "--server.allowedHosts"]

    assert allowed("127.0.0.1") == ["localhost", "127.0.0.1", "::1"]
    assert allowed("127.0.0.2") == ["localhost", "127.0.0.1", "::1", "127.0.0.2"]
    assert allowed("0.0.0.0") == []  # served to others: their names are not known here
