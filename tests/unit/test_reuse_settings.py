"""An identical submission after the operator changed a setting that decides which rows get a
label (PIPELINE_LANGUAGES, the no-opinion phrases, PIPELINE_MAX_COMMENT_CHARS) gets a job
labelled under the settings of now, not the old job whose rows say otherwise; back under the
old settings, the old job is reused again. Under the settings as shipped the reuse key is what
it was before the settings were in it, so jobs from before an upgrade stay reusable."""

from __future__ import annotations

from pathlib import Path

import pytest
from jobfakes import FakePredictor, comments_csv, make_backend

from pipeline import service
from pipeline.bootstrap import Backend
from pipeline.inputs import ReadOptions
from pipeline.service.jobs import AS_SHIPPED, _dedup_key, labelling_settings
from pipeline.settings import Settings
from pipeline.worker import Worker

GERMAN = "Die Vorlesung war total chaotisch und die Folien waren voller Fehler."
COMMENTS = [GERMAN, "The lectures were good and the labs were well organised.", "meh"]


def label(backend: Backend) -> None:
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)


def errors(backend: Backend, request_id: str) -> list[str | None]:
    return [row["error"] for row in service.results_page(backend, request_id).rows]


def test_a_job_labelled_under_other_languages_is_not_handed_back(tmp_path: Path) -> None:
    source = comments_csv(tmp_path / "c.csv", COMMENTS)
    english = make_backend(tmp_path, insights=False)
    first = service.submit(english, source, "comment")
    label(english)
    assert errors(english, first.request_id)[0] == "language de is not supported by fake-1"
    assert service.submit(english, source, "comment").reused is True

    every = make_backend(tmp_path, insights=False, languages="all")  # restarted so
    again = service.submit(every, source, "comment")

    assert again.reused is False and again.request_id != first.request_id
    label(every)
    assert errors(every, again.request_id) == [None, None, None]
    assert service.submit(every, source, "comment").request_id == again.request_id
    back = service.submit(make_backend(tmp_path, insights=False), source, "comment")
    assert (back.reused, back.request_id) == (True, first.request_id)


@pytest.mark.parametrize(
    "changed",
    [
        {"languages": "en,de"},
        {"no_opinion_extra": "meh"},
        {"no_opinion_file": "phrases.txt"},
        {"max_comment_chars": 10},
    ],
    ids=["languages", "no-opinion-extra", "no-opinion-file", "max-comment-chars"],
)
def test_each_setting_that_decides_which_rows_get_a_label_keeps_a_job_apart(
    tmp_path: Path, changed: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "phrases.txt").write_text("meh\n", encoding="utf-8")
    source = comments_csv(tmp_path / "c.csv", COMMENTS)
    first = service.submit(make_backend(tmp_path, insights=False), source, "comment")

    again = service.submit(make_backend(tmp_path, insights=False, **changed), source, "comment")

    assert again.reused is False and again.request_id != first.request_id


def test_settings_that_label_the_same_rows_share_a_job(tmp_path: Path) -> None:
    (tmp_path / "phrases.txt").write_text("# ours\nmeh\nnothing new\n", encoding="utf-8")
    listed = Settings(languages="de, en", no_opinion_extra="nothing new,meh")
    from_file = Settings(languages="EN,de", no_opinion_file=str(tmp_path / "phrases.txt"))
    assert labelling_settings(listed) == labelling_settings(from_file)

    (tmp_path / "phrases.txt").write_text("meh\n", encoding="utf-8")  # the file edited
    assert labelling_settings(listed) != labelling_settings(from_file)


def test_the_shipped_settings_keep_the_reuse_key_of_before_an_upgrade() -> None:
    import hashlib
    import json

    assert labelling_settings(Settings()) == AS_SHIPPED
    options = ReadOptions()
    read_as = json.dumps(options.to_json(), sort_keys=True)
    before = "\x1f".join(["h", "comment", "course", "\x1e", "default", "\x1e", read_as])
    key = _dedup_key("h", "comment", ["course"], "default", options, False, AS_SHIPPED)
    assert key == hashlib.sha256(before.encode("utf-8")).hexdigest()
