"""Files the command line writes (results, reports, flagged comments, a change or a trend as
CSV or an Excel workbook): refused by name before any work when they cannot be written, and
written whole or not at all, so a failed command never leaves a half file under the name
asked for."""

from __future__ import annotations

import io
import os
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
    its folder cannot be made or written to."""
    if output.is_dir():
        raise InputError(f"{output} is a folder: name a file to write")
    if output.suffix.lower() in OTHER_SPREADSHEETS:
        raise InputError(
            f"{output}: a table is written as CSV or Excel .xlsx (a report as PDF or HTML), not "
            f"{output.suffix}: name it .csv or .xlsx (Excel, LibreOffice and Numbers open both)"
        )
    blocking = next((p for p in output.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise InputError(f"cannot write {output}: {blocking} is a file, not a folder")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot write {output}: {exc.strerror or exc}") from exc
    if not os.access(output.parent, os.W_OK) or (
        output.exists() and not os.access(output, os.W_OK)
    ):
        raise InputError(f"cannot write {output}: permission denied")
    return output


@contextmanager
def writing(output: Path) -> Iterator[BinaryIO]:
    """A file to write ``output`` through: ``<name>.part`` beside it, renamed to ``output``
    when the block ends, removed when anything fails (InputError naming ``output`` for a file
    system's refusal)."""
    partial = writable(output).with_name(output.name + ".part")
    try:
        with partial.open("wb") as handle:
            yield handle
        partial.replace(output)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise InputError(f"cannot write {output}: {exc.strerror or exc}") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


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
