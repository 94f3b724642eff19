"""Finding a sheet's downward merges in its XML as it inflates, block by block."""

from __future__ import annotations

import pytest

from pipeline.errors import LimitExceededError
from pipeline.xlsx.merges import DownFill, MergeScan, fills_by_row


def _scan(xml: bytes, block: int, max_ranges: int = 100) -> tuple[DownFill, ...]:
    scan = MergeScan(max_ranges)
    for start in range(0, len(xml), block):
        scan.feed(xml[start : start + block])
    return scan.fills


def test_ranges_split_between_blocks_prefixed_or_reversed_are_found_across_ones_are_not() -> None:
    xml = (
        b'<sheetData><row r="2"><c r="A2" t="inlineStr"><is><t>mergeCell ref="A9:A12"</t>'
        b'</is></c></row></sheetData><x:mergeCells count="4">'
        b'<x:mergeCell ref="A2:A4"/><mergeCell ref="C7:B5"/><mergeCell ref="D2:F2"/>'
        b'<mergeCell ref="AB10:AB11"/></x:mergeCells>'
    )
    expected = (DownFill(2, 4, 0), DownFill(5, 7, 1), DownFill(10, 11, 27))
    for block in (7, 13, 64, len(xml)):
        assert _scan(xml, block) == expected, block


def test_more_ranges_than_the_limit_are_refused() -> None:
    xml = b"".join(f'<mergeCell ref="A{2 * i}:A{2 * i + 1}"/>'.encode() for i in range(1, 5))
    assert len(_scan(xml, 64, max_ranges=4)) == 4
    with pytest.raises(LimitExceededError, match="over 3 ranges of cells merged down"):
        _scan(xml, 64, max_ranges=3)


def test_only_fills_below_the_header_in_the_table_and_not_in_the_comments_are_kept() -> None:
    fills = (
        DownFill(1, 3, 1),  # starts on the header
        DownFill(4, 6, 1),
        DownFill(4, 5, 2),  # the comments
        DownFill(7, 9, 0),  # left of the table
        DownFill(7, 8, 4),  # right of it
    )
    assert fills_by_row(fills, header_row=2, first_column=1, width=3, keep={1}) == {4: [(0, 6)]}
