"""How the themes of one label moved over several jobs of a survey: which complaints grew,
which faded, which are new.

Pure: themes found once over the comments of every job together (so a theme is the same theme
in each job; ``pipeline.themes.recluster``), each theme's comments in each job and each job's
comments with a label come in, in the order the jobs are given (oldest first). Each theme's
share of a job's comments, with its 95 % Wilson interval, and a Cochran–Armitage test for a
trend along that order come out (``pipeline.report.trend``'s series); the trends are
Holm-adjusted together, one family over the themes. Of all a job's comments, not of its
label's: "workload complaints were 5 % of the comments and are 15 % now" stays true when the
complaints as a whole grew or shrank.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.report.trend import MAX_JOBS, MIN_JOBS, Series, adjusted, series_of
from pipeline.themes.report import Theme

_IN, _OUT = "in", "out"


@dataclass(frozen=True)
class ThemeSeries:
    """One theme, its comments in each job and its trend."""

    theme: Theme
    series: Series
    quotes: tuple[tuple[int, int, str], ...]
    """(job position from 0, row in that job's file, text): its central distinct comments."""

    @property
    def counts(self) -> list[int]:
        return [share.count for share in self.series.shares]

    @property
    def new(self) -> bool:
        """None of its comments before the last job: a theme that appeared."""
        return self.counts[-1] > 0 and not any(self.counts[:-1])

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.theme.name,
            "keywords": list(self.theme.keywords),
            "size": self.theme.size,
            "counts": self.counts,
            "new": self.new,
            "quotes": [{"job": job, "row": row, "text": text} for job, row, text in self.quotes],
            **self.series.to_dict(),
        }


def theme_trend(
    themes: Sequence[Theme],
    counts: Mapping[int, Sequence[int]],
    totals: Sequence[int],
    quotes: Mapping[int, Sequence[tuple[int, int, str]]],
) -> list[ThemeSeries]:
    """The themes (``counts[id]``: its comments in each job; ``totals``: each job's comments
    with a label) each tested for a trend, Holm over all of them; flagged ones first, then by
    size."""
    if not MIN_JOBS <= len(totals) <= MAX_JOBS:
        raise ValueError(f"need {MIN_JOBS} to {MAX_JOBS} jobs, not {len(totals)}")
    raw = [
        series_of(
            theme.name,
            [
                {_IN: count, _OUT: total - count}
                for count, total in zip(counts[theme.id], totals, strict=True)
            ],
            (_IN, _OUT),
            True,
            _IN,
        )
        for theme in themes
    ]
    found = [
        ThemeSeries(theme, series, tuple(quotes.get(theme.id, ())))
        for theme, series in zip(themes, adjusted(raw), strict=True)
    ]
    found.sort(key=lambda item: (not item.series.flagged, -item.theme.size))
    return found
