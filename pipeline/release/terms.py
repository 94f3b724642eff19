"""Abusive words, words of distress and threats: the findings that withhold a comment.

The abusive words are a list (``abusive.txt``, plus a site's own), each compiled to a pattern
that also matches its disguises (f*ck, sh!t, fuuuck, a$$hole) but only as a whole word, so
"class", "Scunthorpe" and "assess" never match. Distress and threats are phrases, written as
patterns here and kept narrow: the first person ("I want to die", "I'll kill him"), because
"this homework will kill you" and "makes you want to die" are how students describe a
workload (measured on 20,000 professor reviews: docs/pipeline.md).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from pipeline.errors import ConfigError
from pipeline.release.kinds import WITHHELD, Kind

Span = tuple[Kind, int, int]

_DISGUISES = {"a": "a@4", "e": "e3", "i": "i1!|", "o": "o0", "s": "s$5", "l": "l1|", "t": "t7"}
_AROUND = "A-Za-z0-9"

_I = r"\bi(?:\s+|'|’)?"
_DISTRESS = (
    r"\bsuicid\w*",
    r"\bkill(?:ing)?\s+my\s*self\b",
    r"\bkms\b",
    r"\b(?:end|ending)\s+my\s+(?:own\s+)?life\b",
    r"\b(?:take|taking)\s+my\s+(?:own\s+life\b|life\s*(?:[.!,;]|$))",
    r"\bend(?:ing)?\s+it\s+all\b",
    r"\bself[\s-]?harm\w*",
    r"\b(?:harm|harming|hurt|hurting|cut|cutting)\s+my\s*self\b",
    rf"{_I}(?:really\s+|just\s+|literally\s+|honestly\s+|sometimes\s+)?"
    r"(?:want|wanted|wanna)\s+to\s+die\b",
    r"\bwish\s+i\s+(?:was|were)\s+dead\b",
    rf"{_I}(?:d|would|m|am)\s+(?:be\s+)?better\s+off\s+dead\b",
    r"\b(?:no|nothing)\s+(?:reason|point)\s+(?:to|in)\s+(?:live|living|go\s+on)\b",
    r"\b(?:don't|don’t|dont|do\s+not)\s+want\s+to\s+(?:live|be\s+alive)\b",
    r"\bcan(?:'t|’t|not)\s+go\s+on\s+(?:like\s+this|living|anymore)\b",
    r"\boverdos\w*",
    r"\b(?:hang|hanging|shoot|shooting|drown|drowning|poison|poisoning|starve|starving)\s+"
    r"my\s*self\b",
    r"\bslit(?:ting)?\s+my\s+(?:wrists?|throat)\b",
    r"\bunalive\s+my\s*self\b",
    rf"{_I}(?:want|wanted|wanna|m\s+going|am\s+going|m\s+gonna|am\s+gonna)\s+(?:to\s+)?unalive"
    r"\b(?!\s+(?:you|him|her|them|someone|somebody|the|that|this|my\s+(?!self)))",
    r"\bsewer\s*slide\b",
    rf"{_I}(?:want|wanted|wanna|will|ll|am\s+going\s+to|m\s+going\s+to|m\s+gonna)\s+"
    r"(?:to\s+)?jump\s+(?:off|from)\s+(?:a|the|my)\s+(?:bridge|building|roof|balcony|window)\b",
    r"\b(?:walk|walked|walking|step|stepped|stepping|jump|jumped|jumping)\s+in\s+front\s+of\s+"
    r"(?:a\s+|the\s+)?(?:traffic|train|bus|car|truck)\b",
    r"\b(?:pray|praying|prayed|hope|hoping|hoped|wish|wishing|wished)\s+(?:that\s+)?i\s+"
    r"(?:would\s+|could\s+|might\s+)?(?:get|got|gets|be|was)\s+(?:hit|run\s+over)\b"
    r"(?!\s+(?:by|with)\s+(?!(?:a|the)\s+(?:car|bus|train|truck)\b))",
    r"\b(?:pray|praying|prayed|hope|hoping|hoped|wish|wishing|wished)\s+(?:that\s+)?i\s+"
    r"(?:(?:don't|don’t|dont|do\s+not|won't|won’t|wouldn't|wouldn’t|would\s+not|never)\s+"
    r"wake|(?:didn't|didn’t|did\s+not)\s+wake)\s+up\b",
    r"\b(?:better\s+off\s+without\s+me|want(?:ed)?\s+it\s+all\s+to\s+end)\b",
)
_PERSON = (
    r"(?:prof\w*|teacher|lecturer|instructor|tutor|ta|tas|dean|guy|man|woman|lady|students?|"
    r"classmates?|people|bitch|bastard)\b"
)
_TARGET = (
    r"(?:him|her|them|you|u|everyone|everybody|someone|somebody|people|dr\b|mr\b|mrs\b|ms\b|"
    rf"prof\w*|(?:the|this|that|my|our|every|all\s+the)\s+{_PERSON})"
)
_THREAT = (
    rf"(?:{_I}(?:ll|will|am\s+going\s+to|m\s+going\s+to|m\s+gonna|am\s+gonna|want\s+to|"
    r"wanna|could|should)|\bim\s+(?:going\s+to|gonna)|\bsomeone\s+should)\s+"
    rf"(?:kill|shoot|stab|hurt|murder|strangle|punch|beat\s+up|attack)\s+{_TARGET}",
    r"\b(?:bring|bringing|brought)\s+(?:a\s+|my\s+)?(?:gun|knife|weapon|rifle)s?\s+"
    r"(?:to|in|into)\b",
    r"\bshoot\s+up\s+(?:the|this|a|our)\b",
    r"\b(?:school|campus|mass|class)\s+shoot(?:ing|er)s?\b",
    r"\b(?:bomb|blow\s+up)\s+(?:the|this|our)\s+(?:building|class|classroom|campus|school|"
    r"lecture|hall|room|department|office|lab)\b",
    r"\b(?:watch\s+(?:your|his|her)\s+back|you(?:'ll|’ll|\s+will)\s+pay\s+for)\b",
    r"\bi\s+know\s+where\s+(?:you|he|she|they)\s+lives?\b",
    rf"{_I}(?:ll|will|am\s+going\s+to|m\s+going\s+to|m\s+gonna|am\s+gonna)\s+find\s+"
    r"(?:out\s+)?where\s+(?:you|he|she|they|the\s+\w+)\s+lives?\b",
    r"\bdeserves?\s+to\s+(?:die|be\s+shot|be\s+killed)\b",
    r"\bshould\s+be\s+(?:shot|killed|hanged|hung)\b",
)
"""A threat against someone: "I'll kill him", "someone should shoot the prof", "bring a gun
to class"; not "the exam will kill you"."""


