"""The settings a worker refuses at its start, refused by the master of local workers first.

A worker that refuses one (an http:// PIPELINE_ALERT_URL, a PIPELINE_LANGUAGES that is no list
of codes, a PIPELINE_NO_OPINION_FILE it cannot read) prints one line and exits; under ``up``
or ``master`` nobody reads that line, and the job waits. Local workers run on the master's own
settings (``pipeline.bootstrap.build_fleet``), so the master refuses such a setting first,
with the worker's own message, as ``up`` refuses a screening file it cannot read.
"""

from __future__ import annotations

from pipeline.model.screening import CommentScreen
from pipeline.release.alert import check_alert_settings
from pipeline.settings import Settings


def check_worker_settings(settings: Settings) -> None:
    """ConfigError, as a worker would raise it, for a setting every worker refuses."""
    CommentScreen.from_settings(settings)
    check_alert_settings(settings)
