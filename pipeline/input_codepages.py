"""Which legacy code page a text upload that is not UTF-8 was saved in.

Excel saves "CSV" in the computer's ANSI code page: Windows-1252 on a Western Windows, but
GBK on a Chinese one, Shift-JIS on a Japanese one, Big5 and Windows-949 (EUC-KR) elsewhere in
East Asia, and Excel for Mac's "Comma Separated Values" is Mac Roman with bare CR line ends.
Windows-1252 decodes nearly any bytes, so a file in another code page read as it is garbled
without a word (``ÀÏÊ¦½²`` for 老师讲, ``donÕt`` for ``don’t``). Judged here from the file's
lines that hold a byte over 0x7F (pure logic, no I/O):

- read as Windows-1252, Western text has its accented letters one or two at a time inside
  words (``Café``, ``informações``); a double-byte code page gives runs of three or more
  high-Latin characters, or pairs between spaces (``ºÜºÃ``). When most of those bytes are in
  such runs, the file is East Asian: read in the one code page that decodes every line into
  that language's script (Japanese needs kana and no half-width katakana; Korean, Hangul;
  Chinese, the GB2312 characters simplified text uses, or Big5), refused naming the code pages
  when several fit (a short line of Chinese is valid Korean too), and refused as garbled when
  none does (Cyrillic or Greek code pages);
- a file whose lines end in a bare CR and that reads more plausibly as Mac Roman
  (``don’t``, ``“review”``: no capital accented letter right after a small letter, no byte
  Windows-1252 lacks) is Mac Roman.

Windows-1252 otherwise, as before. ``UTF8_INSIDE`` finds UTF-8 text in a file read with a
single-byte code page: a file joined from a Windows-1252 export and a UTF-8 one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pipeline.errors import EncodingError
from pipeline.messages import echo

WINDOWS_1252 = "cp1252"
MAC_ROMAN = "mac_roman"
SHIFT_JIS = "cp932"
GBK = "gb18030"
BIG5 = "cp950"
KOREAN = "cp949"
CODE_PAGE_NAMES = {
    WINDOWS_1252: "Windows-1252",
    MAC_ROMAN: "Mac Roman",
    SHIFT_JIS: "Shift-JIS",
    GBK: "GBK/GB18030",
    BIG5: "Big5",
    KOREAN: "EUC-KR",
}
_LANGUAGES = {
    SHIFT_JIS: "Japanese",
    GBK: "simplified Chinese",
    BIG5: "traditional Chinese",
    KOREAN: "Korean",
}
UTF8_INSIDE = re.compile(
    rb"[\xc2\xc3][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
"""UTF-8 as a single-byte code page seldom writes it: ``Ã©`` (é), ``Â°`` (°), ``â€™`` (’) and
any three- or four-byte character. Other two-byte sequences (``É`` before a no-break space)
are left out: a Western text holds them. Only a line that is UTF-8 as a whole counts
(``utf8_in_line``): Windows-1252's ``é…”`` is such a sequence too, in a line that is not."""
_WESTERN_UTF8 = 0x3000
"""A UTF-8 line in a Western export has characters below the CJK blocks; a Windows-1252 line
that happens to decode as UTF-8 (``é…”`` as 酔) has one above."""


def utf8_in_line(line: bytes) -> re.Match[bytes] | None:
    """The first UTF-8 character of ``line``, from a file read with a single-byte code page,
    where the line is UTF-8 text: it decodes whole, holds a UTF-8 sequence, and reads as a
    Western text would; else None."""
    found = UTF8_INSIDE.search(line)
    if found is None:
        return None
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return found if all(ord(character) < _WESTERN_UTF8 for character in text) else None


_HIGH_RUN = re.compile(rb"[\x80-\x9f\xa1-\xff]+")
"""Bytes over 0x7F in a row; a no-break space (0xA0) counts as the space it is."""
_LATIN_LETTERS = 0xC0
"""From here on Windows-1252 has letters (``À``…``ÿ``); below, punctuation and symbols."""
_FOREIGN_SHARE = 0.5
_GARBLED_BYTES = 12
"""Foreign-looking bytes a file needs before it is refused as garbled in every code page: a
short Western file with one odd run (``ÆØÅ``, an alphabet) is read as Windows-1252."""
_WINDOWS_PUNCTUATION = bytes(range(0x80, 0xA0))
"""Windows-1252's own quotes, dashes, ellipsis, bullet and ™ (Latin-1 has none there), which
sit beside an accented letter (``chargé…”``); no Big5 byte is among them."""
_MAC_QUOTES = re.compile(rb"[a-z][\xd2-\xd5]|[\xd2-\xd5][a-z]")
"""Mac Roman's curly quotes (0xD2-0xD5) touching a small letter: ``don’t``, ``“review``, which
Windows-1252 reads as capitals inside words (``donÕt``, ``Òreview``). A file read as Mac
Roman needs one: Windows-1252's dashes and bullets between letters read as Mac Roman
letters (``Self–paced`` as ``Selfñpaced``), which alone would tip it."""
_SCRIPT_SHARE = 0.9
_COMMON_SHARE = 0.9
_KOREAN_ALONE = 20
"""Hangul characters, with no Chinese one, that make a file Korean rather than Chinese read
as Korean: a line of Chinese reads as Hangul only while its characters all start below 0xC9
(很好 does, 是 and 在 do not)."""
_SHOWN = 12


