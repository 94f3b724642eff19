"""A file of two encodings is refused whichever comes first, and the refusal of a file whose
byte order mark announces its encoding names the right byte and says "cut off" only for a
file that ends in half a character."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from pipeline.errors import EncodingError
from pipeline.inputs import validate_input

WINDOWS = 'course,comment\r\nBIO200,"Café naïve"\r\n'.encode("cp1252")
UTF8 = 'CHEM,"Café naïve good"\r\n'.encode()


def refusal(tmp_path: Path, data: bytes) -> str:
    path = tmp_path / "in.csv"
    path.write_bytes(data)
    with pytest.raises(EncodingError) as refused:
        validate_input(path, "comment")
    return str(refused.value)


def test_windows_1252_then_utf8_is_refused_as_mixed(tmp_path: Path) -> None:
    message = refusal(tmp_path, WINDOWS + UTF8)
    assert message.startswith("the file is Windows-1252 text, but UTF-8 text is in it from line 3")
    offset = len(WINDOWS) + len(b'CHEM,"Caf')
    assert f"offset {offset}, 'Ã©'" in message


def test_utf8_across_two_read_blocks_is_found(tmp_path: Path) -> None:
    padding = b"A,good\r\n" * (1024 * 1024 // 8)  # the UTF-8 at a block's end
    data = WINDOWS + padding
    cut = 1024 * 1024 - len(data) % (1024 * 1024) - 1
    data += b"x" * cut + "é".encode() + b"\r\n"
    assert "UTF-8 text is in it from line" in refusal(tmp_path, data)


def test_a_bom_file_names_the_bad_byte_at_its_real_offset(tmp_path: Path) -> None:
    good = codecs.BOM_UTF8 + b'course,comment\r\nCHEM,"good"\r\n'
    message = refusal(tmp_path, good + 'BIO200,"Café"\r\n'.encode("cp1252"))
    offset = len(good) + len('BIO200,"Caf')
    assert f"byte 0xe9 on line 3 (offset {offset})" in message
    assert "another encoding" in message and "cut off" not in message


def test_a_bom_file_ending_in_half_a_character_may_be_cut_off(tmp_path: Path) -> None:
    whole = codecs.BOM_UTF8 + "course,comment\r\nA,très\r\n".encode()
    message = refusal(tmp_path, whole + "é".encode()[:1])
    assert f"(offset {len(whole)})" in message and "may be cut off" in message


def test_utf16_with_a_lone_half_mid_file_is_not_said_cut_off(tmp_path: Path) -> None:
    whole = "course\tcomment\nA\tGreat\nB\tBoring\n".encode("utf-16")
    message = refusal(tmp_path, whole[:-2] + b"\x00\xd8\n\x00")
    assert "starts as UTF-16 text" in message and "cut off" not in message
