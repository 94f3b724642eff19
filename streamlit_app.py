"""Streamlit front end: upload comments, follow the job, explore what they say and about what,
compare groups, review and download results.

UI and session state only. Every call goes through the HTTP API (``pipeline.client``), so the
same page works against the embedded API (``sentiment-pipeline up``) and against API Gateway;
the rules behind the page (column guessing, filters, exports, review) are in ``pipeline.ui``.

Run with ``streamlit run streamlit_app.py``. Configuration: ``PIPELINE_API_URL`` (default the
embedded API at http://127.0.0.1:8000) and ``PIPELINE_API_KEY``, from Streamlit secrets or the
environment, or ``PIPELINE_API_KEY_FILE`` (a file of the owner's alone, as the CLI reads); with
``PIPELINE_UI_VISITOR_KEYS=1`` (``up --ui-host`` beyond loopback) no configured key is read and
each visitor enters their own.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import math
import os
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
import streamlit as st

from pipeline import column_guess as columns
from pipeline.client import JobStatus, PipelineClient, Summary, usable_key
from pipeline.errors import (
    ApiUnreachable,
    ConfigError,
    Conflict,
    InputError,
    JobErased,
    JobNotFound,
    NotFoundError,
    PipelineError,
    Unauthorized,
)
from pipeline.file_names import distinct_names, job_stem, results_file_name, table_file_name
from pipeline.group_names import group_cell
from pipeline.inputs import UPLOAD_SUFFIXES, ReadOptions
from pipeline.partial_rows import partial_note
from pipeline.ratings import table as rating_table
from pipeline.release import flagged_table
from pipeline.report import change_table, theme_trend_table, trend_table
from pipeline.report.look_alike import look_alike_note, look_alikes
from pipeline.report.trend import MAX_JOBS as MAX_TREND_JOBS
from pipeline.settings import Settings
from pipeline.ui import (
    about,
    change,
    charts,
    compare,
    explore,
    exports,
    groups,
    highlight,
    insights,
    palette,
    progress,
    ratings,
    release,
    review,
    shares,
    trend,
)
from pipeline.ui.launcher import visitor_keys_asked
from pipeline.ui.markdown import code as _code
from pipeline.ui.markdown import input_label
from pipeline.ui.markdown import literal as _md
from pipeline.ui.markdown import message as _message
from pipeline.xlsx import ALL_SHEETS

if TYPE_CHECKING:
    import altair as alt
    from streamlit.delta_generator import DeltaGenerator
    from streamlit.elements.lib.column_types import ColumnConfig

REFRESH_S = 1.0
JOB_STATES_TTL_S = 5  # how soon a job erased elsewhere stops being shown in a comparison
TOP_COMMENTS = 5
REVIEW_LIMIT = 50
SCREEN_KEY = "d-screen"
RATING_KEY = "d-rating"
FLAGGED_SHOWN = 5000  # the most flagged comments the Review tab lists (the CSV has them all)
PAGE_ROWS = 100  # comments per page of the Comments table (the page whose words are highlighted)
ASPECT_THEMES = 6
COMPARE_THEMES = 5
RESULT_ADDED = ("label", "error", "model_version", "language", *explore.INSIGHT_COLUMNS)
VIEWS = ("Overview", "About what", "Compare", "Comments", "Review", "Downloads")
# A job with no label has no shares, aspects or comparisons: its rows, their screening, its files.
UNLABELLED_VIEWS = ("Comments", "Review", "Downloads")
VIEW_KEY = "view"
COMPARE_MODES = (
    "Groups of this job",
    "This job against an earlier one",
    "Several jobs in order (a trend)",
    "A rating against the comments",
)
RATING_CONTRADICTIONS = 50  # comments that contradict their rating, listed in the Compare tab
SCREENED_HOLD = "only those were screened"
FIGURES_HOLD = "these figures are of those rows only"
SO_FAR = "the rows so far"
PICKED_WIDTH = 70  # characters of a column and its survey question shown in a job's pickers
LOG = logging.getLogger("streamlit_app")
PAGE_RUN = "page_run"  # session flag: the whole page is being drawn, not a fragment alone
UNANSWERED = "status_unanswered"  # the open job's status call this run found unreachable
LOST = "refresh_lost"  # a refreshing line met an unreachable API and has not reached it since


# --- connection -----------------------------------------------------------------------------


def _secret(name: str) -> str:
    try:
        return str(st.secrets.get(name, "") or "")
    except FileNotFoundError:
        return ""


def api_config() -> tuple[str, str]:
    """URL and key: Streamlit secrets first, then PIPELINE_API_URL / PIPELINE_API_KEY or the
    file PIPELINE_API_KEY_FILE names (``Settings.client_key``: ConfigError for both, or for a
    file others may read); the key the visitor entered instead where visitors bring their own
    (``visitors_bring_keys``)."""
    settings = Settings.from_env()
    url = _secret("PIPELINE_API_URL") or settings.api_url
    if visitors_bring_keys():
        return url, visitor_key()
    key = _secret("PIPELINE_API_KEY") or settings.client_key()
    return url, key


def visitors_bring_keys() -> bool:
    """The app is served beyond this machine (``up --ui-host``), with no login of its own: a
    key it was configured with would act for every visitor, so it reads none and asks each
    visitor for theirs (``pipeline.ui.launcher.visitors_bring_keys``)."""
    return visitor_keys_asked(os.environ)


def visitor_key() -> str:
    """The key this visitor entered: kept in their browser session only, never shared."""
    entered = st.sidebar.text_input(
        "Your API key",
        type="password",
        key="visitor_key",
        help="made with `sentiment-pipeline keys create NAME`; kept for this browser tab",
    )
    return str(entered or "")


def where_the_key_goes(what: str) -> str:
    """``what`` (the key to use) and where this page reads it from, as an instruction."""
    if visitors_bring_keys():
        return f"Enter {what} under *Your API key* in the sidebar."
    return (
        f"Set `PIPELINE_API_KEY` (environment or Streamlit secrets) to {what}, or "
        "`PIPELINE_API_KEY_FILE` to a file holding it."
    )


@st.cache_resource(show_spinner=False)
def get_client(url: str, key: str) -> PipelineClient:
    return PipelineClient(url, key)


def caller(key: str) -> str:
    """Who a cached answer was made for: a digest of the key, never the key itself. The app's
    caches are shared by every session of the server, so whatever holds a job's data is keyed
    on it: another visitor's key, or one revoked since, is never handed what this key read."""
    return hashlib.sha256(f"pipeline-ui-caller:{key}".encode()).hexdigest()


@st.cache_resource(show_spinner=False, max_entries=64, ttl=3600)
def cached_chart(
    url: str,
    who: str,
    request_id: str,
    revision: str,
    chart: str,
    _make: Callable[[], alt.Chart],
) -> alt.Chart:
    """The ``chart`` (its name and what it is of: ``heat:course``) of a job at a ``revision``,
    made once by ``_make`` for the caller ``who`` (``caller``: a chart holds the job's data,
    and is handed to no other key). Building an Altair chart validates every channel against
    the Vega-Lite schema: the page's charts took about a second of each rerun (the heat map
    alone 0.7 s), and every tab click, filter and pick reruns the whole page. The data comes
    from the cached API answers of the same revision, so the chart is the same until it
    changes. Held as it is (no copy: ``st.altair_chart`` only reads it); erasing the job
    clears it."""
    return _make()


@st.cache_data(show_spinner=False, max_entries=8, ttl=3600)
def load_results(url: str, key: str, request_id: str, revision: str) -> pd.DataFrame:
    """The results table; keyed on the job's revision (``progress.revision``), so a finished
    job is fetched only once."""
    # Raw: the table shows the comments as written; the downloads escape them (exports).
    return exports.results_frame(get_client(url, key).results_csv(request_id, raw=True))


@st.cache_data(show_spinner=False, max_entries=32, ttl=3600)
def load_summary(url: str, key: str, request_id: str, revision: str, group_by: str) -> Summary:
    """Counts per label (and per ``group_by`` value); keyed on the revision like the results."""
    return get_client(url, key).summary(request_id, group_by or None)


@st.cache_data(show_spinner=False, max_entries=4, ttl=3600)
def xlsx_bytes(
    url: str, key: str, request_id: str, revision: str, themes: tuple[tuple[str, str], ...] = ()
) -> bytes:
    """Written once per job version: openpyxl takes seconds for large tables. ``themes``:
    theme id → name, for the ``theme_name`` column (``explore.with_theme_names``)."""
    results = load_results(url, key, request_id, revision)
    return exports.results_table_workbook(explore.with_theme_names(results, dict(themes)))


@st.cache_data(show_spinner=False, max_entries=4, ttl=3600)
def report_bytes(
    url: str,
    key: str,
    request_id: str,
    revision: str,
    group_by: str,
    report_format: str,
    group: str | None = None,
    since: str = "",
    trend: tuple[str, ...] = (),
    screen: bool = True,
    rating: str = "",
    others: str = "",
) -> bytes:
    """The job's report (of one ``group`` of ``group_by`` alone, when given; with the change
    since the job ``since``; with the trend through the earlier jobs ``trend``; with the
    rating column ``rating`` against the comments; screened before release unless ``screen``
    is False), made by the server once per group column, group, format, options and state of
    the earlier jobs (``others``, from ``load_job_states``)."""
    return get_client(url, key).report(
        request_id,
        group_by or None,
        report_format,
        group,
        since=since or None,
        trend=trend,
        screen=screen,
        rating=rating or None,
    )


@st.cache_data(show_spinner=False, max_entries=32, ttl=3600)
def load_urgent(url: str, key: str, request_id: str, revision: str) -> dict:
    """How many of a finished job's comments hold a threat or words of self-harm (only those
    kinds looked for: cheaper than the whole list)."""
    return get_client(url, key).flagged(request_id, limit=1, kinds=release.URGENT)


@st.cache_data(show_spinner=False, max_entries=8, ttl=3600)
def load_flagged(url: str, key: str, request_id: str, revision: str, group_by: str) -> dict:
    """The comments screening before release flags, the first ``FLAGGED_SHOWN`` of them;
    keyed on the job's revision, so a running job's list grows with it."""
    return get_client(url, key).every_flagged(request_id, group_by or None, most=FLAGGED_SHOWN)


@st.cache_data(show_spinner=False, max_entries=32, ttl=3600)
def load_aspects(
    url: str, key: str, request_id: str, revision: str, group_by: str
) -> insights.AspectSummary:
    """What the comments are about (per ``group_by`` value); keyed on the rows with insights
    (``progress.insights_revision``)."""
    body = get_client(url, key).aspects(request_id, group_by or None)
    return insights.aspect_summary(body)


@st.cache_data(show_spinner=False, max_entries=64, ttl=3600)
def load_themes(
    url: str,
    key: str,
    request_id: str,
    revision: str,
    label: str = "",
    aspect: str = "",
    group_by: str = "",
    group: str | None = None,
) -> insights.ThemeList:
    """A finished job's themes, of one label or aspect, or of one group (re-clustered by the
    server, so cached: the same answer every time)."""
    body = get_client(url, key).themes(
        request_id, label or None, aspect or None, group_by or None, group
    )
    return insights.theme_list(body)


@st.cache_data(show_spinner=False, max_entries=4, ttl=30)
def load_jobs(url: str, key: str) -> list[JobStatus]:
    """This key's latest jobs, for choosing an earlier one (refreshed every half minute)."""
    return get_client(url, key).jobs(limit=100)


@st.cache_data(show_spinner=False, max_entries=16, ttl=JOB_STATES_TTL_S)
def load_job_states(url: str, key: str, request_ids: tuple[str, ...]) -> str:
    """What an answer over several jobs depends on besides the open job's revision: each
    job's revision and erasure, read again every few seconds. The answers themselves are
    cached for an hour; keyed on this as well, a job erased elsewhere (the command line, the
    API, the retention pass) is asked for again, and the API's "erased" is shown instead of
    its comments and shares, kept from before."""
    client = get_client(url, key)
    states: list[str] = []
    for request_id in request_ids:
        try:
            job = client.status(request_id)
        except PipelineError as exc:  # gone or refused: asked again, the API says which
            states.append(type(exc).__name__)
        else:
            states.append(f"{progress.revision(job)}:{job.erased_at or ''}")
    return "|".join(states)


@st.cache_data(show_spinner=False, max_entries=16, ttl=3600)
def load_trend(
    url: str,
    key: str,
    request_ids: tuple[str, ...],
    states: str,
    group_by: str,
    group: str | None = None,
) -> dict:
    """The trend over finished jobs (of one ``group`` alone, when given); cached while the
    jobs' ``states`` stay the same."""
    return get_client(url, key).trend(request_ids, group_by or None, group)


@st.cache_data(show_spinner=False, max_entries=16, ttl=3600)
def load_ratings(
    url: str, key: str, request_id: str, revision: str, column: str, group_by: str, scale: str
) -> dict:
    """A rating column against the comments (keyed on the job's revision)."""
    return get_client(url, key).ratings(
        request_id, column, group_by or None, scale or None, limit=RATING_CONTRADICTIONS
    )


