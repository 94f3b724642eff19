"""``-o`` names what a scripter points it at, and the command line writes it as a shell's ``>``
would: it once wrote ``<name>.part`` beside the name and renamed it over the name, which
replaced a symbolic link by a file (the file it pointed to kept its old content), a FIFO by
a file (its reader got nothing), and as root ``/dev/null`` and ``/dev/stdout`` by files for
every program of the machine; ``/dev/fd/1`` and a shell's ``>(…)`` failed. Two commands
writing one name at once shared the one ``.part`` and one of them failed."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any, BinaryIO

import pytest

from pipeline.cli import job_commands
from pipeline.cli.main import main
from pipeline.cli.output import destination, may_follow, writable, write_whole, writing
from pipeline.errors import InputError

CSV = b"comment,label\ngood,positive\n"


def test_another_users_link_in_a_shared_folder_is_not_followed(tmp_path: Path) -> None:
    """Followed by hand, a link escapes Linux's protected_symlinks: root writing /tmp/x.csv
    through a link another user planted there wrote the file it points to."""
    shared = tmp_path / "tmp"
    shared.mkdir()
    shared.chmod(0o1777)
    victim = tmp_path / "shadow"
    victim.write_text("kept\n")
    planted = shared / "x.csv"
    planted.symlink_to(victim)
    os.lchown(planted, 4242, -1)  # the tests run as root, as CI does
    refused = pytest.raises(InputError, match="symbolic link of another user in a shared folder")
    with refused, writing(planted) as handle:
        handle.write(b"written\n")
    assert victim.read_text() == "kept\n"
    os.lchown(planted, os.geteuid(), -1)  # one's own link there is followed
    with writing(planted) as handle:
        handle.write(b"written\n")
    assert victim.read_text() == "written\n"


def test_links_are_followed_as_the_kernel_follows_them() -> None:
    def folder(mode: int, owner: int) -> os.stat_result:
        return os.stat_result((mode, 0, 0, 0, owner, 0, 0, 0, 0, 0))

    sticky, plain = folder(stat.S_IFDIR | 0o1777, 0), folder(stat.S_IFDIR | 0o755, 0)
    assert not may_follow(sticky, link_owner=4242, user=0)
    assert may_follow(sticky, link_owner=0, user=4242)  # the folder's owner's link
    assert may_follow(sticky, link_owner=4242, user=4242)
    assert may_follow(plain, link_owner=4242, user=0)
    assert may_follow(folder(stat.S_IFDIR | 0o1775, 0), link_owner=4242, user=0)


def test_a_symbolic_link_is_written_through_and_kept(tmp_path: Path) -> None:
    target = tmp_path / "target.csv"
    target.write_bytes(b"precious")
    link = tmp_path / "link.csv"
    link.symlink_to("target.csv")

    write_whole(link, CSV)

    assert link.is_symlink() and os.readlink(link) == "target.csv"
    assert target.read_bytes() == CSV
    assert sorted(path.name for path in tmp_path.iterdir()) == ["link.csv", "target.csv"]


def test_a_link_to_a_file_not_yet_there_makes_that_file(tmp_path: Path) -> None:
    (tmp_path / "later").mkdir()
    link = tmp_path / "link.csv"
    link.symlink_to(tmp_path / "later" / "new.csv")

    write_whole(link, CSV)

    assert link.is_symlink() and (tmp_path / "later" / "new.csv").read_bytes() == CSV


def test_a_fifo_is_written_to_and_stays_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    read: list[bytes] = []
    reader = threading.Thread(target=lambda: read.append(fifo.read_bytes()), daemon=True)
    reader.start()

    write_whole(fifo, CSV)
    reader.join(timeout=10)

    assert read == [CSV]
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert [path.name for path in tmp_path.iterdir()] == ["fifo"]


@pytest.mark.parametrize("folder", ["/dev/fd", "/proc/self/fd"])
def test_an_open_descriptor_is_written_to(folder: str) -> None:
    """``-o /dev/fd/3``, ``-o /dev/stdout`` and ``-o >(gzip > x.gz)`` all name a descriptor."""
    if not Path(folder).is_dir():
        pytest.skip(f"no {folder} here")
    reading, writing_end = os.pipe()
    try:
        write_whole(Path(f"{folder}/{writing_end}"), CSV)
        assert os.read(reading, 1000) == CSV
    finally:
        os.close(reading)
        os.close(writing_end)


def test_a_descriptor_open_to_append_is_appended_to(tmp_path: Path) -> None:
    """``results ID -o /dev/stdout >> all.csv``: the file as the shell opened it, not opened
    again (which would empty it)."""
    log = tmp_path / "all.csv"
    log.write_bytes(b"earlier\n")
    descriptor = os.open(log, os.O_WRONLY | os.O_APPEND)
    try:
        write_whole(Path(f"/dev/fd/{descriptor}"), CSV)
    finally:
        os.close(descriptor)
    assert log.read_bytes() == b"earlier\n" + CSV


def test_a_descriptor_not_open_is_refused_by_name() -> None:
    unused = os.open(os.devnull, os.O_RDONLY)
    os.close(unused)
    with pytest.raises(InputError, match=f"/dev/fd/{unused}: no such file or open descriptor"):
        writable(Path(f"/dev/fd/{unused}"))


def test_devices_and_descriptors_are_no_file_to_replace() -> None:
    """Only asked, never written: a failing version of this test must not replace the
    machine's /dev/null."""
    assert destination(Path("/dev/null")) is None
    assert destination(Path("/dev/stdout")) is None
    assert writable(Path("/dev/null")) == Path("/dev/null")


