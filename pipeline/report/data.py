"""What a report holds: plain frozen records, built from a finished job (``assemble``) and
rendered to HTML or PDF (``render``). Nothing here reads a database or a file.

Aspects and themes come in as one ``Insights`` record (built by ``about`` from the service's
aspect and theme summaries): a job without them carries the reason, and the report says it
instead of leaving a gap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from pipeline.report.listing import CommentListing
from pipeline.report.stats import Interval
from pipeline.ui.shares import percentages


@dataclass(frozen=True)
class LabelShare:
    """One label in one group: its count, its share of the group's labelled comments, the
    whole percentage shown (the group's percentages add up to 100) and the 95 % interval."""

    label: str
    count: int
    share: float | None
    percent: int | None
    interval: Interval | None


@dataclass(frozen=True)
class Comparison:
    """One label's share in a group against all the other groups' comments together."""

    label: str
    share: float
    rest_share: float
    rest_n: int
    p_value: float
    """Fisher's exact test, two-sided, this test alone."""
    adjusted_p: float
    """Holm-adjusted over every test of the report."""
    flagged: bool

    @property
    def difference(self) -> float:
        """This group's share less the rest's, in 0..1 units (×100: percentage points)."""
        return self.share - self.rest_share

    @property
    def direction(self) -> str:
        """``higher`` or ``lower`` than the rest."""
        return "higher" if self.difference > 0 else "lower"


@dataclass(frozen=True)
class Quote:
    """A comment shown as written, with the probability of the label it illustrates."""

    text: str
    label: str
    score: float


class _SharesAndFlags:
    """What a group and an aspect have alike: label shares, the same shares of the rest, and
    comparisons some of which are flagged (beyond the noise)."""

    shares: tuple[LabelShare, ...]
    comparisons: tuple[Comparison, ...]
    rest: tuple[LabelShare, ...]

    @property
    def flags(self) -> tuple[Comparison, ...]:
        return tuple(comparison for comparison in self.comparisons if comparison.flagged)

    def share_of(self, label: str) -> LabelShare | None:
        return next((share for share in self.shares if share.label == label), None)

    def lone_percent(self, label: str) -> int | None:
        """``label``'s whole percent in a cell that shows it without its row (the aspect
        grid's, like the app's heat map): the row's largest remainder with a tie between
        equal counts broken away from it, so a lone 1 of 3 reads 33 %, as the heat map
        rounds it, not the 34 % of the row's first label; a larger count still takes the
        point (20 of 24 reads 84 %, as its row and its findings say)."""
        counts = {share.label: share.count for share in self.shares}
        if label not in counts:
            return None
        return percentages(counts, [*(name for name in counts if name != label), label])[label]

    def rest_of(self, label: str) -> LabelShare | None:
        return next((share for share in self.rest if share.label == label), None)

    def shown_points(self, label: str) -> float | None:
        """This share less the rest's as the page shows them, each a whole percent (0..1
        units): the reader's own subtraction gives it (36% against 30% reads +6 points, not
        the +5 of the unrounded shares). The test is on the exact shares."""
        share, rest = self.share_of(label), self.rest_of(label)
        if share is None or rest is None or share.percent is None or rest.percent is None:
            return None
        return (share.percent - rest.percent) / 100


@dataclass(frozen=True)
class GroupReport(_SharesAndFlags):
    """One group (or, with ``name`` None, all comments): n, shares, how it compares, quotes."""

    name: str | None
    n: int
    """Comments with a label: the base of every share."""
    unlabelled: int
    """Rows without a label (blank, placeholder, another language, over the length limit)."""
    small: bool
    shares: tuple[LabelShare, ...]
    comparisons: tuple[Comparison, ...] = ()
    quotes: tuple[Quote, ...] = ()
    rest: tuple[LabelShare, ...] = ()
    """The shares of all the other groups' comments together (empty for the overview)."""
    aspects: tuple[AspectShares, ...] = ()
    themes: tuple[GroupTheme, ...] = ()
    """The job's themes with the most of this group's comments, largest first."""


@dataclass(frozen=True)
class Evaluation:
    """How the model did on one labelled data set it never trained on."""

    name: str
    n: int
    accuracy: float | None
    macro_f1: float | None
    binary_accuracy: float | None


@dataclass(frozen=True)
class ModelFacts:
    """The model that labelled the job and, where its card is at hand, its measured accuracy."""

    version: str | None
    evaluations: tuple[Evaluation, ...] = ()
    temperature: float | None = None
    """The calibration temperature, None for an uncalibrated model (or no card)."""


@dataclass(frozen=True)
class AspectShares(_SharesAndFlags):
    """One aspect (teaching, exams, workload…) over the job or in one group: how many comments
    speak about it, the sentiment of what they say about it with 95 % intervals, and, in a
    group, that sentiment against the same aspect in all the other groups' comments."""

    name: str
    meaning: str | None
    n: int
    """Comments that speak about the aspect: the base of its shares."""
    small: bool
    shares: tuple[LabelShare, ...]
    comparisons: tuple[Comparison, ...] = ()
    rest: tuple[LabelShare, ...] = ()
    """The aspect's shares in all the other groups' comments (empty over the job)."""


@dataclass(frozen=True)
class AspectModelFacts:
    """The aspect model that tagged the job and, where its card is of that version, how it
    measured on the annotated comments it never trained on."""

    version: str | None
    held_out: int | None = None
    """Annotated comments held out from training."""
    micro_f1: float | None = None
    macro_f1: float | None = None
    baseline_micro_f1: float | None = None
    """Zero-shot assignment by similarity to the categories' descriptions: what it beats."""
    baseline_macro_f1: float | None = None
    sentiment_accuracy: float | None = None
    """Share of (comment, aspect) pairs whose aspect sentiment matched the annotation."""
    sentiment_pairs: int | None = None


@dataclass(frozen=True)
class AspectsReport:
    """The job's aspects over all its comments, and how many aspect-against-the-rest tests
    the groups' flags are corrected for (a family of their own, apart from the labels')."""

    categories: tuple[AspectShares, ...]
    model: AspectModelFacts
    rows_labelled: int
    rows_with_aspects: int
    sentiments: tuple[str, ...]
    compared: tuple[str, ...]
    """The sentiments a group's aspect is tested on against the rest."""
    tests: int = 0


@dataclass(frozen=True)
class ThemeEntry:
    """One theme found in one label's comments: keywords, size, quotes, comments per group."""

    id: int
    label: str
    name: str
    keywords: tuple[str, ...]
    size: int
    share: float | None
    """Of the label's comments."""
    quotes: tuple[str, ...] = ()
    counts: Mapping[str | None, int] = field(default_factory=dict)
    """Comments of the theme per value of the report's group-by column."""


@dataclass(frozen=True)
class GroupTheme:
    """A theme as it shows in one group: how many of the group's comments are in it."""

    theme: ThemeEntry
    count: int


@dataclass(frozen=True)
class Insights:
    """What the comments are about: the job's aspects and themes, each None with the reason
    when the job has none (insights switched off, a job from before them, a failed theme pass),
    and each group's part (keyed by the group's value as the summary has it)."""

    aspects: AspectsReport | None = None
    aspects_note: str | None = None
    group_aspects: Mapping[str | None, tuple[AspectShares, ...]] = field(default_factory=dict)
    themes: tuple[ThemeEntry, ...] | None = None
    themes_note: str | None = None


@dataclass(frozen=True)
class Focus:
    """A report of one group alone (a course's, an instructor's): the group and every one of
    its comments."""

    group: GroupReport
    comments: CommentListing


@dataclass(frozen=True)
class Move:
    """One share earlier and now (0..1; None where a side has no comment), now less earlier
    and whether that is beyond the noise (Holm over the whole change)."""

    label: str
    before: float | None
    now: float | None
    difference: float | None
    adjusted_p: float | None
    flagged: bool
    before_percent: int | None = None
    now_percent: int | None = None
    """Each share as the report shows it, a whole percent (``pipeline.report.shown``): what every
    other page of the report says of the same share; None where a side has no comment."""

    @property
    def before_shown(self) -> int | None:
        """The earlier share as every table shows it: ``before_percent``, or, for a move
        built without it, the share rounded alone."""
        return _shown(self.before_percent, self.before)

    @property
    def now_shown(self) -> int | None:
        """The share now as every table shows it (``before_shown``)."""
        return _shown(self.now_percent, self.now)

    @property
    def shown_points(self) -> float | None:
        """``now_shown`` less ``before_shown`` (0..1 units): the change the report, the CLI
        and the app show beside them, so that their reader's subtraction gives it (25.6 % →
        22.2 % reads 26% → 22%, -4 points, not the -3 of the unrounded change). The test is
        on the exact shares."""
        if self.before_shown is None or self.now_shown is None:
            return None
        return (self.now_shown - self.before_shown) / 100

    @property
    def shown_difference(self) -> float | None:
        """The CLI's and the app's name for ``shown_points``."""
        return self.shown_points


def _shown(percent: int | None, share: float | None) -> int | None:
    """A whole percent shown for ``share``: the one given, else the share rounded alone."""
    if percent is not None or share is None:
        return percent
    return round(share * 100)


@dataclass(frozen=True)
class ChangeRow:
    """All comments, one aspect or one group: its n in each job and its shares' moves."""

    name: str
    n_before: int
    n_now: int
    moves: tuple[Move, ...]

    @property
    def flagged(self) -> tuple[Move, ...]:
        return tuple(move for move in self.moves if move.flagged)


@dataclass(frozen=True)
class ThemeTrendRow:
    """One theme of a label over the jobs, as the report shows it."""

    name: str
    counts: tuple[int, ...]
    shares: tuple[float | None, ...]
    """Of each job's comments with a label; None for a job without any."""
    direction: str | None
    """rising or falling when beyond the noise."""
    adjusted_p: float | None
    new: bool
    quote: tuple[int, str] | None
    """(job position from 0, text) of its most central comment."""


@dataclass(frozen=True)
class ThemeTrendSection:
    """The themes of one label found once over the jobs (``GET /v1/trend/themes``), each
    tested for a trend: a block of the change's and the trend's pages."""

    label: str
    label_n: tuple[int, ...]
    tests: int
    rows: tuple[ThemeTrendRow, ...]
    missing: str | None = None
    """Why the themes cannot be followed (a job without themes), when they cannot."""


@dataclass(frozen=True)
class ChangeSection:
    """What changed since an earlier job (``pipeline.report.change``), as the report shows it."""

    earlier_id: str
    earlier_name: str
    earlier_created: str
    """The earlier job's submission time, ISO 8601."""
    labels: tuple[str, ...]
    """The shares shown per group: the tested labels."""
    tests: int
    overall: ChangeRow | None
    """None in a group's own report, which shows its own row alone."""
    aspects: tuple[ChangeRow, ...]
    groups: tuple[ChangeRow, ...]
    only_before: tuple[tuple[str, int], ...]
    only_after: tuple[tuple[str, int], ...]
    possible_matches: tuple[tuple[str, str], ...]
    notes: tuple[str, ...]
    missing: str | None = None
    """In a group's own report of a group the earlier job does not have: why no row."""
    group: str | None = None
    """The group whose change alone this is (a group's own report): its own Holm family."""
    themes: ThemeTrendSection | None = None
    """The negative comments' themes earlier and now."""

    @property
    def flagged_rows(self) -> tuple[ChangeRow, ...]:
        rows = (*((self.overall,) if self.overall else ()), *self.aspects, *self.groups)
        return tuple(row for row in rows if row.flagged)


@dataclass(frozen=True)
class TrendCell:
    """One tested share of a trend's row: its value in each job (None where the row has no
    comment there), the last job's less the first's, and the trend when it is beyond the
    noise."""

    key: str
    shares: tuple[float | None, ...]
    difference: float | None
    adjusted_p: float | None
    direction: str | None
    """``rising`` or ``falling`` where flagged (Holm over the whole trend)."""
    percents: tuple[int | None, ...] = ()
    """Each share as the report shows it, a whole percent (``pipeline.report.shown``); None where
    the row has no comment in that job."""

    @property
    def shown_points(self) -> float | None:
        """The last shown percent less the first (0..1 units), among the jobs with comments:
        the change the report shows beside them."""
        present = [percent for percent in self.percents if percent is not None]
        return (present[-1] - present[0]) / 100 if len(present) >= 2 else None


@dataclass(frozen=True)
class TrendRow:
    """All comments, one aspect or one group over the jobs of a trend."""

    part: str
    kind: str
    """``all``, ``aspect`` or ``group``."""
    n: tuple[int, ...]
    cells: tuple[TrendCell, ...]

    @property
    def flagged(self) -> tuple[TrendCell, ...]:
        return tuple(cell for cell in self.cells if cell.direction)


@dataclass(frozen=True)
class TrendJob:
    request_id: str
    name: str
    created: str
    """Its submission time, ISO 8601."""
    rows_total: int


@dataclass(frozen=True)
class TrendSection:
    """How the shares moved over several jobs (``pipeline.report.trend``), as the report shows
    it: this job last."""

    jobs: tuple[TrendJob, ...]
    labels: tuple[str, ...]
    """The shares shown per group: the tested labels."""
    tests: int
    min_expected: float
    rows: tuple[TrendRow, ...]
    """All comments (not in a group's own report), the aspects, then the groups."""
    only_one: tuple[tuple[str, int, int], ...]
    """(group, index of its one job, n)."""
    notes: tuple[str, ...]
    missing: str | None = None
    """In a group's own report of a group found in this job only: why no row."""
    group: str | None = None
    """The group whose trend alone this is (a group's own report): its own Holm family."""
    possible_matches: tuple[tuple[str, str], ...] = ()
    """A value in one job only and one that differs from it only in case, spaces or
    punctuation."""
    themes: ThemeTrendSection | None = None
    """The negative comments' themes over the jobs."""

    @property
    def flagged_rows(self) -> tuple[TrendRow, ...]:
        return tuple(row for row in self.rows if row.flagged)


@dataclass(frozen=True)
class ReleaseNote:
    """What screening before release (``pipeline.report.release``) left out or masked."""

    withheld: tuple[tuple[str, int], ...] = ()
    """(kind, listed rows) for each withholding kind found; a row may count under two."""
    withheld_rows: int = 0
    """Listed rows left out (a comment written twice counts twice)."""
    masked: int = 0
    """Listed rows shown with a personal detail masked."""
    quotes_left_out: int = 0
    """Theme quotes and examples left out."""
    names_listed: bool = False
    """The site lists names to mask (PIPELINE_SCREEN_NAMES_FILE), so the note says so."""


@dataclass(frozen=True)
class RatingRow:
    """One row of the ratings section: a group's (or every comment's) rating figures."""

    name: str
    rated: int
    mean: float | None
    correlation: float | None
    high_but_negative: int
    low_but_positive: int
    reads_reversed: bool


@dataclass(frozen=True)
class RatingAspectRow:
    """An aspect's negative comments' mean rating against the other rated comments'."""

    aspect: str
    negative: int
    mean_negative: float | None
    mean_others: float | None
    difference: float | None
    adjusted_p: float | None
    flagged: bool


@dataclass(frozen=True)
class RatingsSection:
    """A rating column of the file against the comments (``pipeline.ratings``): figures
    only, no comment is quoted (the contradicting ones are listed by the API and the app)."""

    column: str
    scale: str
    """The scale as read, ``1 (worst) to 5 (best)``."""
    overall: RatingRow | None
    """None in a group's own report, which shows its own row alone."""
    groups: tuple[RatingRow, ...]
    unreadable: int = 0
    aspects: tuple[RatingAspectRow, ...] = ()
    """The aspects tested (the whole report's: all its comments; none in a group's own)."""
    question: str | None = None
    """The survey question the column answers, where the export gave one."""
    note: str | None = None
    """What to know first (a job of several open questions counts a rating per answer)."""

    @property
    def reversed_rows(self) -> tuple[RatingRow, ...]:
        rows = (self.overall, *self.groups) if self.overall else self.groups
        return tuple(row for row in rows if row.reads_reversed)


@dataclass(frozen=True)
class ReportData:
    """Everything one report shows."""

    request_id: str
    input_name: str
    group_by: str | None
    labels: tuple[str, ...]
    overall: GroupReport
    groups: tuple[GroupReport, ...]
    model: ModelFacts
    created_at: datetime
    finished_at: datetime | None
    generated_at: datetime
    tests: int
    """How many group-against-the-rest tests the Holm correction spans."""
    insights: Insights = field(default_factory=Insights)
    rows_total: int = 0
    row_noun: str = "row"
    """What one of the job's ``rows_total`` is: "answer" in a job that read several comment
    columns (one row per answer, ``pipeline.input_melt``)."""
    respondents: int | None = None
    """The students who answered, in a whole report of such a job; else None."""
    compared_labels: tuple[str, ...] = field(default_factory=tuple)
    questions: tuple[GroupReport, ...] = field(default_factory=tuple)
    """The label shares per question of a job that read several comment columns (one row per
    answer, ``pipeline.input_melt``) and is reported by another column; else empty."""
    focus: Focus | None = None
    """Set in the report of one group: then ``groups`` holds that group alone, and nothing
    names another group or quotes its comments."""
    change: ChangeSection | None = None
    """Set when the report was asked for with an earlier job to compare with (``since``)."""
    trend: TrendSection | None = None
    """Set when the report was asked for with earlier jobs to follow a trend through."""
    release: ReleaseNote | None = None
    """Set when the report was screened before release (the default); None: every comment
    as written."""
    ratings: RatingsSection | None = None
    """Set when the report was asked for with a rating column to compare the comments with."""
    look_alikes: tuple[tuple[str, str], ...] = ()
    """Pairs of group values that differ only in case, spaces, punctuation or how an accent
    is encoded (``CHEM 101`` and ``CHEM 101 ``): probably one group written two ways."""

    @property
    def flagged_groups(self) -> tuple[GroupReport, ...]:
        return tuple(group for group in self.groups if group.flags)