@st.cache_data(show_spinner=False, max_entries=16, ttl=3600)
def load_trend_themes(
    url: str, key: str, request_ids: tuple[str, ...], states: str, label: str
) -> dict:
    """The themes of ``label`` over finished jobs: found again only for another question, or
    when the jobs' ``states`` change."""
    return get_client(url, key).trend_themes(request_ids, label)


@st.cache_data(show_spinner=False, max_entries=16, ttl=3600)
def load_change(
    url: str,
    key: str,
    request_id: str,
    since: str,
    states: str,
    group_by: str,
    group: str | None = None,
) -> dict:
    """The change since an earlier job (of one ``group`` alone, with its aspects); cached
    while both jobs' ``states`` stay the same."""
    return get_client(url, key).change(request_id, since, group_by or None, group)


# --- messages -------------------------------------------------------------------------------


def show_error(exc: Exception) -> None:
    """One clear message per cause; the traceback goes to the server log, never the page.
    The message is shown as written: it can name a file, a column or a value of the file."""
    said = _message(str(exc))
    if isinstance(exc, ApiUnreachable):
        unreachable(exc)
    elif isinstance(exc, Unauthorized):
        if st.session_state.get("refusal_shown"):
            return  # once a page: the sidebar's check and the view met the same refusal
        st.session_state.refusal_shown = True
        said = _message(_sentence(str(exc)))
        lead = (
            "The API refused the API key."
            if st.session_state.get("api_key")
            else "The API asks for an API key, and none is set."
        )
        st.error(
            f"**{lead}** {said}. "
            + where_the_key_goes("a key made with `sentiment-pipeline keys create NAME`"),
            icon=":material/key:",
        )
    elif isinstance(exc, JobNotFound):
        st.error(
            f"**No such job.** {said}. Check the request id (and the API key).",
            icon=":material/search:",
        )
    elif isinstance(exc, InputError):
        st.error(f"**Refused:** {said}", icon=":material/description:")
    elif isinstance(exc, Conflict):
        st.warning(said)
    elif isinstance(exc, PipelineError):
        st.error(said)
    else:
        LOG.error("unexpected error in the app", exc_info=exc)
        st.error(f"**Something went wrong:** {type(exc).__name__}: {said}")


def unreachable(exc: ApiUnreachable) -> None:
    """The API (or the object store) did not answer: said once a page, as the client words it
    (it names the address and what to check); the sidebar then says "no answer" and asks no
    more, which against a hung API would wait out the client's timeout a second time. Whatever
    else fails the same way on the page says so in a line."""
    if not fragment_rerun():  # the sidebar is drawn by a page's run alone
        st.session_state.connection = exc
    if st.session_state.get("unreachable_shown"):
        st.caption(":material/wifi_off: Not loaded: the API did not answer (see above).")
        return
    st.session_state.unreachable_shown = True
    st.error(_message(_sentence(str(exc))), icon=":material/wifi_off:")


def fragment_rerun() -> bool:
    """A refreshing part of the page (``st.fragment``) redrawing itself alone: what the page's
    last run drew around it, the sidebar included, stays as it was, and only what the part
    draws now replaces what it drew before."""
    return not st.session_state.get(PAGE_RUN, False)


def refresh_start() -> None:
    """A refreshing part redrawn alone says its messages in full: "see above" would point at
    the message it drew itself a second before, which its new drawing has just replaced."""
    if fragment_rerun():
        st.session_state.refusal_shown = st.session_state.unreachable_shown = False


def _sentence(text: str) -> str:
    """``text`` as a sentence of its own: its first letter a capital."""
    return text[:1].upper() + text[1:]


def key_error() -> None:
    """The key set holds a character no key has (``usable_key`` refused it): said without
    quoting it, naming where this page reads the key from."""
    st.error(
        "**The API key set is not a key as issued:** it holds a character no key has (a space "
        "or line break inside it, a typographic quote mark, a letter outside ASCII). "
        + where_the_key_goes("the key exactly as `sentiment-pipeline keys create` printed it"),
        icon=":material/key:",
    )


def insight_error(exc: PipelineError, what: str) -> None:
    """An aspects, themes or screening call that failed. The job's status was just read, so
    "no such job" there means an API without that route (older than this page), not a bad
    id."""
    said = _message(str(exc))
    if isinstance(exc, NotFoundError):  # JobNotFound, or no such route (the client says which)
        st.warning(
            f"**The API has no {what} for this job** ({said}): a service older than this page "
            f"answers so; update it to see {what} here.",
            icon=":material/update:",
        )
    elif isinstance(exc, Conflict):
        st.info(said, icon=":material/hourglass_top:")
    else:
        show_error(exc)


# --- downloads ------------------------------------------------------------------------------


def job_download(
    cell: DeltaGenerator,
    job: JobStatus,
    label: str,
    made: Callable[[], bytes | str],
    verify: Callable[[], object] | None = None,
    **button: Any,
) -> None:
    """A download of the open job's comments or figures (``button``: ``download_button``'s
    other options), made when clicked and handed out only once the API says the job is still
    there (``handed_out``). Streamlit makes such a file apart from the page and says nothing
    when that fails, so the click also reruns the page, which says why: the job erased (shown
    instead of its results), the API not answering, the key refused, or, with ``verify`` (the
    same call, cached: made once for both), the server's own error."""
    url, key = st.session_state.api_url, st.session_state.api_key
    if cell.download_button(
        label, partial(handed_out, url, key, job.request_id, made), on_click="rerun", **button
    ):
        with cell:
            download_checked(label, verify)


def handed_out(url: str, key: str, request_id: str, made: Callable[[], bytes | str]) -> bytes | str:
    """``made()``, once the API has said the job is still there: a page left open on a job
    erased since (from the command line, by a colleague, by the retention pass) would hand out
    its comments from the app's cache. Raises the API's error instead (Streamlit logs it; the
    page's rerun says it)."""
    still_there(url, key, request_id)
    return made()


def still_there(url: str, key: str, request_id: str) -> None:
    """Nothing when the API says the job's comments are still stored; JobErased when they are
    not, ApiUnreachable or Unauthorized when it cannot tell."""
    job = get_client(url, key).status(request_id)
    if job.erased_at:
        when = job.erased_at[:16].replace("T", " ")
        raise JobErased(f"this job was erased on {when} UTC: its comments and results are gone")


def download_checked(label: str, verify: Callable[[], object] | None) -> None:
    """In the run a download's click starts, under its button: why its file cannot be made.
    This run has just read the job's status (erased, or a refused key, would have left no
    button to click); an API it found unreachable is not asked again (the page says so above),
    and ``verify`` says what else can fail."""
    said = st.session_state.get("connection")
    try:
        if isinstance(said, ApiUnreachable):
            raise said
        if verify is not None:
            with st.spinner(f"{label}: making the file…"):
                verify()
    except (ApiUnreachable, Unauthorized) as exc:
        show_error(exc)
    except PipelineError as exc:
        st.error(f"**Not downloaded:** {_message(_sentence(str(exc)))}", icon=":material/error:")


# --- state ----------------------------------------------------------------------------------


def open_job(request_id: str) -> None:
    """The job's page next, by its address (``init_state`` reads it). It joins the recent
    jobs in ``job_view``, once it has opened: an id that is no job (or no request id at all)
    is not remembered."""
    st.query_params["job"] = progress.clean_request_id(request_id)


def close_job() -> None:
    st.query_params.pop("job", None)


def remember(job: progress.RecentJob) -> None:
    st.session_state.recent = progress.remember(st.session_state.get("recent", []), job)


def init_state() -> None:
    """The open job is the one the address names, read on every run and not only the first:
    Back and Forward rerun the page with the address they restore, which must show its job,
    not the one opened last. A pasted address may carry spaces or quotes around the id."""
    st.session_state.job_id = progress.clean_request_id(st.query_params.get("job", "")) or None
    st.session_state.setdefault("recent", [])
    st.session_state.setdefault("uploads", 0)


# --- sidebar --------------------------------------------------------------------------------


def sidebar(client: PipelineClient) -> None:
    with st.sidebar:
        st.header("Comment sentiment")
        if st.button("New analysis", icon=":material/add:", width="stretch"):
            close_job()
            st.rerun()
        with st.form("open_job", clear_on_submit=True, border=False):
            wanted = st.text_input("Open a job by request id", placeholder="request id")
            wanted = progress.clean_request_id(wanted)
            if st.form_submit_button("Open") and wanted:
                open_job(wanted)
                st.rerun()
        recent: list[progress.RecentJob] = st.session_state.recent
        if recent:
            st.subheader("Recent jobs")
            for item in recent:
                # The file's name as written, and the status in words: Streamlit hides a
                # button's icon from screen readers, so a failed job read as a finished one.
                shown = f"{_md(item.caption)} · {_md(item.status)}"
                if st.button(
                    shown, key=f"recent-{item.request_id}", icon=item.icon, width="stretch"
                ):
                    open_job(item.request_id)
                    st.rerun()
        st.divider()
        connection_status(client)


def connection_problem(client: PipelineClient) -> PipelineError | None:
    """Connected only when the API answers this page's key: ``/health`` answers anyone, so
    the check is a request that needs the key (an unreachable API fails it as well), and a
    missing or revoked key is found before the first upload. Asked once a page (the upload
    view and the sidebar share the answer); None when connected."""
    if "connection" not in st.session_state:
        try:
            client.jobs(limit=1)
        except PipelineError as exc:
            st.session_state.connection = exc
        else:
            st.session_state.connection = None
    problem: PipelineError | None = st.session_state.connection
    return problem


def connection_status(client: PipelineClient) -> None:
    problem = connection_problem(client)
    if problem is None:
        st.caption(f"API: {_code(client.base_url)} · connected")
    elif isinstance(problem, Unauthorized) and st.session_state.get("refusal_shown"):
        said = "the key is refused" if st.session_state.get("api_key") else "it asks for a key"
        st.caption(f"API: {_code(client.base_url)} · {said} (see the page)")
    elif isinstance(problem, ApiUnreachable) and st.session_state.get("unreachable_shown"):
        st.caption(f"API: {_code(client.base_url)} · no answer (see the page)")
    else:
        show_error(problem)


# --- upload ---------------------------------------------------------------------------------


def upload_view(client: PipelineClient) -> None:
    st.title("Analyse comments")
    st.write(
        "Upload course evaluations, survey answers or reviews: each comment is labelled "
        "**negative**, **neutral** or **positive**."
    )
    uploaded = st.file_uploader(
        "Comments file: CSV, Excel (XLSX), LibreOffice (ODS), or TXT with one comment per line",
        # .xls too: a tab-delimited download named .xls (Blackboard's) is read, and a real
        # Excel 97-2003 file gets the message that says how to save it, not "not allowed".
        type=list(UPLOAD_SUFFIXES),
        # A new key after each submit, so "New analysis" starts from an empty uploader.
        key=f"upload-{st.session_state.uploads}",
    )
    if uploaded is None:
        return
    content = uploaded.getvalue()
    try:
        preview = cached_preview(uploaded.file_id, content, uploaded.name)
        sheet = sheet_picker(preview, uploaded.file_id)
        if sheet != preview.options.sheet:
            preview = cached_preview(uploaded.file_id, content, uploaded.name, sheet)
    except InputError as exc:
        show_error(exc)
        return
    st.caption(
        f"Preview of {_md(uploaded.name)} (first {len(preview.rows)} rows), read as "
        f"{_md(preview.describe())}"
    )
    st.dataframe(preview.rows, hide_index=True, height=220)
    choose_and_submit(client, content, uploaded.name, preview)


def cached_preview(
    file_id: str, content: bytes, name: str, sheet: str | None = None
) -> columns.Preview:
    """The preview of the current upload (of ``sheet``, for a workbook; by default the one
    the preview picks), kept in the session so reruns do not re-read it."""
    cached = st.session_state.get("preview")
    if cached is None or cached[0] != file_id:
        cached = (file_id, {})
        st.session_state.preview = cached
    previews: dict[str | None, columns.Preview] = cached[1]
    if sheet not in previews:
        previews[sheet] = columns.preview_upload(content, name, sheet=sheet)
    return previews[sheet]


def sheet_picker(preview: columns.Preview, file_id: str) -> str | None:
    """The sheet to read, for a workbook of several, or all of them as one table; it starts
    at the preview's own pick."""
    names = [sheet.name for sheet in preview.sheets]
    tables = [sheet for sheet in preview.sheets if sheet.columns]
    choices = [*names, ALL_SHEETS] if len(tables) > 1 else names
    if len(names) < 2 or preview.options.sheet not in choices:
        return preview.options.sheet
    return st.selectbox(
        "Sheet",
        choices,
        index=choices.index(preview.options.sheet),
        key=f"sheet-{file_id}",
        format_func=columns.sheet_label,
        help="The workbook's sheets; the header row is found under any title rows. *All "
        "sheets* reads every sheet whose header names the comment column, one after the "
        "other, with a column that names each row's sheet (to compare by).",
    )


def pick_columns(
    label: str,
    choices: list[str],
    guessed: list[str],
    preview: columns.Preview,
    help_text: str | None = None,
) -> list[str]:
    """A multiselect of the preview's ``choices``, the ``guessed`` ones ticked, each labelled
    with its survey question; nothing to pick when there are no choices."""
    if not choices:
        return []
    return st.multiselect(
        label,
        choices,
        default=guessed,
        format_func=preview.column_label,
        help=help_text,
    )