_DISTRESS_HINTS = (
    "suicid", "kill", "kms", "life", "it all", "harm", "myself", "my self", "to die", "dead",
    "no reason", "no point", "nothing reason", "nothing point", "to live", "be alive", "go on",
    "overdos", "slit", "sewer", "jump", "in front of", "hit", "run over", "wake up", "without me",
    "unalive",
)  # fmt: skip
_THREAT_HINTS = (
    "kill", "shoot", "stab", "hurt", "murder", "strangl", "punch", "beat up", "attack", "gun",
    "knife", "weapon", "rifle", "bomb", "blow up", "watch your back", "watch his back",
    "watch her back", "pay for", "know where", "deserve", "be shot", "be killed", "be hanged",
    "be hung", "find where", "find out where",
)  # fmt: skip
"""Pieces of text every pattern of its kind holds (in the comment lower-cased, its white
space made single spaces): a comment with none of them is not searched. Specific pieces ("be
shot", not "should") keep most comments from being searched at all."""


_SPACED = re.compile(
    r"\b(?:f[\s.*]+u[\s.*]+c[\s.*]+k|s[\s.*]+h[\s.*]+i[\s.*]+t|c[\s.*]+u[\s.*]+n[\s.*]+t|"
    r"b[\s.*]+i[\s.*]+t[\s.*]+c[\s.*]+h)(?:[\s.*]*(?:i[\s.*]*n[\s.*]*g|e[\s.*]*d|s))?\b",
    re.IGNORECASE,
)
"""The worst words spelled out letter by letter ("f u c k this course", "s.h.i.t")."""


