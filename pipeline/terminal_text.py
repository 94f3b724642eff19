"""Text a command prints to a terminal: made inert, and a comment cut, wrapped and indented
under its heading. Pure, but for ``InertStream``, which writes to the terminal it is given.

Comments, group values (a course's name), theme keywords and quotes come from the people who
wrote the file; a terminal obeys control characters in what it is sent. An ESC or a C1 CSI
clears the screen, recolours, moves the cursor up to overwrite the line above (the
"withheld · threat" heading the person releasing reports must read), or shows an OSC 8 link
to somewhere else; a bidi override reorders what is shown. So every such character is shown
as a visible escape instead, and the line breaks inside a cell become spaces so that a value
cannot start a line of its own and pass for one the command wrote. Only what is printed as
text goes through here: ``--json``, CSV and XLSX keep the data as written, and so does a CSV
printed to a pipe or a file; a CSV printed to a terminal goes through ``InertStream``.

A table is laid out in the columns its cells take on the terminal (``display_width``), not in
characters: a Chinese course name takes two columns a character, and a decomposed accent
(``Cafe`` and U+0301) none for the accent, so a width counted in characters pushes the figures
of its row out from under their headings."""

from __future__ import annotations

import codecs
import json
import re
import textwrap
import unicodedata
from collections.abc import Mapping
from typing import Any, BinaryIO, Literal

MIN_WIDTH = 20
"""Wrap at no fewer characters than this, whatever the terminal says."""

LINE_BREAKS = frozenset("\t\n\v\f\r\x1c\x1d\x1e\x85\u2028\u2029")
"""Shown as one space: a tab and every line boundary ``str.splitlines`` knows (a wrapped
comment's line breaks were already spaces: ``textwrap`` replaces them)."""

_UNSAFE = re.compile(
    r"[\x00-\x1f\x7f-\x9f"  # C0 controls (ESC among them), DEL, C1 controls (CSI, OSC…)
    r"\u2028\u2029"  # line and paragraph separators: line breaks, shown as spaces
    r"\u202a-\u202e\u2066-\u2069"  # bidi embeddings, overrides and isolates
    r"\ud800-\udfff]"  # lone surrogates: no terminal encoding can print them
)


def inert(text: str) -> str:
    """``text`` safe to print on one line of a terminal: tabs and line breaks as a space,
    every other control character (C0 such as ESC, DEL, C1 such as U+009B CSI), bidi
    embedding, override or isolate (U+202A–U+202E, U+2066–U+2069) and lone surrogate shown
    as its Python escape, ``\\x1b`` or ``\\u202e``: visible, so a reader sees that the text
    held one, and inert, so the terminal does nothing with it. Every other character, accents
    and scripts of any direction included, is kept; text without any is returned as it is,
    and making inert text inert again changes nothing."""
    return _UNSAFE.sub(_shown, text)


def inert_lines(text: str) -> str:
    """What a command prints, made inert line by line with its own line breaks kept: the
    last guard on a table or listing put together from an answer's cells."""
    return "\n".join(inert(line) for line in text.split("\n"))


class InertStream:
    """A file to download UTF-8 text into (``PipelineClient.download_results``) that shows it
    on a terminal inert: each block decoded (a character split between two blocks is held
    until its end comes), made ``inert_lines`` (its own line breaks kept, a cell's escape
    sequence shown as ``\\x1b[31m``) and written to ``terminal`` in ``encoding`` (what it cannot
    show, as an escape). For a results CSV that ``results`` prints to a terminal: a comment's
    escape sequence would clear the screen, retitle the window or show a link elsewhere."""

    def __init__(self, terminal: BinaryIO, encoding: str | None = None) -> None:
        self._terminal = terminal
        self._encoding = encoding or "utf-8"
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def write(self, block: bytes) -> int:
        self._show(self._decoder.decode(block))
        return len(block)

    def close(self) -> None:
        """Show what is left (an incomplete last character, as U+FFFD) and flush."""
        self._show(self._decoder.decode(b"", final=True))
        self._terminal.flush()

    def _show(self, text: str) -> None:
        if text:
            shown = inert_lines(text).encode(self._encoding, errors="backslashreplace")
            self._terminal.write(shown)


def json_text(value: Any, encoding: str | None) -> str:
    """``value`` as a command's ``--json`` prints it to an output in ``encoding``: every
    character as written where that is a UTF, else each one outside ASCII escaped the JSON
    way (``\\u00e9``), which an ASCII or Latin-1 output (a cron job's C locale) takes and a
    JSON reader reads back the same, never Python's ``\\xe9``, which is no JSON."""
    try:
        universal = codecs.lookup(encoding or "utf-8").name.startswith("utf")
    except LookupError:
        universal = False
    return json.dumps(value, ensure_ascii=not universal, indent=2)


def inert_values(value: Any) -> Any:
    """An API answer (JSON: dicts, lists, strings, numbers) with every string in it, keys
    included, made ``inert``: what a table is laid out from, so its widths are those of what
    is shown and no cell breaks a row. Not for an answer whose figures point into its text
    (a flagged comment's offsets): its cells are made inert where they are shown."""
    if isinstance(value, str):
        return inert(value)
    if isinstance(value, Mapping):
        return {inert_values(key): inert_values(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [inert_values(item) for item in value]
    return value


def comment_lines(text: str, width: int, most: int) -> list[str]:
    """``text`` cut after ``most`` characters (with "…"), made ``inert``, wrapped to the
    terminal's ``width`` and indented by two spaces; one indented blank line for an empty
    comment."""
    shown = inert(text if len(text) <= most else text[:most] + "…")
    return textwrap.wrap(
        shown,
        width=max(width - 2, MIN_WIDTH),
        initial_indent="  ",
        subsequent_indent="  ",
    ) or ["  "]


def display_width(text: str) -> int:
    """The columns ``text`` takes on a terminal: two for an East Asian wide or full-width
    character (``数``, most emoji), none for a combining mark (the accent of a decomposed
    ``é``) or an invisible format character (a zero-width space or joiner), one for any other."""
    return sum(_columns(char) for char in text)


def padded(text: str, width: int, align: Literal["<", ">"] = "<") -> str:
    """``text`` filled with spaces to ``width`` terminal columns (``display_width``): left-
    aligned, or right-aligned for ``">"``; as it is when already as wide or wider."""
    fill = " " * max(width - display_width(text), 0)
    return text + fill if align == "<" else fill + text


def fitted(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal columns, ending in "…" where it was cut; the marks
    combining with the last character kept are kept with it."""
    if display_width(text) <= width:
        return text
    kept, used = [], 0
    for char in text:
        used += _columns(char)
        if used > width - 1:
            break
        kept.append(char)
    return "".join(kept) + "…"


def _columns(char: str) -> int:
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 2
    if unicodedata.category(char) in ("Mn", "Me") or (
        unicodedata.category(char) == "Cf" and char != "\u00ad"  # a soft hyphen is shown
    ):
        return 0
    return 1


def _shown(match: re.Match[str]) -> str:
    char = match.group()
    if char in LINE_BREAKS:
        return " "
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"