def choose_and_submit(
    client: PipelineClient, content: bytes, name: str, preview: columns.Preview
) -> None:
    names = list(preview.columns)
    guess = columns.guess_text_column(names, preview.rows, preview.questions)
    text_column = st.selectbox(
        "Comment column",
        names,
        index=names.index(guess) if guess in names else 0,
        format_func=preview.column_label,
    )
    if (numbers := columns.numbers_warning(preview.rows, str(text_column))) is not None:
        st.warning(_md(numbers), icon=":material/numbers:")
    more = [c for c in names if c != text_column]
    also = pick_columns(
        "More comment columns (optional): the survey's other open questions",
        more,
        columns.guess_more_text_columns(more, text_column, preview.rows, preview.questions),
        preview,
        help_text="Each answer is labelled as its own comment, with a question column that says "
        "which question it answers; results are compared by question too.",
    )
    others = [c for c in more if c not in also]
    group_by = pick_columns(
        "Compare by (optional): course, instructor, term…",
        others,
        columns.guess_group_columns(others, text_column, preview.questions, preview.rows),
        preview,
    )
    fresh = st.checkbox(
        "Analyse again even if this file was analysed before",
        help="Otherwise the earlier job for the same file and columns is shown.",
    )
    explain = st.checkbox(
        "Explain labels (slower)",
        help="Also store the five words that drove each label, highlighted in the Comments "
        "tab. The model runs about three times per comment, so labelling takes longer.",
    )
    refused = isinstance(connection_problem(client), Unauthorized)
    if refused:
        st.caption("*Analyse* waits for a key the API accepts: see the sidebar.")
    if not st.button("Analyse", type="primary", disabled=refused):
        return
    try:
        with st.spinner("Uploading…"):
            job = client.submit(
                content,
                name,
                [str(text_column), *also],
                group_by,
                fresh=fresh,
                sheet=preview.options.sheet,
                explain=explain,
            )
    except PipelineError as exc:
        show_error(exc)
        return
    if job.reused:
        st.session_state.flash = (
            "This file was analysed before with the same columns: showing that job. Tick "
            "*Analyse again* to run it anew."
        )
    st.session_state.uploads += 1
    open_job(job.request_id)
    st.rerun()


# --- job ------------------------------------------------------------------------------------


def job_view(client: PipelineClient, request_id: str) -> None:
    try:
        job = client.status(request_id)
    except ApiUnreachable as exc:
        kept = shown_job(request_id)
        if kept is None or kept.finished:
            show_error(exc)
        else:  # its refreshing line below says so, and asks again every second
            st.session_state[UNANSWERED] = exc
        if kept is None:
            return
        st.caption(
            "This job as last loaded: what was loaded then is shown; the rest comes when the "
            "API answers again."
        )
        job = kept
    except PipelineError as exc:
        show_error(exc)
        return
    st.session_state.shown_job = job
    remember(progress.RecentJob(job.request_id, job.input_name, job.status))
    job_header(job)
    flash = st.session_state.pop("flash", None)
    if flash:
        st.info(flash)
    if not job.labelled and not job.finished:
        live_progress(client, request_id)
        return
    if job.erased_at:
        st.info(progress.erased_note(job), icon=":material/delete_forever:")
        return
    if job.finished:
        status_line(job)
    else:  # every label is in: the results now, what they are about when it is worked out
        insights_live(client, request_id)
    if job.status == "failed":
        reason = job.error or "no reason was recorded"
        st.error(f"**The job failed:** {_message(reason)}", icon=":material/error:")
    if job.status == "cancelled":
        st.warning(f"The job was cancelled; {job.rows_done:,} finished rows are kept.")
    if job.rows_done == 0:
        if job.finished:  # failed or cancelled before its first row: the upload is still kept
            erase_controls(client, job)
        return
    try:
        results_view(job)
    except JobErased as exc:  # past the retention, before the master erased it
        st.info(_message(str(exc)), icon=":material/delete_forever:")
    except ApiUnreachable as exc:  # results not loaded before the API stopped answering
        show_error(exc)


def shown_job(request_id: str) -> JobStatus | None:
    """The status this session last read of ``request_id``: the page's caches still hold what
    was loaded of its results, so an API that stops answering need not take them off the
    page. A job still running keeps its refreshing line, which says the API does not answer
    and picks the job up again once it does."""
    kept: JobStatus | None = st.session_state.get("shown_job")
    if kept is None or kept.request_id != request_id:
        return None
    return kept


def job_header(job: JobStatus) -> None:
    st.title(_md(job.input_name) if job.input_name else "Job")
    st.caption("Request id: copy it to come back to these results later")
    st.code(job.request_id, language=None)
    several = job.input_options.get("comment_columns")
    if isinstance(several, list):
        details = ["comments from " + ", ".join(f"**{_md(str(c))}**" for c in several)]
    else:
        details = [f"comment column **{_md(job.text_column)}**"]
    if job.group_by:
        details.append("compared by " + ", ".join(f"**{_md(g)}**" for g in job.group_by))
    if job.model_version:
        details.append(f"model {_md(job.model_version)}")
    if job.explain:
        details.append("labels explained")
    read = ReadOptions.from_json(job.input_options)
    if read.sheets:
        named = ", ".join(f"**{_md(sheet)}**" for sheet in read.sheets)
        details.append(f"{len(read.sheets)} sheets as one: {named}")
    elif read.sheet is not None:
        details.append(f"sheet **{_md(read.sheet)}** (header on row {read.header_row})")
    st.caption(" · ".join(details))


def status_line(job: JobStatus) -> None:
    """The status in words: a Markdown icon before it was read out as "check_circle icon"."""
    st.markdown(f"**{_md(job.status)}** · {_message(progress.progress_text(job))}")


@st.fragment(run_every=REFRESH_S)
def live_progress(client: PipelineClient, request_id: str) -> None:
    """Refreshes itself while the job runs; a full rerun shows the results once it ends."""
    refresh_start()
    try:
        job = refreshed_status(client, request_id)
    except PipelineError as exc:
        refresh_failed(exc)
        return
    if job.finished or job.labelled:
        st.rerun()
    status_line(job)
    st.progress(job.progress)
    if not cancel_controls(client, request_id):
        return
    if job.rows_done and job.labels:
        try:
            so_far = client.summary(request_id)
        except PipelineError as exc:
            refresh_failed(exc)
            return
        st.altair_chart(
            charts.distribution_chart(so_far.overall.counts, so_far.labels).properties(
                title=f"Labels so far ({so_far.rows_done:,} comments)"
            ),
            width="stretch",
        )
        # Aspects come after the labels: none yet on a new job.
        if job.insights_done != 0 and not aspects_so_far(job):
            return
    refresh_answered()


@st.fragment(run_every=REFRESH_S)
def insights_live(client: PipelineClient, request_id: str) -> None:
    """Every label is in and shown below; this line follows the job working out what the
    comments are about, and a full rerun fills the page in once it ends."""
    refresh_start()
    try:
        job = refreshed_status(client, request_id)
    except PipelineError as exc:
        refresh_failed(exc)
        return
    if job.finished:
        st.rerun()
    status_line(job)
    if job.insights_done is not None:
        st.progress(progress.insights_progress(job), text=about.WORKING_OUT_SHORT)
    cancel_controls(client, request_id)
    refresh_answered()


def refreshed_status(client: PipelineClient, request_id: str) -> JobStatus:
    """The job's status for its refreshing line. Drawn by a page whose own call of it found
    the API unreachable, that failure (asked again at once, a hung API would be waited out a
    second time); else the status read now."""
    failed: ApiUnreachable | None = st.session_state.pop(UNANSWERED, None)
    if failed is not None:
        raise failed
    return client.status(request_id)


def refresh_failed(exc: PipelineError) -> None:
    """A refreshing part of the page met an error. A refused key (revoked while the page was
    open) reruns the whole page, so the sidebar stops saying *connected* and none of the
    job stays on screen. An API that stopped answering reruns it too, once, so that the
    sidebar says *no answer* instead of *connected*; the job stays as last loaded and the
    part goes on asking (``refresh_answered``). Anything else is shown where it happened."""
    if isinstance(exc, Unauthorized):
        st.rerun()
    if isinstance(exc, ApiUnreachable):
        st.session_state[LOST] = True
        said = isinstance(st.session_state.get("connection"), ApiUnreachable)
        if fragment_rerun() and not said:
            st.rerun()
    show_error(exc)


def refresh_answered() -> None:
    """Everything a refreshing part asked for was answered: when it had found the API
    unreachable, the whole page once more, so that its message goes and the sidebar says
    *connected* again."""
    if st.session_state.pop(LOST, False) and fragment_rerun():
        st.rerun()


def aspects_so_far(job: JobStatus) -> bool:
    """The aspects of the rows labelled so far, with the note that they will change; False
    when they could not be had (the reason is shown)."""
    url, key = st.session_state.api_url, st.session_state.api_key
    try:
        summary = load_aspects(url, key, job.request_id, progress.insights_revision(job), "")
    except NotFoundError:
        return True  # an API without aspects: the labels alone, as before
    except PipelineError as exc:
        refresh_failed(exc)
        return False
    if not summary.empty:
        st.caption(about.progress_note(summary, running=True) or "")
        chart = charts.aspect_chart(about.aspect_bars(summary), job.labels)
        st.altair_chart(chart, width="stretch")
    return True


def cancel_controls(client: PipelineClient, request_id: str) -> bool:
    """*Cancel the job*, then a confirmation: a stray click must not stop an hour of work.
    False when cancelling failed (the message is shown)."""
    if st.session_state.get("confirm_cancel") != request_id:
        st.button("Cancel the job", on_click=_ask_to_cancel, args=(request_id,))
        return True
    st.warning(
        "**Cancel this job?** The rows finished so far are kept; the others will not be labelled.",
        icon=":material/warning:",
    )
    yes, no = st.columns(2)
    no.button("Keep it running", on_click=_keep_running, width="stretch")
    if yes.button("Yes, cancel the job", type="primary", width="stretch"):
        _keep_running()
        try:
            client.cancel(request_id)
        except PipelineError as exc:
            show_error(exc)
            return False
        st.rerun()
    return True


def erase_controls(client: PipelineClient, job: JobStatus) -> None:
    """*Erase this job*: its comments, labels, results files and analysis, for good, once the
    box saying so is ticked. The app's own copies (its caches) go too."""
    with st.expander("Erase this job", icon=":material/delete_forever:"):
        st.write(
            f"Deletes this job's comments ({_md(job.input_name)}), labels, results files, "
            "aspects and themes from the service for good, as a retention policy or a "
            "student's request for erasure asks. Its record stays (file name, counts, times), "
            "saying when it was erased. Files already downloaded and reports already sent are "
            "not touched."
        )
        sure = st.checkbox(
            input_label(
                f"Erase {job.input_name} ({job.rows_total:,} comments) for good",
                f"Erase this job ({job.rows_total:,} comments) for good",
            ),
            key="e-sure",
        )
        if st.button("Erase the job", type="primary", disabled=not sure, key="e-erase"):
            try:
                client.erase(job.request_id)
            except PipelineError as exc:
                show_error(exc)
                return
            st.cache_data.clear()
            cached_chart.clear()
            st.session_state.pop("e-sure", None)
            st.rerun()


def _ask_to_cancel(request_id: str) -> None:
    st.session_state.confirm_cancel = request_id


def _keep_running() -> None:
    st.session_state.confirm_cancel = None


def results_view(job: JobStatus) -> None:
    url, key = st.session_state.api_url, st.session_state.api_key
    with st.spinner("Loading the results…"):
        frame = load_results(url, key, job.request_id, progress.revision(job))
        overall = load_summary(url, key, job.request_id, progress.revision(job), "")
    labels = list(job.labels or overall.labels)
    group_columns = input_columns(frame, job, labels)
    if job.finished and job.rows_done:
        urgent_banner(job)
    every_row_failed = job.rows_done and job.rows_failed >= job.rows_done and "error" in frame
    unlabelled = explore.nothing_labelled(frame["error"].tolist()) if every_row_failed else None
    if unlabelled:
        st.warning(unlabelled, icon=":material/block:")
        unlabelled_views(job, frame, labels, group_columns)
        return
    overview, about_what, comparing, comments, reviewing, downloads = st.tabs(
        VIEWS, key=VIEW_KEY, on_change="rerun"
    )
    with overview:
        overview_tab(job, frame, overall, labels, group_columns)
    with about_what:
        about_tab(job, labels, group_columns)
    with comparing:
        compare_tab(job, frame, labels, group_columns)
    with comments:
        comments_tab(job, frame, labels, group_columns)
    with reviewing:
        # Screening every comment: only when it is looked at.
        if reviewing.open is not False and before_release(job, group_columns):
            st.header("Labels to check")
        review_tab(job, frame, labels)
    with downloads:
        downloads_tab(job, frame, labels, group_columns)
        if job.finished:
            erase_controls(get_client(st.session_state.api_url, st.session_state.api_key), job)


