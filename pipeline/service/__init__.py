"""Service functions: the only place with business logic; every edge calls these."""

from __future__ import annotations

from pipeline.service.erase import erase
from pipeline.service.health import check_health
from pipeline.service.insights import aspect_summary, theme_summary
from pipeline.service.jobs import (
    ANONYMOUS,
    cancel,
    get_status,
    list_jobs,
    request_upload,
    settle_dead_letters,
    submit,
    submit_stored,
    upload_key_for,
)
from pipeline.service.keys import any_keys, authenticate, create_key, list_keys, revoke_key
from pipeline.service.results import results_csv, results_page, results_url, summary

__all__ = [
    "ANONYMOUS",
    "any_keys",
    "aspect_summary",
    "authenticate",
    "cancel",
    "check_health",
    "create_key",
    "erase",
    "get_status",
    "list_jobs",
    "list_keys",
    "request_upload",
    "results_csv",
    "results_page",
    "results_url",
    "revoke_key",
    "settle_dead_letters",
    "submit",
    "submit_stored",
    "summary",
    "theme_summary",
    "upload_key_for",
]
