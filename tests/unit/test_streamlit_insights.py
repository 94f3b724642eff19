"""The app's views of issue 13 and 14 (AppTest against a canned HTTP API): the *About what* tab
(aspects overall and per course as a heat map, an aspect in detail, themes with keywords and
quotes, click-through to the comments), the *Compare* view (two groups or one against the
rest, with intervals and a flag only beyond the noise), the explanation highlighting of the
Comments tab, the *Explain labels* option at upload, and every state around them: a running
job, a job that did not complete, no aspects, an API error, an API without the routes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
from apptests import job_page
from httpfakes import JsonHandler, nothing_flagged, send_bytes, serving
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from pipeline.report.stats import wilson_interval
from pipeline.ui.highlight import tint
from pipeline.ui.markdown import unescaped
from pipeline.ui.palette import LABEL_COLOURS

APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"
LABELS = ["negative", "neutral", "positive"]
CHEM = "CHEM110 General Chemistry for Engineers"
CS = "CS101 Programming"
SCRIPT = "<script>alert(1)</script> the exams were unfair"
# (text, label, aspects, polarity of each, theme id, explanation)
EXAMS = (
    "The exams were unfair and the grading slow",
    "negative",
    "exams;grading",
    "exams:negative;grading:negative",
    0,
    "unfair:+0.52;slow:+0.21;exams:-0.04",
)
HOMEWORK = (
    "Too much homework every week",
    "negative",
    "workload",
    "workload:negative",
    1,
    "Too:+0.30;homework:+0.28",
)
LECTURES = (
    "The lectures were clear and helpful",
    "positive",
    "teaching",
    "teaching:positive",
    2,
    "clear:+0.45;helpful:+0.30",
)
TUESDAYS = ("Lectures were on Tuesdays", "neutral", "", "", 3, "Tuesdays:+0.40")
ROWS: list[tuple[str, tuple[Any, ...]]] = (
    [(CS, LECTURES)] * 33 + [(CS, HOMEWORK)] * 4 + [(CS, TUESDAYS)] * 3
    + [(CHEM, EXAMS)] * 27 + [(CHEM, (SCRIPT, *EXAMS[1:5], "unfair:+0.50"))]
    + [(CHEM, LECTURES)] * 8 + [(CHEM, TUESDAYS)] * 4
    + [("BIO9", EXAMS)] * 2 + [("BIO9", LECTURES)] * 2
    + [("MATH200", TUESDAYS)] * 30
)  # fmt: skip
THEMES = {
    0: ("negative", ["exams", "unfair", "grading"]),
    1: ("negative", ["homework", "week"]),
    2: ("positive", ["lectures", "clear"]),
    3: ("neutral", ["tuesdays", "lectures"]),
}
JOB = {
    "request_id": "insightjob",
    "status": "succeeded",
    "input_name": "evaluations.csv",
    "text_column": "comment",
    "group_by": ["course"],
    "rows_total": len(ROWS),
    "rows_done": len(ROWS),
    "rows_failed": 0,
    "labels": LABELS,
    "model_version": "test-model",
    "low_confidence": 0.7,
    "explain": True,
}
JOBS = {
    "insightjob": JOB,
    "runningjob": {**JOB, "request_id": "runningjob", "status": "running", "rows_done": 40,
                   "rows_per_s": 20.0, "eta_s": 4},
    "labelledjob": {**JOB, "request_id": "labelledjob", "status": "running",
                    "labelled_at": "2026-12-02T01:00:00+00:00", "insights_done": 40},
    "stoppedjob": {**JOB, "request_id": "stoppedjob", "status": "cancelled"},
    "plainjob": {**JOB, "request_id": "plainjob", "explain": False},
    "brokenjob": {**JOB, "request_id": "brokenjob"},
    "oldjob": {**JOB, "request_id": "oldjob"},
}  # fmt: skip


def results_csv(insights: bool = True) -> bytes:
    records = []
    for course, (text, label, aspects, sentiments, theme, explanation) in ROWS:
        scores = {f"score_{x}": 0.9 if x == label else 0.05 for x in LABELS}
        record = {"course": course, "comment": text, "label": label, **scores, "error": "",
                  "model_version": "test-model", "language": "en"}  # fmt: skip
        if insights:
            record |= {"aspects": aspects, "aspect_sentiments": sentiments, "theme": theme,
                       "explanation": explanation}  # fmt: skip
        records.append(record)
    return pd.DataFrame(records).to_csv(index=False).encode()


def _aspects(rows: list[tuple[str, tuple[Any, ...]]]) -> list[dict[str, Any]]:
    counts: dict[str, dict[str, int]] = {}
    for _course, (_text, _label, _aspects, sentiments, *_rest) in rows:
        for item in filter(None, sentiments.split(";")):
            name, polarity = item.split(":")
            counts.setdefault(name, dict.fromkeys(LABELS, 0))[polarity] += 1
    found = []
    for name, by_polarity in sorted(counts.items(), key=lambda item: -sum(item[1].values())):
        n = sum(by_polarity.values())
        intervals = {p: wilson_interval(c, n) for p, c in by_polarity.items()}
        found.append(
            {
                "name": name,
                "meaning": f"what the comment says about {name}",
                "n": n,
                "counts": by_polarity,
                "shares": {p: c / n for p, c in by_polarity.items()},
                "intervals": {p: [i.low, i.high] for p, i in intervals.items() if i},
            }
        )
    return found


def aspects_body(job: dict[str, Any], group_by: str | None) -> dict[str, Any]:
    rows = ROWS[: job.get("insights_done", job["rows_done"])]
    groups = []
    if group_by == "course":
        for course in dict.fromkeys(course for course, _row in rows):
            inside = [row for row in rows if row[0] == course]
            groups.append({"group": course, "n": len(inside), "small": len(inside) < 10,
                           "aspects": _aspects(inside)})  # fmt: skip
    return {
        "request_id": job["request_id"],
        "complete": job["status"] == "succeeded",
        "model_version": "aspects-test",
        "group_by": group_by,
        "rows_labelled": len(rows),
        "rows_with_aspects": sum(1 for _c, row in rows if row[2]),
        "categories": _aspects(rows),
        "groups": sorted(groups, key=lambda group: group["group"]),
    }


def themes_body(query: dict[str, str]) -> dict[str, Any]:
    """The themes of the rows the query asks for; a group's themes get other ids (the server
    re-clusters them), the job's keep the ids of the results' ``theme`` column."""
    rows = ROWS
    if query.get("group"):
        rows = [row for row in rows if row[0] == query["group"]]
    if query.get("aspect"):
        rows = [row for row in rows if query["aspect"] in row[1][2].split(";")]
    themes = []
    for theme_id, (label, keywords) in THEMES.items():
        inside = [row for row in rows if row[1][4] == theme_id]
        if not inside or query.get("label") not in (None, label):
            continue
        per_group = pd.Series([course for course, _row in inside]).value_counts()
        themes.append(
            {
                "id": theme_id + (100 if query.get("group") else 0),
                "label": label,
                "name": " / ".join(keywords[:2]),
                "keywords": keywords,
                "quotes": [{"row": i, "text": f"{inside[0][1][0]} ({i})"} for i in range(4)],
                "size": len(inside),
                "share": 0.5,
                "coverage": 0.9,
                "counts": [{"group": g, "count": int(c)} for g, c in per_group.items()]
                if query.get("group_by")
                else [],
            }
        )
    return {"request_id": "insightjob", **{k: query.get(k) for k in ("label", "aspect")},
            "group_by": query.get("group_by"), "group": query.get("group"), "seed": 13,
            "diversity": 0.8, "n": len(rows), "themes": themes}  # fmt: skip


def summary_body(job: dict[str, Any], group_by: str | None) -> dict[str, Any]:
    def part(group: str | None, rows: list[tuple[str, tuple[Any, ...]]]) -> dict[str, Any]:
        counts = {x: sum(1 for _c, row in rows if row[1] == x) for x in LABELS}
        n = sum(counts.values())
        return {"group": group, "rows": n, "errors": 0, "counts": counts,
                "shares": {x: c / n for x, c in counts.items()},
                "mean_scores": dict.fromkeys(LABELS, 0.5)}  # fmt: skip

    rows = ROWS[: job["rows_done"]]
    courses = dict.fromkeys(course for course, _row in rows)
    return {
        "request_id": job["request_id"],
        "status": job["status"],
        "labels": LABELS,
        "rows_done": job["rows_done"],
        "rows_total": job["rows_total"],
        "overall": part(None, rows),
        "group_by": group_by,
        "groups": [part(c, [r for r in rows if r[0] == c]) for c in courses] if group_by else [],
    }


class InsightsApi(JsonHandler):
    """The jobs above; records every upload's form and every themes query."""

    uploads: ClassVar[list[bytes]] = []
    theme_queries: ClassVar[list[dict[str, str]]] = []

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {name: values[0] for name, values in parse_qs(url.query).items()}
        parts = url.path.strip("/").split("/")
        if self.answers_sidebar(url.path):
            return
        job = JOBS.get(parts[2]) if len(parts) > 2 else None
        route = parts[3] if len(parts) > 3 else ""
        if job is None:
            self.send_json(404, {"error": "job_not_found", "message": "no such job"})
        elif route == "":
            self.send_json(200, job)
        elif route == "results":
            send_bytes(self, results_csv(job["request_id"] != "plainjob"), "text/csv")
        elif route == "summary":
            self.send_json(200, summary_body(job, query.get("group_by")))
        elif route == "aspects":
            self._aspects(job, query.get("group_by"))
        elif route == "themes":
            self._themes(job, query)
        elif route == "flagged" and job["request_id"] != "oldjob":
            self.send_json(200, nothing_flagged(job["request_id"], job["rows_done"]))
        else:
            self.send_json(404, {"detail": "Not Found"})

    def _aspects(self, job: dict[str, Any], group_by: str | None) -> None:
        if job["request_id"] == "brokenjob":
            self.send_json(500, {"error": "internal", "detail": "the aspect store is down"})
        elif job["request_id"] == "oldjob":
            self.send_json(404, {"detail": "Not Found"})
        elif job["request_id"] == "plainjob":
            body = aspects_body(job, group_by)
            self.send_json(200, {**body, "rows_with_aspects": 0, "categories": [], "groups": []})
        else:
            self.send_json(200, aspects_body(job, group_by))

    def _themes(self, job: dict[str, Any], query: dict[str, str]) -> None:
        self.theme_queries.append(query)
        if job["status"] != "succeeded":
            message = "the themes are found when the job completes"
            self.send_json(409, {"error": "conflict", "message": message})
        else:
            self.send_json(200, themes_body(query))

    def do_POST(self) -> None:
        self.uploads.append(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        self.send_json(202, {"request_id": "insightjob", "status": "queued"})


@pytest.fixture(scope="module")
def api() -> Iterator[str]:
    with serving(InsightsApi) as url:
        yield url


def opened(api: str, monkeypatch: pytest.MonkeyPatch, request_id: str) -> AppTest:
    return job_page(api, request_id, monkeypatch)


def page(at: AppTest) -> str:
    """The page's text as a reader sees it (the Markdown's escapes read)."""
    kinds = ("title", "markdown", "caption", "text", "error", "warning", "info", "code")
    found: list[Any] = [element for kind in kinds for element in at.get(kind)]
    return "\n".join(
        str(element.value) if element.type in ("text", "code") else unescaped(str(element.value))
        for element in found
    )


def tab(at: AppTest, label: str) -> Any:
    return next(t for t in at.tabs if t.label == label)


def in_tab(at: AppTest, label: str, kind: str) -> list[Any]:
    return list(tab(at, label).get(kind))


def chart(at: AppTest, title: str) -> tuple[dict[str, Any], pd.DataFrame]:
    found = [c for c in at.get("vega_lite_chart") if title in c.proto.spec]
    assert found, [json.loads(c.proto.spec).get("title") for c in at.get("vega_lite_chart")]
    spec = json.loads(found[0].proto.spec)
    frames = [dataframe_util.convert_arrow_bytes_to_pandas_df(d.data.data)
              for d in found[0].proto.datasets]  # fmt: skip
    return spec, pd.concat(frames) if frames else pd.DataFrame()


def button(at: AppTest, label: str) -> Any:
    found = [b for b in at.button if b.label == label]
    assert found, [b.label for b in at.button]
    return found[0]


def shown_comments(at: AppTest) -> pd.DataFrame:
    frames = [f.value for f in in_tab(at, "Comments", "dataframe") if "confidence" in f.value]
    return frames[0]


@pytest.fixture
def done(api: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    at = opened(api, monkeypatch, "insightjob")
    assert [t.label for t in at.tabs] == [
        "Overview", "About what", "Compare", "Comments", "Review", "Downloads"
    ]  # fmt: skip
    assert not at.error, page(at)
    return at


def test_about_what_shows_the_aspects_per_course_as_a_red_heat_map_with_n(done: AppTest) -> None:
    spec, cells = chart(done, "Share negative per aspect and course")
    scale = spec["layer"][0]["encoding"]["color"]["scale"]
    assert scale["range"][-1] == LABEL_COLOURS["negative"], "red means negative"
    assert spec["layer"][0]["encoding"]["x"]["axis"]["labelOverlap"] is False, "all named"
    exams = cells[(cells["group"] == f"{CHEM} (n=40)") & (cells["aspect"] == "exams")]
    assert exams["cell"].tolist() == ["100% · 28"]
    small = cells[cells["group"] == "BIO9 (n=4, small)"]
    assert set(small["aspect"]) == {"exams", "grading", "teaching"}
    assert small["small"].all()
    assert "paler cells rest on fewer than 10 comments" in page(done)

    _spec, bars = chart(done, "What the comments are about")
    assert list(dict.fromkeys(bars["aspect"]))[:2] == ["teaching (n=43)", "exams (n=30)"]
    table = next(f.value for f in in_tab(done, "About what", "dataframe") if "meaning" in f.value)
    assert table[["negative %", "neutral %", "positive %"]].sum(axis=1).eq(100).all()
    exams_row = table[table["aspect"] == "exams"].iloc[0]
    assert exams_row["n"] == 30
    assert exams_row["negative 95 % interval"] == "89–100 %"


def test_an_aspect_in_detail_has_its_themes_and_clicks_through_to_its_comments(
    done: AppTest,
) -> None:
    done.selectbox(key="a-aspect").select("exams").run()
    text = page(done)
    # the n is in the heading, not in the picker, whose labels Streamlit keeps from the first
    # render: there it stayed at the first chunk's count while the job went on
    assert done.selectbox(key="a-aspect").options[:2] == ["teaching", "exams"]
    assert "Exams (n=30)" in [unescaped(header.value) for header in done.header]
    assert "what the comment says about exams" in text
    assert "Themes in the comments about exams" in text
    assert "exams / unfair" in text
    assert "Keywords: exams, unfair, grading" in text

    button(done, "Show the negative comments about exams").click().run()
    assert done.session_state["view"] == "Comments"
    assert done.selectbox(key="f-polarity").value == "negative"
    assert len(shown_comments(done)) == 30

    done.session_state["view"] = "About what"
    button(done, "Show the 30 comments about exams").click().run()
    assert not done.exception, done.exception
    assert done.session_state["view"] == "Comments"
    rows = shown_comments(done)
    assert len(rows) == 30
    assert all("exams: negative" in tags for tags in rows["aspects"])


def test_a_theme_clicks_through_to_exactly_its_comments(done: AppTest) -> None:
    assert done.selectbox(key="t-label").value == "negative"
    cards = {b.key for b in done.button if str(b.key).startswith("t-theme-")}
    assert cards == {"t-theme-0", "t-theme-1"}, "only the negative comments' themes"
    quotes = [t.value for t in in_tab(done, "About what", "text") if "exams were unfair" in t.value]
    assert len(quotes) >= 3

    button(done, "Show these 4 comments").click().run()
    rows = shown_comments(done)
    assert rows["comment"].tolist() == [HOMEWORK[0]] * 4
    assert set(rows["theme"]) == {"homework / week (negative)"}
    assert done.selectbox(key="f-theme").value == "1"


def test_the_comments_page_highlights_the_words_that_drove_each_label(done: AppTest) -> None:
    (block,) = in_tab(done, "Comments", "html")
    html = block.proto.body
    assert f"background:{tint('positive', 0.45)}" in html
    assert ">clear</span>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html, "a comment is never markup"
    assert "page 1 of 2" in page(done)
    assert len(shown_comments(done)) == 100, "the table and the highlights show one page"
    pagination: Any = done.get("pagination")[0]
    assert pagination.num_pages == 2


def test_compare_flags_a_course_only_where_it_differs_beyond_the_noise(done: AppTest) -> None:
    done.selectbox(key="c-first-course").select(CHEM).run()
    labels = next(f.value for f in in_tab(done, "Compare", "dataframe") if "label" in f.value)
    negative = labels[labels["label"] == "negative"].iloc[0]
    assert negative[CHEM].startswith("70% of 40 (")
    assert negative["all other groups"].startswith("8% of 74 (")
    assert bool(negative["beyond the noise"])
    assert not bool(labels[labels["label"] == "neutral"].iloc[0]["beyond the noise"])
    assert "Holm's correction over the" in page(done)
    assert "70% (n=40) in CHEM110 General Chemistry for Engineers against 8% (n=74)" in page(done)
    assert "(Holm-adjusted p < 0.001)" in page(done)
    spec, drawn = chart(done, "Label shares side by side")
    assert set(drawn["side"]) == {f"{CHEM} (n=40)", "all other groups (n=74)"}
    assert spec["layer"][0]["encoding"]["color"]["scale"]["range"] == [
        LABEL_COLOURS[x] for x in LABELS
    ]
    aspects = next(f.value for f in in_tab(done, "Compare", "dataframe") if "aspect" in f.value)
    assert aspects[aspects["aspect"] == "exams"].iloc[0][CHEM] == "100% of 28 (88–100 %)"
    assert any(q.get("group") == CHEM for q in InsightsApi.theme_queries), "re-clustered"


def test_two_alike_groups_show_no_flag(done: AppTest) -> None:
    done.selectbox(key="c-first-course").select("BIO9").run()
    done.selectbox(key="c-second-course").select(CHEM).run()
    labels = next(f.value for f in in_tab(done, "Compare", "dataframe") if "label" in f.value)
    assert not labels["beyond the noise"].any()
    assert "No difference here is beyond the noise." in page(done)
    assert "BIO9: fewer than 10 comments" in page(done)


def test_a_running_job_shows_its_aspects_so_far_and_says_they_will_change(
    api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = opened(api, monkeypatch, "runningjob")
    assert not at.tabs
    assert "still running: these aspects are of the 40 comments labelled so far" in page(at)
    _spec, bars = chart(at, "What the comments are about")
    assert "teaching (n=33)" in set(bars["aspect"])


def test_a_labelled_job_shows_every_label_while_what_they_are_about_is_worked_out(
    api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    InsightsApi.theme_queries.clear()
    at = opened(api, monkeypatch, "labelledjob")
    text = page(at)
    total = len(ROWS)
    assert f"**running** · {total} / {total} labelled · about what: 40 / {total}" in text
    assert [t.label for t in at.tabs][:2] == ["Overview", "About what"]  # the finished layout
    assert at.metric[0].value == f"{total:,}"  # every comment counted, not those so far
    assert f"being worked out: 40 of {total} comments so far" in text
    assert "Themes are found when the job completes" in text
    _spec, bars = chart(at, "What the comments are about")
    assert "teaching (n=33)" in set(bars["aspect"])  # the aspects of the 40 rows done
    assert InsightsApi.theme_queries == []  # themes are asked for once the job succeeded
    assert "None of the" not in text  # no aspect yet is not "no aspects"
    assert not at.error, text


def test_a_labelled_job_with_no_insights_yet_says_they_are_coming(
    api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    JOBS["startingjob"] = {**JOBS["labelledjob"], "request_id": "startingjob", "insights_done": 0}
    try:
        text = page(opened(api, monkeypatch, "startingjob"))
    finally:
        del JOBS["startingjob"]
    assert f"being worked out: 0 of {len(ROWS)} comments so far" in text
    assert "None of the" not in text and "PIPELINE_INSIGHTS=0" not in text


def test_a_job_that_did_not_complete_has_aspects_but_no_themes_yet(
    api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = opened(api, monkeypatch, "stoppedjob")
    text = page(at)
    assert "did not label every row" in text
    assert "The job was cancelled before it completed, so it has no themes" in text
    assert "Themes are found when the job completes" not in text, "a cancelled job never does"
    assert not at.error, text


def test_no_aspects_and_no_explanations_are_said_plainly(
    api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = opened(api, monkeypatch, "plainjob")
    text = page(at)
    assert "None of the 114 labelled comments was tagged with an aspect" in text
    assert "analyse the file with *Explain labels (slower)* ticked" in text
    assert not in_tab(at, "Comments", "html")
    assert not at.error, text


def test_an_api_error_in_the_aspects_is_a_message_and_the_rest_still_works(
    api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = opened(api, monkeypatch, "brokenjob")
    errors = [unescaped(str(e.value)) for e in in_tab(at, "About what", "error")]
    assert errors == ["the API failed with HTTP 500: the aspect store is down"]
    assert in_tab(at, "Overview", "vega_lite_chart"), "the other tabs are unaffected"
    assert len(shown_comments(at)) == 100


def test_an_api_without_the_aspects_route_is_not_called_a_missing_job(
    api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = opened(api, monkeypatch, "oldjob")
    warnings = [str(w.value) for w in in_tab(at, "About what", "warning")]
    assert any("The API has no aspects for this job" in w for w in warnings), warnings
    assert not any("No such job" in str(e.value) for e in at.error)


def test_explain_labels_is_asked_for_at_upload(api: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIPELINE_API_URL", api)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.file_uploader[0].set_value(("c.csv", b"course,comment\nCS1,Great labs\n", "text/csv"))
    at.run()
    InsightsApi.uploads.clear()
    next(box for box in at.checkbox if box.label == "Explain labels (slower)").check()
    button(at, "Analyse").click().run()
    assert not at.exception, at.exception
    (form,) = InsightsApi.uploads
    assert b'name="explain"\r\n\r\ntrue' in form
    assert at.session_state.job_id == "insightjob"


def test_a_heat_map_cell_clicks_through_to_its_groups_comments(done: AppTest) -> None:
    """A cell picked on the heat map (``a-cell``: the column and the group's name) narrows
    an aspect's comments to that group's (the name read back to its cell: ``group_cell``)."""
    done.selectbox(key="a-group").select("course").run()
    done.session_state["a-cell"] = ("course", "BIO9")
    done.selectbox(key="a-aspect").select("exams").run()
    button(done, "… only those of BIO9").click().run()
    assert not done.exception, done.exception
    assert done.session_state["view"] == "Comments"
    rows = shown_comments(done)
    assert rows["course"].tolist() == ["BIO9", "BIO9"]
    assert all("exams: negative" in tags for tags in rows["aspects"])