def unlabelled_views(
    job: JobStatus, frame: pd.DataFrame, labels: list[str], group_columns: list[str]
) -> None:
    """A job none of whose comments got a label has no shares, charts, aspects or comparisons
    to show, only flat ones: its rows with the reason each got none, what screening found (the
    urgent banner points there) and its results files."""
    comments, reviewing, downloads = st.tabs(UNLABELLED_VIEWS, key=VIEW_KEY, on_change="rerun")
    with comments:
        comments_tab(job, frame, labels, group_columns)
    with reviewing:
        if reviewing.open is not False:
            before_release(job, group_columns)
    with downloads:
        results_downloads(job, frame)
        st.caption(
            "No summary or report: they are made of the labels' shares, and no comment has a label."
        )
        if job.finished:
            erase_controls(get_client(st.session_state.api_url, st.session_state.api_key), job)


def input_columns(frame: pd.DataFrame, job: JobStatus, labels: Sequence[str]) -> list[str]:
    """The input's other columns that hold two values or more: what the results can be
    grouped by. Not the column numbering a long table's respondents: a group per student."""
    added = {*RESULT_ADDED, *(f"score_{label}" for label in labels), job.text_column}
    options = ReadOptions.from_json(job.input_options)
    respondent = options.respondent_column(list(frame.columns), job.text_column)
    offered = [c for c in frame.columns if c not in added and c != respondent]
    return groups.comparable(frame, offered, respondent)


def column_namer(job: JobStatus) -> Callable[[str], str]:
    """How a job's pickers show a column: with its survey question, cut to fit."""
    questions = ReadOptions.from_json(job.input_options).column_questions
    return lambda column: columns.column_label(column, questions, PICKED_WIDTH)


def first_group(job: JobStatus, group_columns: list[str]) -> str:
    """The column a job's pickers start at: its first group-by column, else a guess from the
    names (a course, an instructor), else the first."""
    if job.group_by and job.group_by[0] in group_columns:
        return job.group_by[0]
    guessed = columns.guess_group_columns(group_columns, job.text_column)
    return guessed[0] if guessed else group_columns[0]


def chosen_group(
    job: JobStatus, group_columns: list[str], key: str, label: str = "Compare by"
) -> str | None:
    """A column of the input to group by: the job's first group-by column, else a guess."""
    if not group_columns:
        return None
    return st.selectbox(
        label,
        group_columns,
        index=group_columns.index(first_group(job, group_columns)),
        key=key,
        format_func=column_namer(job),
    )


def overview_tab(
    job: JobStatus,
    frame: pd.DataFrame,
    overall: Summary,
    labels: list[str],
    group_columns: list[str],
) -> None:
    counts = overall.overall.counts
    percent = shares.percentages(counts, labels)
    cells = st.columns(len(labels) + 1)
    cells[0].metric("Comments", f"{overall.rows_done:,}")
    for cell, label in zip(cells[1:], labels, strict=True):
        cell.metric(
            _md(label.capitalize()),
            shares.percent_text(percent[label]),
            shares.comments_text(counts.get(label, 0)),
            delta_color="off",
            delta_arrow="off",
        )
    url, revision = st.session_state.api_url, progress.revision(job)
    made = partial(cached_chart, url, caller(st.session_state.api_key), job.request_id, revision)
    left, right = st.columns(2)
    left.altair_chart(
        made("labels", partial(charts.distribution_chart, counts, labels)), width="stretch"
    )
    right.altair_chart(
        made("confidence", partial(charts.confidence_chart, frame, labels)), width="stretch"
    )
    group = chosen_group(job, group_columns, key="overview-group")
    if group:
        by_group = load_summary(url, st.session_state.api_key, job.request_id, revision, group)
        st.altair_chart(
            made(f"groups:{group!r}", partial(charts.group_chart, by_group)), width="stretch"
        )
        group_notes(by_group)
    extremes(frame, job.text_column, labels)


def group_notes(by_group: Summary) -> None:
    """What the group chart leaves out: the small mark's meaning, the groups not drawn."""
    notes = ["*n*: the group's comments with a label."]
    if any(groups.is_small(groups.labelled(group)) for group in by_group.groups):
        notes.append(groups.SMALL_NOTE)
    hidden = len(by_group.groups) - charts.MAX_GROUPS
    if hidden > 0:
        notes.append(
            f"The {charts.MAX_GROUPS} largest of {len(by_group.groups):,} groups are drawn; the "
            "summary table (tab *Downloads*) lists all."
        )
    for one, other in look_alikes([group.group for group in by_group.groups], []):
        notes.append(look_alike_note(_md(one), _md(other)) + ".")
    st.caption(" ".join(notes))


def extremes(frame: pd.DataFrame, text_column: str, labels: list[str]) -> None:
    """The most positive and most negative comments, each once and in full."""
    shown = [label for label in ("positive", "negative") if label in labels]
    for cell, label in zip(st.columns(len(shown) or 1), shown, strict=False):
        cell.markdown(f"**Most {_md(label)} comments**")
        top = explore.top_comments(frame, text_column, label, TOP_COMMENTS)
        if top.empty:
            cell.caption(f"No comment was labelled {_md(label)}.")
        colour = palette.badge_colour(label)
        for text, score, copies in top.itertuples(index=False):
            box = cell.container(border=True)
            written = f" · written {copies:,} times" if copies > 1 else ""
            box.markdown(f":{colour}-badge[p({_md(label)}) {score:.2f}]{written}")
            box.text(str(text))


# --- about what -----------------------------------------------------------------------------


def about_tab(job: JobStatus, labels: list[str], group_columns: list[str]) -> None:
    """Aspects overall and per group (heat map), one aspect in detail with its themes, and the
    themes of each label; every part clicks through to its comments."""
    url, key = st.session_state.api_url, st.session_state.api_key
    group = chosen_group(job, group_columns, key="a-group", label="Aspects per")
    try:
        summary = load_aspects(
            url, key, job.request_id, progress.insights_revision(job), group or ""
        )
    except PipelineError as exc:
        insight_error(exc, "aspects")
        return
    working_out = progress.working_out(job)
    labelled = max(job.rows_done - job.rows_failed, 0)
    note = about.progress_note(summary, not job.finished, working_out, labelled)
    if note:  # an hourglass only where there is something to wait for
        st.info(note, icon=None if job.finished else ":material/hourglass_top:")
    empty = about.no_aspects_note(summary, working_out)
    if empty:
        st.info(empty)
    if not summary.empty:
        st.caption(
            f"{summary.rows_with_aspects:,} of {summary.rows_labelled:,} labelled comments "
            "mention at least one aspect; a comment can mention several, each with its own "
            f"polarity (aspect model {_md(summary.model_version or 'unknown')})."
        )
        bars = partial(charts.aspect_chart, about.aspect_bars(summary), labels)
        revision = progress.insights_revision(job)
        made = partial(cached_chart, url, caller(key), job.request_id, revision)
        st.altair_chart(made(f"aspects:{group!r}", bars), width="stretch")
        if group and summary.groups:
            heat_map(job, summary, group)
        with st.expander("The aspects in numbers (with 95 % intervals and meanings)"):
            st.dataframe(about.aspect_table(summary), hide_index=True)
        aspect_detail(job, summary, group)
    themes_section(job, labels)


def heat_map(job: JobStatus, summary: insights.AspectSummary, group: str) -> None:
    cells = about.heat_cells(summary)
    if cells.empty:
        return
    revision = progress.insights_revision(job)
    drawn = partial(charts.heat_map, cells, group)
    # Its own width, in a row that scrolls sideways where the screen is narrower (a phone).
    with st.container(horizontal=True, wrap=False, key="a-heat-row"):
        st.altair_chart(
            cached_chart(
                st.session_state.api_url,
                caller(st.session_state.api_key),
                job.request_id,
                revision,
                f"heat:{group!r}",
                drawn,
            ),
            width="content",
            key="a-heat",
            on_select=_pick_cell,
            selection_mode=[charts.HEAT_SELECTION, charts.HEAT_TEXT_SELECTION],
        )
    shown = min(len(summary.groups), about.MAX_HEAT_GROUPS)
    more = (
        f" The {shown} largest of {len(summary.groups):,} groups are drawn."
        if len(summary.groups) > shown
        else ""
    )
    st.caption(
        "Each cell: the share of the group's comments about the aspect that are negative about "
        "it, and their number; paler cells rest on fewer than 10 comments (a hint, not a "
        "finding). Click a cell to see that aspect below; where the screen is narrower than the "
        f"map, it scrolls sideways.{more}"
    )


def _pick_cell() -> None:
    """A heat-map click chooses the aspect (and remembers the group) shown in detail."""
    state = st.session_state.get("a-heat") or {}
    chosen = state.get("selection") or {}
    picked = chosen.get(charts.HEAT_SELECTION) or chosen.get(charts.HEAT_TEXT_SELECTION) or []
    if picked:
        st.session_state["a-aspect"] = picked[0].get("category")
        st.session_state["a-cell"] = (st.session_state.get("a-group"), picked[0].get("group_value"))


def aspect_detail(job: JobStatus, summary: insights.AspectSummary, group: str | None) -> None:
    """One aspect: its polarity counts with intervals, the comments, its themes. The picker
    shows names only: Streamlit keeps a keyed selectbox's first labels on screen, so an n in
    them stayed at the first chunk's count ("teaching (n=14)" of 1,439) as the job went on."""
    names = [aspect.name for aspect in summary.categories if aspect.n]
    if st.session_state.get("a-aspect") not in names:
        st.session_state.pop("a-aspect", None)
    chosen = st.selectbox("Aspect", names, key="a-aspect", format_func=insights.aspect_title)
    if chosen is None:
        return
    aspect = _category(summary, chosen)
    st.header(_md(about.aspect_caption(aspect).capitalize()))
    if aspect.meaning:
        st.caption(_md(aspect.meaning))
    st.dataframe(about.polarity_rows(aspect), hide_index=True, width=640)
    st.button(
        f"Show the {aspect.n:,} comments about {_md(aspect.title)}",
        key="a-show",
        on_click=show_comments,
        kwargs={"aspects": [aspect.name]},
        icon=":material/chat:",
    )
    column, cell_group = st.session_state.get("a-cell") or (None, None)
    if group and column == group and cell_group:
        st.button(
            f"… only those of {_md(str(cell_group))}",
            key="a-show-group",
            on_click=show_comments,
            kwargs={"aspects": [aspect.name], "column": group, "value": cell_group},
        )
    if job.status == "succeeded":
        aspect_themes(job, aspect)


def aspect_themes(job: JobStatus, aspect: insights.AspectStats) -> None:
    url, key = st.session_state.api_url, st.session_state.api_key
    try:
        found = load_themes(url, key, job.request_id, progress.revision(job), aspect=aspect.name)
    except PipelineError as exc:
        insight_error(exc, "themes")
        return
    themes = sorted(found.themes, key=lambda theme: theme.size, reverse=True)[:ASPECT_THEMES]
    if not themes:
        st.caption(f"No themes were found in the comments about {_md(aspect.title)}.")
        return
    st.markdown(f"**Themes in the comments about {_md(aspect.title)}**")
    for cell, theme in zip(_grid(len(themes)), themes, strict=True):
        theme_card(
            cell,
            theme,
            f"Show the {_md(theme.label)} comments about {_md(aspect.title)}",
            {"aspects": [aspect.name], "polarity": theme.label},
            key=f"a-theme-{aspect.name}-{theme.id}",
        )


def themes_section(job: JobStatus, labels: list[str]) -> None:
    """The themes of one label's comments: what the praise and the complaints are about."""
    st.header("Themes")
    later = about.themes_note(job.status)
    if later:
        icon = ":material/hourglass_top:" if later == about.THEMES_LATER else None
        st.info(later, icon=icon)
        return
    url, key = st.session_state.api_url, st.session_state.api_key
    first = "negative" if "negative" in labels else labels[0]
    label = st.selectbox(
        "Themes of the comments labelled", labels, index=labels.index(first), key="t-label"
    )
    try:
        found = load_themes(url, key, job.request_id, progress.revision(job), label=label)
    except PipelineError as exc:
        insight_error(exc, "themes")
        return
    if not found.themes:
        st.caption(f"No themes were found among the {_md(label)} comments.")
        return
    st.caption(
        f"{len(found.themes)} themes in {found.n:,} {_md(label)} comments: each comment is in one "
        "theme; the keywords are the words that set it apart, the quotes its most typical "
        "comments."
    )
    for cell, theme in zip(_grid(len(found.themes)), found.themes, strict=True):
        theme_card(
            cell,
            theme,
            f"Show these {shares.comments_text(theme.size)}",
            {"theme": str(theme.id), "label": theme.label},
            key=f"t-theme-{theme.id}",
        )


def theme_card(
    cell: DeltaGenerator,
    theme: insights.ThemeCard,
    button: str,
    target: dict[str, object],
    key: str,
    count: int | None = None,
) -> None:
    """A theme: its name and label, size, keywords and up to three quotes, and a button to
    its comments (``target``: the filters ``show_comments`` sets)."""
    box = cell.container(border=True)
    size = theme.size if count is None else count
    box.markdown(
        f"**{_md(theme.name)}** :{palette.badge_colour(theme.label)}-badge[{_md(theme.label)}] "
        f"· {shares.comments_text(size)}"
    )
    if theme.keywords:
        box.caption("Keywords: " + ", ".join(_md(word) for word in theme.keywords))
    for quote in theme.quotes[:3]:
        box.text(f"“{quote.text}”")
    box.button(button, key=key, on_click=show_comments, kwargs=target)


