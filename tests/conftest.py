"""Shared fixtures: a tiny trained model so tests never depend on long training."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data_dir() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"labelled data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory, shared_data_dir: Path) -> Path:
    """A real (barely trained) LoRA model directory: same format as the shipped one, ~20 s."""
    from pipeline.model.train import TrainOptions, train

    out = tmp_path_factory.mktemp("tiny_model")
    train(
        TrainOptions(
            data_dir=shared_data_dir,
            output_dir=out,
            limit_per_source=48,
            max_steps=4,
            log_every=2,
        )
    )
    return out


@pytest.fixture(scope="session")
def moto_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """An AWS emulator over HTTP for tests that run the product as processes: give them
    AWS_ENDPOINT_URL=<this URL>, a region and any fake credentials. Shared by the session, so
    tests use their own bucket and queue names (or POST <URL>/moto-api/reset)."""
    import shutil
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    executable = shutil.which("moto_server")
    command = [executable] if executable else [sys.executable, "-m", "moto.server"]
    log = tmp_path_factory.mktemp("moto_server") / "moto_server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*command, "-H", "127.0.0.1", "-p", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
        )

    def stop() -> None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    request.addfinalizer(stop)
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"moto_server did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.1)
    return f"http://127.0.0.1:{port}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """With PIPELINE_STRICT_SKIPS=1 (CI), a skipped test fails: CI must exercise everything
    this machine can run. A test marked ``needs_cpu_feature`` may skip: no test run can give a
    CPU an instruction set it lacks (int8 needs VNNI, which some CI machines have not)."""
    outcome = yield
    report = outcome.get_result()
    strict = os.environ.get("PIPELINE_STRICT_SKIPS") == "1"
    hardware = item.get_closest_marker("needs_cpu_feature") is not None
    if strict and report.skipped and not hardware and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under PIPELINE_STRICT_SKIPS=1: {report.longrepr}"
