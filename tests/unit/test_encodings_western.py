"""Windows-1252 files that the code-page detection must leave Windows-1252 (the review of 6
December 2026): an accented letter beside Windows punctuation (``chargé…”``) was taken for
UTF-8 inside the file or a run of East Asian bytes, and a dash between letters in a file of
bare CRs for Mac Roman (``Self–paced`` read as ``Selfñpaced``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.input_text import sniff_encoding

FILLER = "".join(f"C{n},a plain comment number {n}\r\n" for n in range(200))


@pytest.mark.parametrize(
    "lines",
    [
        ["A,« Rien à redire, bien organisé\u00a0»"],  # é, no-break space, »
        ["A,“Un peu trop chargé…”"],  # é… ” reads as UTF-8 (a CJK character)
        ["A,“Loved the café…”"],
        ["A,la lettre ‘à’ manquait"],
        ["A,Blåbærsyltetøy ÆØÅ", "B,Good course"],
        ["A,“The café…”", "B,Good course"],
    ],
    ids=["guillemets", "ellipsis-quote", "english-cafe", "quoted-a", "norwegian", "short"],
)
def test_western_text_beside_windows_punctuation_stays_windows_1252(
    tmp_path: Path, lines: list[str]
) -> None:
    path = tmp_path / "comments.csv"
    text = "course,comment\r\n" + "\r\n".join(lines) + "\r\n"
    path.write_bytes(text.encode("cp1252"))
    assert sniff_encoding(path) == "cp1252"
    long = tmp_path / "long.csv"
    long.write_bytes(("course,comment\r\n" + FILLER + "\r\n".join(lines) + "\r\n").encode("cp1252"))
    assert sniff_encoding(long) == "cp1252"


@pytest.mark.parametrize(
    "comment", ["Self–paced and well–organised", "Excel™ labs•great"], ids=["dash", "symbols"]
)
def test_a_windows_file_of_bare_crs_with_symbols_between_letters_is_no_mac_roman(
    tmp_path: Path, comment: str
) -> None:
    path = tmp_path / "comments.csv"
    path.write_bytes(f"course,comment\rA,{comment}\rB,fine\r".encode("cp1252"))
    assert sniff_encoding(path) == "cp1252"


def test_a_mac_roman_file_with_its_curly_quotes_is_still_mac_roman(tmp_path: Path) -> None:
    path = tmp_path / "comments.csv"
    text = "course,comment\rA,I don’t think the “review” sessions helped – at all\r"
    path.write_bytes(text.encode("mac_roman"))
    assert sniff_encoding(path) == "mac_roman"
