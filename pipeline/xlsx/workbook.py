"""The workbook's structure: its worksheets in tab order, and where its shared strings and
styles are. Read from the package relationships, as Excel resolves them."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from pipeline.errors import LimitExceededError, UnsupportedFormatError
from pipeline.xlsx.archive import Archive, damaged
from pipeline.xlsx.xmlstream import PartParser, local_name

_PACKAGE_RELS = "_rels/.rels"
_DEFAULT_WORKBOOK = "xl/workbook.xml"
_TRUE = ("1", "true")


@dataclass(frozen=True)
class SheetEntry:
    name: str
    part: str
    hidden: bool


@dataclass(frozen=True)
class Structure:
    sheets: tuple[SheetEntry, ...]
    shared_strings: str | None
    styles: str | None
    date1904: bool


class _Relationships:
    def __init__(self, limit: int) -> None:
        self.targets: dict[str, tuple[str, str]] = {}
        """Relationship id → (type's last segment, target)."""
        self._limit = limit

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if local_name(name) != "Relationship" or attributes.get("TargetMode") == "External":
            return
        if len(self.targets) >= self._limit:
            raise LimitExceededError(f"the workbook has over {self._limit:,} relationships")
        kind = attributes.get("Type", "").rsplit("/", 1)[-1]
        self.targets[attributes.get("Id", "")] = (kind, attributes.get("Target", ""))

    def end(self, name: str) -> None:
        return None

    def text(self, data: str) -> None:
        return None


class _WorkbookPart:
    def __init__(self, max_sheets: int) -> None:
        self.root: str | None = None
        self.sheets: list[tuple[str, str, bool]] = []
        """(name, relationship id, hidden) in tab order."""
        self.date1904 = False
        self._max_sheets = max_sheets

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = local_name(name)
        if self.root is None:
            self.root = local
        elif local == "sheet":
            if len(self.sheets) >= self._max_sheets:
                raise LimitExceededError(f"the workbook has over {self._max_sheets:,} sheets")
            relation = next((v for k, v in attributes.items() if k.endswith(" id")), "")
            hidden = attributes.get("state", "visible") != "visible"
            self.sheets.append((attributes.get("name", ""), relation, hidden))
        elif local == "workbookPr":
            self.date1904 = attributes.get("date1904", "").lower() in _TRUE

    def end(self, name: str) -> None:
        return None

    def text(self, data: str) -> None:
        return None


def read_structure(archive: Archive) -> Structure:
    workbook = _workbook_part(archive)
    relations = _relationships(archive, _rels_of(workbook))
    part = _WorkbookPart(archive.limits.max_sheets)
    PartParser(workbook, part, archive.limits).feed_all(archive.blocks(workbook))
    if part.root != "workbook":
        raise _not_a_workbook()
    folder = posixpath.dirname(workbook)
    sheets = []
    for name, relation, hidden in part.sheets:
        kind, target = relations.get(relation, ("", ""))
        if kind == "worksheet":
            sheets.append(SheetEntry(name, _resolve(folder, target), hidden))
    if not sheets:
        raise UnsupportedFormatError("the Excel workbook has no worksheet")
    return Structure(
        sheets=tuple(sheets),
        shared_strings=_part_of(relations, "sharedStrings", folder, archive),
        styles=_part_of(relations, "styles", folder, archive),
        date1904=part.date1904,
    )


def _workbook_part(archive: Archive) -> str:
    if archive.has(_PACKAGE_RELS):
        for kind, target in _relationships(archive, _PACKAGE_RELS).values():
            if kind == "officeDocument":
                return _resolve("", target)
    if archive.has(_DEFAULT_WORKBOOK):
        return _DEFAULT_WORKBOOK
    raise _not_a_workbook()


def _relationships(archive: Archive, part: str) -> dict[str, tuple[str, str]]:
    if not archive.has(part):
        return {}
    reader = _Relationships(archive.limits.max_members)
    PartParser(part, reader, archive.limits).feed_all(archive.blocks(part))
    return reader.targets


def _part_of(
    relations: dict[str, tuple[str, str]], kind: str, folder: str, archive: Archive
) -> str | None:
    for found, target in relations.values():
        if found == kind:
            part = _resolve(folder, target)
            return part if archive.has(part) else None
    return None


def _rels_of(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def _resolve(folder: str, target: str) -> str:
    """A relationship target as a member name: relative to the source's folder, or absolute
    from the package root."""
    path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
    resolved = posixpath.normpath(path)
    if resolved.startswith("..") or resolved == ".":
        raise damaged(f"a relationship points outside the package ({target})")
    return resolved


def _not_a_workbook() -> UnsupportedFormatError:
    return UnsupportedFormatError(
        "the file is a ZIP archive but not an Excel workbook (no workbook part): upload the "
        "comments as .xlsx, .ods, CSV or TXT"
    )
