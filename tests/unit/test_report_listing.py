"""One group's report lists every comment of that group and of no other: label by label, in
file order, each written once with its copies; written comments without a label apart, with
the reason; blank rows and placeholders counted, not listed."""

from __future__ import annotations

from pipeline.db.records import ResultRecord
from pipeline.model.no_opinion import NO_OPINION_REASON
from pipeline.model.predictor import EMPTY_TEXT_REASON
from pipeline.report.listing import SHOWN_CHARS, group_comments

LABELS = ("negative", "neutral", "positive")


def row(
    index: int,
    course: str | None,
    text: str,
    label: str | None,
    score: float = 0.9,
    error: str | None = None,
    question: str | None = None,
) -> ResultRecord:
    data: dict[str, object] = {} if course is None else {"course": course}
    if question is not None:
        data["question"] = question
    return ResultRecord(
        row_index=index,
        text=text,
        data=data,
        label=label,
        scores=None if label is None else {label: score},
        error=error,
        model_version="m",
    )


def texts(listing_part: tuple) -> list[str]:  # type: ignore[type-arg]
    return [comment.text for comment in listing_part]


def test_only_the_groups_comments_label_by_label_in_file_order() -> None:
    rows = [
        row(0, "CHEM110", "The exams were unfair.", "negative", 0.97),
        row(1, "BIO101", "Dr Jones was rude to us.", "negative"),
        row(2, "CHEM110", "Great labs.", "positive", 0.99),
        row(3, "CHEM110", "Lectures were on Tuesdays.", "neutral", 0.8),
        row(4, "CHEM110", "Too much homework.", "negative", 0.9),
        row(5, "BIO101", "Loved the field trip.", "positive"),
    ]
    listing = group_comments([rows[:3], rows[3:]], "course", "CHEM110", LABELS)
    assert [label for label, _ in listing.by_label] == list(LABELS)
    parts = dict(listing.by_label)
    assert texts(parts["negative"]) == ["The exams were unfair.", "Too much homework."]
    assert texts(parts["neutral"]) == ["Lectures were on Tuesdays."]
    assert texts(parts["positive"]) == ["Great labs."]
    assert parts["negative"][0].score == 0.97
    assert listing.rows == 4
    every = [c.text for _, part in listing.by_label for c in part]
    assert "Dr Jones was rude to us." not in every
    assert "Loved the field trip." not in every


def test_copies_are_listed_once_with_their_count() -> None:
    rows = [
        row(0, "CHEM110", "Nothing, keep it as it is.", "negative", 0.65),
        row(1, "CHEM110", "nothing keep it as it is", "negative", 0.64),
        row(2, "CHEM110", "Nothing,  keep it as it is!", "negative", 0.65),
        row(3, "CHEM110", "Great labs.", "positive"),
    ]
    negative = dict(group_comments([rows], "course", "CHEM110", LABELS).by_label)["negative"]
    assert len(negative) == 1
    assert negative[0].text == "Nothing, keep it as it is."
    assert negative[0].copies == 3


def test_written_comments_without_a_label_are_listed_apart_blanks_are_counted() -> None:
    french = "Le cours était très intéressant mais trop long."
    rows = [
        row(0, "CHEM110", french, None, error="language fr is not supported by m"),
        row(1, "CHEM110", "   ", None, error=EMPTY_TEXT_REASON),
        row(2, "CHEM110", "N/A", None, error=NO_OPINION_REASON),
        row(3, "CHEM110", "Good.", "positive"),
    ]
    listing = group_comments([rows], "course", "CHEM110", LABELS)
    assert texts(listing.unlabelled) == [french]
    assert listing.unlabelled[0].reason == "language fr is not supported by m"
    assert listing.unlabelled[0].score is None
    assert listing.left_out == 2
    assert listing.rows == 4


def test_the_blank_group_is_the_rows_without_a_value() -> None:
    rows = [
        row(0, None, "No course given, but a fine class.", "positive"),
        row(1, "CHEM110", "Great labs.", "positive"),
    ]
    positive = dict(group_comments([rows], "course", None, LABELS).by_label)["positive"]
    assert texts(positive) == ["No course given, but a fine class."]


def test_an_overlong_comment_is_cut_and_says_its_length() -> None:
    long_text = "word " * (SHOWN_CHARS // 4)
    rows = [row(0, "CHEM110", long_text, None, error="the comment has 25,000 characters")]
    listed = group_comments([rows], "course", "CHEM110", LABELS).unlabelled[0]
    assert len(listed.text) == SHOWN_CHARS
    assert listed.cut_from == len(long_text.strip())


def test_the_question_is_kept_and_the_same_words_to_two_questions_are_two_comments() -> None:
    rows = [
        row(0, "CHEM110", "The labs.", "positive", question="What did you like?"),
        row(1, "CHEM110", "The labs.", "negative", question="What should change?"),
    ]
    parts = dict(
        group_comments([rows], "course", "CHEM110", LABELS, question_column="question").by_label
    )
    assert [c.question for c in parts["positive"]] == ["What did you like?"]
    assert [c.question for c in parts["negative"]] == ["What should change?"]


def test_an_emoji_is_an_opinion_listed_like_any_comment() -> None:
    rows = [
        row(0, "CHEM110", "👎", "negative", 0.9),
        row(1, "CHEM110", "👎", "negative", 0.9),
        row(2, "CHEM110", "🙂", "positive", 0.8),
    ]
    parts = dict(group_comments([rows], "course", "CHEM110", LABELS).by_label)
    assert [(c.text, c.copies) for c in parts["negative"]] == [("👎", 2)]
    assert texts(parts["positive"]) == ["🙂"]
