"""An alert's ``text`` is read in a channel by welfare staff, who take it for the pipeline's
own words: the uploader's text in it (the groups, the file's name, the group column's name) is
shown, never acted on. No Slack mention or link of theirs, no Markdown link for Teams."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from jobfakes import FakePredictor, make_backend
from test_release_alert import alerts
from test_release_edges import DISTRESS

from pipeline.api.app import create_app
from pipeline.release import alert
from pipeline.worker import Worker

SLACK = "<!channel> URGENT <https://evil.example/login|Open the flagged comments in the portal>"
TEAMS = "[Open the flagged comments in the portal](https://evil.example/login)"
FILE_NAME = "<!here> <mailto:x@evil.example|review> [now](mailto:x@evil.example).csv"


def posted_alert(tmp_path: Path, groups: list[str], column: str = "course") -> dict[str, object]:
    """The alert posted for a job of one comment with words of self-harm per group."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([column, "comment"])
    writer.writerows([group, DISTRESS] for group in groups)
    backend = make_backend(tmp_path, auth="none")
    answer = TestClient(create_app(backend)).post(
        "/v1/jobs",
        files={"file": (FILE_NAME, out.getvalue().encode())},
        data={"text_column": "comment", "group_by": column},
    )
    assert answer.status_code == 202, answer.text
    seen: list[httpx.Request] = []
    sender = alerts([httpx.Response(200)], seen)
    Worker(backend, lambda _ref: FakePredictor(), "w", alerts=sender).run(burst=True)
    (request,) = seen
    body: dict[str, object] = json.loads(request.content)
    assert body["request_id"] == answer.json()["request_id"]
    return body


def test_groups_and_a_file_name_with_slack_and_teams_markup_are_shown_inert(
    tmp_path: Path,
) -> None:
    body = posted_alert(tmp_path, [SLACK, TEAMS], column="<!everyone> course")
    text = str(body["text"])

    for live in ("<!", "<http", "<mailto", "](", "[Open", "[now"):
        assert live not in text, live
    assert "&lt;" in text and "&gt;" in text and "<" not in text and ">" not in text
    # still says which job and which groups, readably
    assert f"(job {body['request_id']})" in text
    assert "(&lt;!everyone&gt; course: " in text
    assert "&lt;!channel&gt; URGENT &lt;https://evil.example/login|Open the flagged" in text
    assert "［Open the flagged comments in the portal］(https://evil.example/login) 1" in text
    assert "in &lt;!here&gt; &lt;mailto:x@evil.example|review&gt; ［now］(mailto:" in text
    # the fields, for programs, keep every value exactly
    assert body["groups"] == [{"group": SLACK, "comments": 1}, {"group": TEAMS, "comments": 1}]
    assert body["input_name"] == FILE_NAME and body["group_by"] == "<!everyone> course"


def test_a_group_is_shown_on_one_line_and_cut_to_its_limit() -> None:
    shown = alert.shown
    assert shown("BIO101\nnow <!here>\tplease") == "BIO101 now &lt;!here&gt; please"
    long = shown("Q&A " * 100)
    assert long.endswith("…") and long.startswith("Q&amp;A Q&amp;A")
    assert len(long.replace("&amp;", "&")) == alert.MAX_SHOWN_CHARS
    assert shown("CHEM110") == "CHEM110" and shown("(blank)") == "(blank)"