@dataclass(frozen=True)
class _Reading:
    """What the non-ASCII characters of a decoding are."""

    kana: int = 0
    hangul: int = 0
    han: int = 0
    common: int = 0
    """Of the code page's own script (Hangul for Korean, else Chinese characters), those in
    its everyday part (``_COMMON``), which a text is nearly all written in."""
    punctuation: int = 0
    halfwidth: int = 0
    other: int = 0

    @property
    def script(self) -> int:
        return self.kana + self.hangul + self.han + self.punctuation

    @property
    def total(self) -> int:
        return self.script + self.halfwidth + self.other


def _lead_in(encoding: str, low: int, high: int) -> Callable[[str], bool]:
    """Whether a character's first byte in ``encoding`` is from ``low`` to ``high``."""

    def common(character: str) -> bool:
        try:
            return low <= character.encode(encoding)[0] <= high
        except UnicodeEncodeError:
            return False

    return common


_COMMON = {
    GBK: _lead_in("gb2312", 0xB0, 0xD7),  # GB2312's first level: the 3,755 everyday characters
    BIG5: _lead_in("big5", 0xA4, 0xC6),  # Big5's 5,401 frequent characters
    KOREAN: _lead_in("euc_kr", 0xB0, 0xC8),  # KS X 1001's 2,350 syllables
}


def legacy_encoding(lines: Sequence[bytes], cr_only: bool) -> str:
    """The code page to read a file that is not UTF-8 with, judged from its ``lines`` that
    hold a byte over 0x7F (``cr_only``: its lines end in a bare CR); raises EncodingError for
    one that is East Asian in a code page that cannot be told, or garbled in every one. A
    file with bytes Windows-1252 lacks is tried as East Asian too (Shift-JIS kanji start
    with them): nothing is lost, it would be refused."""
    evidence = b"\n".join(lines)
    foreign_bytes = _foreign_bytes(lines)
    foreign = foreign_bytes > 0
    western = _decodes(evidence, WINDOWS_1252)
    if foreign or not western:
        fits = _east_asian(evidence)
        if len(fits) == 1:
            return fits[0]
        if fits:
            raise EncodingError(_several_refusal(fits, evidence))
        if foreign_bytes >= _GARBLED_BYTES and western:
            raise EncodingError(_garbled_refusal(evidence))
    if cr_only and reads_as_mac_roman(lines):
        return MAC_ROMAN
    return WINDOWS_1252


def _foreign_bytes(lines: Sequence[bytes]) -> int:
    """The high bytes in runs no Western text makes, when they are most of them (else 0):
    three or more letters in a row (as Windows-1252 reads them), or two that touch no ASCII
    letter. Punctuation at a run's ends is no part of it: ``é…”`` and ``é\xa0»`` are one
    accented letter beside Windows punctuation (``chargé…”``), not a run of three."""
    high = foreign = 0
    for line in lines:
        for run in _HIGH_RUN.finditer(line):
            high += run.end() - run.start()
            size = len(run.group().strip(_WINDOWS_PUNCTUATION))
            if size >= 3 or (size == 2 and not _touches_letter(line, run.start(), run.end())):
                foreign += size
    return foreign if foreign >= _FOREIGN_SHARE * high else 0


def _touches_letter(line: bytes, start: int, end: int) -> bool:
    return line[start - 1 : start].isalpha() or line[end : end + 1].isalpha()


def _east_asian(evidence: bytes) -> list[str]:
    """The East Asian code pages that read ``evidence`` as their language: Shift-JIS alone
    when it does (Chinese or Korean bytes read so give half-width kana), Korean alone when
    it gives enough Hangul and no Chinese character."""
    japanese = _reading(evidence, SHIFT_JIS)
    if japanese and japanese.kana and not japanese.halfwidth and _scripted(japanese):
        return [SHIFT_JIS]
    fits = []
    korean = _reading(evidence, KOREAN)
    if korean and not korean.kana and _mostly(korean.hangul, korean):
        if korean.hangul >= _KOREAN_ALONE and not korean.han:
            return [KOREAN]
        fits.append(KOREAN)
    for encoding in (GBK, BIG5):
        chinese = _reading(evidence, encoding)
        if chinese and not (chinese.kana or chinese.hangul) and _mostly(chinese.han, chinese):
            fits.append(encoding)
    return fits


