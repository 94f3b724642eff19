"""The API's aspect and theme answers as typed records (``GET /v1/jobs/{id}/aspects`` and
``/themes``), so the page reads names instead of digging in JSON, and a field the server
leaves out reads as empty rather than failing the page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

POLARITIES = ("negative", "neutral", "positive")
"""What an aspect's comments can be: the sentiment labels, in the app's order."""


@dataclass(frozen=True)
class AspectStats:
    """One aspect category in one part of the job (all comments, or one group): the comments
    mentioning it, how many were negative/neutral/positive about it, and the 95 % intervals."""

    name: str
    n: int
    counts: dict[str, int]
    shares: dict[str, float | None]
    intervals: dict[str, tuple[float, float] | None]
    meaning: str = ""

    @property
    def title(self) -> str:
        """``learning environment``: the category name as a reader writes it."""
        return aspect_title(self.name)

    def share(self, polarity: str) -> float | None:
        return self.shares.get(polarity)


@dataclass(frozen=True)
class GroupAspects:
    """The aspects of one group (a course…); ``n`` is its labelled comments."""

    group: str | None
    n: int
    small: bool
    aspects: tuple[AspectStats, ...]

    def of(self, name: str) -> AspectStats | None:
        return next((aspect for aspect in self.aspects if aspect.name == name), None)


@dataclass(frozen=True)
class AspectSummary:
    complete: bool
    model_version: str
    group_by: str | None
    rows_labelled: int
    rows_with_aspects: int
    categories: tuple[AspectStats, ...]
    groups: tuple[GroupAspects, ...] = ()

    @property
    def empty(self) -> bool:
        """No comment was tagged with any aspect (none labelled yet, or tagging is off)."""
        return self.rows_with_aspects == 0 or not any(c.n for c in self.categories)

    def category(self, name: str) -> AspectStats | None:
        return next((aspect for aspect in self.categories if aspect.name == name), None)


@dataclass(frozen=True)
class ThemeQuote:
    row: int
    text: str


@dataclass(frozen=True)
class ThemeCard:
    """One theme: a cluster of similar comments of one label, with its keywords and quotes."""

    id: int
    label: str
    name: str
    keywords: tuple[str, ...]
    quotes: tuple[ThemeQuote, ...]
    size: int
    share: float
    counts: dict[str | None, int]
    """Comments of the theme per group value (when the themes were asked by a group column)."""

    def count_in(self, group: str | None) -> int:
        return self.counts.get(group, 0)


@dataclass(frozen=True)
class ThemeList:
    label: str | None
    aspect: str | None
    group_by: str | None
    group: str | None
    n: int
    themes: tuple[ThemeCard, ...]

    def by_id(self) -> dict[int, ThemeCard]:
        return {theme.id: theme for theme in self.themes}


UNNAMED_THEME = "(unnamed theme)"
"""What a theme is called that the API named "" (a cluster of 2 or 3 comments with no
keyword of its own) and that has no keyword either."""


def theme_name(name: object, keywords: Sequence[object] = ()) -> str:
    """A theme's name as the page shows it: the API's, else its first two keywords, else
    ``UNNAMED_THEME``; never empty (``**{name}**`` of an empty name reads ``****``)."""
    given = str(name or "").strip()
    if given:
        return given
    words = [str(word).strip() for word in keywords if str(word).strip()]
    return " / ".join(words[:2]) or UNNAMED_THEME


def aspect_title(name: str) -> str:
    return name.replace("_", " ")


def aspect_summary(body: Mapping[str, Any]) -> AspectSummary:
    """The answer of ``PipelineClient.aspects``."""
    meanings = {
        str(item.get("name", "")): str(item.get("meaning") or "")
        for item in body.get("categories") or []
    }
    return AspectSummary(
        complete=bool(body.get("complete", False)),
        model_version=str(body.get("model_version") or ""),
        group_by=body.get("group_by"),
        rows_labelled=int(body.get("rows_labelled") or 0),
        rows_with_aspects=int(body.get("rows_with_aspects") or 0),
        categories=_aspects(body.get("categories") or [], meanings),
        groups=tuple(
            GroupAspects(
                group=_group(item.get("group")),
                n=int(item.get("n") or 0),
                small=bool(item.get("small", False)),
                aspects=_aspects(item.get("aspects") or [], meanings),
            )
            for item in body.get("groups") or []
        ),
    )


def theme_list(body: Mapping[str, Any]) -> ThemeList:
    """The answer of ``PipelineClient.themes``."""
    return ThemeList(
        label=body.get("label"),
        aspect=body.get("aspect"),
        group_by=body.get("group_by"),
        group=body.get("group"),
        n=int(body.get("n") or 0),
        themes=tuple(_theme(item) for item in body.get("themes") or []),
    )


def _aspects(
    items: Sequence[Mapping[str, Any]], meanings: Mapping[str, str]
) -> tuple[AspectStats, ...]:
    return tuple(
        AspectStats(
            name=str(item.get("name", "")),
            n=int(item.get("n") or 0),
            counts={p: int((item.get("counts") or {}).get(p) or 0) for p in POLARITIES},
            shares={p: _float((item.get("shares") or {}).get(p)) for p in POLARITIES},
            intervals={p: _pair((item.get("intervals") or {}).get(p)) for p in POLARITIES},
            meaning=str(item.get("meaning") or meanings.get(str(item.get("name", ""))) or ""),
        )
        for item in items
    )


def _theme(item: Mapping[str, Any]) -> ThemeCard:
    keywords = tuple(str(word) for word in item.get("keywords") or ())
    return ThemeCard(
        id=int(item.get("id", -1)),
        label=str(item.get("label") or ""),
        name=theme_name(item.get("name"), keywords),
        keywords=keywords,
        quotes=tuple(
            ThemeQuote(int(quote.get("row", -1)), str(quote.get("text", "")))
            for quote in item.get("quotes") or ()
        ),
        size=int(item.get("size") or 0),
        share=float(item.get("share") or 0.0),
        counts={
            _group(count.get("group")): int(count.get("count") or 0)
            for count in item.get("counts") or ()
        },
    )


def _group(value: Any) -> str | None:
    return None if value is None else str(value)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _pair(value: Any) -> tuple[float, float] | None:
    if not value or len(value) != 2 or value[0] is None or value[1] is None:
        return None
    return float(value[0]), float(value[1])
