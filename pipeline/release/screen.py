"""One verdict per comment: what it holds that an instructor should not read as written.

``ReleaseScreen.check`` runs every detector over a comment; the ``Verdict`` says which kinds
were found where, whether the comment is withheld (abusive, distress, threat) and its text with
the personal details masked ("write to [email]"). Pure and cheap (regular expressions only),
so it runs when a report or a list is made, over the stored comments, and a site's new words
apply to every job at once.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from pipeline.release.kinds import ALL_KINDS, ORDER, PERSONAL, WITHHELD, Kind
from pipeline.release.personal import Span, personal_spans
from pipeline.release.roster import Roster
from pipeline.release.shown import spans_as_shown, texts_as_shown
from pipeline.release.terms import TermFinder, extra_words
from pipeline.settings import Settings


@dataclass(frozen=True)
class Finding:
    kind: Kind
    start: int
    end: int


@dataclass(frozen=True)
class Verdict:
    """A comment's findings, in the order of the text, overlapping ones of a kind merged."""

    text: str
    findings: tuple[Finding, ...] = ()

    @property
    def flagged(self) -> bool:
        return bool(self.findings)

    @property
    def kinds(self) -> tuple[Kind, ...]:
        """The kinds found, what needs acting on first."""
        found = {finding.kind for finding in self.findings}
        return tuple(kind for kind in ORDER if kind in found)

    @property
    def withheld(self) -> bool:
        """Kept from an instructor: abusive, distress or a threat."""
        return any(finding.kind in WITHHELD for finding in self.findings)

    @property
    def masked(self) -> str:
        """The text with each personal detail replaced by its kind in brackets."""
        parts: list[str] = []
        end = 0
        for finding in _merged(f for f in self.findings if f.kind in PERSONAL):
            parts += [self.text[end : finding.start], f"[{finding.kind.value}]"]
            end = finding.end
        return "".join([*parts, self.text[end:]])

    def found(self, kind: Kind) -> tuple[str, ...]:
        """The words or details of ``kind`` as written, each once."""
        spans = (self.text[f.start : f.end] for f in self.findings if f.kind == kind)
        return tuple(dict.fromkeys(spans))


@dataclass(frozen=True)
class ReleaseScreen:
    """The detectors, built once per process (the word list compiles to one pattern)."""

    terms: TermFinder
    roster: Roster = field(default_factory=Roster)
    """The names the site lists (PIPELINE_SCREEN_NAMES_FILE), found as personal details."""
    known_personal: frozenset[str] = frozenset()
    """Words seen inside a personal detail of the comments a report is made of (``jo`` and
    ``smith`` of jo.smith@uni.edu, ``personal_words``): no keyword shown beside them may be
    one, whenever and however its theme was found."""

    @classmethod
    def from_settings(cls, settings: Settings) -> ReleaseScreen:
        """The shipped words with PIPELINE_SCREEN_WORDS and PIPELINE_SCREEN_WORDS_FILE, and
        the names of PIPELINE_SCREEN_NAMES_FILE."""
        return _screen(
            settings.screen_words, settings.screen_words_file, settings.screen_names_file
        )

    def check(self, text: str, kinds: Collection[Kind] = ALL_KINDS) -> Verdict:
        """The findings of ``kinds`` (every kind by default) in ``text``; only the detectors
        of those kinds run, so asking for threats and distress alone is several times
        cheaper. They read the text as a reader sees it (``shown``: a zero-width space or a
        fullwidth letter hides no word), a right-to-left override's run both as displayed and
        as written, and point into the text as written."""
        spans = spans_as_shown(text, lambda shown: self._spans(shown, kinds))
        findings: list[Finding] = []
        for kind in {kind for kind, _start, _end in spans}:
            own = (Finding(kind, start, end) for k, start, end in spans if k == kind)
            findings.extend(_merged(own))
        findings.sort(key=lambda f: (f.start, -f.end))
        return Verdict(text, tuple(findings))

    def _spans(self, text: str, kinds: Collection[Kind]) -> list[Span]:
        spans = [*self.terms.spans(text, kinds)]
        if not PERSONAL.isdisjoint(kinds):
            spans += (span for span in personal_spans(text) if span[0] in kinds)
        if Kind.NAME in kinds:
            spans += self.roster.spans(text)
        return spans

    def keyword_released(self, keyword: str) -> bool:
        """A theme's keyword may be shown: nothing flagged in it, and none of its words part
        of a personal detail of the comments."""
        if self.check(keyword).flagged:
            return False
        return self.known_personal.isdisjoint(keyword.lower().split())


def personal_words(texts: Iterable[str]) -> frozenset[str]:
    """The words (letters only, lower-cased) inside the personal details of ``texts``, as
    shown (the ``jo`` of ``ｊｏ@uni.edu``), in each reading of a right-to-left override."""
    found: set[str] = set()
    for text in texts:
        for shown in texts_as_shown(text):
            for _kind, start, end in personal_spans(shown):
                found.update(word.lower() for word in _LETTERS.findall(shown[start:end]))
    return frozenset(found)


_LETTERS = re.compile(r"[^\W\d_]+")


@functools.cache
def _screen(listed: str, file: str, names_file: str) -> ReleaseScreen:
    return ReleaseScreen(
        TermFinder.with_words(extra_words(listed, file)), Roster.from_file(names_file)
    )


def _merged(findings: Iterable[Finding]) -> list[Finding]:
    """Overlapping findings as one, the first one's kind kept."""
    merged: list[Finding] = []
    for finding in sorted(findings, key=lambda f: (f.start, -f.end)):
        if merged and finding.start < merged[-1].end:
            last = merged[-1]
            merged[-1] = Finding(last.kind, last.start, max(last.end, finding.end))
        else:
            merged.append(finding)
    return merged
