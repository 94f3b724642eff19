"""The workbook's ZIP container, read with every size bounded before and while inflating.

Before ``zipfile`` parses anything, the end-of-directory record is read to bound the central
directory (whose entries ``zipfile`` holds in memory). Then the members' declared sizes are
checked: their sum, and each one's ratio to its compressed size. While a part is read, the
bytes actually inflated are counted against the same budget and against the compressed bytes
consumed so far, so a member whose header lies is stopped as early as one that tells the truth
(``zipfile`` itself never inflates past a member's declared size, and then fails its CRC).
The archive is read from an open file: its name on disk plays no part.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from pipeline.errors import LimitExceededError, UnsupportedFormatError
from pipeline.xlsx.limits import XlsxLimits
from pipeline.xlsx.merges import DownFill, MergeScan

BLOCK = 64 * 1024
_END = b"PK\x05\x06"
_END_SIZE = 22
_END64_LOCATOR = b"PK\x06\x07"
_END64 = b"PK\x06\x06"
_MAX_COMMENT = 0xFFFF
_READABLE = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, OSError, struct.error, ValueError)


@dataclass(frozen=True)
class Container:
    """What kind of workbook a ZIP holds, as a refusal names it and says how to mend it."""

    name: str
    mend: str


EXCEL = Container("the Excel file", "open it in Excel and save it again as .xlsx")
OPENDOCUMENT = Container(
    "the OpenDocument spreadsheet", "open it in LibreOffice Calc and save it again as .ods"
)


def damaged(reason: object, container: Container = EXCEL) -> UnsupportedFormatError:
    return UnsupportedFormatError(
        f"{container.name} cannot be read, it is damaged or not a workbook ({reason}); "
        f"{container.mend}, or save it as CSV UTF-8"
    )


class _Counted:
    """The upload as ``zipfile`` reads it, counting the bytes it takes (compressed data)."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self.taken = 0

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self.taken += len(data)
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._handle.seek(offset, whence)

    def tell(self) -> int:
        return self._handle.tell()

    def seekable(self) -> bool:
        return True


class Archive:
    """The parts of one workbook. A part is inflated once without being parsed, counting
    every byte, before its bytes are handed out: a bomb is refused at inflation speed, before
    the (much slower) XML parsing starts, and a part that fails its CRC is never parsed. That
    pass also picks out the merged ranges a sheet lists after its rows (``merges``)."""

    def __init__(self, handle: BinaryIO, limits: XlsxLimits, container: Container = EXCEL) -> None:
        self.limits = limits
        self.container = container
        self.inflated = 0
        """Bytes inflated by the checks, over all parts: each part is counted once."""
        self.size = _check_directory(handle, limits, container)
        """The archive's bytes on disk."""
        self._file = _Counted(handle)
        try:
            self._zip = zipfile.ZipFile(self._file)
        except _DAMAGED as exc:
            raise damaged(exc, container) from exc
        self._members = {info.filename: info for info in self._zip.infolist()}
        _check_declared(self._zip.infolist(), limits)
        self._checked: dict[str, tuple[DownFill, ...]] = {}

    def close(self) -> None:
        self._zip.close()

    def has(self, name: str) -> bool:
        return name in self._members

    def blocks(self, name: str) -> Iterator[bytes]:
        """The part's bytes as they inflate, once the whole part has passed the checks."""
        self.check(name)
        yield from self._inflate(self._readable(name), counted=False)

    def check(self, name: str) -> None:
        """Inflate the part once, counting every byte against the limits (once a part)."""
        if name in self._checked:
            return
        scan = MergeScan(self.limits.max_merged_ranges)
        for block in self._inflate(self._readable(name), counted=True):
            scan.feed(block)
        self._checked[name] = scan.fills

    def merges(self, name: str) -> tuple[DownFill, ...]:
        """The cells the part (a sheet) merges down several rows."""
        self.check(name)
        return self._checked[name]

    def _readable(self, name: str) -> zipfile.ZipInfo:
        info = self._members.get(name)
        if info is None:
            raise damaged(f"the part {name} is missing", self.container)
        if info.flag_bits & 0x1:
            raise UnsupportedFormatError(
                "the workbook is encrypted (password-protected): save it without a password"
            )
        if info.compress_type not in _READABLE:
            raise damaged(
                f"the part {name} uses compression method {info.compress_type}", self.container
            )
        return info

    def _inflate(self, info: zipfile.ZipInfo, counted: bool) -> Iterator[bytes]:
        """The part's blocks; ``counted``: against the budgets and the compressed bytes read
        so far (``zipfile`` itself stops at the declared size and checks the CRC at the end)."""
        limits = self.limits
        taken_before = self._file.taken
        inflated = 0
        try:
            part = self._zip.open(info)
        except _DAMAGED as exc:
            raise damaged(exc, self.container) from exc
        with part:
            while True:
                try:
                    block = part.read(BLOCK)
                except _DAMAGED as exc:
                    raise damaged(exc, self.container) from exc
                if not block:
                    return
                if counted:
                    inflated += len(block)
                    self.inflated += len(block)
                    if self.inflated > limits.max_uncompressed_bytes:
                        raise LimitExceededError(
                            f"the workbook inflates to over {limits.max_uncompressed_bytes:,} "
                            "bytes of XML: it is too big or a decompression bomb"
                        )
                    compressed = max(1, self._file.taken - taken_before)
                    if inflated > limits.ratio_grace_bytes and inflated > (
                        limits.max_ratio * compressed
                    ):
                        raise _bomb(info.filename, inflated, compressed, limits)
                yield block


