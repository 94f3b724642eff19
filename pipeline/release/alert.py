"""A message to a chat channel when a finished job holds a threat or words of self-harm.

A chair may not open the app for days after a survey closes; a student who wrote "I want to
kill myself" should not wait for that. With ``PIPELINE_ALERT_URL`` (a Slack or Microsoft
Teams incoming webhook, or any endpoint that takes JSON), the worker that finishes a job looks
for those two kinds in its comments and, where it finds any, posts how many, in which groups
and where to read them. **Never a comment's text**: a channel is read by more people than the
job's owner, and the comments stay behind the API key.

Sending is at most once and never fails the job: a channel that is down is retried twice, then
logged (the app's red message and ``GET /flagged`` still say it).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pipeline.db.records import JobRecord, ResultRecord
from pipeline.errors import ConfigError
from pipeline.group_names import group_name
from pipeline.release.kinds import URGENT, Kind
from pipeline.release.screen import ReleaseScreen
from pipeline.report.listing import group_value
from pipeline.service.results import input_column
from pipeline.settings import Settings

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

TRIES = 3
TIMEOUT_S = 10.0
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
MAX_SHOWN_CHARS = 100
"""The longest group or name an alert's text shows (then cut, with "…")."""
_INERT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "[": "［", "]": "］"})
"""Slack's three control characters as its entities; Markdown's link brackets as their
full-width forms, which no renderer reads as a link (an escape with a backslash is shown by
Slack, and not every Teams card honours it)."""


@dataclass(frozen=True)
class UrgentCount:
    """A finished job's comments with a threat or words of self-harm: in all and per group."""

    threat: int
    distress: int
    groups: tuple[tuple[str, int], ...] = ()
    """(group, comments) of the job's first group-by column, most first."""

    @property
    def comments(self) -> int:
        return self.threat + self.distress


def count_urgent(
    batches: Iterable[Sequence[ResultRecord]], screen: ReleaseScreen, column: str | None
) -> UrgentCount:
    """Threats and distress in the rows (only those kinds looked for), per value of
    ``column``."""
    kinds: Counter[Kind] = Counter()
    groups: Counter[str] = Counter()
    for record, found in _urgent(batches, screen):
        kinds.update(found)
        groups[group_name(group_value(record, column)) if column else ""] += 1
    listed = tuple(groups.most_common()) if column else ()
    return UrgentCount(kinds[Kind.THREAT], kinds[Kind.DISTRESS], listed)


def urgent_rows(
    batches: Iterable[Sequence[ResultRecord]], screen: ReleaseScreen
) -> list[tuple[int, tuple[Kind, ...]]]:
    """(row index, kinds) of each row with a threat or words of self-harm, in file order."""
    return [(record.row_index, found) for record, found in _urgent(batches, screen)]


def _urgent(
    batches: Iterable[Sequence[ResultRecord]], screen: ReleaseScreen
) -> Iterator[tuple[ResultRecord, tuple[Kind, ...]]]:
    for batch in batches:
        for record in batch:
            verdict = screen.check(record.text, URGENT)
            if verdict.flagged:
                yield record, verdict.kinds


def urgent_line(rows: Sequence[tuple[int, tuple[Kind, ...]]]) -> str | None:
    """What ``analyze`` says on stderr of them (rows from 1, the header not counted); None
    without any."""
    if not rows:
        return None
    listed = ", ".join(
        f"{index + 1} ({'/'.join(kind.value for kind in kinds)})" for index, kinds in rows
    )
    return (
        f"{len(rows)} comment{'s' if len(rows) != 1 else ''} with a threat or words of "
        f"self-harm, rows {listed} (the file's data rows from 1): read them first"
    )


def message(job: JobRecord, found: UrgentCount, group_by: str | None) -> dict[str, Any]:
    """The JSON posted: ``text`` for Slack and Teams, the same facts as fields for anything
    else. No comment's text; the file's name, the group column's and the groups' are the
    uploader's text too, so ``text`` shows them inert (``shown``), the fields as they are."""
    parts = [
        f"{n} comment{'s' if n != 1 else ''} {what}"
        for n, what in (
            (found.threat, "with a threat of violence"),
            (found.distress, "with words of self-harm or suicide"),
        )
        if n
    ]
    where = ""
    if group_by and found.groups:
        listed = ", ".join(f"{shown(g)} {n}" for g, n in found.groups)
        where = f" ({shown(group_by)}: {listed})"
    text = (
        f"{' and '.join(parts)} in {shown(job.input_name)} (job {job.request_id}){where}. "
        "Read them "
        f"first: sentiment-pipeline flagged {job.request_id} --kinds threat,distress, or the "
        "app's Review tab; follow your institution's procedure for student welfare and safety."
    )
    return {
        "text": text,
        "request_id": job.request_id,
        "input_name": job.input_name,
        "threat": found.threat,
        "distress": found.distress,
        "group_by": group_by,
        "groups": [{"group": g, "comments": n} for g, n in found.groups],
    }


