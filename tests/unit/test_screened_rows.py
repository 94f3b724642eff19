"""Placeholders, numbers and other-language comments through labelling and the worker: no
label, the reason in ``error``, the language in its column, never sent to the model, never in
the shares; and the model's review threshold reaches the job's status."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from jobfakes import FakePredictor, comments_csv, make_backend

from pipeline import service
from pipeline.labelling import label_frame
from pipeline.model.no_opinion import NoOpinion
from pipeline.model.screening import NUMBER_REASON, CommentScreen
from pipeline.worker import Worker

GERMAN = "Die Vorlesung war total chaotisch und die Folien waren voller Fehler."
ENGLISH = "The lectures were good and the labs were well organised."


class KeywordDetector:
    """German when the text has a German word in it, else English."""

    def probabilities(self, text: str) -> Mapping[str, float]:
        return {"de": 0.99, "en": 0.01} if " die " in text else {"en": 0.98, "de": 0.02}


class RecordingPredictor(FakePredictor):
    low_confidence = 0.83

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def predict_proba(self, texts: Sequence[object]) -> np.ndarray:
        self.seen.extend(str(text) for text in texts if str(text).strip())
        return super().predict_proba(texts)


def english_screen() -> CommentScreen:
    return CommentScreen(NoOpinion.with_extra(), KeywordDetector(), frozenset({"en"}))


def test_label_frame_screens_before_the_model() -> None:
    predictor = RecordingPredictor()
    frame = pd.DataFrame({"comment": ["good", "N/A", "...", GERMAN, ENGLISH, None, "😡"]})
    out = label_frame(predictor, frame, "comment", screen=english_screen())
    assert predictor.seen == ["good", ENGLISH, "😡"]
    assert out["label"].fillna("").tolist() == ["positive", "", "", "", "positive", "", "neutral"]
    assert out["error"].tolist() == [
        None,
        "no comment",
        "no comment",
        "language de is not supported by fake-1",
        None,
        "empty comment: nothing to classify",
        None,
    ]
    assert out["language"].tolist() == [None, None, None, "de", "en", None, None]
    assert out.loc[1:3, "score_positive"].isna().all()


def test_numbers_and_scores_alone_are_not_sent_to_the_model() -> None:
    predictor = RecordingPredictor()
    comments = ["42", "10/10", "80 %", "10/10 would take again", "+cmd", "4-5 hours a week"]
    out = label_frame(predictor, pd.DataFrame({"comment": comments}), "comment")
    assert predictor.seen == ["10/10 would take again", "+cmd", "4-5 hours a week"]
    assert out["error"].tolist() == [NUMBER_REASON] * 3 + [None] * 3
    assert out["label"].isna().tolist() == [True] * 3 + [False] * 3


def test_label_frame_without_a_screen_still_skips_placeholders() -> None:
    out = label_frame(FakePredictor(), pd.DataFrame({"comment": ["none", GERMAN]}), "comment")
    assert out["error"].tolist() == ["no comment", None]
    assert out["language"].tolist() == [None, None]


def test_worker_keeps_screened_rows_out_of_the_shares(tmp_path: Path) -> None:
    backend = make_backend(tmp_path, languages="en")
    comments = ["good course", "No comments.", "-", "bad labs", "n/a", "good"]
    source = comments_csv(tmp_path / "in.csv", comments)
    request_id = service.submit(backend, source, "comment").request_id
    predictor = RecordingPredictor()
    assert Worker(backend, lambda _ref: predictor, "w").run(burst=True) == 1
    assert predictor.seen == ["good course", "bad labs", "good"]
    summary = service.summary(backend, request_id)
    assert (summary.overall.rows, summary.overall.errors) == (6, 3)
    assert summary.overall.shares == {"negative": 1 / 3, "neutral": 0.0, "positive": 2 / 3}
    status = service.get_status(backend, request_id)
    assert status.low_confidence == 0.83 and status.to_dict()["low_confidence"] == 0.83
    page = service.results_page(backend, request_id)
    assert page.columns[-4:] == ["language", "aspects", "aspect_sentiments", "theme"]
    assert [row["error"] for row in page.rows][1:3] == ["no comment", "no comment"]
    job = backend.repository.jobs.get(request_id)
    assert job.result_key is not None
    table = pd.read_csv(io.BytesIO(backend.store.get_bytes(job.result_key)), dtype=str)
    assert table["error"].fillna("").tolist()[:3] == ["", "no comment", "no comment"]
