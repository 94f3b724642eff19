"""Placeholders get no label; opinions, however short, still go to the model."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import ConfigError
from pipeline.model import no_opinion
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
        "Great!", "ok", "Bad", "😡😡😡", "👎", ":)", ":(", ":-D", "<3", "=)", "-_-", "10/10", "5",
        "No comments, the course was perfect", "Nothing was explained", "none of it made sense",
        "no idea what he was talking about",
    ],
)  # fmt: skip
def test_opinions_are_kept(text: str) -> None:
    assert not DEFAULT(text)


@pytest.mark.parametrize(
    "text",
    [
        "No additional comments at this time.", "None 🙂", "No comments at this time",
        "No comment at this time", "I have no comments", "Nothing else to say",
        "no comments, thanks", "none so far", "I've nothing to add", "No, thank you",
        "Nothing for now.", "N/A at the moment", "No comments at this time, thank you! 😊",
        "nothing else to add", "😊 none", "No comments :)", "no comments, many thanks",
    ],
)  # fmt: skip
def test_everyday_placeholders_with_fillers_or_an_emoji_have_no_opinion(text: str) -> None:
    assert DEFAULT(text)
    assert DEFAULT.many([text]) == [True]


@pytest.mark.parametrize(
    "text",
    [
        "no comments on the lectures, but the exams were unfair", "None of the labs worked",
        "Nothing was explained", "Thanks!", "thank you", "Great, thanks", "So far so good",
        "I have nothing but praise for her", "Not bad so far", "Nothing so far was clear",
        "No comments yet, the course started late", "thanks thanks thanks thanks none",
        "I have learned nothing", "none 😡 at all, the worst", "👎", "😊",
    ],
)  # fmt: skip
def test_fillers_never_make_an_opinion_a_placeholder(text: str) -> None:
    assert not DEFAULT(text)
    assert DEFAULT.many([text]) == [False]


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


PLACEHOLDERS = ["N/A", "No comments.", "Nothing to add.", "...", "  ", "no comments at all"]
OPINIONS = ["Great!", ":(", "No comments, the course was perfect", "Nothing was explained"]


def test_a_chunk_is_judged_as_each_text_alone() -> None:
    longest = max(map(len, DEFAULT.keys))
    texts = [
        *PLACEHOLDERS,
        *OPINIONS,
        "Ｎｏ ｃｏｍｍｅｎｔｓ",  # full-width letters: not ASCII, normalised to the phrase
        "N/A" + " " * 500,  # long, but only 2 ASCII letters
        "a" * (longest + 1),  # one ASCII letter more than the longest phrase
        "ǅ" * 3 + "¨" * 40,  # letters that decompose, symbols that vanish
        "",
        "x",
        "The lectures were clear and the labs were useful. " * 20,
    ]
    assert DEFAULT.many(texts) == [DEFAULT(text) for text in texts]
    assert DEFAULT.many(texts)[: len(PLACEHOLDERS)] == [True] * len(PLACEHOLDERS)
    assert DEFAULT.many(["Ｎｏ ｃｏｍｍｅｎｔｓ"]) == [True]
    assert DEFAULT.many([]) == []


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from(list("nN/A. -_oc:()mentsa1ǅ¨éＮ😡\t")), max_size=30),
        max_size=8,
    )
)
def test_any_chunk_is_judged_as_each_text_alone(texts: list[str]) -> None:
    phrases = NoOpinion.with_extra(["a1", "ca"])
    assert phrases.many(texts) == [phrases(text) for text in texts]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.lists(
            st.sampled_from(
                ["I have", "I've", "none", "no comments", "at this time", "thanks", "thank you",
                 "so far", "for now", ",", "!", " ", "🙂", "great", "x" * 30, "N/A", "Ｎ"]
            ),
            max_size=8,
        ).map("".join),
        max_size=8,
    )
)  # fmt: skip
def test_any_chunk_with_fillers_is_judged_as_each_text_alone(texts: list[str]) -> None:
    assert DEFAULT.many(texts) == [DEFAULT(text) for text in texts]


def test_only_texts_that_could_be_a_phrase_are_normalised(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[str] = []
    real = no_opinion.normalise

    def spy(text: str) -> str:
        asked.append(text)
        return real(text)

    monkeypatch.setattr(no_opinion, "normalise", spy)
    long_comment = "The exams were fair and the feedback was quick and detailed."
    assert DEFAULT.many(["N/A", long_comment, "ok"]) == [True, False, False]
    assert asked == ["N/A", "ok"]
