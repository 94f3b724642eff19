"""What a report holds: plain frozen records, built from a finished job (``assemble``) and
rendered to HTML or PDF (``render``). Nothing here reads a database or a file.

Aspects and themes come in as small explicit inputs (``AspectSummary``, ``ThemeSummary``):
a job does not store them yet, and a report without them says so instead of leaving a gap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from pipeline.report.stats import Interval


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


@dataclass(frozen=True)
class GroupReport:
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

    @property
    def flags(self) -> tuple[Comparison, ...]:
        return tuple(comparison for comparison in self.comparisons if comparison.flagged)

    def share_of(self, label: str) -> LabelShare | None:
        return next((share for share in self.shares if share.label == label), None)


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
class AspectSummary:
    """One aspect (teaching, exams, workload…) over the job: comments per sentiment and a few
    comments that show it."""

    aspect: str
    description: str | None
    counts: Mapping[str, int]
    quotes: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class ThemeSummary:
    """One theme found in one label's comments: its name, keywords, size and quotes."""

    label: str
    name: str
    keywords: tuple[str, ...]
    size: int
    quotes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportData:
    """Everything one report shows; ``aspects`` / ``themes`` None: not computed for the job."""

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
    aspects: tuple[AspectSummary, ...] | None = None
    themes: tuple[ThemeSummary, ...] | None = None
    rows_total: int = 0
    compared_labels: tuple[str, ...] = field(default_factory=tuple)

    @property
    def flagged_groups(self) -> tuple[GroupReport, ...]:
        return tuple(group for group in self.groups if group.flags)
