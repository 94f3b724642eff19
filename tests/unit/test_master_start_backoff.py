"""Workers that die starting: ``up`` and ``master`` refuse at their start the settings every
worker would refuse (an http:// PIPELINE_ALERT_URL once let ``up`` start, then each worker
exited at once and the master started another about three times a second, for ever, without
a word), and a worker that still dies starting is named with its last log line and the next
start waits, longer each time in a row."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from jobfakes import FakeClock, FakeFleet, comments_csv, make_backend

from pipeline import service
from pipeline.api import serve
from pipeline.bootstrap import Backend
from pipeline.cli.main import main
from pipeline.errors import ConfigError
from pipeline.master import Master, ScalingLimits
from pipeline.master.policy import (
    START_WINDOW_S,
    StartBackoff,
    died_starting,
    retry_delay_s,
)
from pipeline.master.worker_logs import WORKER_LOGS, last_line

ALERT_REFUSAL = (
    "PIPELINE_ALERT_URL must be an https:// address (http:// only to localhost); got "
    "http://example.com"
)
ONE_WORKER = ScalingLimits(min_workers=0, max_workers=1, idle_timeout_s=60)
TWO_WARM = ScalingLimits(min_workers=2, max_workers=2, idle_timeout_s=60)


class DyingFleet(FakeFleet):
    """A fleet whose workers end as soon as they start, as a worker that refuses a setting
    does; ``live`` workers it keeps running instead."""

    def __init__(self, live: bool = False) -> None:
        super().__init__()
        self.live = live
        self.starts = 0
        self._ended: list[str] = []

    def start(self, count: int) -> list[str]:
        started = super().start(count)
        self.starts += len(started)
        if not self.live:
            for worker_id in started:
                self.end(worker_id)
        return started

    def end(self, worker_id: str) -> None:
        del self.workers[worker_id]
        self._ended.append(worker_id)

    def exited(self) -> list[str]:
        ended, self._ended = self._ended, []
        return ended


def queued(backend: Backend, tmp_path: Path) -> str:
    source = comments_csv(tmp_path / "in.csv", ["good"])
    return service.submit(backend, source, "comment").request_id


def test_the_wait_doubles_from_a_second_up_to_a_minute() -> None:
    delays = [retry_delay_s(failures) for failures in range(9)]
    assert delays == [0.0, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]
    assert retry_delay_s(10_000) == 60.0


def test_the_back_off_holds_starts_then_lets_one_through() -> None:
    assert StartBackoff().startable(3, now=0.0) == 3
    held = StartBackoff().failed(2, now=100.0)  # two died: the next waits 2 s
    assert (held.failures, held.not_before) == (2, 102.0)
    assert held.startable(3, now=101.9) == 0
    assert held.startable(3, now=102.0) == 1  # one at a time until one starts
    assert held.startable(0, now=200.0) == 0


def test_only_a_worker_of_ours_that_ended_soon_without_a_beat_died_starting() -> None:
    started = {"fresh": 100.0, "beat": 100.0, "old": 100.0 - START_WINDOW_S - 1}
    ended = ["fresh", "beat", "old", "not-ours"]
    assert died_starting(ended, started, beat={"beat"}, now=100.5) == ["fresh"]


def test_workers_that_die_starting_are_started_ever_more_slowly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock()
    backend = make_backend(tmp_path)
    fleet = DyingFleet()
    words = "error: " + ALERT_REFUSAL
    master = Master(backend, fleet, ONE_WORKER, clock=clock, last_words=lambda _id: words)
    queued(backend, tmp_path)
    with caplog.at_level(logging.ERROR, logger="pipeline.master.loop"):
        for _ in range(240):  # two minutes of ticks every half second
            master.tick()
            clock.advance(0.5)
    assert fleet.starts <= 9, "1+2+4+…+60 s of waits fit about 8 starts in two minutes"
    deaths = [r.getMessage() for r in caplog.records if "died starting" in r.getMessage()]
    assert len(deaths) >= fleet.starts - 1
    assert deaths[0] == (
        f"worker w1 ended before it took a job (1 in a row died starting): {words}; "
        "the next worker starts in 1 s"
    )
    assert "(3 in a row died starting)" in deaths[2] and deaths[2].endswith("starts in 4 s")


def test_a_warm_pool_that_cannot_start_is_probed_one_worker_at_a_time(tmp_path: Path) -> None:
    clock = FakeClock()
    fleet = DyingFleet()
    master = Master(make_backend(tmp_path), fleet, TWO_WARM, clock=clock)
    assert master.tick().started == ["w1", "w2"]
    clock.advance(0.1)
    report = master.tick()
    assert report.died_starting == ("w1", "w2") and report.started == []
    clock.advance(4)  # two in a row: 2 s
    assert master.tick().started == ["w3"]


def test_a_worker_that_starts_ends_the_back_off(tmp_path: Path) -> None:
    clock = FakeClock()
    fleet = DyingFleet()
    master = Master(make_backend(tmp_path), fleet, TWO_WARM, clock=clock)
    master.tick()
    clock.advance(0.1)
    master.tick()  # w1 and w2 died starting
    fleet.live = True  # the setting was put right, say
    clock.advance(2)
    assert master.tick().started == ["w3"]
    clock.advance(START_WINDOW_S + 1)  # w3 still runs
    assert master.tick().started == ["w4"]  # the whole pool again, no longer one at a time


def test_a_worker_that_beat_before_it_died_is_no_start_failure(tmp_path: Path) -> None:
    clock = FakeClock()
    backend = make_backend(tmp_path)
    fleet = DyingFleet(live=True)
    master = Master(backend, fleet, ONE_WORKER, clock=clock)
    queued(backend, tmp_path)
    assert master.tick().started == ["w1"]
    backend.repository.workers.beat("w1", None, host="h", pid=1)
    fleet.end("w1")  # killed after it had started
    report = master.tick()
    assert report.died_starting == () and report.started == ["w2"]


def test_the_last_line_of_a_local_workers_log_is_named(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    backend = make_backend(tmp_path, fleet="local")
    logs = backend.settings.data_dir / WORKER_LOGS
    logs.mkdir(parents=True)
    (logs / "w1.log").write_text("starting\n" + "x" * 10_000 + f"\nerror: {ALERT_REFUSAL}\n\n")
    master = Master.from_settings(backend, DyingFleet())
    queued(backend, tmp_path)
    with caplog.at_level(logging.ERROR, logger="pipeline.master.loop"):
        master.tick()
        master.tick()
    assert f"died starting): error: {ALERT_REFUSAL}; the next" in caplog.text
    assert last_line(logs, "nobody") is None


def test_the_master_refuses_an_alert_url_every_worker_would_refuse(tmp_path: Path) -> None:
    backend = make_backend(tmp_path, alert_url="http://example.com/hook")
    with pytest.raises(ConfigError) as refused:
        Master.from_settings(backend, FakeFleet())
    assert str(refused.value) == ALERT_REFUSAL


def test_a_cloud_fleets_workers_have_settings_of_their_own(tmp_path: Path) -> None:
    """An ECS worker's environment is its task definition's, not the master's."""
    backend = make_backend(tmp_path, fleet="ecs", alert_url="http://example.com/hook")
    Master.from_settings(backend, FakeFleet())


@pytest.mark.parametrize(
    ("variable", "value", "told"),
    [
        ("PIPELINE_ALERT_URL", "http://example.com/hook", ALERT_REFUSAL),
        ("PIPELINE_LANGUAGES", "english!", "PIPELINE_LANGUAGES='english!' must be 'all'"),
        ("PIPELINE_NO_OPINION_FILE", "/no/such/file.txt", "PIPELINE_NO_OPINION_FILE="),
    ],
)
def test_up_stops_at_its_start_with_the_workers_one_line(
    variable: str,
    value: str,
    told: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name in ("PIPELINE_DATABASE_URL", "PIPELINE_BACKEND", "PIPELINE_FLEET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PIPELINE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv(variable, value)
    monkeypatch.setattr(serve, "build_fleet", lambda _settings: FakeFleet())
    served: list[str] = []
    monkeypatch.setattr("uvicorn.run", lambda *_args, **_kwargs: served.append("served"))
    monkeypatch.setattr(serve.signal, "signal", lambda *_args: None)
    assert main(["up"]) == 1
    assert served == []
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith(f"error: {told}")