def show_comments(
    aspects: Sequence[str] = (),
    theme: str | None = None,
    label: str | None = None,
    column: str | None = None,
    value: str | None = None,
    polarity: str | None = None,
) -> None:
    """Click-through: the Comments tab, filtered to what was clicked (other filters cleared)."""
    state = st.session_state
    state["f-labels"] = [label] if label else []
    state["f-aspects"] = list(aspects)
    state["f-polarity"] = polarity
    state["f-theme"] = theme
    state["f-search"] = ""
    state["f-conf"] = 0.0
    if column:
        state["f-group"] = column
        state["f-values"] = [value if value is None else group_cell(value)]
    else:
        state["f-values"] = []
    state[VIEW_KEY] = "Comments"


def _category(summary: insights.AspectSummary, name: str) -> insights.AspectStats:
    found = summary.category(name)
    assert found is not None, name  # the names come from the summary itself
    return found


def _grid(count: int, per_row: int = 2) -> list[DeltaGenerator]:
    """Cells for ``count`` cards, ``per_row`` side by side."""
    cells: list[DeltaGenerator] = []
    for start in range(0, count, per_row):
        cells += st.columns(per_row)[: min(per_row, count - start)]
    return cells


# --- compare --------------------------------------------------------------------------------


def compare_tab(
    job: JobStatus, frame: pd.DataFrame, labels: list[str], group_columns: list[str]
) -> None:
    """Two groups side by side, one group against all the others, this job against an
    earlier one (last term's), several in order, or a rating column against the comments."""
    mode = st.radio(
        "Compare", COMPARE_MODES, horizontal=True, key="c-mode", label_visibility="collapsed"
    )
    if mode == COMPARE_MODES[1]:
        change_view(job, group_columns)
        return
    if mode == COMPARE_MODES[2]:
        trend_view(job, group_columns)
        return
    if mode == COMPARE_MODES[3]:
        ratings_view(job, frame, group_columns)
        return
    if not group_columns:
        st.info(
            "Comparing needs a column to group by (course, instructor, term…) that holds two "
            "values or more; this file has none besides the comments."
        )
        return
    url, key = st.session_state.api_url, st.session_state.api_key
    column = chosen_group(job, group_columns, key="c-column", label="Compare groups of")
    if column is None:
        return
    summary = load_summary(url, key, job.request_id, progress.revision(job), column)
    names = compare.group_names(summary)
    if len(names) < 2:
        st.info(f"Every comment has the same {_md(column)}: there is nothing to compare.")
        return
    left, right = st.columns(2)
    first = left.selectbox("Group", names, key=f"c-first-{column}")
    second = right.selectbox(
        "against", [compare.REST, *(n for n in names if n != first)], key=f"c-second-{column}"
    )
    if first is None or second is None:
        return
    try:
        aspects: insights.AspectSummary | None = load_aspects(
            url, key, job.request_id, progress.insights_revision(job), column
        )
    except PipelineError as exc:
        insight_error(exc, "aspects")
        aspects = None
    one = compare.group_side(summary, aspects, first)
    other = (
        compare.rest_side(summary, aspects, first)
        if second == compare.REST
        else compare.group_side(summary, aspects, second)
    )
    empty = [side.name for side in (one, other) if not side.n]
    if empty:  # no share to test: its blank flags would read as "no difference"
        st.info(
            f"{' and '.join(map(_md, empty))}: no comment with a label, so there are no shares "
            "to compare and no test was made. Pick another group."
        )
        return
    result = compare.compare(one, other, labels)
    drawn = partial(charts.compare_chart, compare.chart_rows(result), labels)
    revision = progress.insights_revision(job)
    which = f"compare:{(column, first, second)!r}"
    chart = cached_chart(url, caller(key), job.request_id, revision, which, drawn)
    compared_shares(result, chart)
    if aspects is not None and not aspects.empty:
        st.markdown("**Aspects: share negative**")
        st.dataframe(
            compare.table(result.aspects, one.name, other.name, "aspect"),
            hide_index=True,
            column_config=_flag_column(),
        )
    if job.status == "succeeded":
        compared_themes(job, summary, column, first, second)


def ratings_view(job: JobStatus, frame: pd.DataFrame, group_columns: list[str]) -> None:
    """Do the comments say what the ratings say? A closed question of the file against the
    comments' sentiment, per group, and the comments that contradict their own rating."""
    candidates = ratings.rating_candidates(frame, group_columns)
    if not candidates:
        st.info(
            "No column of this file reads as ratings: numbers of a scale (1-5, 1-10) or the "
            "words of one (Strongly agree … Strongly disagree, Poor … Excellent). Course "
            "evaluations export each closed question as such a column beside the comments."
        )
        return
    left, middle, right = st.columns([2, 2, 1])
    column = left.selectbox(
        "Rating column", candidates, format_func=column_namer(job), key="r-column"
    )
    by = per_value_of(job, middle, [c for c in group_columns if c != column], "r-by")
    scale = right.text_input(
        "Scale (worst-best)",
        key="r-scale",
        placeholder="from the values",
        help="1-5; 5-1 where 1 is the best rating",
    )
    url, key = st.session_state.api_url, st.session_state.api_key
    try:
        body = load_ratings(
            url, key, job.request_id, progress.revision(job), column, by, scale.strip()
        )
    except PipelineError as exc:
        show_error(exc)
        return
    overall = body["overall"]
    st.caption(_md(rating_table.heading(body, _unfinished(job, FIGURES_HOLD))))
    if body.get("note"):
        st.info(f"Note: {_message(str(body['note']))}.", icon=":material/info:")
    cells = st.columns(3)
    cells[0].metric("Mean rating", "-" if overall["mean"] is None else f"{overall['mean']:.1f}")
    rho = overall["correlation"]
    cells[1].metric(
        "Comments follow the ratings (rho)",
        "-" if rho is None else f"{rho:.2f}",
        help="Spearman's rank correlation of each comment's rating and sentiment: 1 when "
        "the better the rating, the warmer the comment; 0 when unrelated.",
    )
    cells[2].metric(
        "Comments that contradict their rating",
        f"{body['contradicting']['comments']:,}",
        help="Rated high (top quarter of the scale) but negative, or low but positive.",
    )
    for group in ratings.reversed_groups(body):
        st.warning(
            f"**{_md(group)}**: its ratings fall as its comments get warmer, beyond the noise. Its "
            "scale most likely reads the other way round (1 = best), or was reversed in the "
            "export: check before averaging it with the others.",
            icon=":material/swap_vert:",
        )
    if overall["reads_reversed"]:
        st.warning(
            "Ratings fall as comments get warmer, beyond the noise: the scale most likely reads "
            "the other way round. Give it as *Scale* (5-1 when 1 is best).",
            icon=":material/swap_vert:",
        )
    if body["groups"]:
        st.dataframe(ratings.groups_frame(body), hide_index=True)
    drivers = ratings.aspects_frame(body)
    if not drivers.empty:
        st.markdown(
            "**What the ratings follow**: the ratings of the comments negative about each "
            "aspect against the other comments' (Mann-Whitney, Holm over the aspects). An "
            "association, not a cause."
        )
        st.dataframe(drivers, hide_index=True)
    found = ratings.contradicting_frame(body)
    if found.empty:
        st.caption("No comment contradicts its rating.")
        return
    shown = len(found)
    st.markdown(
        f"**Comments that contradict their rating**: the clearest {shown:,} of "
        f"{body['contradicting']['comments']:,}. Often a scale read the wrong way round, irony, "
        "or a comment about something else than the question rated."
    )
    st.dataframe(found, hide_index=True)


def earlier_choices(job: JobStatus, unfinished: str) -> dict[str, str] | None:
    """The caller's other finished jobs, that ``job`` can be set against (those uploaded
    before it first), each with its caption; None, with the reason on the page, while ``job``
    runs or the list cannot be had."""
    if job.status != "succeeded":
        st.info(unfinished, icon=":material/hourglass_top:")
        return None
    try:
        jobs = load_jobs(st.session_state.api_url, st.session_state.api_key)
    except PipelineError as exc:
        show_error(exc)
        return None
    choices = change.earlier_jobs(jobs, job.request_id, job.created_at)
    return {item.request_id: change.job_caption(item, job.created_at) for item in choices}


def per_value_of(job: JobStatus, cell: DeltaGenerator, group_columns: list[str], key: str) -> str:
    """The column a change, a trend or a rating is read per value of ("" for all comments
    alone), each with its survey question; the job's first group column by default."""
    named = column_namer(job)
    choices = ["", *group_columns]
    return cell.selectbox(
        "Per value of",
        choices,
        format_func=lambda name: named(name) if name else "no column (all comments)",
        index=choices.index(first_group(job, group_columns)) if group_columns else 0,
        key=key,
    )


def change_view(job: JobStatus, group_columns: list[str]) -> None:
    """What changed since an earlier job of the same survey: shares overall, per aspect and
    per group, earlier → now, flagged only beyond the noise."""
    captions = earlier_choices(
        job,
        "Comparing with an earlier job needs this one finished: every comment of both must count.",
    )
    if captions is None:
        return
    url, key = st.session_state.api_url, st.session_state.api_key
    left, right = st.columns(2)
    since = left.selectbox(
        "Earlier job (last term's, say)",
        list(captions),
        index=None,
        format_func=captions.__getitem__,
        placeholder="Choose a finished job" if captions else "No other finished job",
        key="ch-since",
    )
    pasted = progress.clean_request_id(
        left.text_input("…or its request id", key="ch-pasted", placeholder="request id")
    )
    column = per_value_of(job, right, group_columns, "ch-column")
    malformed = progress.not_a_request_id(pasted) if pasted else None
    if malformed is not None:  # as the sidebar says it, not the API's validation text
        show_error(malformed)
        return
    since = pasted or since
    if since == job.request_id:
        st.warning(
            "That is this job's own request id: paste the request id of an earlier job to "
            "compare this one with.",
            icon=":material/warning:",
        )
        return
    if not since:
        st.caption(
            "Choose the job of an earlier term (or any earlier file of the same survey) to see "
            "what changed: each share before and now, and which changes are beyond the noise."
        )
        return
    try:
        states = load_job_states(url, key, (since, job.request_id))
        body = load_change(url, key, job.request_id, since, states, column or "")
    except PipelineError as exc:
        show_error(exc)
        return
    if change.uploaded_later([body["before"], body["after"]]):
        uploaded_after(body)
    change_figures(job, body)


def uploaded_after(body: dict) -> None:
    """The earlier job was uploaded after this one: right for an older term submitted again
    (after a model change, or filled in later), backwards for a newer term, which only the
    user can tell. Said, and the change shown; that job's page compares the other way round."""
    later = body["before"]
    st.warning(
        f"**{_md(later['input_name'])} was uploaded after this job** "
        f"({later['created_at'][:10]}): it is read as the earlier term all the same, as you "
        "chose it. That is right for an older term submitted again; if it is the later term, "
        "open it and compare this job against it there, or every fall would read as a rise.",
        icon=":material/warning:",
    )
    if st.button("Open that job", key="ch-open-newer", icon=":material/open_in_new:"):
        open_job(str(body["since"]))
        st.rerun()


def change_figures(job: JobStatus, body: dict) -> None:
    before = body["before"]
    st.markdown(
        f"**Earlier:** {_md(before['input_name'])} ({before['created_at'][:10]}) · "
        f"**now:** {_md(body['after']['input_name'])} ({body['after']['created_at'][:10]})"
    )
    rows = change.chart_rows(body)
    jobs_figures(
        body,
        change.flag_sentences(body),
        None if rows.empty else charts.change_chart(rows),
        change.table(body),
        change.aspect_table(body),
        change_table.one_job_only(body),
        (
            FISHER,
            f"Flags: Fisher's exact test on each share, Holm's correction over the "
            f"{body['tests']} tests of this change (the report's method): a flag means the "
            "change is unlikely to be chance (5 % family-wise). No flag does not mean no "
            "change, only that these comments cannot tell. Groups are matched by their exact "
            "value.",
        ),
        "No change here is beyond the noise.",
    )
    since = body["since"]
    jobs_downloads(
        job,
        body,
        ("Change table (CSV)", change_table.to_csv(body), f"change-since-{since[:8]}"),
        ("change", f"since-{since[:8]}", "what changed since the earlier job"),
        "ch",
        since=since,
    )
    themes_over(job, (str(since), job.request_id), "ch")
    if body.get("group_by"):
        change_in_detail(job, body)