def shown(value: str) -> str:
    """Uploaded text (a group, the file's or a column's name) as an alert's ``text`` shows
    it: read, never acted on. Slack's ``<!channel>`` would notify the whole channel, and its
    ``<url|label>`` or Teams' ``[label](url)`` would put a link of the uploader's, under a
    label of theirs, in the message that welfare staff trust as the pipeline's own. So Slack's
    control characters become its entities (which Teams shows as the characters too),
    Markdown's square brackets their full-width look-alikes, line breaks spaces, and a value
    is cut to ``MAX_SHOWN_CHARS`` (a course's name is shorter; a paragraph is no group's
    name). The message's fields keep each value exactly."""
    flat = " ".join("".join(c if c.isprintable() else " " for c in value).split())
    if len(flat) > MAX_SHOWN_CHARS:
        flat = flat[: MAX_SHOWN_CHARS - 1] + "…"
    return flat.translate(_INERT)


@dataclass
class UrgentAlerts:
    """Posts ``message`` to ``url`` for each finished job with urgent comments."""

    url: str
    screen: ReleaseScreen
    client: httpx.Client
    sleep: Callable[[float], None] = time.sleep

    @classmethod
    def from_settings(cls, settings: Settings) -> UrgentAlerts | None:
        """None without PIPELINE_ALERT_URL; ConfigError for a URL that is not https (plain
        http only to this machine: the counts should not cross a network unencrypted)."""
        screen = check_alert_settings(settings)
        if screen is None:
            return None
        import httpx  # here: a worker without alerts does not import it

        return cls(settings.alert_url, screen, httpx.Client(timeout=TIMEOUT_S))

    def after_success(self, job: JobRecord, batches: Iterable[Sequence[ResultRecord]]) -> bool:
        """Look for threats and distress in the finished job's rows and post when there are
        any; True when a message went out. Never raises: the job has succeeded."""
        try:
            group_by = job.group_by[0] if job.group_by else None
            column = input_column(job, group_by) if group_by else None
            found = count_urgent(batches, self.screen, column)
            if not found.comments:
                return False
            return self._post(message(job, found, group_by if column else None))
        except Exception:  # a job's alert must never fail the job
            log.exception("job %s: the alert could not be made", job.request_id)
            return False

    def _post(self, body: dict[str, Any]) -> bool:
        import httpx

        for attempt in range(1, TRIES + 1):
            try:
                answer = self.client.post(self.url, json=body)
                if answer.status_code < 300:
                    log.info("job %s: alert sent", body["request_id"])
                    return True
                problem = f"HTTP {answer.status_code}"
                if answer.status_code < 500 and answer.status_code != 429:
                    break  # refused: trying again will not help
            except httpx.HTTPError as exc:
                problem = type(exc).__name__
            if attempt < TRIES:
                self.sleep(float(attempt))
        log.warning(
            "job %s: the alert to %s was not taken (%s); its comments are in GET /flagged",
            body["request_id"],
            urlsplit(self.url).netloc,
            problem,
        )
        return False


def check_alert_settings(settings: Settings) -> ReleaseScreen | None:
    """The screen alerts read with, after what ``UrgentAlerts.from_settings`` refuses (the
    URL, the screening files), without a client; None without PIPELINE_ALERT_URL. ``up`` and
    ``master`` call it before they start a worker, which would exit at once on a refusal."""
    if not settings.alert_url:
        return None
    check_url(settings.alert_url)
    return ReleaseScreen.from_settings(settings)


def check_url(url: str) -> None:
    parts = urlsplit(url)
    local = parts.scheme == "http" and (parts.hostname or "") in _LOCAL_HOSTS
    if not (parts.scheme == "https" and parts.hostname) and not local:
        raise ConfigError(
            f"PIPELINE_ALERT_URL must be an https:// address (http:// only to localhost); "
            f"got {parts.scheme or 'no scheme'}://{parts.hostname or ''}"
        )
