"""Read a rating column: numbers (``4``, ``4.5``, ``4/5``, ``4 - Agree``) or the words of a
Likert scale (``Strongly agree`` … ``Strongly disagree``, ``Poor`` … ``Excellent``). Pure.

A course-evaluation export puts each closed question (*Overall, this course was…*) in a
column beside the open ones. Each value is read as a **position** on its scale, 0 (worst) to
1 (best), so scales of any length compare: 4 on 1-5 and 8.5 on 1-10 are 0.75 and 0.83. The
scale is told from the column's values (``scale_of``) unless given (``parse_scale``:
``1-5``; ``5-1`` where 1 is best, as in German marks). Values that say no rating (blank,
``N/A``, ``Don't know``) are not rated; a column where under half the other values read as
ratings is refused, with examples, since it is most likely not a rating column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pipeline.errors import InputError
from pipeline.messages import echo

NOT_RATED = frozenset(
    {
        "",
        "-",
        "n/a",
        "na",
        "n.a.",
        "none",
        "not applicable",
        "does not apply",
        "don't know",
        "dont know",
        "do not know",
        "no opinion",
        "prefer not to say",
        "prefer not to answer",
        "unable to judge",
        "cannot judge",
        "not sure",
    }
)
"""Answers that give no rating: counted as unrated, never as unreadable."""

WORD_SCALES: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = (
    (
        "agreement",
        (
            ("strongly disagree",),
            ("disagree",),
            ("neither agree nor disagree", "neither agree or disagree", "neutral", "neither"),
            ("agree",),
            ("strongly agree",),
        ),
    ),
    (
        "agreement (7 points)",
        (
            ("strongly disagree",),
            ("disagree",),
            ("somewhat disagree", "slightly disagree"),
            ("neither agree nor disagree", "neither agree or disagree", "neutral", "neither"),
            ("somewhat agree", "slightly agree"),
            ("agree",),
            ("strongly agree",),
        ),
    ),
    (
        "satisfaction",
        (
            ("very dissatisfied",),
            ("dissatisfied",),
            ("neither satisfied nor dissatisfied", "neutral", "neither"),
            ("satisfied",),
            ("very satisfied",),
        ),
    ),
    ("quality", (("poor",), ("fair",), ("good",), ("very good",), ("excellent",))),
    (
        "quality (very poor)",
        (("very poor",), ("poor",), ("fair",), ("good",), ("excellent",)),
    ),
    (
        "quality (average)",
        (("poor",), ("below average",), ("average",), ("above average",), ("excellent",)),
    ),
)
"""Known word scales, worst first; a column takes the first that holds all of its words."""

_WORDS = frozenset(word for _name, points in WORD_SCALES for names in points for word in names)
_NUMBER = r"[0-9]+(?:[.,][0-9]+)?"
_OUT_OF = re.compile(rf"^({_NUMBER})\s*(?:/|out of|of)\s*([0-9]+)$")
_LEADING = re.compile(rf"^\(?({_NUMBER})\)?\s*(?:[-–:.=)]\s*|\s+)?(?:[a-z].*)?$")
_TRAILING = re.compile(rf"^[a-z][a-z' ]*\(\s*({_NUMBER})\s*\)$")
_SPACES = re.compile(r"\s+")
_HIGHS = (4, 5, 7, 10, 100)
"""Where a numeric scale is taken to end: the smallest of these at or above the largest value
(numbers over 100 or below 0 are no rating: years, course numbers)."""
_MOST_SHOWN = 3
HIGH_FROM = 0.75
"""A rating at or above this position is high (4 and 5 of 1-5, 8 to 10 of 1-10)."""
LOW_TO = 0.25
"""A rating at or below this position is low (1 and 2 of 1-5, 1 to 3 of 1-10)."""


@dataclass(frozen=True)
class RatingScale:
    """A scale from ``worst`` to ``best`` (numbers; ``best`` may be the lower one), or a word
    scale (``points``, worst first, each a tuple of synonyms)."""

    worst: float
    best: float
    name: str = "numbers"
    points: tuple[tuple[str, ...], ...] = ()

    def position(self, value: object) -> float | None:
        """0 (worst) .. 1 (best); None when ``value`` is no rating of this scale."""
        if self.points:
            return self._word_position(_clean(value))
        number = read_number(value)
        if number is None:
            return None
        low, high = sorted((self.worst, self.best))
        if not low <= number <= high:
            return None
        return (number - self.worst) / (self.best - self.worst)

    def _word_position(self, word: str) -> float | None:
        for index, names in enumerate(self.points):
            if word in names:
                return index / (len(self.points) - 1)
        return None

    def value_at(self, position: float) -> float:
        """The scale's own number at ``position`` (a word scale counts its points from 1)."""
        if self.points:
            return 1.0 + position * (len(self.points) - 1)
        return self.worst + position * (self.best - self.worst)

    def describe(self) -> str:
        """``1 (worst) to 5 (best)``, ``Strongly disagree (1) to Strongly agree (5)``."""
        if self.points:
            first, last = self.points[0][0], self.points[-1][0]
            return f"{first.capitalize()} (1) to {last.capitalize()} ({len(self.points)})"
        return f"{_number_text(self.worst)} (worst) to {_number_text(self.best)} (best)"

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "worst": self.worst,
            "best": self.best,
            "points": [names[0] for names in self.points],
            "described": self.describe(),
        }


