"""A text file saved in a legacy code page other than Windows-1252 — Excel's "CSV" on a
Chinese, Japanese or Korean Windows, Excel for Mac's "Comma Separated Values" — is read in
that code page or refused naming it, never labelled as Windows-1252 mojibake; Western
Windows-1252 files are read as before."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.errors import EncodingError
from pipeline.inputs import iter_chunks, validate_input

HEADER = "course,comment\r\n"


def comments(path: Path) -> tuple[str | None, list[str]]:
    summary = validate_input(path, "comment")
    chunks = iter_chunks(path, summary.format, summary.text_column, 100, options=summary.options)
    return summary.options.encoding, pd.concat(list(chunks))["comment"].tolist()


def write(tmp_path: Path, text: str, encoding: str, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(
    ("lines", "saved_as", "read_as"),
    [
        (
            ["老师讲得很好，课程非常有用", "考试太难了，很不公平", "课程内容很丰富"],
            "gbk",
            "gb18030",
        ),
        (["授業はとても分かりやすかったです", "試験は不公平でした"], "cp932", "cp932"),
        (
            ["老師講得很好，課程非常有用，我學到了很多東西", "考試太難了，很不公平"],
            "cp950",
            "cp950",
        ),
        (
            [
                "교수님의 강의가 매우 좋았습니다 수업 내용이 알차고 재미있었어요",
                "시험이 어려웠습니다",
            ],
            "cp949",
            "cp949",
        ),
    ],
    ids=["gbk", "shift-jis", "big5", "korean"],
)
def test_an_east_asian_excel_csv_is_read_in_its_code_page(
    tmp_path: Path, lines: list[str], saved_as: str, read_as: str
) -> None:
    text = HEADER + "".join(f"A,{line}\r\n" for line in lines)
    path = write(tmp_path, text, saved_as)
    assert comments(path) == (read_as, lines)


def test_a_chinese_header_names_the_comment_column_read_in_gbk(tmp_path: Path) -> None:
    path = write(tmp_path, "课程,评论\r\nCHN101,老师讲得很好\r\nCHN101,考试太难了\r\n", "gbk")
    summary = validate_input(path, None)
    assert (summary.text_column, summary.options.encoding) == ("评论", "gb18030")


def test_a_few_chinese_words_that_could_be_korean_are_refused_naming_both(
    tmp_path: Path,
) -> None:
    """很好 is valid Korean too (both are double-byte code pages): which one cannot be told
    from so little, so the file is refused, saying how to save it, not read as either."""
    path = write(tmp_path, HEADER + "A,The course was great 很好\r\n", "gbk")
    with pytest.raises(EncodingError) as refused:
        validate_input(path, "comment")
    message = str(refused.value)
    assert "Korean (EUC-KR)" in message and "simplified Chinese (GBK/GB18030)" in message
    assert "CSV UTF-8" in message


@pytest.mark.parametrize(
    ("text", "encoding"),
    [("Преподаватель отлично объясняет материал", "cp1251"), ("Πολύ καλό μάθημα", "cp1253")],
    ids=["cyrillic", "greek"],
)
def test_another_code_page_is_refused_as_garbled_not_read_as_windows_1252(
    tmp_path: Path, text: str, encoding: str
) -> None:
    path = write(tmp_path, HEADER + f'A,"{text}"\r\n', encoding)
    with pytest.raises(EncodingError, match="read as Windows-1252 it would be garbled"):
        validate_input(path, "comment")


@pytest.mark.parametrize(
    "text",
    [
        "Boa organização",
        "Ótima aula, não gostei das informações",
        "« Très bien », dit-il \u00ab\u00a0Bof\u00a0\u00bb",
        "——— great ——— ok…”",
        "Größe und Übungen für Schüler",
        "¿Qué? ¡Excelente año!",
        "ÉTÉ À PARIS, ÇA VA",
    ],
)
def test_western_windows_1252_text_is_still_read_as_such(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, HEADER + f'A,"{text}"\r\n', "cp1252")
    assert comments(path) == ("cp1252", [text])


def test_excel_for_mac_comma_separated_values_are_read_as_mac_roman(tmp_path: Path) -> None:
    """Bare CR line ends and the Mac Roman quotes (0xD2-0xD5): ``don’t`` would read
    ``donÕt`` as Windows-1252."""
    lines = ["I don’t think the “review” sessions helped – at all", "très élégant, ça va"]
    path = write(tmp_path, "course,comment\r" + "".join(f'A,"{x}"\r' for x in lines), "mac_roman")
    assert comments(path) == ("mac_roman", lines)


def test_windows_1252_with_bare_cr_line_ends_stays_windows_1252(tmp_path: Path) -> None:
    lines = ["très élégant, ça va", "don’t “x”"]
    path = write(tmp_path, "course,comment\r" + "".join(f'A,"{x}"\r' for x in lines), "cp1252")
    assert comments(path) == ("cp1252", lines)


def test_bytes_windows_1252_lacks_are_still_refused_naming_the_first(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(b"course,comment\r\nA,good \x81\x8d course\r\n")
    with pytest.raises(EncodingError, match=r"neither UTF-8 nor Windows-1252 text: byte 0x81"):
        validate_input(path, "comment")
