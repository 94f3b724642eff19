"""File names made of what users typed (a file's name, a column, a course): letters and
digits of any script, ``-`` and ``_`` only, so they are safe on any file system whatever the
input held (quotes, slashes, newlines, RTL marks), and ``化学`` and ``生物``, ``Ökonomie`` and
``Äkonomie`` stay two names. A name Windows keeps for a device (``AUX``, ``COM1``, ``nul``:
``AUX.pdf`` cannot be made there, nor a ZIP holding it unpacked) gets a ``_`` after it. An
HTTP header carries such a name as RFC 6266 says (``content_disposition``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from urllib.parse import quote

_UNSAFE = re.compile(r"[^\w-]+")
_NOT_ASCII = re.compile(r"[^A-Za-z0-9_.-]+")
_DEVICE = re.compile(r"(CON|PRN|AUX|NUL|(COM|LPT)[0-9¹²³])", re.IGNORECASE)
"""The names Windows keeps for devices, whatever extension follows them: ``COM1.pdf`` opens
the serial port, not a file."""


def safe_name(text: str) -> str:
    """``CHEM_110_General_Chemistry`` for ``CHEM 110: General Chemistry``, ``Ökonomie_I``
    for ``Ökonomie I`` (composed: a decomposed ``Ö`` is the same name); empty when nothing of
    ``text`` is safe; ``AUX_`` for ``AUX`` (a Windows device name, ``_DEVICE``)."""
    name = _UNSAFE.sub("_", unicodedata.normalize("NFC", text)).strip("_")
    return f"{name}_" if _DEVICE.fullmatch(name) else name


def job_stem(input_name: str, request_id: str) -> str:
    """``evaluations-AbC123xy``: the start of every file a job is downloaded as (its results,
    its reports), from the uploaded file's name and the request id, so a folder of downloads
    says which upload each came from."""
    stem = safe_name(input_name.rsplit(".", 1)[0]) or "comments"
    return f"{stem[:40]}-{_UNSAFE.sub('_', request_id)[:8]}"  # an id may begin with "_"


def results_file_name(input_name: str, request_id: str, complete: bool = True) -> str:
    """``evaluations-AbC123xy-results.csv``: a job's results CSV, wherever it is downloaded;
    ``…-results-partial.csv`` for the rows so far of a job not (or never to be) finished, so
    it is never taken for the whole file of the same name."""
    return table_file_name(input_name, request_id, "results", complete)


def table_file_name(input_name: str, request_id: str, kind: str, complete: bool = True) -> str:
    """``evaluations-AbC123xy-summary.csv``: a CSV of the job's rows of one ``kind``;
    ``-partial`` before the ending where it holds the rows so far of a job not finished."""
    partial = "" if complete else "-partial"
    return f"{job_stem(input_name, request_id)}-{kind}{partial}.csv"


def content_disposition(name: str) -> str:
    """``attachment`` under the safe ``name``: as it is in ``filename*`` (UTF-8, RFC 5987)
    and, for a client that reads only ``filename``, with what is not ASCII made ``_``."""
    fallback = _NOT_ASCII.sub("_", name)
    if fallback == name:
        return f'attachment; filename="{name}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def distinct_names(
    values: Iterable[str], fallback: str = "group", limit: int = 60
) -> Iterator[str]:
    """A safe name per value, none twice (ignoring case, as Windows and macOS folders do):
    ``CHEM 110`` and ``CHEM/110`` become ``CHEM_110`` and ``CHEM_110-2``; a value with nothing
    safe in it becomes ``fallback``."""
    taken: set[str] = set()
    for value in values:
        name = safe_name(value)[:limit] or fallback
        candidate, number = name, 1
        while candidate.casefold() in taken:
            number += 1
            candidate = f"{name}-{number}"
        taken.add(candidate.casefold())
        yield candidate