def parse_scale(text: str) -> RatingScale:
    """``1-5`` (5 best), ``5-1`` (1 best), ``0-10``: InputError for anything else."""
    found = re.fullmatch(rf"\s*({_NUMBER})\s*(?:-|to|–)\s*({_NUMBER})\s*", text)
    if found is None:
        raise InputError(
            f"scale {echo(text)} is not worst-best, such as 1-5 (5 best) or 5-1 (1 best)"
        )
    worst, best = (float(part.replace(",", ".")) for part in found.groups())
    if worst == best:
        raise InputError(f"scale {echo(text)} has one point: give its worst and best values")
    return RatingScale(worst=worst, best=best)


def scale_of(
    column: str, values: Iterable[object], given: RatingScale | None = None
) -> RatingScale:
    """The scale of a column's ``values`` (``given`` when there is one, after checking the
    values read on it). InputError when under half the values that are not blank or
    ``N/A`` read as ratings: it names the column and shows some of them."""
    answered = [value for value in values if not not_rated(value)]
    if not answered:
        raise InputError(f"column {echo(column)} holds no rating: every value is blank or N/A")
    scale = given or _told_scale(answered)
    if scale is None:
        numbers = [n for n in map(read_number, answered) if n is not None]
        if len(numbers) * 2 > len(answered):
            raise InputError(
                f"column {echo(column)} does not read as a rating: its numbers run from "
                f"{_number_text(min(numbers))} to {_number_text(max(numbers))}, and a rating "
                f"runs from 0 or 1 to {_HIGHS[-1]} at most (give the scale, such as 1-5, if "
                "it is one)"
            )
        unreadable = [v for v in answered if read_number(v) is None and _clean(v) not in _WORDS]
    else:
        unreadable = [value for value in answered if scale.position(value) is None]
    if scale is None or len(unreadable) * 2 > len(answered):
        shown = [echo(str(v)) for v in dict.fromkeys(map(str, unreadable))][:_MOST_SHOWN]
        wanted = (
            "numbers or the words of a rating scale"
            if scale is None
            else f"ratings on a scale of {scale.describe()}"
        )
        raise InputError(
            f"column {echo(column)} does not read as a rating: {len(unreadable):,} of "
            f"{len(answered):,} answers are not {wanted}, such as {', '.join(shown)}; name a "
            "column of numbers (1-5) or of a Likert scale's words (Strongly agree … Strongly "
            "disagree)"
        )
    return scale


def not_rated(value: object) -> bool:
    """A blank, ``N/A``, ``Don't know``: no rating given."""
    if value is None or (isinstance(value, float) and value != value):
        return True
    return _clean(value) in NOT_RATED


def read_number(value: object) -> float | None:
    """The number a rating value holds: ``4``, ``4.5``, ``4,5``, ``4/5``, ``4 - Agree``,
    ``(4) Agree``, ``Agree (4)``; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if value == value else None
    text = _clean(value)
    for pattern in (_OUT_OF, _LEADING, _TRAILING):
        found = pattern.match(text)
        if found:
            return float(found.group(1).replace(",", "."))
    return None


def _told_scale(answered: Sequence[object]) -> RatingScale | None:
    numbers = [read_number(value) for value in answered]
    known = [n for n in numbers if n is not None]
    if len(known) * 2 > len(answered):
        return _numeric_scale(answered, known)
    words = {_clean(value) for value in answered}
    for name, points in WORD_SCALES:
        if words <= _names(points):
            return RatingScale(worst=1.0, best=float(len(points)), name=name, points=points)
    name, points = max(WORD_SCALES, key=lambda scale: len(words & _names(scale[1])))
    if not words & _names(points):
        return None
    return RatingScale(worst=1.0, best=float(len(points)), name=name, points=points)


def _names(points: tuple[tuple[str, ...], ...]) -> set[str]:
    return {word for synonyms in points for word in synonyms}


def _numeric_scale(answered: Sequence[object], known: Sequence[float]) -> RatingScale | None:
    out_of = {int(m.group(2)) for v in answered if (m := _OUT_OF.match(_clean(v)))}
    largest = max(known)
    if largest > _HIGHS[-1] or min(known) < 0:
        return None
    if len(out_of) == 1:
        high = float(out_of.pop())
    else:
        high = float(next((h for h in _HIGHS if h >= largest), largest))
    low = 0.0 if min(known) < 1 else 1.0
    return RatingScale(worst=low, best=max(high, low + 1))


def _clean(value: object) -> str:
    return _SPACES.sub(" ", str(value).strip().lower().replace("’", "'"))


def _number_text(number: float) -> str:
    return f"{number:g}"
