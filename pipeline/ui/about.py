"""The *About what* tab's tables: what the comments are about (aspects), how negative each
aspect is overall and per group, and the wording that goes with them. Pure: it turns the
API's aspect summary (``pipeline.ui.insights``) into the frames the page and its charts draw.

Every share carries its n, and a cell whose n is under ``SMALL_GROUP`` is marked small (drawn
paler), as for the label shares: "exams in BIO9: 100 % negative" from 2 comments is a hint.
"""

from __future__ import annotations

import pandas as pd

from pipeline.ui.groups import group_caption, group_name, is_small
from pipeline.ui.insights import POLARITIES, AspectStats, AspectSummary
from pipeline.ui.shares import percent_text, percentages

MAX_HEAT_GROUPS = 25
"""The heat map draws the largest groups only, like the labels-per-group chart."""
STILL_RUNNING = (
    "The job is still running: these aspects are of the {rows:,} comments labelled so far and "
    "will change as more are labelled."
)
UNFINISHED = (
    "The job did not label every row: these aspects are of the {rows:,} comments it labelled."
)
STOPPED_EARLY = (
    "The job stopped before it worked out what all its comments are about: these aspects are "
    "of {rows:,} of the {labelled:,} comments it labelled."
)
STOPPED_BEFORE_ASPECTS = (
    "The job stopped before it worked out what its {labelled:,} labelled comments are about, "
    "so none is tagged with an aspect; its labels are in the other tabs."
)
WORKING_OUT = (
    "Every comment is labelled; what they are about is being worked out: {done:,} of {total:,} "
    "comments so far. The aspects below are of those and fill in as it goes; the themes come "
    "when it is done."
)
WORKING_OUT_SHORT = "Working out what the comments are about…"
THEMES_LATER = "Themes are found when the job completes: they group all of its comments at once."
THEMES_NEVER = (
    "The job {status} before it completed, so it has no themes: they are found once, over "
    "all of a job's comments, when it completes."
)
NO_ASPECTS = (
    "None of the {rows:,} labelled comments was tagged with an aspect. The service may run "
    "with aspect tagging switched off (PIPELINE_INSIGHTS=0), or the job was made before it."
)


def interval_text(interval: tuple[float, float] | None) -> str:
    """``48–71 %``: a 95 % interval in whole percentages; a dash when there is none."""
    if interval is None:
        return "–"
    low, high = interval
    return f"{round(low * 100)}–{round(high * 100)} %"


def aspect_caption(aspect: AspectStats) -> str:
    """``exams (n=41)``, or ``exams (n=4, small)``."""
    mark = ", small" if is_small(aspect.n) else ""
    return f"{aspect.title} (n={aspect.n:,}{mark})"


def aspect_table(summary: AspectSummary) -> pd.DataFrame:
    """One row per aspect (most mentioned first): its comments, the whole percentages of each
    polarity (a row adds up to 100), the 95 % interval of the negative share and its meaning."""
    records = []
    for aspect in summary.categories:
        percent = percentages(aspect.counts, POLARITIES)
        record: dict[str, object] = {"aspect": aspect.title, "n": aspect.n}
        record |= {f"{polarity} %": percent[polarity] for polarity in POLARITIES}
        record["negative 95 % interval"] = interval_text(aspect.intervals.get("negative"))
        record["meaning"] = aspect.meaning
        records.append(record)
    columns = ["aspect", "n", *(f"{p} %" for p in POLARITIES), "negative 95 % interval", "meaning"]
    return pd.DataFrame.from_records(records, columns=columns)


def polarity_rows(aspect: AspectStats) -> pd.DataFrame:
    """One aspect's detail: per polarity the comments, the whole percentage and the interval."""
    percent = percentages(aspect.counts, POLARITIES)
    return pd.DataFrame(
        {
            "polarity": list(POLARITIES),
            "comments": [aspect.counts.get(p, 0) for p in POLARITIES],
            "share": [percent_text(percent[p]) for p in POLARITIES],
            "95 % interval": [interval_text(aspect.intervals.get(p)) for p in POLARITIES],
        }
    )


