"""Names a site lists so that no report shows them: the students and teaching assistants of
its courses (a class roster), whom a comment may name ("my lab partner Sarah Chen never came").

A comment names a person far more often than it names its writer, and no pattern tells a name
from a word, so the screen takes the site's own list (PIPELINE_SCREEN_NAMES_FILE, one name a
line, "Sarah Chen" or "Chen, Sarah"). A name is found however a student types it: in any case,
with or without its accents (José, Jose; Zoë typed in either Unicode form), with ' or ’, its
hyphenated parts joined or apart (Mary-Jane, Mary Jane). The full name is found, and each part
alone too, except a part that is also a common word (Will, Mark, Grace, Long) or a particle
(van, de, Le), found alone only when written as a name is ("Will", "Le", not "will" nor the
"WILL" of a comment written in capitals). A name of a script written without spaces (陈静,
田中) is found inside the text around it (陈静老师). Matching is by words, one set lookup each,
so a roster of thousands costs what a short one does.
"""

from __future__ import annotations

import functools
import itertools
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import regex

from pipeline.errors import ConfigError
from pipeline.release.common_words import common_words
from pipeline.release.kinds import Kind
from pipeline.release.personal import Span
from pipeline.release.shown import as_shown

_WORD = regex.compile(r"\p{L}[\p{L}\p{M}]*")
"""A run of letters with their combining marks (प्रिया is one word): apostrophes and hyphens
part words, so O'Brien is o and brien, Sarah's is sarah and s, Mary-Jane is mary and jane."""
_BETWEEN = regex.compile(r"[\s.'’‘`\-‐‑–]*")
"""What may stand between the words of a full name as written: spaces, an initial's dot, an
apostrophe, a hyphen."""
_MARKS = regex.compile(r"\p{M}+")
_UNSPACED = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}]")
"""Scripts written without spaces between words: a name there is looked for inside the text."""
_TITLES = frozenset({
    "dr", "mr", "mrs", "ms", "mx", "miss", "prof", "professor", "sir", "madam", "ta", "phd",
})  # fmt: skip
"""Titles a roster line may carry ("Dr. Sarah Chen"): no part of the name, or every "Dr" of
every comment would be masked."""
_HEADER_WORDS = frozenset({
    "name", "names", "first", "last", "given", "family", "surname", "middle", "full",
    "preferred", "student", "students", "id", "email", "number", "no", "roster", "list",
    "course", "section", "teaching", "assistant", "assistants", "tas",
})  # fmt: skip
"""Words of a roster export's header line ("Last Name, First Name", "Student Name"): a line
of these alone is skipped, or every "last", "name" and "student" would be masked."""
_PARTICLES = frozenset({
    "van", "von", "de", "der", "den", "da", "di", "del", "della", "du", "la", "le", "bin",
    "bint", "al", "el", "ibn", "st", "mc", "mac", "jr", "sr", "ii", "iii", "ter", "ten", "dos",
    "das", "do", "o", "d", "l",
})  # fmt: skip
"""Words of a name that are also particles or words of other languages ("van der Berg", but
also the surnames Le and Du): found alone only when capitalised, and always with the name
they stand before."""

_COMMON_WORDS = frozenset({
    "will", "mark", "grace", "hope", "faith", "joy", "rose", "may", "june", "april", "august",
    "summer", "autumn", "dawn", "eve", "ivy", "iris", "lily", "daisy", "holly", "ruby", "amber",
    "crystal", "pearl", "violet", "sky", "storm", "rain", "river", "brook", "bill", "pat",
    "sue", "rob", "art", "ray", "drew", "chase", "hunter", "cash", "sage", "max", "major",
    "frank", "earnest", "ernest", "honor", "justice", "page", "long", "young", "small",
    "little", "king", "hall", "wood", "woods", "bell", "hill", "hills", "green", "brown",
    "white", "black", "gray", "grey", "rich", "fox", "wolf", "bird", "best", "good", "well",
    "wells", "church", "street", "park", "lane", "field", "fields", "ward", "mills", "cook",
    "baker", "carpenter", "mason", "smith", "taylor", "turner", "walker", "marshal", "price",
    "case", "law", "love", "star", "an", "so", "do", "ho", "ma", "mo",
    "he", "in", "is", "or", "to", "al", "ed", "di", "son",
    "sun", "moon", "day", "days", "north", "south", "west", "east", "banks", "bank", "lord",
    "bishop", "pope", "knight", "dean", "chance", "sterling", "golden", "gold", "silver",
    "stone", "rock", "glen", "dale", "wade", "miles", "guy", "jack", "sunny", "sandy", "buck",
    "jay", "robin", "sparrow", "crane", "swan", "nash", "bond", "ash", "birch", "oak", "pine",
    "hale", "hardy", "noble", "moody", "sharp", "swift", "strong", "bright", "free", "grant",
    "gene", "penny", "bob", "carol", "sweet", "key", "keys", "rice", "hunt", "rivers",
})  # fmt: skip
"""Names that are also words of course comments ("it will", "the final mark", "a long
lecture", "a research grant"): alone, such a part is found only when written "Will". The
shipped list derived from the data (``common_words``) adds some 7,000 more (short, fair,
power)."""


