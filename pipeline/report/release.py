"""A report screened before release (``pipeline.release``): what it shows of each comment.

Every comment a report prints passes the screen: a comment that is abusive or speaks of
self-harm or a threat is left out (counted, for the chair's list, ``GET /flagged``), and a
personal detail in one that is shown is masked ("[email]"). The quotes that illustrate a share
are chosen among unflagged comments in the first place (``keep``), so a group still gets its
quotes; the themes' quotes and keywords are screened here, after they were chosen.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from pipeline.release.kinds import ORDER, WITHHELD, Kind
from pipeline.release.screen import ReleaseScreen
from pipeline.report.data import (
    Focus,
    GroupTheme,
    ReleaseNote,
    ReportData,
    ThemeEntry,
    ThemeTrendSection,
)
from pipeline.report.listing import CommentListing, ListedComment
from pipeline.themes.report import MIXED_THEME, theme_name


@dataclass
class _Tally:
    """What the screen did to one report."""

    withheld: Counter[Kind] = field(default_factory=Counter)
    withheld_rows: int = 0
    masked: int = 0
    quotes_left_out: int = 0

    def note(self, names_listed: bool) -> ReleaseNote:
        return ReleaseNote(
            withheld=tuple(
                (kind.value, self.withheld[kind]) for kind in ORDER if self.withheld[kind]
            ),
            withheld_rows=self.withheld_rows,
            masked=self.masked,
            quotes_left_out=self.quotes_left_out,
            names_listed=names_listed,
        )


def keep_quote(screen: ReleaseScreen) -> Callable[[str], bool]:
    """The test ``group_quotes`` picks quotes with: nothing flagged in them at all."""
    return lambda text: not screen.check(text).flagged


def screen_report(data: ReportData, screen: ReleaseScreen) -> ReportData:
    """``data`` as released: flagged comments left out, personal details masked, the counts
    in ``release``."""
    tally = _Tally()
    themes = data.insights.themes
    screened = {_key(theme): _theme(theme, screen, tally) for theme in themes or ()}

    def released(theme: ThemeEntry) -> ThemeEntry:
        return screened.get(_key(theme)) or _theme(theme, screen, tally)

    groups = tuple(
        replace(g, themes=tuple(GroupTheme(released(t.theme), t.count) for t in g.themes))
        for g in data.groups
    )
    insights = replace(
        data.insights,
        themes=None if themes is None else tuple(screened[_key(theme)] for theme in themes),
    )
    focus = data.focus
    if focus is not None:
        focus = Focus(group=groups[0], comments=_listing(focus.comments, screen, tally))
    change = data.change and replace(data.change, themes=_over(data.change.themes, screen, tally))
    trend = data.trend and replace(data.trend, themes=_over(data.trend.themes, screen, tally))
    return replace(
        data,
        groups=groups,
        insights=insights,
        focus=focus,
        change=change,
        trend=trend,
        release=tally.note(bool(screen.roster)),
    )


def _key(theme: ThemeEntry) -> tuple[str, int]:
    return theme.label, theme.id


def _quotes(quotes: Iterable[str], screen: ReleaseScreen, tally: _Tally) -> tuple[str, ...]:
    kept = []
    for quote in quotes:
        verdict = screen.check(quote)
        if verdict.withheld:
            tally.quotes_left_out += 1
        else:
            kept.append(verdict.masked)
    return tuple(kept)


def _keywords(keywords: Iterable[str], screen: ReleaseScreen) -> tuple[str, ...]:
    return tuple(word for word in keywords if screen.keyword_released(word))


def _theme(theme: ThemeEntry, screen: ReleaseScreen, tally: _Tally) -> ThemeEntry:
    keywords = _keywords(theme.keywords, screen)
    unchanged = keywords == theme.keywords or theme.name == MIXED_THEME
    name = theme.name if unchanged else theme_name(keywords)
    return replace(theme, keywords=keywords, name=name, quotes=_quotes(theme.quotes, screen, tally))


def _listing(listing: CommentListing, screen: ReleaseScreen, tally: _Tally) -> CommentListing:
    def shown(comments: Iterable[ListedComment]) -> tuple[ListedComment, ...]:
        kept = []
        for comment in comments:
            verdict = screen.check(comment.text)
            if verdict.withheld:
                tally.withheld_rows += comment.copies
                tally.withheld.update(
                    {kind: comment.copies for kind in verdict.kinds if kind in WITHHELD}
                )
                continue
            if verdict.flagged:
                tally.masked += comment.copies
                comment = replace(comment, text=verdict.masked)
            kept.append(comment)
        return tuple(kept)

    return replace(
        listing,
        by_label=tuple((label, shown(comments)) for label, comments in listing.by_label),
        unlabelled=shown(listing.unlabelled),
    )


def _over(
    section: ThemeTrendSection | None, screen: ReleaseScreen, tally: _Tally
) -> ThemeTrendSection | None:
    """A themes-over-the-jobs block: each theme's example and name screened."""
    if section is None:
        return None
    rows = []
    for row in section.rows:
        words = tuple(row.name.split(" / "))
        kept = _keywords(words, screen)
        quote = row.quote
        if quote is not None:
            texts = _quotes([quote[1]], screen, tally)
            quote = (quote[0], texts[0]) if texts else None
        rows.append(replace(row, name=theme_name(kept) if kept != words else row.name, quote=quote))
    return replace(section, rows=tuple(rows))
