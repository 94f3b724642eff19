"""Where a process keeps its passing copies of comments (a worker's job input and the results
it builds, the API's spooled upload, a results file on its way to a download), and how the
copies a killed process left behind are removed.

A folder of the system's temporary directory outlived a worker killed mid-job (``kill -9``, an
out-of-memory kill): the whole input stayed in ``/tmp/job-*`` for ever, where neither erasing
the job nor the retention period reached it; so did an upload in ``/tmp/upload-*`` of an API
killed mid-submit, before any job named it. So each such folder is made under the data folder
(its owner's alone), named by the process id, what it is for and the host, and every worker and
API, when it starts, removes its host's folders of processes that are gone: the master starts a
replacement the moment a worker dies, and an API is started again.
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
"""The data folder's subfolder of scratch folders."""
_NAME = re.compile(r"(\d+)-[a-z]+-([^-]+)-")
"""A scratch folder's name: the process id, what it is for, the host (``_host``: no ``-``)."""


@contextmanager
def folder(data_dir: Path, purpose: str) -> Iterator[Path]:
    """A folder for one piece of work's files (``purpose``, small letters: ``job``,
    ``upload``, ``results``), removed when it ends (or by ``sweep`` once this process is
    gone)."""
    root = Path(data_dir) / SCRATCH
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    prefix = f"{os.getpid()}-{purpose}-{_host()}-"
    with tempfile.TemporaryDirectory(prefix=prefix, dir=root) as made:
        yield Path(made)


def sweep(data_dir: Path) -> int:
    """Remove this host's scratch folders of processes no longer running; returns how many. A
    folder of another host (a data folder shared between machines) is left: its process id
    says nothing here."""
    root = Path(data_dir) / SCRATCH
    removed = 0
    for entry in root.iterdir() if root.is_dir() else ():
        name = _NAME.match(entry.name)
        if name is None or name.group(2) != _host() or _running(int(name.group(1))):
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed += 1
    if removed:
        log.info("removed %d scratch folders left by processes stopped mid-work", removed)
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
