"""Files the command line writes (results, reports, flagged comments, a change or a trend as
CSV or an Excel workbook): refused by name before any work when they cannot be written, and
written whole or not at all, so a failed command never leaves a half file under the name
asked for. A name that is a stream rather than a file (``/dev/stdout``, a FIFO, a device) is
written to as a shell's ``>`` would, never replaced by a file."""

from __future__ import annotations

import io
import os
import re
import secrets
import stat
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from pipeline.errors import InputError

OTHER_SPREADSHEETS = frozenset({".xls", ".xlsm", ".xlsb", ".xltx", ".ods", ".fods", ".numbers"})
"""Spreadsheet names the command line cannot write: CSV text under one would not open."""


DOCUMENTS = frozenset({".pdf", ".html", ".htm"})
"""Names of the files ``report`` writes: a table's CSV under one would not open."""


def table_file(output: Path) -> Path:
    """``writable(output)`` for a command that writes a table (CSV, or .xlsx): a PDF or HTML
    name is refused, naming ``report``, rather than given CSV text a viewer cannot open."""
    if output.suffix.lower() in DOCUMENTS:
        raise InputError(
            f"{output}: this command writes a table, as CSV or Excel .xlsx, not "
            f"{output.suffix}: name it .csv or .xlsx (`sentiment-pipeline report` makes PDF "
            "and HTML reports)"
        )
    return writable(output)