@dataclass(frozen=True)
class TermFinder:
    """Finds the withholding kinds in a comment; built once per process."""

    abusive: re.Pattern[str]
    distress: re.Pattern[str] = re.compile("|".join(_DISTRESS), re.IGNORECASE)
    threat: re.Pattern[str] = re.compile("|".join(_THREAT), re.IGNORECASE)

    exceptions: frozenset[str] = frozenset()
    """Whole words a pattern would take that are not abusive ("shiitake")."""

    @classmethod
    def with_words(cls, extra: Iterable[str] = ()) -> TermFinder:
        """The shipped abusive words and ``extra`` (same syntax: ``*`` for any ending, a
        leading ``!`` for a word that is not abusive)."""
        terms = [*shipped_words(), *extra]
        words = [term for term in terms if not term.startswith("!")]
        exceptions = frozenset(term[1:].strip().lower() for term in terms if term.startswith("!"))
        return cls(abusive=word_pattern(words), exceptions=exceptions)

    def spans(self, text: str, kinds: Collection[Kind] = WITHHELD) -> Iterator[Span]:
        """The findings of ``kinds`` (of the withholding ones) in ``text``."""
        if Kind.ABUSIVE in kinds:
            for match in self.abusive.finditer(text):
                if match.group(0).lower() not in self.exceptions:
                    yield Kind.ABUSIVE, match.start(), match.end()
            yield from ((Kind.ABUSIVE, m.start(), m.end()) for m in _SPACED.finditer(text))
        lowered = " ".join(text.lower().split())
        for kind, pattern, hints in (
            (Kind.DISTRESS, self.distress, _DISTRESS_HINTS),
            (Kind.THREAT, self.threat, _THREAT_HINTS),
        ):
            if kind in kinds and any(hint in lowered for hint in hints):
                yield from ((kind, m.start(), m.end()) for m in pattern.finditer(text))


def word_pattern(words: Iterable[str]) -> re.Pattern[str]:
    """One pattern matching any of ``words`` as a whole word, disguised or not. Every
    alternative starts at a word's start (one look-behind for all), which makes the pattern
    several times faster than one look-behind each."""
    parts = sorted({_word(word) for word in words if word.strip("*! ")}, key=len, reverse=True)
    if not parts:
        return re.compile(r"(?!)")
    return re.compile(f"(?<![{_AROUND}])(?:{'|'.join(parts)})", re.IGNORECASE)


def _word(word: str) -> str:
    """A term's alternative. Inside a longer word ("bullshit") its first two letters must be
    written, so that a disguise cannot be read into any word ending in stars ("sucks****")."""
    term = word.strip().lower()
    inside, term = term.startswith("*"), term.lstrip("*")
    ending, term = term.endswith("*"), term.rstrip("*")
    after = f"[{_AROUND}]*" if ending else f"(?![{_AROUND}])"
    whole = "".join(_letter(char, stars=index > 0) for index, char in enumerate(term)) + after
    if not inside:
        return whole
    later = "".join(_letter(char, stars=index > 1) for index, char in enumerate(term))
    return f"(?:{whole}|[{_AROUND}]+?{later}{after})"


def _letter(char: str, stars: bool) -> str:
    """A letter, repeated or disguised; with ``stars``, a ``*`` may stand for it (f**k)."""
    if char == " ":
        return r"[\s\W_]+"
    shown = "".join(re.escape(c) for c in _DISGUISES.get(char, char))
    return f"[{shown}*]+" if stars else f"[{shown}]+"


def shipped_words() -> list[str]:
    """The terms of ``abusive.txt``, beside this module."""
    text = resources.files("pipeline.release").joinpath("abusive.txt").read_text("utf-8")
    return list(_terms(text.splitlines()))


def extra_words(listed: str, file: str) -> list[str]:
    """PIPELINE_SCREEN_WORDS (comma-separated) and the file PIPELINE_SCREEN_WORDS_FILE names
    (one term a line, # for comments)."""
    words = [part.strip() for part in listed.split(",") if part.strip()]
    if file:
        try:
            lines = Path(file).expanduser().read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(
                f"PIPELINE_SCREEN_WORDS_FILE={file!r} cannot be read as UTF-8 text: {exc}"
            ) from exc
        words.extend(_terms(lines))
    return words


def _terms(lines: Iterable[str]) -> Iterator[str]:
    return (line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#"))
