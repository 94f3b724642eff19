"""``train --extra-data`` rows whose text is in a validation set are left out of training
(case, spacing and SST's token spacing aside), counted in the card and told on stderr, so
the figures the card calls held out are."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.model import data
from pipeline.model.card import render_readme
from pipeline.model.corpus import CorpusSpec, build_corpus

STUDENT = [
    (f"student comment number {i} about the course", lab)
    for i, lab in enumerate(["positive", "negative", "neutral"] * 10)
]
SST_TEST = [("It isn't a good film.", "negative"), ("A fine, warm film.", "positive")]


def _write(path: Path, frame: pd.DataFrame) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)


def _data_dir(root: Path) -> Path:
    rows = pd.DataFrame(STUDENT, columns=["text", "label"])
    _write(root / data.STUDENT_FEEDBACK, rows.assign(source="part"))
    reviews = pd.DataFrame(
        [(f"professor review {i}", lab) for i, lab in enumerate(["positive", "negative"] * 10)],
        columns=["text", "label"],
    )
    _write(root / data.PROFESSOR_REVIEWS, reviews.assign(source="uni"))
    _write(
        root / data.SST_PHRASES, pd.DataFrame([("a phrase", "neutral")], columns=["text", "label"])
    )
    _write(
        root / data.SST_TEST, pd.DataFrame(SST_TEST, columns=["text", "label"]).assign(fine_label=1)
    )
    _write(root / data.TWEETEVAL, pd.DataFrame([("a tweet", "neutral")], columns=["text", "label"]))
    return root


def _spec(data_dir: Path, extra: Path) -> CorpusSpec:
    return CorpusSpec(
        data_dir=data_dir,
        extra_data=(extra,),
        val_fraction=0.2,
        seed=13,
        student_repeat=1,
        authored_repeat=0,
        sst_phrase_rows=0,
        professor_rows=0,
        professor_val_fraction=0.2,
        limit_per_source=0,
    )


def test_extra_rows_in_a_validation_set_are_left_out_and_counted(tmp_path: Path) -> None:
    data_dir = _data_dir(tmp_path / "data")
    student = data.load_student_feedback(data_dir)
    held = data.stratified_split(student, 0.2, 13)[1]["text"].tolist()
    extra = tmp_path / "corrections.csv"
    rows = [
        (held[0], "positive"),
        ("  " + held[1].upper() + "  ", "negative"),  # case and spacing aside
        (held[2].replace(" ", "  "), "neutral"),
        ("It is n't a good film .", "negative"),  # SST's tokenisation of a test sentence
        ("a new comment nobody held out", "positive"),
        ("another new one", "negative"),
    ]
    _write(extra, pd.DataFrame(rows, columns=["text", "label"]))

    corpus = build_corpus(_spec(data_dir, extra))

    source = corpus.sources["extra:corrections.csv"]
    assert (source["rows"], source["dropped_in_validation"]) == (2, 4)
    keys = {data.overlap_key(t) for t in corpus.train["text"]}
    assert not keys & {data.overlap_key(t) for t in held}
    assert "a new comment nobody held out" in set(corpus.train["text"])
    assert corpus.notes == [
        "extra:corrections.csv: 4 rows left out of training: their text is in a validation "
        "set (student_feedback_val, professor_reviews_val or sst_test), whose figures must "
        "stay held out"
    ]
    readme = render_readme({"data": corpus.sources})
    assert "- extra:corrections.csv: 2 rows" in readme
    assert "(4 more left out: their text is in a validation set)" in readme


def test_extra_rows_that_overlap_nothing_are_all_kept_without_a_note(tmp_path: Path) -> None:
    data_dir = _data_dir(tmp_path / "data")
    extra = tmp_path / "mine.csv"
    _write(extra, pd.DataFrame([("brand new", "positive")], columns=["text", "label"]))

    corpus = build_corpus(_spec(data_dir, extra))

    assert corpus.sources["extra:mine.csv"]["rows"] == 1
    assert "dropped_in_validation" not in corpus.sources["extra:mine.csv"]
    assert corpus.notes == []


class _Stop(Exception):
    pass


def test_training_says_on_stderr_how_many_extra_rows_it_left_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pipeline.model import train

    data_dir = _data_dir(tmp_path / "data")
    held = data.stratified_split(data.load_student_feedback(data_dir), 0.2, 13)[1]["text"]
    extra = tmp_path / "corrections.csv"
    _write(extra, pd.DataFrame({"text": held[:3], "label": "positive"}))

    def stop(_options: object) -> None:
        raise _Stop

    monkeypatch.setattr(train, "_build_lora_model", stop)
    options = train.TrainOptions(
        data_dir=data_dir, extra_data=(extra,), student_repeat=1, authored_repeat=0
    )
    with pytest.raises(_Stop):
        train.train(options)
    assert "extra:corrections.csv: 3 rows left out of training" in capsys.readouterr().err
