"""The command line's exit statuses, in one place: what a script branches on without reading
the messages (docs/pipeline.md, Command line, has the table). A status keeps its meaning
from one release to the next."""

from __future__ import annotations

EXIT_DONE = 0
"""Done; of a job, all of it (it succeeded)."""
EXIT_FAILURE = 1
"""A failure: the job failed, was cancelled or erased (``--wait``, ``--watch``), the API
refused the request (a key it does not know, a job's state, a quota), or anything else went
wrong."""
EXIT_INPUT_ERROR = 2
"""Refused input: an option, value or file the command cannot use, said before any work."""
EXIT_UNFINISHED = 3
"""Not all of the job: it had not succeeded when its rows were read (still queued or
running, or cancelled or failed before its last row), so what ``results`` or ``summary``
wrote is part of it; or ``report``, ``change`` or ``trend`` was refused, writing nothing,
because a job it needs is still queued or running (the same command works once it has
finished; of a job cancelled or failed they exit 1); or ``--timeout`` ran out while
``--wait``/``--watch`` waited (the job goes on). ``results ID -o out.csv && publish out.csv``
never publishes a part."""
EXIT_NOT_FOUND = 4
"""No job of that request id is visible to the key (never made, or another key's)."""
EXIT_TRY_LATER = 75
"""The same command may work later: the API cannot be reached, or cannot serve now (a 503, a
gateway's 502/504, throttling with 429). EX_TEMPFAIL of ``sysexits.h``, which mail and cron
tooling read as "try again later"."""
EXIT_READER_GONE = 0
"""The reader of stdout closed it before the command's last line (``… | head -1``): it
asked for no more, which is no failure, so no message and 0, as ``results | head`` exits, and
a script with ``set -o pipefail`` sees none."""
EXIT_INTERRUPTED = 130
"""Ctrl-C (SIGINT), as a shell reports it: 128 + 2."""
EXIT_SIGNALLED = 128
"""Plus the signal's number: a command stopped by SIGTERM exits 143, by SIGHUP 129."""
