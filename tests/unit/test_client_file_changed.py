"""A file that changes while it is being submitted (cron fired while the nightly export was
still being written, or rewritten) is refused with an InputError naming it, over real HTTP,
whether it travels in the request or to an upload URL; the request never ends, so nothing is
queued. Unchecked, h11 refused the body's length with an error of its own out of the client
(a traceback from the CLI), or a same-size rewrite was labelled as a mix of two versions."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pytest
from httpfakes import JsonHandler, serving

from pipeline import client as client_module
from pipeline.cli.main import main
from pipeline.client import PipelineClient
from pipeline.errors import InputError

HEADER = b"comment,course\n"
ROWS = HEADER + b"the labs were fine,CHEM110\n" * 8_000  # about 216 KB
LONG_AGO_NS = 1_000_000_000 * 1_000_000_000  # 2001: any write now is later than it

Change = Callable[[Path], None]


def grow(path: Path) -> None:
    with path.open("ab") as handle:
        handle.write(b"one more row,CHEM110\n" * 100)


def shrink(path: Path) -> None:
    os.truncate(path, 1_000)


def rewrite_in_place(path: Path) -> None:
    with path.open("r+b") as handle:
        handle.seek(len(ROWS) // 2)
        handle.write(b"X")


CHANGES = pytest.mark.parametrize(
    ("change", "now"),
    [(grow, f"{len(ROWS) + 2_100:,} now"), (shrink, "1,000 now"), (rewrite_in_place, "since")],
    ids=["grows", "shrinks", "rewritten-same-size"],
)


class Changing(io.BufferedReader):
    """The file at ``path``, which ``change`` changes on disk once its first block is read."""

    def __init__(self, path: Path, change: Change) -> None:
        super().__init__(io.FileIO(path, "rb"))
        self._path = path
        self._change: Change | None = change

    def read(self, size: int | None = -1) -> bytes:
        block = super().read(size)
        if self._change is not None and block:
            self._change(self._path)
            self._change = None
        return block


@dataclass
class Seen:
    """What one test's server was asked, and the requests whose whole body came in. Each
    test has its own: a request of the test before, still being read by that server's thread
    under load, is not counted as this test's."""

    asked: list[str] = field(default_factory=list)
    whole: list[str] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)


class Api(JsonHandler):
    """Takes jobs in the request, or from an upload URL of its own (``/store/K``); records
    what it sees in ``seen``, given to each server's own subclass."""

    seen: ClassVar[Seen]

    def do_POST(self) -> None:
        self.seen.asked.append(f"POST {self.path}")
        if self.path == "/v1/uploads":
            host, port = self.server.server_address[:2]
            url = f"http://{host!s}:{port}/store/K"
            self.send_json(201, {"upload_key": "K", "method": "PUT", "upload_url": url})
        elif self._whole_body():
            self.send_json(202, {"request_id": "job1", "status": "queued"})

    def do_PUT(self) -> None:
        self.seen.asked.append(f"PUT {self.path}")
        if self._whole_body():
            self.send_json(200, {})

    def _whole_body(self) -> bool:
        length, body = int(self.headers["Content-Length"]), b""
        while len(body) < length:
            block = self.rfile.read(min(65_536, length - len(body)))
            if not block:
                return False  # the client stopped sending
            body += block
        self.seen.whole.append(f"{self.command} {self.path}")
        self.seen.bodies.append(body)
        return True


@pytest.fixture
def seen() -> Seen:
    return Seen()


@pytest.fixture
def api(seen: Seen) -> Iterator[str]:
    with serving(type("TestsApi", (Api,), {"seen": seen})) as url:
        yield url


def export(tmp_path: Path) -> Path:
    path = tmp_path / "export.csv"
    path.write_bytes(ROWS)
    os.utime(path, ns=(LONG_AGO_NS, LONG_AGO_NS))  # a write now is seen whatever the clock
    return path


@CHANGES
def test_a_file_that_changes_while_it_is_sent_is_refused_and_nothing_queued(
    api: str, seen: Seen, tmp_path: Path, change: Change, now: str
) -> None:
    path = export(tmp_path)
    with PipelineClient(api) as client, pytest.raises(InputError) as refused:
        client.submit(Changing(path, change), "export.csv", "comment")

    said = str(refused.value)
    assert said.startswith("export.csv changed while it was being sent")
    assert f"({len(ROWS):,} bytes when the upload began, " in said and now in said
    assert "Submit it again once it is complete" in said
    assert seen.whole == []


@CHANGES
def test_a_file_that_changes_on_its_way_to_the_upload_url_starts_no_job(
    api: str,
    seen: Seen,
    tmp_path: Path,
    change: Change,
    now: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(client_module, "DIRECT_UPLOAD_MAX_BYTES", 1_000)
    path = export(tmp_path)
    with PipelineClient(api) as client, pytest.raises(InputError, match="changed while"):
        client.submit(Changing(path, change), "export.csv", "comment")
    assert seen.asked[0] == "POST /v1/uploads" and "POST /v1/jobs" not in seen.asked
    assert seen.whole == []  # the PUT never ended


@pytest.mark.parametrize("upload_url", [False, True], ids=["in-the-request", "upload-url"])
def test_a_file_that_stays_as_it_is_goes_whole_from_where_it_stands(
    api: str, seen: Seen, tmp_path: Path, upload_url: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file read past its start (its first line skipped) is sent from there: the upload URL
    was refused by h11 (the length declared was the whole file's), the request sent it all."""
    if upload_url:
        monkeypatch.setattr(client_module, "DIRECT_UPLOAD_MAX_BYTES", 1_000)
    path = export(tmp_path)
    with PipelineClient(api) as client, path.open("rb") as handle:
        handle.readline()
        assert client.submit(handle, "export.csv", "comment").request_id == "job1"
    assert seen.whole == (["PUT /store/K"] if upload_url else []) + ["POST /v1/jobs"]
    sent = seen.bodies[0]
    assert ROWS[len(HEADER) :] in sent and HEADER not in sent


def test_the_command_says_so_in_one_line_and_exits_2(
    api: str,
    seen: Seen,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = export(tmp_path)
    opened = Path.open

    def open_changing(self: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if self == path and mode == "rb":
            return Changing(path, grow)
        return opened(self, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_changing)
    code = main(["submit", str(path), "--text-column", "comment", "--api-url", api])

    printed = capsys.readouterr()
    assert code == 2 and printed.out == ""
    assert printed.err.startswith("error: export.csv changed while it was being sent")
    assert "Traceback" not in printed.err and len(printed.err.splitlines()) == 1
    assert seen.whole == []


def test_the_message_names_the_size_seen_when_the_upload_began() -> None:
    """An in-memory file has no time of writing: its length alone is compared."""
    content = io.BytesIO(ROWS)
    sent = client_module._AsItStood(content, "comments.csv")
    assert sent.read(10) == ROWS[:10]
    content.seek(0, io.SEEK_END)
    content.write(b"more\n")
    with pytest.raises(InputError, match=rf"\({len(ROWS):,} bytes when the upload began, "):
        sent.read()