def fold(word: str) -> str:
    """A word as it is compared: accents and other marks dropped, case folded, the Turkish
    dotless ı as i. José, jose and JOSÉ fold alike; so do Zoë in either Unicode form."""
    bare = _MARKS.sub("", unicodedata.normalize("NFKD", word))
    return bare.casefold().replace("ı", "i")


@dataclass(frozen=True)
class Roster:
    """The listed names, folded: the full names as word tuples, their parts, and the names of
    scripts written without spaces."""

    full_names: frozenset[tuple[str, ...]] = frozenset()
    parts: frozenset[str] = frozenset()
    longest: int = 0
    unspaced: tuple[str, ...] = field(default=())
    """Names (and parts of two characters or more) in a script without spaces, longest first."""

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> Roster:
        """One name a line; ``#`` starts a comment line; "Chen, Sarah" is Sarah Chen."""
        full: set[tuple[str, ...]] = set()
        parts: set[str] = set()
        unspaced: set[str] = set()
        for line in lines:
            name = as_shown(line.strip())  # as the screen reads a comment: NFKC, no ZWNJ
            if not name or name.startswith("#"):
                continue
            if name.count(",") == 1:
                last, first = name.split(",")
                name = f"{first.strip()} {last.strip()}"
            if _UNSPACED.search(name):
                unspaced.update(w for w in [name, *name.split()] if len(w.strip()) > 1)
            words = tuple(w for w in map(fold, _WORD.findall(name)) if w not in _TITLES)
            if set(words) <= _HEADER_WORDS:  # "Last Name, First Name": a column's heading
                continue
            if len(words) > 1:
                full.add(words)
            parts.update(word for word in words if len(word) > 1)
        return cls(
            frozenset(full),
            frozenset(parts),
            max(map(len, full), default=1),
            tuple(sorted(unspaced, key=len, reverse=True)),
        )

    @classmethod
    def from_file(cls, file: str) -> Roster:
        """PIPELINE_SCREEN_NAMES_FILE's names; an unreadable file is refused by name."""
        if not file:
            return cls()
        try:
            text = Path(file).expanduser().read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(
                f"PIPELINE_SCREEN_NAMES_FILE={file!r} cannot be read as UTF-8 text: {exc}"
            ) from exc
        return cls.from_lines(text.splitlines())

    def __bool__(self) -> bool:
        return bool(self.parts or self.unspaced)

    def spans(self, text: str) -> list[Span]:
        """Where ``text`` names a listed person: each full name whole, each part alone."""
        unspaced = self._unspaced_spans(text)
        if not self.parts or self.parts.isdisjoint(_WORD.findall(fold(text))):
            return unspaced  # most comments: a few passes of C, no Python per word
        found: list[Span] = []
        words = list(_WORD.finditer(text))
        folded = [fold(word.group(0)) for word in words]
        i = 0
        while i < len(words):
            taken = self._full_name(text, words, folded, i) or (
                1 if self._part(words[i].group(0), folded[i]) else 0
            )
            if taken:
                first = _particles_before(text, words, folded, i)
                start, end = words[first].start(), words[i + taken - 1].end()
                if (
                    found
                    and found[-1][2] <= start
                    and _BETWEEN.fullmatch(text, found[-1][2], start)
                ):
                    start = found.pop()[1]  # García-López, two parts: one name
                found.append((Kind.NAME, start, end))
            i += max(taken, 1)
        return unspaced + found

    def _unspaced_spans(self, text: str) -> list[Span]:
        """The listed names of scripts without spaces, wherever they stand (陈静老师)."""
        if not self.unspaced or not _UNSPACED.search(text):
            return []
        found: list[Span] = []
        for name in self.unspaced:
            start = text.find(name)
            while start >= 0:
                found.append((Kind.NAME, start, start + len(name)))
                start = text.find(name, start + len(name))
        return found

    def _full_name(
        self, text: str, words: list[regex.Match[str]], folded: list[str], i: int
    ) -> int:
        """How many words from ``i`` on spell a listed full name (0: none)."""
        for size in range(min(self.longest, len(words) - i), 1, -1):
            run = words[i : i + size]
            if tuple(folded[i : i + size]) in self.full_names and all(
                _BETWEEN.fullmatch(text, a.end(), b.start()) for a, b in itertools.pairwise(run)
            ):
                return size
        return 0

    def _part(self, written: str, folded: str) -> bool:
        if len(folded) < 2 or folded not in self.parts:
            return False
        if folded in _alone_only_capitalised():
            return written.istitle()
        return True


@functools.cache
def _alone_only_capitalised() -> frozenset[str]:
    """The words a listed part that is one of them is found alone only capitalised: the hand
    list, the particles and the words derived from the data, one set read once."""
    return _COMMON_WORDS | _PARTICLES | common_words()


def _particles_before(text: str, words: list[regex.Match[str]], folded: list[str], i: int) -> int:
    """Where a name found at word ``i`` begins: with the particles written before it ("van
    der" of van der Berg), which would otherwise be left beside the mask."""
    while (
        i > 0
        and folded[i - 1] in _PARTICLES
        and _BETWEEN.fullmatch(text, words[i - 1].end(), words[i].start())
    ):
        i -= 1
    return i