def _bomb(name: str, inflated: int, compressed: int, limits: XlsxLimits) -> LimitExceededError:
    return LimitExceededError(
        f"the workbook's part {name} inflates from {compressed:,} to over {inflated:,} bytes, "
        f"more than {limits.max_ratio} times: refused as a decompression bomb; if the sheet is "
        "real, save it as CSV UTF-8 and upload that"
    )


def _check_directory(handle: BinaryIO, limits: XlsxLimits, container: Container) -> int:
    """Bound the central directory from the end record (and its ZIP64 twin) alone; returns
    the archive's size."""
    try:
        size = handle.seek(0, 2)
        tail_size = min(size, _END_SIZE + _MAX_COMMENT)
        handle.seek(size - tail_size)
        tail = handle.read(tail_size)
        at = tail.rfind(_END)
        if at < 0 or len(tail) - at < _END_SIZE:
            raise damaged("no ZIP end-of-directory record", container)
        entries, directory = struct.unpack("<HI", tail[at + 10 : at + 16])
        locator = tail[at - 20 : at] if at >= 20 else b""
        if locator[:4] == _END64_LOCATOR:
            (offset,) = struct.unpack("<Q", locator[8:16])
            handle.seek(offset)
            record = handle.read(56)
            if record[:4] != _END64:
                raise damaged("a broken ZIP64 end-of-directory record", container)
            entries, directory = struct.unpack("<QQ", record[32:48])
        handle.seek(0)
    except _DAMAGED as exc:
        raise damaged(exc, container) from exc
    if entries > limits.max_members or directory > limits.max_directory_bytes:
        raise LimitExceededError(
            f"the workbook's ZIP directory lists {entries:,} members in {directory:,} bytes, "
            f"over the limits of {limits.max_members:,} members and "
            f"{limits.max_directory_bytes:,} bytes"
        )
    return size


def _check_declared(members: list[zipfile.ZipInfo], limits: XlsxLimits) -> None:
    declared = sum(info.file_size for info in members)
    if declared > limits.max_uncompressed_bytes:
        raise LimitExceededError(
            f"the workbook's members declare {declared:,} bytes uncompressed, over the limit of "
            f"{limits.max_uncompressed_bytes:,}: it is too big or a decompression bomb"
        )
    for info in members:
        compressed = max(1, info.compress_size)
        size = info.file_size
        if size > limits.ratio_grace_bytes and size > limits.max_ratio * compressed:
            raise _bomb(info.filename, size, compressed, limits)
