"""Names a site lists so that no report shows them: the students and teaching assistants of
its courses (a class roster), whom a comment may name ("my lab partner Sarah Chen never came").

A comment names a person far more often than it names its writer, and no pattern tells a name
from a word, so the screen takes the site's own list (PIPELINE_SCREEN_NAMES_FILE, one name a
line, "Sarah Chen" or "Chen, Sarah"). A full name is found in any case; a part of one (Sarah,
Chen) alone too, except a part that is also a common word (Will, Mark, Grace, Long), which is
found only when written with a capital and the rest in lower case ("Will", not "will" nor the
"WILL" of a comment written in capitals). Matching is by words, one set lookup each, so a roster
of thousands costs what a short one does.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import ConfigError
from pipeline.release.kinds import Kind
from pipeline.release.personal import Span

_WORD = re.compile(r"[^\W\d_]+(?:['’-](?![sS]\b)[^\W\d_]+)*")
"""A word of letters, with an apostrophe or hyphen inside (O'Brien, Mary-Jane), a possessive
ending apart (Sarah's is Sarah and s: the name is masked, the 's stays readable)."""
_BETWEEN = re.compile(r"[\s.]*")
"""What may stand between the words of a full name as written: spaces, an initial's dot."""
_PARTICLES = frozenset({
    "van", "von", "de", "der", "den", "da", "di", "del", "della", "du", "la", "le", "bin",
    "bint", "al", "el", "ibn", "st", "mc", "mac", "jr", "sr", "ii", "iii",
})  # fmt: skip
"""Parts of a name that never name anyone alone."""
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
    "gene", "penny", "bob", "carol", "sweet", "key", "keys",
})  # fmt: skip
"""Names that are also words of course comments ("it will", "the final mark", "a long
lecture", "a research grant"): alone, such a part is found only when written "Will"."""


@dataclass(frozen=True)
class Roster:
    """The listed names, lower-cased: the full names as word tuples and their parts."""

    full_names: frozenset[tuple[str, ...]] = frozenset()
    parts: frozenset[str] = frozenset()
    longest: int = 0

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> Roster:
        """One name a line; ``#`` starts a comment line; "Chen, Sarah" is Sarah Chen."""
        full: set[tuple[str, ...]] = set()
        parts: set[str] = set()
        for line in lines:
            name = line.strip()
            if not name or name.startswith("#"):
                continue
            if name.count(",") == 1:
                last, first = name.split(",")
                name = f"{first} {last}"
            words = tuple(word.lower() for word in _WORD.findall(name))
            if len(words) > 1:
                full.add(words)
            parts.update(w for w in words if len(w) > 1 and w not in _PARTICLES)
        return cls(frozenset(full), frozenset(parts), max(map(len, full), default=1))

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
        return bool(self.parts)

    def spans(self, text: str) -> list[Span]:
        """Where ``text`` names a listed person: each full name whole, each part alone."""
        if not self.parts or self.parts.isdisjoint(_WORD.findall(text.lower())):
            return []  # most comments: one pass of C, no Python per word
        words = list(_WORD.finditer(text))
        found: list[Span] = []
        i = 0
        while i < len(words):
            taken = self._full_name(text, words, i) or (1 if self._part(words[i]) else 0)
            if taken:
                first = _particles_before(text, words, i)
                found.append((Kind.NAME, words[first].start(), words[i + taken - 1].end()))
            i += max(taken, 1)
        return found

    def _full_name(self, text: str, words: list[re.Match[str]], i: int) -> int:
        """How many words from ``i`` on spell a listed full name (0: none)."""
        for size in range(min(self.longest, len(words) - i), 1, -1):
            run = words[i : i + size]
            spelled = tuple(word.group(0).lower() for word in run)
            if spelled in self.full_names and all(
                _BETWEEN.fullmatch(text, a.end(), b.start()) for a, b in itertools.pairwise(run)
            ):
                return size
        return 0

    def _part(self, word: re.Match[str]) -> bool:
        written = word.group(0)
        lowered = written.lower()
        if lowered not in self.parts:
            return False
        return lowered not in _COMMON_WORDS or written.istitle()


def _particles_before(text: str, words: list[re.Match[str]], i: int) -> int:
    """Where a name found at word ``i`` begins: with the particles written before it ("van
    der" of van der Berg), which would otherwise be left beside the mask."""
    while (
        i > 0
        and words[i - 1].group(0).lower() in _PARTICLES
        and _BETWEEN.fullmatch(text, words[i - 1].end(), words[i].start())
    ):
        i -= 1
    return i