def test_two_writers_of_one_name_each_write_whole_and_the_last_wins(tmp_path: Path) -> None:
    target = tmp_path / "same.csv"
    with writing(target) as first:
        first.write(b"first job's results")
        with writing(target) as second:
            second.write(b"second job's")
        first.flush()

    assert target.read_bytes() == b"first job's results"
    assert [path.name for path in tmp_path.iterdir()] == ["same.csv"]


def test_a_replaced_file_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "private.csv"
    target.write_bytes(b"old")
    target.chmod(0o600)

    write_whole(target, CSV)

    assert stat.S_IMODE(target.stat().st_mode) == 0o600 and target.read_bytes() == CSV


def test_a_read_only_file_system_is_named_as_such(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``permission denied`` sent the user to chmod, which cannot mend a read-only mount."""
    monkeypatch.setattr(os, "access", lambda *_args, **_kwargs: False)
    monkeypatch.setattr(os, "statvfs", lambda _path: SimpleNamespace(f_flag=os.ST_RDONLY))
    with pytest.raises(InputError, match="its file system is read-only"):
        writable(tmp_path / "o.csv")


class FinishedJob:
    """The client ``results`` needs: a finished job whose CSV is ``CSV``."""

    def __enter__(self) -> FinishedJob:
        return self

    def __exit__(self, *_exc: object) -> None:
        return None

    def status(self, request_id: str) -> Any:
        return SimpleNamespace(status="succeeded", rows_done=1, rows_total=1)

    def download_results(self, request_id: str, target: BinaryIO, raw: bool = False) -> int:
        return target.write(CSV)


def test_results_into_a_link_writes_the_file_it_points_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(job_commands, "api_client", lambda _args: FinishedJob())
    (tmp_path / "target.csv").write_bytes(b"precious")
    link = tmp_path / "link.csv"
    link.symlink_to("target.csv")

    assert main(["results", "AAAAAAAAAAAAAAAAAAAAAA", "-o", str(link)]) == 0

    assert link.is_symlink() and (tmp_path / "target.csv").read_bytes() == CSV
    assert capsys.readouterr().out == ""
