"""Placeholders get no label; opinions, however short, still go to the model."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import ConfigError
from pipeline.model.no_opinion import NoOpinion, extra_phrases, normalise

DEFAULT = NoOpinion.with_extra()


@pytest.mark.parametrize(
    "text",
    [
        "N/A", "n/a", "NA", "n.a.", "-", "--", ".", "...", "?", "none", "None.", "NONE",
        "nil", "no", "No.", "No comment", "No comments.", "no comment(s)", "nothing",
        "Nothing to add.", "no comments at all", "  N / A  ", "-none-", "Nothing really!",
    ],
)  # fmt: skip
def test_placeholders_have_no_opinion(text: str) -> None:
    assert DEFAULT(text)


@pytest.mark.parametrize(
    "text",
    [
        "Great!", "ok", "Bad", "😡😡😡", "👎", ":)", ":(", ":-D", "<3", "=)", "10/10", "5",
        "No comments, the course was perfect", "Nothing was explained", "none of it made sense",
        "no idea what he was talking about",
    ],
)  # fmt: skip
def test_opinions_are_kept(text: str) -> None:
    assert not DEFAULT(text)


def test_normalise_drops_case_accents_punctuation_and_spaces() -> None:
    assert normalise("No-Comment(s).") == normalise("no comments") == "nocomments"
    assert normalise("Ningún") == "ningun"
    assert normalise("👍 ok") == "👍ok"


def test_extra_phrases_extend_the_list() -> None:
    extended = NoOpinion.with_extra(["Keine Angabe", "see my other answer"])
    assert extended("keine angabe.") and extended("See my other answer!")
    assert not DEFAULT("keine angabe")
    assert extended("N/A")


def test_extra_phrases_from_setting_and_file(tmp_path: Path) -> None:
    listed = tmp_path / "phrases.txt"
    listed.write_text("# site placeholders\nsin comentarios\n\nrien\n", encoding="utf-8")
    assert extra_phrases("keine angabe, ,pass", str(listed)) == [
        "keine angabe", "pass", "sin comentarios", "rien",
    ]  # fmt: skip


def test_unreadable_phrase_file_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="PIPELINE_NO_OPINION_FILE"):
        extra_phrases("", str(tmp_path / "missing.txt"))