def aspect_bars(summary: AspectSummary) -> pd.DataFrame:
    """The stacked bars of the aspects overall: per aspect and polarity the comments and the
    whole percentage (an aspect's add up to 100)."""
    records = []
    for aspect in summary.categories:
        if not aspect.n:
            continue
        percent = percentages(aspect.counts, POLARITIES)
        for order, polarity in enumerate(POLARITIES):
            records.append(
                {
                    "aspect": aspect_caption(aspect),
                    "category": aspect.name,
                    "polarity": polarity,
                    "comments": aspect.counts.get(polarity, 0),
                    "percent": percent_text(percent[polarity]),
                    "polarity_order": order,
                    "small": is_small(aspect.n),
                }
            )
    columns = ["aspect", "category", "polarity", "comments", "percent", "polarity_order", "small"]
    return pd.DataFrame.from_records(records, columns=columns)


def heat_cells(summary: AspectSummary, max_groups: int = MAX_HEAT_GROUPS) -> pd.DataFrame:
    """The heat map's cells: per group (the largest ``max_groups``) and aspect mentioned in it,
    the share negative with its n; ``small`` where that n is under 10."""
    order = {aspect.name: rank for rank, aspect in enumerate(summary.categories)}
    largest = sorted(summary.groups, key=lambda part: part.n, reverse=True)[:max_groups]
    records = []
    for part in largest:
        for aspect in part.aspects:
            if not aspect.n:
                continue
            negative = aspect.counts.get("negative", 0) / aspect.n
            records.append(
                {
                    "group": group_caption(part.group, part.n),
                    "group_value": group_name(part.group),
                    "aspect": aspect.title,
                    "category": aspect.name,
                    "negative": negative,
                    "n": aspect.n,
                    "small": is_small(aspect.n) or part.small,
                    "cell": f"{round(negative * 100)}% · {aspect.n:,}",
                    "interval": interval_text(aspect.intervals.get("negative")),
                    "aspect_order": order.get(aspect.name, len(order)),
                }
            )
    columns = ["group", "group_value", "aspect", "category", "negative", "n", "small", "cell",
               "interval", "aspect_order"]  # fmt: skip
    return pd.DataFrame.from_records(records, columns=columns)


def themes_note(status: str) -> str | None:
    """Why a job shows no themes yet (None for one that succeeded): a job still at work finds
    them when it completes; a cancelled or failed one never will, so it is not told to wait."""
    if status == "succeeded":
        return None
    if status in ("cancelled", "failed"):
        return THEMES_NEVER.format(status="was cancelled" if status == "cancelled" else "failed")
    return THEMES_LATER


def no_aspects_note(summary: AspectSummary, working_out: tuple[int, int] | None) -> str | None:
    """What to say when no comment has an aspect: nothing while they are worked out (the
    progress note says so) or when none was worked out at all (a job stopped before its
    aspects: ``progress_note`` says that); else that none of the comments looked at had one,
    counted as they were: the likely cause is a service that does not tag aspects."""
    if not summary.empty or working_out is not None or not summary.rows_labelled:
        return None
    return NO_ASPECTS.format(rows=summary.rows_labelled)


def progress_note(
    summary: AspectSummary,
    running: bool,
    working_out: tuple[int, int] | None = None,
    labelled: int | None = None,
) -> str | None:
    """What to say above aspects of a job that has not finished (None when it has).
    ``working_out``: (rows with insights, rows) while a labelled job works out its aspects;
    ``labelled``: the comments a stopped job labelled, more than the aspects count when it
    stopped before working them all out (the aspects come after every label)."""
    if summary.complete:
        return None
    if running and working_out is not None:
        done, total = working_out
        return WORKING_OUT.format(done=done, total=total)
    if running:
        return STILL_RUNNING.format(rows=summary.rows_labelled)
    if labelled is not None and labelled > summary.rows_labelled:
        template = STOPPED_EARLY if summary.rows_labelled else STOPPED_BEFORE_ASPECTS
        return template.format(rows=summary.rows_labelled, labelled=labelled)
    return UNFINISHED.format(rows=summary.rows_labelled)