def writable(output: Path) -> Path:
    """``output``, checked before any work: InputError naming it when it is a folder, or when
    its folder cannot be made or written to. A name that is no regular file but a stream (a
    device such as ``/dev/null``, a FIFO, ``/dev/stdout``, ``/dev/fd/3``, a shell's process
    substitution) needs only to be writable itself (``destination``)."""
    if output.is_dir():
        raise InputError(f"{output} is a folder: name a file to write")
    if output.suffix.lower() in OTHER_SPREADSHEETS:
        raise InputError(
            f"{output}: a table is written as CSV or Excel .xlsx (a report as PDF or HTML), not "
            f"{output.suffix}: name it .csv or .xlsx (Excel, LibreOffice and Numbers open both)"
        )
    target = destination(output)
    if target is None:
        if not os.path.exists(output):  # a descriptor this process has not open
            raise InputError(f"cannot write {output}: no such file or open descriptor")
        if not os.access(output, os.W_OK):
            raise InputError(f"cannot write {output}: {_refusal(output)}")
        return output
    blocking = next((p for p in target.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise InputError(f"cannot write {output}: {blocking} is a file, not a folder")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot write {output}: {exc.strerror or exc}") from exc
    if not os.access(target.parent, os.W_OK):
        raise InputError(f"cannot write {output}: {_refusal(target.parent)}")
    if target.exists() and not os.access(target, os.W_OK):
        raise InputError(f"cannot write {output}: {_refusal(target)}")
    return output


_DESCRIPTORS = re.compile(r"/proc/(?P<pid>self|thread-self|\d+)(?:/task/\d+)?/fd")
"""The folder of a process's open files, which ``/dev/fd``, ``/dev/stdout`` and a shell's
``>(…)`` lead to (Linux): a name there is a descriptor to write to, not a file to replace."""
_MOST_LINKS = 40
"""Symbolic links followed before giving up, as the kernel does (ELOOP)."""


def destination(output: Path) -> Path | None:
    """The regular file writing ``output`` replaces: ``output`` itself, or where its symbolic
    links lead (the file a link points to is written, the link is kept). None for a name
    that is no regular file but a stream, written to as a shell's ``>`` writes it: a device
    (``/dev/null``), a FIFO, a socket, or an open descriptor (``/dev/stdout``, ``/dev/fd/1``,
    ``>(gzip > x.gz)``). Renaming a file over one of those would replace the device or the
    link for every other program, and nothing would reach the reader."""
    name, mode = _followed(output)
    if _DESCRIPTORS.fullmatch(name.parent.as_posix()):
        return None
    return name if mode is None or stat.S_ISREG(mode) or stat.S_ISDIR(mode) else None


def _followed(output: Path) -> tuple[Path, int | None]:
    """Where ``output`` leads, its symbolic links followed, and what is there (its
    ``st_mode``; None where nothing is yet); it stops at a folder of descriptors, whose
    entries are links to pipes and terminals that name no file."""
    name = output.absolute()
    for _ in range(_MOST_LINKS):
        folder = Path(os.path.realpath(name.parent))
        name = folder / name.name
        if _DESCRIPTORS.fullmatch(folder.as_posix()):
            return name, None
        try:
            mode = name.lstat().st_mode
        except (FileNotFoundError, NotADirectoryError):
            return name, None  # a new file (or under a file: ``writable`` says so)
        except OSError as exc:
            raise InputError(f"cannot write {output}: {exc.strerror or exc}") from exc
        if not stat.S_ISLNK(mode):
            return name, mode
        if not may_follow(folder.stat(), name.lstat().st_uid, os.geteuid()):
            raise InputError(
                f"cannot write {output}: {name} is a symbolic link of another user in a shared "
                f"folder ({folder}): not followed, as the system does not follow one there"
            )
        name = folder / os.readlink(name)  # an absolute link replaces the folder
    raise InputError(f"cannot write {output}: too many levels of symbolic links")


def may_follow(folder: os.stat_result, link_owner: int, user: int) -> bool:
    """Whether ``user`` may follow a symbolic link owned by ``link_owner`` in ``folder``: as
    Linux's ``protected_symlinks`` rules, not in a sticky folder every user may write to
    (``/tmp``) unless the user or the folder's owner owns the link. Followed by hand, links
    escape that rule: root's ``results -o /tmp/x.csv`` would write through a link another
    user planted there to ``/etc/shadow``."""
    shared = folder.st_mode & stat.S_ISVTX and folder.st_mode & stat.S_IWOTH
    return not shared or link_owner in (user, folder.st_uid)


def _own_descriptor(output: Path) -> int | None:
    """The number of this process's open file ``output`` names (``/dev/stdout``: 1,
    ``/dev/fd/63``), None for any other name: written through a copy of the descriptor, so
    ``-o /dev/stdout >> all.csv`` appends, as the shell opened it, where opening the name
    again would empty the file."""
    name, _mode = _followed(output)
    found = _DESCRIPTORS.fullmatch(name.parent.as_posix())
    if found is None or not name.name.isdigit():
        return None
    pid = found.group("pid")
    return int(name.name) if pid in ("self", "thread-self", str(os.getpid())) else None


def is_stream(output: Path) -> bool:
    """Whether ``output`` names a stream (a device, a FIFO, ``/dev/stdout``) rather than a
    file: nothing can be written beside it."""
    return destination(output) is None


def _refusal(path: Path) -> str:
    """Why ``path`` cannot be written, as far as can be told without writing: its file
    system mounted read-only (no ``chmod`` mends that), else permission denied."""
    try:
        read_only = bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # statvfs: not on Windows
        read_only = False
    return "its file system is read-only" if read_only else "permission denied"


@contextmanager
def writing(output: Path) -> Iterator[BinaryIO]:
    """A file to write ``output`` through: a temporary ``<name>.<random>.part`` beside it
    (this process's own, so two commands writing one name at once never share one), renamed
    over the file ``output`` names (``destination``: through its symbolic links) when the
    block ends, removed when anything fails: InputError naming ``output`` for a file
    system's refusal. A stream (``/dev/stdout``, a FIFO, a device) is written to directly,
    as a shell's ``>`` would: it cannot be replaced whole."""
    target = destination(writable(output))
    if target is None:
        with _written_through(output) as handle:
            yield handle
        return
    partial: Path | None = None
    try:
        partial, handle = _fresh_part(target)
        with handle:
            yield handle
        _keep_mode(target, partial)
        partial.replace(target)
    except OSError as exc:
        if partial is not None:
            partial.unlink(missing_ok=True)
        raise InputError(f"cannot write {output}: {exc.strerror or exc}") from exc
    except BaseException:
        if partial is not None:
            partial.unlink(missing_ok=True)
        raise


@contextmanager
def _written_through(output: Path) -> Iterator[BinaryIO]:
    """``output``, a stream: this process's own descriptor as it is open (after what stdout
    still holds), else opened for writing as a shell's ``>`` opens it. A reader that closed
    a pipe is the command's closed output (``main`` tells it apart), not a refusal."""
    try:
        descriptor = _own_descriptor(output)
        if descriptor is None:
            opened = output.open("wb")
        else:
            sys.stdout.flush()
            opened = os.fdopen(os.dup(descriptor), "wb")
        with opened as handle:
            yield handle
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise InputError(f"cannot write {output}: {exc.strerror or exc}") from exc


_PART_NAME_BYTES = 240
"""A part file's name before its random ending, at most: 255 bytes is the most most file
systems take, and the ending adds 14."""


def _fresh_part(target: Path) -> tuple[Path, BinaryIO]:
    """A new, empty part file beside ``target`` for this process alone (created exclusively,
    under a random name), with the mode a new file gets (0666 less the umask)."""
    stem = target.name
    while len(os.fsencode(stem)) > _PART_NAME_BYTES:
        stem = stem[:-1]
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        partial = target.with_name(f"{stem}.{secrets.token_hex(4)}.part")
        try:
            descriptor = os.open(partial, flags, 0o666)
        except FileExistsError:
            continue
        return partial, os.fdopen(descriptor, "wb")
    raise FileExistsError(f"no free part file name beside {target}")


def _keep_mode(target: Path, partial: Path) -> None:
    """The part file given the permissions of the file it replaces: a results file its owner
    made private stays private."""
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        return
    os.chmod(partial, stat.S_IMODE(mode))


def write_whole(output: Path, content: bytes) -> None:
    """``content`` to ``output``, whole or not at all (``writing``)."""
    with writing(output) as handle:
        handle.write(content)


def write_table(
    output: Path, table: Callable[[bool], str], sheet: str, numeric: Callable[[str], bool]
) -> None:
    """A table the command made, to ``output``: ``table(raw)`` is its CSV, formula-escaped
    unless ``raw``. An Excel workbook (its one sheet named ``sheet``) when the name ends in
    ``.xlsx``, of the cells as written: ``to_xlsx_bytes`` holds a risky one as text, never a
    formula, where the CSV's apostrophe would be part of the text. Else the escaped CSV. In
    the workbook every cell is text (a section ``001`` stays ``001``), but those of the
    columns ``numeric`` names, which are numbers (blank where the CSV is)."""
    if output.suffix.lower() != ".xlsx":
        write_whole(output, table(False).encode("utf-8-sig"))  # for a spreadsheet: BOM
        return
    import pandas as pd

    from pipeline.ui.exports import as_numbers, to_xlsx_bytes

    frame = pd.read_csv(io.StringIO(table(True)), dtype=str, keep_default_na=False)
    for column in frame.columns:
        if numeric(str(column)):
            frame[column] = as_numbers(frame[column])
    with cuts_told():
        write_whole(output, to_xlsx_bytes(frame, sheet_name=sheet))


@contextmanager
def cuts_told() -> Iterator[None]:
    """Around writing a workbook: the texts it cut to what an Excel cell holds
    (``pipeline.ui.exports.CellsCut``: which rows, and that the CSV holds them whole) said on
    stderr once it is done, as a line of the command's own rather than as a Python warning
    with a file and line of the code. Any other warning is shown as it would have been."""
    from pipeline.ui.exports import CellsCut

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CellsCut)
        yield
    for warning in caught:
        if issubclass(warning.category, CellsCut):
            print(str(warning.message), file=sys.stderr)
        else:
            warnings.showwarning(
                warning.message, warning.category, warning.filename, warning.lineno
            )
