"""The command line starts quickly: a command that only talks to the API (status, submit,
cancel) does not load pandas, SQLAlchemy or the report code first (they took 1.4 s of every
call, and a Ctrl-C in those seconds printed a traceback instead of its message)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("pandas", "sqlalchemy", "torch", "pipeline.report", "pipeline.db")

PROBE = """
import sys
from pipeline.cli.main import main
code = main(["status", "AAAAAAAAAAAAAAAAAAAAAA", "--api-url", "http://127.0.0.1:9"])
print(code)
print(",".join(name for name in {heavy!r} if name in sys.modules))
"""


def test_an_api_command_loads_none_of_the_heavy_packages() -> None:
    probe = PROBE.format(heavy=HEAVY)
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False
    )
    code, loaded = done.stdout.splitlines()[-2:]
    assert code == "75", done.stderr  # the API cannot be reached: a message, not a traceback
    assert "cannot be reached" in done.stderr
    assert loaded == "", f"loaded before any request: {loaded}"
