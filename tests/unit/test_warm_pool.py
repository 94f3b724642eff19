"""`up` keeps two workers loaded on the local fleet (one for the next job, one spare) unless
PIPELINE_MIN_WORKERS says otherwise; other fleets keep scaling to zero."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.api import serve
from pipeline.api.serve import with_warm_pool
from pipeline.bootstrap import Backend
from pipeline.cli.main import main
from pipeline.settings import Settings


def test_up_on_one_machine_keeps_a_worker_and_a_spare_warm_by_default() -> None:
    assert with_warm_pool(Settings.from_env({}), {}).min_workers == 2


def test_an_explicit_minimum_wins_zero_included() -> None:
    for value in ("0", "2"):
        environ = {"PIPELINE_MIN_WORKERS": value}
        settings = with_warm_pool(Settings.from_env(environ), environ)
        assert settings.min_workers == int(value)


def test_cloud_fleets_keep_scaling_to_zero() -> None:
    for fleet in ("ec2", "ecs"):
        environ = {"PIPELINE_FLEET": fleet}
        assert with_warm_pool(Settings.from_env(environ), environ).min_workers == 0


@pytest.mark.parametrize(("maximum", "kept"), [("0", 0), ("1", 1)])
def test_the_warm_pool_never_exceeds_the_maximum(maximum: str, kept: int) -> None:
    environ = {"PIPELINE_MAX_WORKERS": maximum}
    assert with_warm_pool(Settings.from_env(environ), environ).min_workers == kept


@pytest.mark.parametrize(("configured", "kept"), [(None, 2), ("0", 0), ("1", 1)])
def test_the_up_command_serves_with_the_warm_pool(
    configured: str | None, kept: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("PIPELINE_DATABASE_URL", "PIPELINE_BACKEND", "PIPELINE_FLEET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PIPELINE_DATA_DIR", str(tmp_path / "data"))
    if configured is None:
        monkeypatch.delenv("PIPELINE_MIN_WORKERS", raising=False)
    else:
        monkeypatch.setenv("PIPELINE_MIN_WORKERS", configured)
    served: list[Backend] = []
    monkeypatch.setattr(serve, "serve", lambda backend, _host, _port: served.append(backend))
    assert main(["up"]) == 0
    assert [backend.settings.min_workers for backend in served] == [kept]
