"""The comments a report shows per group: the most confident of each label, each once, whole,
readable ones first; and the model facts it prints (only the labelling version's own)."""

from __future__ import annotations

from pathlib import Path

from pipeline.db.records import ResultRecord
from pipeline.model.locate import shipped_model_dir
from pipeline.report.model_facts import local_card, model_facts
from pipeline.report.quotes import group_quotes

LONG = "The labs were the best part of my week and every session built on the last one. " * 3


def row(index: int, course: str | None, text: str, label: str | None, score: float) -> ResultRecord:
    scores = None if label is None else {label: score}
    return ResultRecord(
        row_index=index,
        text=text,
        data={} if course is None else {"course": course},
        label=label,
        scores=scores,
        error=None if label else "empty comment",
        model_version="m",
    )


def test_quotes_are_distinct_readable_first_and_per_label_in_label_order() -> None:
    rows = [
        row(0, "CHEM", "Great course!", "positive", 0.99),
        row(1, "CHEM", "great  course", "positive", 0.98),
        row(2, "CHEM", "Terrible.", "negative", 0.99),
        row(3, "CHEM", "The exams had nothing to do with the lectures.", "negative", 0.80),
        row(4, "CHEM", LONG, "positive", 0.90),
        row(5, "CHEM", "Lectures were on Tuesdays.", "neutral", 0.95),
        row(6, "CHEM", "", None, 0.0),
        row(7, "BIO", "Loved the field trip to the coast.", "positive", 0.7),
    ]

    quotes = group_quotes([rows[:4], rows[4:]], "course", ["negative", "positive"])

    chem = [(q.label, q.text) for q in quotes["CHEM"]]
    assert chem == [
        ("negative", "The exams had nothing to do with the lectures."),
        ("negative", "Terrible."),
        ("positive", LONG.strip()),
        ("positive", "Great course!"),
    ]
    assert [q.text for q in quotes["BIO"]] == ["Loved the field trip to the coast."]


def test_without_a_column_all_rows_are_one_group_and_the_pool_stays_bounded() -> None:
    rows = [
        row(i, None, f"comment number {i} was fine overall", "positive", i / 5000)
        for i in range(5000)
    ]

    quotes = group_quotes([rows], None, ["positive"], per_label=3)

    assert [q.score for q in quotes[None]] == [4999 / 5000, 4998 / 5000, 4997 / 5000]


def test_model_facts_come_from_the_card_of_the_very_version_that_labelled() -> None:
    card = local_card("default")
    version = card["version"]

    facts = model_facts(version, card)
    other = model_facts("some-older-model", card)

    assert facts.evaluations[0].name.startswith("Student feedback")
    assert facts.evaluations[0].accuracy == card["validation"]["student_feedback_val"]["accuracy"]
    assert facts.temperature == card["calibration"]["temperature"]
    assert other.evaluations == () and other.version == "some-older-model"
    assert local_card("s3://bucket/model") == {} and local_card("no-such-dir") == {}
    assert local_card(str(shipped_model_dir())) == card
    assert local_card(str(Path("/"))) == {}