def trend_view(job: JobStatus, group_columns: list[str]) -> None:
    """How the shares moved over several jobs of the same survey, this one last: each share in
    each job, a trend flagged only beyond the noise."""
    captions = earlier_choices(
        job, "A trend needs this job finished: every comment of every job must count."
    )
    if captions is None:
        return
    url, key = st.session_state.api_url, st.session_state.api_key
    left, right = st.columns(2)
    earlier = left.multiselect(
        "Earlier jobs, oldest first (in the order you pick them)",
        list(captions),
        format_func=captions.__getitem__,
        max_selections=MAX_TREND_JOBS - 1,
        placeholder="Choose finished jobs" if captions else "No other finished job",
        key="tr-jobs",
    )
    pasted = change.pasted_ids(
        left.text_input(
            "…or their request ids, oldest first",
            key="tr-pasted",
            placeholder="request ids, separated by spaces",
        )
    )
    column = per_value_of(job, right, group_columns, "tr-column")
    chosen = pasted_earlier(job, pasted) if pasted else earlier
    if chosen is None:
        return
    if not chosen:
        st.caption(
            "Choose the jobs of earlier terms, oldest first; this job comes last. Each share is "
            "shown in every job, and a steady rise or fall is flagged when it is beyond the "
            "noise, even where no single step between two terms is."
        )
        return
    ids = (*chosen, job.request_id)
    try:
        body = load_trend(url, key, ids, load_job_states(url, key, ids), column or "")
    except PipelineError as exc:
        show_error(exc)
        return
    later = change.uploaded_later(body["jobs"])
    if later:
        names = ", ".join(f"**{_md(item['input_name'])}**" for item in later)
        st.warning(
            f"{names} {'was' if len(later) == 1 else 'were'} uploaded after a job that follows "
            "here: the jobs are read in the order given, as the terms' order, not by upload "
            "date. That is right for an older term submitted again; if not, give them again "
            "in the order of the terms.",
            icon=":material/warning:",
        )
    trend_figures(job, body)


def pasted_earlier(job: JobStatus, pasted: list[str]) -> list[str] | None:
    """Pasted request ids as a trend's earlier jobs, in their order (this job's own id at the
    end left out: it comes last by itself); None, with the reason on the page, for one that
    is no request id or this job's own before the end."""
    ids = pasted[:-1] if pasted[-1] == job.request_id else pasted
    for item in ids:
        malformed = progress.not_a_request_id(item)
        if malformed is not None:  # as the sidebar says it, not the API's validation text
            show_error(malformed)
            return None
    if job.request_id in ids:
        st.warning(
            "Those ids hold this job's own request id: this job comes last by itself, so paste "
            "the earlier jobs' ids, oldest first.",
            icon=":material/warning:",
        )
        return None
    return ids


def trend_figures(job: JobStatus, body: dict) -> None:
    st.markdown(" · ".join(f"**{_md(name)}**" for name in trend_table.job_names(body)))
    rows = trend.chart_rows(body)
    jobs_figures(
        body,
        trend.flag_sentences(body),
        None if rows.empty else charts.trend_chart(rows),
        trend.table(body),
        trend.aspect_table(body),
        trend_table.one_job_only(body),
        (
            TREND_TEST,
            f"Trends: the Cochran–Armitage test on each share over the jobs in their order, "
            f"Holm's correction over the {body['tests']} tests of this trend (5 % "
            "family-wise). A flag means the share moves one way across the jobs more than "
            "chance would; no flag does not mean no change, only that these comments cannot "
            f"tell. A share with under {body['min_expected']:.0f} comments with the label or "
            "without it is shown, not tested.",
        ),
        "No trend here is beyond the noise.",
    )
    count = len(body["jobs"])
    jobs_downloads(
        job,
        body,
        ("Trend table (CSV)", trend_table.to_csv(body), f"trend-{count}-jobs"),
        ("trend", f"trend-{count}-jobs", "the trend over these jobs"),
        "tr",
        trend=tuple(str(item["request_id"]) for item in body["jobs"][:-1]),
    )
    themes_over(job, tuple(str(item["request_id"]) for item in body["jobs"]), "tr")
    if body.get("group_by") and body.get("groups"):
        trend_in_detail(body)


def themes_over(job: JobStatus, ids: tuple[str, ...], key_prefix: str) -> None:
    """The themes of one label found once over these jobs' comments: which grew, which faded,
    which are new (``GET /v1/trend/themes``)."""
    st.markdown("**Themes over these jobs**")
    labels = list(job.labels)
    label = st.selectbox(
        "Themes of the comments labelled",
        labels,
        index=labels.index("negative") if "negative" in labels else 0,
        key=f"{key_prefix}-themes-label",
        help="Found once over every job's comments with this label, so a theme is the same "
        "theme in each job.",
    )
    url, key = st.session_state.api_url, st.session_state.api_key
    try:
        states = load_job_states(url, key, ids)
        body = trend.named_themes(load_trend_themes(url, key, ids, states, label))
    except PipelineError as exc:
        show_error(exc)
        return
    if not body["themes"]:
        st.caption(f"No comment labelled {_md(label)} in these jobs.")
        return
    for sentence in theme_trend_table.flag_sentences(body):
        st.markdown(f":material/flag: **{_md(sentence)}**, beyond the noise.")
    flags = {**_flag_column(TREND_TEST), "trend": st.column_config.TextColumn(width="medium")}
    st.dataframe(trend.theme_table(body), hide_index=True, column_config=flags)
    counted = " · ".join(f"{n:,}" for n in body["label_n"])
    st.caption(
        f"{_md(label.capitalize())} comments by job: {counted}. A theme's share is of all the "
        "job's comments with a label, so a theme can grow while the label's comments shrink. "
        "Trends: the Cochran–Armitage test, Holm's correction over the "
        f"{body['tests']} themes tested (5 % family-wise); *new*: no comment in it before the "
        "last job."
    )
    text = theme_trend_table.to_csv(body)
    job_download(
        st.container(),
        job,
        "Themes over these jobs (CSV)",
        lambda: text,
        file_name=f"{_stem(job)}-{label}-themes-{len(ids)}-jobs.csv",
        mime="text/csv",
        icon=":material/download:",
        key=f"{key_prefix}-themes-csv",
    )


def detail_choice(column: str, names: list[str], when: str, key: str) -> str | None:
    """The group of ``column`` to look at in detail, under its heading; None until chosen."""
    word = groups.in_sentence(column)
    st.markdown(f"**One {_md(word)} in detail**")
    return st.selectbox(
        input_label(f"Which {word}", "Which one"),
        names,
        index=None,
        placeholder=f"Choose a {word} to see its aspects {when}",
        key=key,
    )


def trend_in_detail(body: dict) -> None:
    """One group through the jobs: its label shares and its aspects' share negative in each,
    with trends tested as a family of their own (Holm over that group's tests)."""
    column = str(body["group_by"])
    chosen = detail_choice(column, change.detail_groups(body), "in each job", "tr-detail")
    if chosen is None:
        return
    url, key = st.session_state.api_url, st.session_state.api_key
    ids = tuple(str(item["request_id"]) for item in body["jobs"])
    try:
        detail = load_trend(url, key, ids, load_job_states(url, key, ids), column, chosen)
    except PipelineError as exc:
        show_error(exc)
        return
    group_in_detail(
        detail,
        chosen,
        (trend.flag_sentences(detail), trend.table(detail), trend.aspect_table(detail)),
        "trend",
    )


def group_in_detail(
    detail: dict,
    chosen: str,
    figures: tuple[list[str], pd.DataFrame, pd.DataFrame],
    what: str,
) -> None:
    """One group's change or trend (the API's answer for that group alone): the flags in
    words, its labels, its aspects, and that they are a family of their own."""
    sentences, labels, aspects = figures
    flags = _flag_column(TREND_TEST if what == "trend" else FISHER)
    for sentence in sentences:
        st.markdown(f":material/flag: **{_md(sentence)}**, beyond the noise.")
    st.dataframe(labels, hide_index=True, column_config=flags)
    if not aspects.empty:
        st.markdown("**Aspects: share negative**")
        st.dataframe(aspects, hide_index=True, column_config=flags)
    if any(frame[groups.SMALL_MARK].any() for frame in (labels, aspects) if not frame.empty):
        st.caption(change_table.SMALL_LEGEND)
    st.caption(
        f"These {what}s are a family of their own: Holm's correction over the "
        f"{detail['tests']} tests of {_md(chosen)} alone, so an aspect can be flagged here "
        f"that the whole {what} cannot single out."
    )


def jobs_figures(
    body: dict,
    sentences: list[str],
    chart: alt.Chart | None,
    table: pd.DataFrame,
    aspects: pd.DataFrame,
    one_job: list[str],
    method: tuple[str, str],
    nothing: str,
) -> None:
    """What a change or a trend shows, in the same places: notes, the flags in words, the
    chart, the tables, the groups in one job only and how the flags were made (``method``:
    the test's name, for the flag column's help, and the caption)."""
    for note in body.get("notes") or []:
        st.warning(_message(str(note)), icon=":material/info:")
    for sentence in sentences:
        st.markdown(f":material/flag: **{_md(sentence)}**, beyond the noise.")
    if chart is not None:
        st.altair_chart(chart, width="stretch")
    test, explained = method
    flags = _flag_column(test)
    st.dataframe(table, hide_index=True, column_config=flags)
    if not aspects.empty:
        st.markdown("**Aspects: share negative**")
        st.dataframe(aspects, hide_index=True, column_config=flags)
    if any(frame[groups.SMALL_MARK].any() for frame in (table, aspects) if not frame.empty):
        st.caption(change_table.SMALL_LEGEND)
    for line in one_job:
        st.caption(_md(line))
    st.caption(explained)
    if not sentences:
        st.caption(nothing)


def jobs_downloads(
    job: JobStatus,
    body: dict,
    table: tuple[str, str, str],
    report: tuple[str, str, str],
    key_prefix: str,
    since: str = "",
    trend: tuple[str, ...] = (),
) -> None:
    """A change's or a trend's table as CSV and the report with its page: ``table`` is the
    button's label, the CSV and the file's suffix; ``report`` what the page is called in the
    button, the file's suffix and what the page says."""
    label, text, suffix = table
    what, report_suffix, about = report
    left, middle, right = st.columns(3)
    job_download(
        left,
        job,
        label,
        lambda: text,
        file_name=f"{_stem(job)}-{suffix}.csv",
        mime="text/csv",
        icon=":material/download:",
        width="stretch",
        key=f"{key_prefix}-csv",
    )
    url, key = st.session_state.api_url, st.session_state.api_key
    group_by = body.get("group_by") or ""
    made = partial(report_bytes, url, key, job.request_id, progress.revision(job), group_by)
    others = load_job_states(url, key, (since,) if since else trend)
    for cell, report_format, mime in (
        (middle, "pdf", "application/pdf"),
        (right, "html", "text/html"),
    ):
        maker = partial(made, report_format, None, since, trend, others=others)
        job_download(
            cell,
            job,
            f"Report with this {what} ({report_format.upper()})",
            maker,
            verify=maker,
            file_name=exports.report_file_name(
                f"{_stem(job)}-{report_suffix}", group_by or None, report_format
            ),
            mime=mime,
            icon=":material/download:",
            width="stretch",
            help=f"The committee report with a page on {about}.",
            key=f"{key_prefix}-report-{report_format}",
        )


def change_in_detail(job: JobStatus, body: dict) -> None:
    """One group now against the same group earlier: its label shares and its aspects' share
    negative, tested as a family of their own (Holm over that group's tests), as the API's
    ``/change?group=``, ``sentiment-pipeline change --group`` and the report give them."""
    column = str(body["group_by"])
    chosen = detail_choice(column, change.detail_groups(body), "earlier and now", "ch-detail")
    if chosen is None:
        return
    url, key = st.session_state.api_url, st.session_state.api_key
    try:
        since = str(body["since"])
        states = load_job_states(url, key, (since, job.request_id))
        detail = load_change(url, key, job.request_id, since, states, column, chosen)
    except PipelineError as exc:
        show_error(exc)
        return
    group_in_detail(
        detail,
        chosen,
        (change.flag_sentences(detail), change.table(detail), change.aspect_table(detail)),
        "change",
    )


def compared_shares(result: compare.Comparison, chart: alt.Chart) -> None:
    one, other = result.first, result.second
    st.altair_chart(chart, width="stretch")
    st.dataframe(
        compare.table(result.labels, one.name, other.name, "label"),
        hide_index=True,
        column_config=_flag_column(),
    )
    small = [side.name for side in (one, other) if groups.is_small(side.n)]
    if small:
        st.warning(
            f"{' and '.join(map(_md, small))}: fewer than {groups.SMALL_GROUP} comments, so the "
            "intervals are wide and only a large difference can be flagged.",
            icon=":material/info:",
        )
    flagged = [row for row in (*result.labels, *result.aspects) if row.flagged]
    for row in flagged:
        what = (
            row.key if row in result.labels else f"negative about {insights.aspect_title(row.key)}"
        )
        st.markdown(
            f":material/flag: **{_md(what)}**: {_percent(row.first)} in {_md(one.name)} against "
            f"{_percent(row.second)} in {_md(other.name)}, beyond the noise "
            f"(Holm-adjusted p {_p_text(row.adjusted_p or 0.0)})."
        )
    st.caption(
        f"Flags: Fisher's exact test on each share, Holm's correction over the {result.tests} "
        "tests of this comparison (the report's method): a flag means the difference is "
        "unlikely to be chance (5 % family-wise). No flag does not mean no difference, only "
        "that these comments cannot tell. Intervals: Wilson, 95 %."
    )
    if not flagged:
        st.caption("No difference here is beyond the noise.")


