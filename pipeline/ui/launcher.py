"""Start the Streamlit app beside the API, so one command runs the whole product."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from pipeline.addresses import is_loopback
from pipeline.errors import ConfigError
from pipeline.settings import Settings

APP_FILE = "streamlit_app.py"
UPLOAD_OPTION = "--server.maxUploadSize"
VISITOR_KEYS = "PIPELINE_UI_VISITOR_KEYS"
"""Set to ``1`` in the app's environment: the app reads no configured key (environment or
Streamlit secrets) and asks each visitor for theirs (``streamlit_app.api_config``)."""
_NO = ("", "0", "false", "no", "off")
"""What ``PIPELINE_UI_VISITOR_KEYS`` may say, in any case, for no (unset reads as empty)."""
_PR_SET_PDEATHSIG = 1
STOP_GRACE_S = 30.0
"""How long an app that stopped may wait for ``up`` to say it is stopping too, before it is
reported: Ctrl+C in a terminal (SIGINT to the whole process group) and systemd's stop (SIGTERM
to the whole control group) reach the app at once, and it is gone before ``up`` has finished
its own shutdown."""
log = logging.getLogger(__name__)


def find_app(cwd: Path | None = None) -> Path:
    """The app script: in the working folder, else in the source checkout the package runs from."""
    here = (cwd or Path.cwd()) / APP_FILE
    checkout = Path(__file__).resolve().parents[2] / APP_FILE
    for candidate in (here, checkout):
        if candidate.is_file():
            return candidate
    raise ConfigError(
        f"{APP_FILE} not found in {here.parent} or {checkout.parent}: run `up --ui` from the "
        "repository root (the app is part of the source checkout)"
    )


def client_url(host: str, port: int) -> str:
    """The address the app uses to reach the API: loopback when the API listens everywhere."""
    reachable = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    if ":" in reachable:
        reachable = f"[{reachable}]"
    return f"http://{reachable}:{port}"


LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def visitors_bring_keys(
    ui_host: str, api_host: str, api_needs_keys: bool, environ: Mapping[str, str] | None = None
) -> bool:
    """Whether the app, on ``ui_host``, must ask each visitor for their own API key. The app
    has no login of its own: whoever opens it acts with the key it holds. On a loopback
    address (``up --ui``'s default) that is this machine's users, as with the API itself, and
    the app keeps the key it is given (``PIPELINE_API_KEY``), unless the operator asked for
    visitor keys (``visitor_keys_asked`` of ``environ``, by default ``up``'s own): on a shared
    server "this machine" is every account on it. Reachable from the network, it must not act
    with the operator's key for every visitor (they would list, read and erase that key's
    jobs): each visitor gives theirs. Nor may it open a keyless API that listens on loopback
    only to the network: that is refused (ConfigError)."""
    if is_loopback(ui_host):
        return visitor_keys_asked(os.environ if environ is None else environ)
    if not api_needs_keys and is_loopback(api_host):
        raise ConfigError(
            f"refusing to serve the app on {ui_host}: the API on {api_host} takes calls "
            "without a key, so anyone who reaches the app would read and erase this "
            "machine's jobs. Serve the app on this machine only (leave out --ui-host), or "
            "make the API need a key on every call (PIPELINE_AUTH=keys), and each visitor of "
            "the app enters their own"
        )
    return True


def visitor_keys_asked(environ: Mapping[str, str]) -> bool:
    """Whether ``environ`` asks for visitor keys (``PIPELINE_UI_VISITOR_KEYS``): any value
    but an empty one or a word for no (``0``, ``false``, ``no``, ``off``). A misspelt yes
    still asks: read as no, it would hand the operator's key to every visitor."""
    return environ.get(VISITOR_KEYS, "").strip().lower() not in _NO


def app_line(ui_host: str, port: int, visitor_keys: bool) -> str:
    """What ``up`` prints about the app: where it listens and who it acts for."""
    url = client_url(ui_host, port)
    if not visitor_keys:
        return (
            f"app on {url} (this machine only; it has no login and acts with the API key it "
            f"is given for whoever opens it; {VISITOR_KEYS}=1 on a shared server, or "
            "--ui-host beyond this machine, makes each visitor enter their own key)"
        )
    everywhere = ui_host in ("0.0.0.0", "::", "")
    where = "every network address of this machine" if everywhere else ui_host
    return (
        f"app on {where}, port {port} ({url} from here): it has no login, so each visitor "
        "enters their own API key in its sidebar; PIPELINE_API_KEY (or its file) is not given to "
        "it"
    )


def app_environment(environ: Mapping[str, str], api_url: str, visitor_keys: bool) -> dict[str, str]:
    """The app's environment: ``up``'s own, pointed at the API; with ``visitor_keys``, or
    where ``environ`` asks for them (never dropped: that would hand the operator's key to
    every visitor), without the operator's ``PIPELINE_API_KEY`` or ``PIPELINE_API_KEY_FILE``
    and telling the app to ask for a key."""
    env = {**environ, "PIPELINE_API_URL": api_url}
    env.pop(VISITOR_KEYS, None)
    if visitor_keys or visitor_keys_asked(environ):
        env.pop("PIPELINE_API_KEY", None)
        env.pop("PIPELINE_API_KEY_FILE", None)
        env[VISITOR_KEYS] = "1"
    return env


def app_config_flags(app: Path) -> list[str]:
    """The app's own ``.streamlit/config.toml`` (beside the app) as command-line options.
    Streamlit reads that file only from the working folder, so ``up --ui`` started elsewhere
    ran the app with Streamlit's defaults: tracebacks in the browser, red buttons (red means
    "negative" here). Options, not a working folder of the app's: the user's own
    ``.streamlit/secrets.toml`` in the working folder is still read."""
    path = app.parent / ".streamlit" / "config.toml"
    if not path.is_file():
        return []
    flags: list[str] = []
    for section, options in tomllib.loads(path.read_text(encoding="utf-8")).items():
        for name, value in options.items():
            shown = str(value).lower() if isinstance(value, bool) else str(value)
            flags += [f"--{section}.{name}", shown]
    return flags


def upload_size_mb(max_upload_bytes: int) -> int:
    """Streamlit's ``server.maxUploadSize`` (whole MiB) for the API's largest accepted file,
    rounded up: the app never refuses a file the API takes."""
    return max(1, math.ceil(max_upload_bytes / 2**20))


def ui_command(app: Path, host: str, port: int, max_upload_bytes: int | None = None) -> list[str]:
    """Streamlit, headless, on ``host``, with the app's settings; with ``max_upload_bytes``
    (the API's ``PIPELINE_MAX_UPLOAD_BYTES``) its uploader takes the files the API takes,
    not the 200 MB its config.toml names. On a loopback address it also answers only the
    names of this machine (``server.allowedHosts``): a web page that resolves its own name
    to 127.0.0.1 (DNS rebinding) could otherwise open the app as its own and read the jobs
    of an API that needs no key there."""
    flags = app_config_flags(app)
    if max_upload_bytes is not None:
        flags = _without_option(flags, UPLOAD_OPTION)
        flags += [UPLOAD_OPTION, str(upload_size_mb(max_upload_bytes))]
    command = [
        sys.executable, "-m", "streamlit", "run", str(app),
        *flags,
        "--server.headless", "true",
        "--server.address", host,
        "--server.port", str(port),
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    if is_loopback(host):
        for name in dict.fromkeys((*LOOPBACK_NAMES, host)):
            command += ["--server.allowedHosts", name]
    return command


def _without_option(flags: list[str], name: str) -> list[str]:
    """``flags`` (option, value pairs) less the option ``name``."""
    pairs = zip(flags[::2], flags[1::2], strict=True)
    return [part for option, value in pairs if option != name for part in (option, value)]


@contextmanager
def running_ui(
    app: Path,
    host: str,
    port: int,
    api_url: str,
    visitor_keys: bool = False,
    max_upload_bytes: int | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run the app for as long as the block runs; it stops with the API, and on Linux also
    when ``up`` is killed outright (SIGKILL, the OOM killer), so no app is left serving an old
    version on the port. A port already taken is refused before anything starts; an app that
    stops on its own is logged. ``visitor_keys``: ``visitors_bring_keys``. The app's upload
    limit is the API's (``max_upload_bytes``; by default ``PIPELINE_MAX_UPLOAD_BYTES``, as
    ``up`` reads it)."""
    ensure_free(host, port)
    env = app_environment(os.environ, api_url, visitor_keys)
    linux = sys.platform.startswith("linux")
    limit = Settings.from_env().max_upload_bytes if max_upload_bytes is None else max_upload_bytes
    process = subprocess.Popen(
        ui_command(app, host, port, limit),
        env=env,
        preexec_fn=_die_with_parent if linux else None,
    )
    stopping = threading.Event()
    watcher = threading.Thread(
        target=_report_exit, args=(process, stopping, port), name="app-watch", daemon=True
    )
    watcher.start()
    try:
        yield process
    finally:
        stopping.set()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def ensure_free(host: str, port: int) -> None:
    """ConfigError naming the port when something already listens there: most often the app
    of an earlier ``up --ui`` that was killed, which would go on serving in this one's stead."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ConfigError(
                f"the app's port {port} on {host} is taken ({exc.strerror or exc}): perhaps "
                "the app of an earlier `up --ui` still runs (`ps -ef | grep streamlit`); stop "
                "it, or choose another port with --ui-port"
            ) from exc


def _die_with_parent() -> None:
    """In the app's process before it starts: SIGTERM when its parent dies (Linux prctl)."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _report_exit(
    process: subprocess.Popen[bytes],
    stopping: threading.Event,
    port: int,
    grace_s: float = STOP_GRACE_S,
) -> None:
    """Wait for the app (so it leaves no zombie) and say so if it stopped while ``up`` goes on
    running: not when ``up`` stops within ``grace_s`` as well, as it does when one signal
    stopped both (``STOP_GRACE_S``)."""
    code = process.wait()
    if not stopping.wait(grace_s):
        log.error(
            "the app on port %d stopped (exit status %s); the API goes on without it: "
            "restart `up --ui` to have it back",
            port,
            code,
        )