def _decodes(evidence: bytes, encoding: str) -> bool:
    try:
        evidence.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _scripted(reading: _Reading) -> bool:
    return reading.script >= _SCRIPT_SHARE * reading.total


def _mostly(letters: int, reading: _Reading) -> bool:
    """``letters`` (the code page's own script) are most of what is no punctuation, and
    nearly all everyday ones."""
    words = reading.script - reading.punctuation
    everyday = reading.common >= _COMMON_SHARE * letters
    return _scripted(reading) and 0 < letters >= _SCRIPT_SHARE * words and everyday


def _reading(evidence: bytes, encoding: str) -> _Reading | None:
    """The kinds of the non-ASCII characters of ``evidence`` decoded with ``encoding``; None
    when it does not decode."""
    try:
        text = evidence.decode(encoding)
    except UnicodeDecodeError:
        return None
    counts = dict.fromkeys(("kana", "hangul", "han", "punctuation", "halfwidth"), 0)
    other = common = 0
    own = "hangul" if encoding == KOREAN else "han"
    is_common = _COMMON.get(encoding)
    for character in text:
        if character.isascii():
            continue
        kind = _kind(ord(character))
        if kind is None:
            other += 1
            continue
        counts[kind] += 1
        if kind == own and is_common is not None and is_common(character):
            common += 1
    return _Reading(other=other, common=common, **counts)


def _kind(code: int) -> str | None:
    if 0x3040 <= code <= 0x30FF:
        return "kana"
    if 0xAC00 <= code <= 0xD7A3 or 0x3130 <= code <= 0x318F:
        return "hangul"
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF:
        return "han"
    if 0xFF61 <= code <= 0xFF9F:
        return "halfwidth"
    if 0x3000 <= code <= 0x303F or 0xFF01 <= code <= 0xFFEE:
        return "punctuation"
    return None


def _several_refusal(fits: Sequence[str], evidence: bytes) -> str:
    named = [f"{_LANGUAGES[fit]} ({CODE_PAGE_NAMES[fit]})" for fit in fits]
    languages = f"{', '.join(named[:-1])} or {named[-1]}"
    return (
        f"the file is not UTF-8 text: it looks like {languages}, saved in a Windows code page "
        f'(as Excel saves "CSV" there; read as Windows-1252 it would be {_shown(evidence)}), '
        "and which one cannot be told: save it as CSV UTF-8 (in Excel: Save As > CSV UTF-8) "
        "and upload that"
    )


def _garbled_refusal(evidence: bytes) -> str:
    return (
        "the file is not UTF-8 text, and read as Windows-1252 it would be garbled "
        f"({_shown(evidence)}): it was saved in another code page (Cyrillic, Greek, Chinese, "
        "Japanese, Korean…); save it as CSV UTF-8 (in Excel: Save As > CSV UTF-8) and "
        "upload that"
    )


def _shown(evidence: bytes) -> str:
    """The first run of high bytes, as Windows-1252 shows it (what a user may have seen)."""
    run = next(run for run in _HIGH_RUN.finditer(evidence) if run.end() - run.start() >= 2)
    return echo(run.group()[:_SHOWN].decode(WINDOWS_1252, errors="replace"))


def reads_as_mac_roman(lines: Sequence[bytes]) -> bool:
    """Whether the lines read more plausibly as Mac Roman than as Windows-1252, their high
    bytes mostly inside words (an accent, an apostrophe, a quote) as a Western text's are, and
    its curly quotes where Mac Roman puts them (``_MAC_QUOTES``)."""
    if not any(_MAC_QUOTES.search(line) for line in lines):
        return False
    if _oddities(lines, MAC_ROMAN) >= _oddities(lines, WINDOWS_1252):
        return False
    high = in_words = 0
    for line in lines:
        for run in _HIGH_RUN.finditer(line):
            high += run.end() - run.start()
            in_words += (run.end() - run.start()) * _touches_letter(line, run.start(), run.end())
    return in_words >= _FOREIGN_SHARE * high


def _oddities(lines: Sequence[bytes], encoding: str) -> int:
    """What text never holds, read with ``encoding``: a byte it lacks, a capital accented
    letter right after a small letter (``donÕt``, ``CafÈ``), a symbol between two letters
    (``d‡jà``); an apostrophe between letters is English."""
    odd = 0
    for line in lines:
        text = line.decode(encoding, errors="replace")
        odd += text.count("\ufffd")
        for before, character, after in zip(text, text[1:], text[2:] + " ", strict=False):
            if character.isascii() or not before.isalpha():
                continue
            capital = character.isupper() and before.islower()
            symbol = not character.isalpha() and character not in "’'" and after.isalpha()
            odd += capital or symbol
    return odd