def compared_themes(job: JobStatus, summary: Summary, column: str, first: str, second: str) -> None:
    """The themes of each side: a group's own (re-clustered by the server), the rest's from
    the whole job's themes less that group's comments."""
    url, key = st.session_state.api_url, st.session_state.api_key
    st.markdown("**Themes of each side**")
    cells = st.columns(2)
    for cell, name in zip(cells, (first, second), strict=True):
        try:
            if name == compare.REST:
                found = load_themes(
                    url, key, job.request_id, progress.revision(job), group_by=column
                )
                counted = [
                    (t, t.size - t.count_in(_raw_group(summary, first))) for t in found.themes
                ]
            else:
                found = load_themes(
                    url,
                    key,
                    job.request_id,
                    progress.revision(job),
                    group_by=column,
                    group=name,
                )
                counted = [(theme, theme.size) for theme in found.themes]
        except PipelineError as exc:
            with cell:
                insight_error(exc, "themes")
            continue
        cell.caption(f"{_md(name)}: {len(found.themes)} themes")
        top = sorted((pair for pair in counted if pair[1] > 0), key=lambda p: -p[1])
        for theme, count in top[:COMPARE_THEMES]:
            box = cell.container(border=True)
            box.markdown(
                f"**{_md(theme.name)}** "
                f":{palette.badge_colour(theme.label)}-badge[{_md(theme.label)}] "
                f"· {shares.comments_text(count)}"
            )
            if theme.quotes:
                box.text(f"“{theme.quotes[0].text}”")


def _raw_group(summary: Summary, name: str) -> str | None:
    """The group's value as the API knows it (None for the blank group)."""
    for part in summary.groups:
        if groups.group_name(part.group) == name:
            return part.group
    return None


def _p_text(p_value: float) -> str:
    """``= 0.012``, or ``< 0.001`` rather than a p of zero."""
    return "< 0.001" if p_value < 0.001 else f"= {p_value:.3f}"


def _percent(share: compare.Share) -> str:
    return f"{shares.percent_text(share.percent)} (n={share.n:,})"


FISHER = "Fisher's exact test"
TREND_TEST = "the Cochran–Armitage test for a trend"


def _flag_column(test: str = FISHER) -> dict[str, ColumnConfig]:
    """The *beyond the noise* column, its help naming the test that flagged it."""
    return {
        "beyond the noise": st.column_config.CheckboxColumn(
            "beyond the noise",
            help=f"The difference survives {test} with Holm's correction (5 % family-wise).",
        )
    }


# --- comments -------------------------------------------------------------------------------


def comments_tab(
    job: JobStatus, frame: pd.DataFrame, labels: list[str], group_columns: list[str]
) -> None:
    first, second, third = st.columns(3)
    chosen_labels = first.multiselect("Label", [*labels, explore.NO_LABEL], key="f-labels")
    min_confidence = second.slider("Minimum confidence", 0.0, 1.0, 0.0, 0.05, key="f-conf")
    search = third.text_input("Text contains", key="f-search")
    group, values = None, []
    if group_columns:
        left, right = st.columns(2)
        with left:
            group = chosen_group(job, group_columns, key="f-group", label="Filter by column")
        options = sorted(frame[group].astype(str).unique().tolist()) if group else []
        values = right.multiselect(
            input_label(f"Where {group} is", "Where that column is"), options, key="f-values"
        )
    chosen_aspects, polarity, theme, theme_names = insight_filters(job, frame, labels)
    chosen = explore.ResultFilter(
        labels=chosen_labels,
        group_column=group,
        groups=values,
        min_confidence=min_confidence,
        search=search,
        aspects=chosen_aspects,
        aspect_polarity=polarity,
        theme=theme,
    )
    order = comments_order(job, group_columns)
    shown = explore.sort_results(
        explore.filter_results(frame, job.text_column, chosen), order, labels
    )
    pages = max(1, math.ceil(len(shown) / PAGE_ROWS))
    # Another order starts again at its first page: its first comments are the ones asked for.
    page = st.pagination(pages, key=f"f-page-{pages}-{order}") if pages > 1 else 1
    on_page = shown.iloc[(page - 1) * PAGE_ROWS : page * PAGE_ROWS]
    where = (
        f" · page {page} of {pages}, {_md(explore.order_name(order, job.text_column))}: *Order* "
        "sorts them all before they are paged, a click on a column's title this page alone"
        if pages > 1
        else ""
    )
    st.caption(
        f"{len(shown):,} of {len(frame):,} comments{where} · *confidence*: the probability of "
        "the chosen label (every label's score is in the downloads)"
    )
    st.dataframe(
        explore.comments_table(on_page, job.text_column, labels, theme_names),
        hide_index=True,
        column_config={
            "label": _label_column(labels),
            review.CONFIDENCE: _score_column("confidence", width="small"),
            job.text_column: st.column_config.TextColumn(width="large"),
            explore.ASPECTS: _aspect_column(explore.categories(frame), labels),
        },
    )
    explanations(job, on_page)


def comments_order(job: JobStatus, group_columns: list[str]) -> explore.Order:
    """How the Comments table is sorted: every comment that passes the filters, before the
    table is cut into pages (the grid's own sort, a click on a column's title, sorts only the
    page it holds)."""
    choices = explore.orders(job.text_column, group_columns)
    if st.session_state.get("f-order") not in choices:
        st.session_state.pop("f-order", None)
    cell, _rest = st.columns([1, 2])
    chosen = cell.selectbox(
        "Order",
        choices,
        key="f-order",
        format_func=lambda order: explore.order_name(order, job.text_column),
        help="Sorts every comment the filters keep, then shows them 100 a page; the words "
        "that drove each label, below the table, follow the same order.",
    )
    return chosen or explore.FILE_ORDER


def insight_filters(
    job: JobStatus, frame: pd.DataFrame, labels: list[str]
) -> tuple[list[str], str | None, str | None, dict[str, str]]:
    """The aspect filters (which aspects, and what is said about them) and the theme filter,
    where the results have them; and theme id → name for the table."""
    names = theme_names(job, frame)
    categories = explore.categories(frame)
    if not categories and not names:
        return [], None, None, names
    left, middle, right = st.columns(3)
    aspects = left.multiselect(
        "About (aspects)", categories, key="f-aspects", format_func=insights.aspect_title
    )
    if st.session_state.get("f-polarity") not in (None, *labels):
        st.session_state["f-polarity"] = None
    polarity = middle.selectbox(
        "Saying about it",
        [None, *labels],
        key="f-polarity",
        format_func=lambda value: "(anything)" if value is None else value,
        disabled=not aspects,
    )
    theme = None
    if names:
        if st.session_state.get("f-theme") not in (None, *names):
            st.session_state["f-theme"] = None
        theme = right.selectbox(
            "Theme",
            [None, *names],
            key="f-theme",
            format_func=lambda value: "(any)" if value is None else names[value],
        )
    return aspects, polarity, theme, names


def theme_names(job: JobStatus, frame: pd.DataFrame) -> dict[str, str]:
    """Theme id → name (with its label) where the results hold themes; none when the themes
    cannot be had (the About-what tab says why: the table and downloads then show ids)."""
    if explore.THEME not in frame.columns or job.status != "succeeded":
        return {}
    url, key = st.session_state.api_url, st.session_state.api_key
    try:
        found = load_themes(url, key, job.request_id, progress.revision(job))
    except PipelineError:
        return {}
    return explore.theme_names(found.themes)


def explanations(job: JobStatus, page: pd.DataFrame) -> None:
    """The words that drove each label, highlighted, for the comments on this page."""
    if explore.has_explanations(page):
        rows = [
            (str(text), str(label or ""), str(cell))
            for text, label, cell in zip(
                page[job.text_column], page["label"], page[explore.EXPLANATION], strict=True
            )
            if isinstance(cell, str) and cell
        ]
        st.markdown("**Why these labels** (the comments on this page, in the table's *Order*)")
        st.caption(highlight.LEGEND)
        with st.container(height=420):
            st.html(highlight.page_html(rows))
    elif not job.explain:
        st.caption(
            "To see the words that drove each label, analyse the file with *Explain labels "
            "(slower)* ticked."
        )


def urgent_banner(job: JobStatus) -> None:
    """A finished job whose comments hold a threat or words of self-harm says so above every
    tab: someone must read them whichever tab they open."""
    url, key = st.session_state.api_url, st.session_state.api_key
    try:
        body = load_urgent(url, key, job.request_id, progress.revision(job))
    except PipelineError as exc:
        insight_error(exc, "screening before release")
        return
    note = release.urgent_note(body)
    if note:
        st.error(
            f"{note} They are at the top of *Review → Before release*.", icon=":material/emergency:"
        )


def before_release(job: JobStatus, group_columns: list[str]) -> bool:
    """The comments a report leaves out or masks, for the person who releases the reports:
    threats and words of self-harm first, to act on. True when it listed some, so that what
    follows needs a heading of its own."""
    st.header("Before release")
    url, key = st.session_state.api_url, st.session_state.api_key
    by = ""
    if group_columns:
        by = st.selectbox(
            "Name each comment's", group_columns, key=f"r-flagged-by-{job.request_id}"
        )
    try:
        body = load_flagged(url, key, job.request_id, progress.revision(job), by)
    except PipelineError as exc:
        insight_error(exc, "screening before release")
        return False
    urgent = release.urgent_note(body)
    if urgent and not job.finished:  # a finished job's says so above the tabs already
        st.error(urgent, icon=":material/emergency:")
    st.caption(_md(release.summary_text(body, _unfinished(job, SCREENED_HOLD))))
    if not body["flagged"]:
        return False
    shown = release.flagged_frame(body, job.text_column)
    st.dataframe(
        shown,
        hide_index=True,
        column_config={
            release.ROW: st.column_config.NumberColumn(
                release.ROW,
                help="The comment's place among the file's rows of data, counting from 1 (the "
                "header not counted): its row_index + 1 in the downloads",
                format="%d",
            ),
            job.text_column: st.column_config.TextColumn(job.text_column, width="large"),
        },
        key=f"r-flagged-{job.request_id}",
    )
    listed = (
        f"The first {len(shown):,} shown; the CSV has them all. "
        if body["flagged"] > len(shown)
        else ""
    )
    st.caption(listed + release.numbering_note(shown))
    job_download(
        st.container(),
        job,
        "Download the flagged comments (CSV)",
        lambda: flagged_table.to_csv(
            get_client(url, key).every_flagged(job.request_id, by or None)["comments"]
        ),
        file_name=f"{_stem(job)}-flagged.csv",
        mime="text/csv",
        icon=":material/download:",
        key=f"r-flagged-csv-{job.request_id}",
    )
    return True


def review_tab(job: JobStatus, frame: pd.DataFrame, labels: list[str]) -> None:
    st.write(
        "The comments the model is least sure about. Tick **reviewed** after checking a label "
        "(change it if it is wrong); the reviewed rows download as a `text,label` CSV for "
        "training (`sentiment-pipeline train --extra-data corrections.csv`)."
    )
    left, right = st.columns(2)
    threshold = left.slider(
        "Show comments below this confidence",
        review.LOWEST_THRESHOLD,
        1.0,
        review.starting_threshold(job.low_confidence),
        0.01,
        key=f"r-conf-{job.request_id}",
        help="Starts at the model's calibrated threshold: below it, its labels were right "
        "less than 7 times in 10 on validation data.",
    )
    limit = int(right.number_input("At most", 5, 500, REVIEW_LIMIT, 5, key="r-limit"))
    candidates = review.low_confidence(frame, job.text_column, threshold, limit)
    if candidates.empty:
        st.success("No comment is below that confidence.")
        return
    edited = st.data_editor(
        candidates,
        hide_index=True,
        disabled=[job.text_column, "label", review.CONFIDENCE, review.COPIES],
        column_config={
            review.CONFIDENCE: _score_column("confidence"),
            review.COPIES: st.column_config.NumberColumn(
                "written", help="How many rows hold this comment (case and spacing aside)"
            ),
            review.CORRECT_LABEL: st.column_config.SelectboxColumn(
                "correct label", options=labels, required=True
            ),
            review.REVIEWED: st.column_config.CheckboxColumn("reviewed"),
        },
        key=f"review-{job.request_id}-{threshold}-{limit}",
    )
    reviewed, changed = review.correction_counts(edited)
    st.caption(f"{reviewed} reviewed, {changed} corrected")
    try:
        data = review.corrections_csv(edited, job.text_column)
    except InputError as exc:
        show_error(exc)
        return
    job_download(
        st.container(),
        job,
        "Download corrections (text,label CSV)",
        lambda: data,
        file_name=f"corrections-{job.request_id[:8]}.csv",
        mime="text/csv",
        disabled=reviewed == 0,
    )


