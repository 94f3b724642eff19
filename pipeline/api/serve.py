"""``sentiment-pipeline up``: the HTTP API and, beside it, the master that runs the workers."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import threading
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from pipeline import service
from pipeline.adapters.local_fleet import LocalProcessFleet
from pipeline.addresses import is_loopback
from pipeline.api.access_log import uvicorn_log_config
from pipeline.api.app import Lifespan, create_app
from pipeline.bootstrap import Backend, build_fleet
from pipeline.errors import ConfigError
from pipeline.master import Master
from pipeline.ports import WorkerFleet
from pipeline.release.screen import ReleaseScreen
from pipeline.service.keys import any_keys_ever, keys_required
from pipeline.settings import Settings

log = logging.getLogger(__name__)

KEEP_ALIVE_S = 5
"""Seconds an idle connection is kept between requests (uvicorn's default, said here)."""

UP_WARM_WORKERS = 2
"""Workers ``up`` keeps loaded on one machine unless PIPELINE_MIN_WORKERS says otherwise: one
for the next job, and a spare that takes a job over at once when the worker labelling it
crashes (or takes a second job), instead of after a new worker has started and loaded."""


def with_warm_pool(settings: Settings, environ: Mapping[str, str]) -> Settings:
    """``up`` on the local fleet keeps two workers loaded while it serves, so that a file is
    labelled within a second or two of its submission instead of after a worker's start; an
    explicit PIPELINE_MIN_WORKERS (0 included) wins, and EC2/ECS fleets keep scaling to zero,
    where an idle worker is an instance that costs money."""
    if settings.fleet != "local" or environ.get("PIPELINE_MIN_WORKERS", "") != "":
        return settings
    return settings.replace(min_workers=min(UP_WARM_WORKERS, settings.max_workers))


def serve(backend: Backend, host: str, port: int, with_master: bool = True) -> None:
    """Run until SIGINT/SIGTERM; on the way out the master stops and its workers finish their
    current chunk and hand their jobs back to the queue."""
    import uvicorn

    ReleaseScreen.from_settings(backend.settings)  # a wrong words or names file stops the start
    require_keys = keys_required(backend.settings.auth, host)
    ensure_safe_bind(host, require_keys, service.any_keys(backend))
    log.info(access_line(backend.settings.auth, host, require_keys, any_keys_ever(backend)))
    lifespan = None
    on_submitted = None
    if with_master:
        fleet = build_fleet(backend.settings)
        master = Master.from_settings(backend, fleet)  # settings a worker would refuse stop it
        if isinstance(fleet, LocalProcessFleet):
            fleet.prepare()  # the fork server imports while the API starts
        lifespan = master_alongside(master, fleet)
        on_submitted = master.wake
    # uvicorn re-raises the signal that stopped it once it has shut down; exit cleanly then.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
    app = create_app(
        backend,
        lifespan,
        on_submitted,
        require_keys=require_keys,
        local_only=not require_keys and is_loopback(host),
    )
    uvicorn.run(app, host=host, port=port, log_level="info", **server_options())


def server_options() -> dict[str, Any]:
    """uvicorn's settings beyond the address: the scrubbed access log, and the clocks that
    keep a slow or silent client from holding a connection for ever. A request head has
    ``HEAD_TIMEOUT_S`` to arrive (``HeadTimeoutH11``), a body ``BODY_IDLE_S`` between its bytes
    (``pipeline.api.body_guard``), an idle connection ``KEEP_ALIVE_S``. No
    ``limit_concurrency``: uvicorn counts idle connections in it and answers 503 to everyone
    past it, so a cap would hand a flood of connections the outage it seeks; the clocks above
    make each such connection short-lived instead."""
    from pipeline.api.slow_clients import MAX_HEAD_BYTES, HeadTimeoutH11

    return {
        "log_config": uvicorn_log_config(),
        "http": HeadTimeoutH11,
        "timeout_keep_alive": KEEP_ALIVE_S,
        "h11_max_incomplete_event_size": MAX_HEAD_BYTES,
    }


def master_alongside(master: Master, fleet: WorkerFleet) -> Lifespan:
    """A lifespan that runs the master in a thread for as long as the app serves."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        thread = threading.Thread(target=master.run, name="master", daemon=True)
        thread.start()
        try:
            yield
        finally:
            master.request_stop()
            await asyncio.to_thread(thread.join)
            if isinstance(fleet, LocalProcessFleet):
                await asyncio.to_thread(fleet.shutdown)

    return lifespan


def access_line(auth: str, host: str, require_keys: bool, keys_ever: bool) -> str:
    """One line at the start saying who can reach the API and whether they need a key: on a
    shared server "this machine only" still means every account on it."""
    where = reach(host)
    if require_keys:
        return f"API keys: required on every call (PIPELINE_AUTH={auth}; listening on {where})"
    if auth == "auto" and keys_ever:
        return (
            f"API keys: required on every call, as a key has been created (PIPELINE_AUTH=auto; "
            f"listening on {where})"
        )
    if auth == "auto":
        return (
            f"API keys: not required until one is created (PIPELINE_AUTH=auto; listening on "
            f"{where}: every account on this machine can submit, read and erase the jobs sent "
            "without a key; `sentiment-pipeline keys create NAME` closes it)"
        )
    return (
        f"API keys: never required (PIPELINE_AUTH=none; listening on {where}: whoever reaches "
        "it can submit, read and erase every anonymous job)"
    )


def reach(host: str) -> str:
    """Who can reach an address, in words."""
    if is_loopback(host):
        return f"{host}, this machine only"
    if host in ("0.0.0.0", "::", ""):
        return f"{host or '0.0.0.0'}, every network address of this machine"
    return f"{host}, reachable from the network"


def ensure_safe_bind(host: str, require_keys: bool, keys_exist: bool) -> None:
    """Refuse to start an API that needs keys while none exists (nobody could use it); say so
    loudly when PIPELINE_AUTH=none opens it beyond this machine. Whether keys are needed was
    decided from the settings; ``keys_exist`` never opens anything."""
    if require_keys and not keys_exist:
        raise ConfigError(
            f"refusing to start on {host}: this API needs a key on every call (PIPELINE_AUTH) "
            "and none exists; create one with `sentiment-pipeline keys create NAME` (or serve "
            "on 127.0.0.1 with PIPELINE_AUTH=auto, where keys are optional)"
        )
    if not require_keys and not is_loopback(host):
        log.warning(
            "serving on %s without API keys (PIPELINE_AUTH=none): anyone who can reach this "
            "address can submit jobs and read every anonymous job",
            host,
        )
