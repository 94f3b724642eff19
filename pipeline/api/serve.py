"""``sentiment-pipeline up``: the HTTP API and, beside it, the master that runs the workers."""

from __future__ import annotations

import asyncio
import ipaddress
import signal
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from pipeline import service
from pipeline.adapters.local_fleet import LocalProcessFleet
from pipeline.api.app import Lifespan, create_app
from pipeline.bootstrap import Backend, build_fleet
from pipeline.errors import ConfigError
from pipeline.master import Master
from pipeline.ports import WorkerFleet


def serve(backend: Backend, host: str, port: int, with_master: bool = True) -> None:
    """Run until SIGINT/SIGTERM; on the way out the master stops and its workers finish their
    current chunk and hand their jobs back to the queue."""
    import uvicorn

    ensure_safe_bind(host, service.any_keys(backend))
    lifespan = None
    on_submitted = None
    if with_master:
        fleet = build_fleet(backend.settings)
        master = Master.from_settings(backend, fleet)
        lifespan = master_alongside(master, fleet)
        on_submitted = master.wake
    # uvicorn re-raises the signal that stopped it once it has shut down; exit cleanly then.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
    app = create_app(backend, lifespan, on_submitted)
    uvicorn.run(app, host=host, port=port, log_level="info")


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


def ensure_safe_bind(host: str, keys_exist: bool) -> None:
    """Refuse to listen beyond this machine while the API is open to anyone."""
    if keys_exist or _is_loopback(host):
        return
    raise ConfigError(
        f"refusing to listen on {host}: no API key exists, so anyone who can reach this address "
        "could use the service; create one with `sentiment-pipeline keys create NAME` or bind "
        "to 127.0.0.1"
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