def downloads_tab(
    job: JobStatus, frame: pd.DataFrame, labels: list[str], group_columns: list[str]
) -> None:
    url, key = st.session_state.api_url, st.session_state.api_key
    stem = _stem(job)
    results_downloads(job, frame)
    st.header("Summary")
    group = chosen_group(job, group_columns, key="d-group")
    summary = load_summary(url, key, job.request_id, progress.revision(job), group or "")
    st.dataframe(
        groups.summary_view(summary),
        hide_index=True,
        column_config=_summary_columns(labels),
    )
    complete = job.status == "succeeded"
    of_part = "" if complete else f" ({_unfinished(job, 'these shares are of those rows only')})"
    st.caption(
        "*n*: comments with a label; the percentages of a row add up to 100 (the CSV holds the "
        f"exact shares and mean scores){of_part}. {groups.SMALL_NOTE}"
    )
    job_download(
        st.container(),
        job,
        "Summary (CSV)",
        lambda: exports.to_csv_bytes(exports.summary_frame(summary)),
        file_name=table_file_name(job.input_name, job.request_id, "summary", complete),
        mime="text/csv",
        icon=":material/download:",
    )
    report_downloads(job, group, stem, summary, ratings.rating_candidates(frame, group_columns))


def results_downloads(job: JobStatus, frame: pd.DataFrame) -> None:
    """The results files, every row with its label or the reason it has none; those of a job
    that has not succeeded are named ``-results-partial``, as the API names its CSV, so the
    rows so far are never taken for the whole file."""
    url, key = st.session_state.api_url, st.session_state.api_key
    names = theme_names(job, frame)
    themes = (
        f"`theme` (the theme's id) and `{explore.THEME_NAME}` (its name and label, as "
        "*About what* shows it)"
        if names
        else "`theme` (the id of the theme in *About what*)"
    )
    st.write(
        "Every input column plus `label`, one `score_<label>` per class, `error` (why a row "
        "has no label), `model_version` and `language`; with aspects, `aspects`, "
        f"`aspect_sentiments` and {themes}, and for an explained job `explanation` (the words "
        "that drove the label, with their shares). Cells starting with `=`, `+`, `-` or "
        "`@` are prefixed with `'` so a spreadsheet shows them as text instead of running them."
    )
    named = tuple(sorted(names.items()))
    csv_name = results_file_name(job.input_name, job.request_id, job.status == "succeeded")
    table = explore.with_theme_names(frame, names)
    left, right = st.columns(2)
    job_download(
        left,
        job,
        "Results (CSV)",
        lambda: exports.to_csv_bytes(table),
        file_name=csv_name,
        mime="text/csv",
        icon=":material/download:",
        width="stretch",
    )
    too_big = len(frame) > exports.XLSX_MAX_ROWS
    excel_help = f"Excel holds {exports.XLSX_MAX_ROWS:,} rows at most: use the CSV"
    job_download(
        right,
        job,
        "Results (Excel)",
        # Built when clicked: an Excel file of a large job takes a while to write.
        lambda: xlsx_bytes(url, key, job.request_id, progress.revision(job), named),
        file_name=f"{csv_name.removesuffix('.csv')}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
        width="stretch",
        disabled=too_big,
        help=excel_help if too_big else None,
    )
    cut = [] if too_big else exports.cells_past_limit(table)
    if cut:
        st.caption(_md(exports.cut_note(cut)))


def report_downloads(
    job: JobStatus, group: str | None, stem: str, summary: Summary, rating_columns: list[str]
) -> None:
    """The printable report by the group column chosen above (made when clicked), with a
    rating column against the comments when one is chosen."""
    st.header("Report")
    by = f" by **{_md(group)}**" if group else ""
    st.caption(
        f"For a meeting: label shares{by} with 95 % intervals, each group against the rest "
        "(marked only where the difference is beyond the noise), small groups marked, the "
        "model's measured accuracy and the method."
    )
    finished = job.status == "succeeded"
    why = (
        None
        if finished
        else "A report is made once the job has labelled every row and worked out what they are "
        "about."
    )
    if not st.toggle(
        "Screen before release",
        value=True,
        key=SCREEN_KEY,
        help="Leave out abusive comments and those with words of self-harm or a threat, and "
        "mask personal details (an e-mail address, a phone or student number, the writer's "
        "own name): the flagged comments are under Review → Before release. Off: every "
        "comment as written, for your own reading; the file name then says unscreened.",
    ):
        stem = f"{stem}-unscreened"
    if rating_columns:
        named = column_namer(job)
        st.selectbox(
            "Ratings in the report",
            ["", *rating_columns],
            format_func=lambda column: named(column) if column else "none",
            key=RATING_KEY,
            help="Add a section on this closed question: per group, the mean rating, how "
            "closely the comments follow it, a scale that reads the other way round, and how "
            "many comments contradict their rating (Compare → A rating against the comments "
            "lists them).",
        )
    else:
        st.session_state.pop(RATING_KEY, None)
    report_buttons(job, group or "", None, stem, why)
    if group and summary.groups:
        group_report_downloads(job, group, stem, summary, why)
    if finished and st.toggle("Preview the report here", key="d-preview"):
        report_preview(job, group)


def group_report_downloads(
    job: JobStatus, group: str, stem: str, summary: Summary, why: str | None
) -> None:
    """One value's own report, to hand to the course or instructor it is about: it names
    and quotes no other group."""
    word = groups.in_sentence(group)
    shown = _md(word)
    st.markdown(f"**One {shown}'s own report**")
    st.caption(
        f"For the {shown} it is about: its shares against all the others together, its "
        f"aspects and themes, and every one of its comments. No other {shown} is named or "
        "quoted."
    )
    names = groups.report_order([groups.group_name(part.group) for part in summary.groups])
    chosen = st.selectbox(input_label(f"Which {word}", "Which one"), names, key="d-one-group")
    report_buttons(job, group, chosen, stem, why)
    preview = input_label(f"Preview {chosen or ''}'s report here", "Preview that report here")
    if why is None and st.toggle(preview, key="d-one-preview"):
        report_preview(job, group, chosen)
    if len(names) > 1:
        every_group_zip(job, group, names, stem, why)


def every_group_zip(
    job: JobStatus, group: str, names: list[str], stem: str, why: str | None
) -> None:
    """Every value's own PDF in one ZIP, for a chair who sends each lecturer theirs: made on
    request, one report at a time with a progress bar, then kept for this job, revision and
    column until the page moves on."""
    url, key = st.session_state.api_url, st.session_state.api_key
    wanted = (job.request_id, progress.revision(job), group)
    screen, rating = screening(), report_rating()
    word = groups.in_sentence(group)
    if len(names) > exports.ZIP_MAX_REPORTS:
        why = (
            f"{len(names):,} values of {word}: one ZIP here holds {exports.ZIP_MAX_REPORTS:,} "
            "reports at most"
        )
        st.caption(
            f"{_md(why)}; the command line writes every one into a folder: "
            f"{_code(exports.each_group_command(job.request_id, group))}"
        )
    if st.button(
        f"Make every {_md(word)}'s report ({len(names):,} PDFs in one ZIP)",
        key="d-every-group",
        disabled=why is not None,
        help=why,
        icon=":material/folder_zip:",
    ):
        bar = st.progress(0.0)

        def made() -> Iterator[tuple[str, bytes]]:
            for done, (value, name) in enumerate(
                zip(names, distinct_names(names), strict=True), start=1
            ):
                bar.progress(done / len(names), text=f"{done:,} of {len(names):,}: {_md(value)}")
                yield (
                    f"{name}.pdf",
                    report_bytes(url, key, *wanted, "pdf", value, screen=screen, rating=rating),
                )

        try:
            st.session_state["d-every-zip"] = (
                (*wanted, screen, rating),
                exports.reports_zip(made()),
            )
        except PipelineError as exc:
            show_error(exc)
        finally:
            bar.empty()
    held = st.session_state.get("d-every-zip")
    if held is not None and held[0] == (*wanted, screen, rating):
        archive: bytes = held[1]
        job_download(
            st.container(),
            job,
            f"Every {_md(word)}'s report (ZIP)",
            lambda: archive,
            file_name=exports.report_file_name(stem, group, "zip"),
            mime="application/zip",
            icon=":material/download:",
            key="d-every-zip-download",
        )


def screening() -> bool:
    """Whether the reports made now are screened before release (the Downloads toggle)."""
    return bool(st.session_state.get(SCREEN_KEY, True))


def report_rating() -> str:
    """The rating column the reports made now compare with the comments ("" for none)."""
    return str(st.session_state.get(RATING_KEY) or "")


def report_buttons(
    job: JobStatus, group_by: str, value: str | None, stem: str, why: str | None
) -> None:
    """PDF and HTML buttons side by side for the report by ``group_by`` (of its ``value``
    alone, when given), made by the server when clicked; disabled saying ``why``."""
    url, key = st.session_state.api_url, st.session_state.api_key
    made = partial(report_bytes, url, key, job.request_id, progress.revision(job), group_by)
    left, right = st.columns(2)
    for cell, report_format, mime in (
        (left, "pdf", "application/pdf"),
        (right, "html", "text/html"),
    ):
        name = f"{_md(value)}: report" if value is not None else "Report"
        maker = partial(made, report_format, value, screen=screening(), rating=report_rating())
        job_download(
            cell,
            job,
            f"{name} ({report_format.upper()})",
            maker,
            verify=maker,
            file_name=exports.report_file_name(stem, group_by or None, report_format, value),
            mime=mime,
            icon=":material/download:",
            width="stretch",
            disabled=why is not None,
            help=why,
            key=f"d-report-{report_format}" if value is None else f"d-one-group-{report_format}",
        )


def report_preview(job: JobStatus, group: str | None, value: str | None = None) -> None:
    """The HTML report (of one ``value`` of ``group`` alone, when given) in a frame of its
    own. A ``data:`` address gives the frame an origin of its own, so nothing in the report
    can reach the page."""
    url, key = st.session_state.api_url, st.session_state.api_key
    try:
        with st.spinner("Making the report…"):
            page = report_bytes(
                url,
                key,
                job.request_id,
                progress.revision(job),
                group or "",
                "html",
                value,
                screen=screening(),
                rating=report_rating(),
            )
    except PipelineError as exc:
        show_error(exc)
        return
    st.iframe("data:text/html;base64," + base64.b64encode(page).decode("ascii"), height=900)


def _summary_columns(labels: Sequence[str]) -> dict[str, ColumnConfig]:
    percents = {f"{x} %": st.column_config.NumberColumn(format="%d%%") for x in labels}
    return {
        **percents,
        groups.SMALL_MARK: st.column_config.CheckboxColumn(
            groups.SMALL_MARK, help=f"fewer than {groups.SMALL_GROUP} comments with a label"
        ),
    }


def _aspect_column(categories: Sequence[str], labels: Sequence[str]) -> ColumnConfig:
    """Each aspect as a tag in the colour of what the comment says about it."""
    options, colours = explore.tag_options(categories, labels)
    return st.column_config.MultiselectColumn(
        "aspects", options=options, color=colours or None, width="medium"
    )


def _label_column(labels: Sequence[str]) -> ColumnConfig:
    """The label as a tag in its colour (the charts' colours)."""
    return st.column_config.MultiselectColumn(
        "label", options=list(labels), color=palette.label_colours(labels), width="small"
    )


def _stem(job: JobStatus) -> str:
    return job_stem(job.input_name, job.request_id)


def _unfinished(job: JobStatus, holds: str) -> str:
    """What an answer of part of the job's rows (``complete`` false) says of them, from the
    status this page read: running, cancelled or failed and how many rows, as the command line
    says it, never "still running" for a job that will not finish."""
    return partial_note(job.status, job.rows_done, job.rows_total, holds) or SO_FAR


def _score_column(
    title: str, width: Literal["small", "medium", "large"] | None = None
) -> ColumnConfig:
    """A confidence bar in the confidence colour (never a label's colour)."""
    return st.column_config.ProgressColumn(
        title,
        min_value=0.0,
        max_value=1.0,
        format="%.2f",
        width=width,
        color=palette.CONFIDENCE_COLOUR,
    )


# --- page -----------------------------------------------------------------------------------


def main() -> None:
    st.set_page_config(page_title="Comment sentiment", page_icon=palette.FAVICON, layout="wide")
    init_state()
    try:
        url, key = api_config()
    except PipelineError as exc:
        show_error(exc)
        return
    try:
        usable_key(key)
    except ConfigError:
        key_error()
        return
    st.session_state.api_url, st.session_state.api_key = url, key
    client = get_client(url, key)
    # Each page asks the API for the connection once, and shows a refused key once.
    st.session_state.pop("connection", None)
    st.session_state.pop(LOST, None)  # this run says afresh whether the API answers
    st.session_state.refusal_shown = st.session_state.unreachable_shown = False
    try:
        if st.session_state.job_id:
            job_view(client, st.session_state.job_id)
        else:
            upload_view(client)
    finally:  # whatever the page met, the way to another job or a new analysis stays
        sidebar(client)  # last, so the recent jobs show the status the page just read
        # A fragment's own rerun (a refreshing progress) shows what it meets.
        st.session_state.refusal_shown = st.session_state.unreachable_shown = False
        st.session_state.pop(UNANSWERED, None)


st.session_state[PAGE_RUN] = True  # the whole page is drawn now (``fragment_rerun``)
try:
    main()
except Exception as unexpected:  # the page shows a message; the log keeps the traceback
    show_error(unexpected)
finally:
    st.session_state[PAGE_RUN] = False
