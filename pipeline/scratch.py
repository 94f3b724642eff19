"""Where a worker keeps a job's copy of its input and the results it builds, and how the copies
a killed worker left behind are removed.

A folder of the system's temporary directory outlived a worker killed mid-job (``kill -9``, an
out-of-memory kill): the whole input stayed in ``/tmp/job-*`` for ever, where neither erasing
the job nor the retention period reached it. So each job's folder is made under the data
folder (its owner's alone), named by the worker's process id and host, and every worker,
when it starts, removes its host's folders of processes that are gone: the master starts a
replacement the moment a worker dies.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

SCRATCH = "scratch"
"""The data folder's subfolder of job folders."""


@contextmanager
def job_folder(data_dir: Path) -> Iterator[Path]:
    """A folder for one delivery's files, removed when it ends (or by ``sweep`` once this
    process is gone)."""
    root = Path(data_dir) / SCRATCH
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    prefix = f"{os.getpid()}-job-{_host()}-"
    with tempfile.TemporaryDirectory(prefix=prefix, dir=root) as folder:
        yield Path(folder)


def sweep(data_dir: Path) -> int:
    """Remove this host's job folders of processes no longer running; returns how many. A
    folder of another host (a data folder shared between machines) is left: its process id
    says nothing here."""
    root = Path(data_dir) / SCRATCH
    removed = 0
    for entry in root.iterdir() if root.is_dir() else ():
        pid, _, rest = entry.name.partition("-")
        if not pid.isdigit() or not rest.startswith(f"job-{_host()}-") or _running(int(pid)):
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed += 1
    if removed:
        log.info("removed %d job folders left by workers that were stopped mid-job", removed)
    return removed


def _host() -> str:
    """This machine's name as a folder's name may hold it."""
    return re.sub(r"[^A-Za-z0-9.]+", "_", socket.gethostname()) or "host"


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another account's process: running
        return True
    return True
