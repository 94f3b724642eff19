"""Text a command prints is inert: no ESC, C1 control or bidi override in a comment, a group's
value or a theme's keyword reaches the terminal, yet the text stays readable and a line break
inside a cell never starts a line of its own."""

from __future__ import annotations

import re

import pytest

from pipeline.cli.insight_tables import aspects_table, themes_text
from pipeline.terminal_text import comment_lines, inert, inert_lines, inert_values

HOSTILE_COMMENT = (
    "\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\ \x1b[2J I want to kill myself"
)
HOSTILE_COURSE = "B\x1b[2J\x1b[31mRED"
LIVE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""What must never reach the terminal (a newline only between the command's own lines)."""


def live(text: str) -> list[str]:
    return LIVE.findall(text)


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("\x1b[2J", "\\x1b[2J"),
        ("\x1b]8;;http://evil.example\x1b\\", "\\x1b]8;;http://evil.example\\x1b\\"),
        ("\x9b31m", "\\x9b31m"),  # C1 CSI: an ESC [ of its own on some terminals
        ("\x9d8;;x\x9c", "\\x9d8;;x\\x9c"),  # C1 OSC … ST
        ("bell\x07 nul\x00 del\x7f back\x08", "bell\\x07 nul\\x00 del\\x7f back\\x08"),
        ("\u202eevil\u202c", "\\u202eevil\\u202c"),
        ("\u2066a\u2067b\u2068c\u2069\u202a\u202b\u202d", "\\u2066a\\u2067b\\u2068c\\u2069"
         "\\u202a\\u202b\\u202d"),
        ("lone \ud800", "lone \\ud800"),
    ],
)  # fmt: skip
def test_control_and_bidi_characters_are_shown_as_escapes(written: str, shown: str) -> None:
    assert inert(written) == shown
    assert not live(inert(written))


def test_line_breaks_and_tabs_read_as_spaces_as_in_a_wrapped_comment() -> None:
    assert inert("one\ntwo\r\nthree\tfour\vfive\x85six\u2028seven") == (
        "one two  three four five six seven"
    )


def test_ordinary_text_of_any_script_is_kept_as_written() -> None:
    readable = "Très bien — 很好 · ממש טוב · جيد جدا · 👩‍🔬 labs, 100% “clear”"
    assert inert(readable) == readable
    assert inert(inert(HOSTILE_COMMENT)) == inert(HOSTILE_COMMENT)


def test_a_printed_block_keeps_its_own_line_breaks_only() -> None:
    assert inert_lines("heading\n  B\x1b[2J\r\n") == "heading\n  B\\x1b[2J \n"


def test_an_answer_is_made_inert_throughout_its_figures_kept() -> None:
    answer = {"group\x1b": [HOSTILE_COURSE, 3, None, 0.5, {"text": "a\nb"}], "n": 4}
    assert inert_values(answer) == {
        "group\\x1b": ["B\\x1b[2J\\x1b[31mRED", 3, None, 0.5, {"text": "a b"}],
        "n": 4,
    }


def test_a_hostile_comment_prints_inert_and_readable() -> None:
    lines = comment_lines(HOSTILE_COMMENT + "\nwithheld · threat", 60, 400)
    printed = "\n".join(lines)
    assert not live(printed)
    assert "I want to kill myself" in printed
    assert "\\x1b]8;;http://evil.example" in printed  # the reader sees there was a link
    assert all(line.startswith("  ") for line in lines)  # no line passes for a heading


def test_the_insight_tables_show_hostile_names_inert_when_laid_out_from_an_inert_answer() -> None:
    aspects = {
        "request_id": "job1",
        "group_by": "course\u202e",
        "rows_labelled": 3,
        "rows_with_aspects": 3,
        "categories": [{"name": "exams", "n": 3, "counts": {"negative": 3}, "shares": {}}],
        "groups": [{"group": HOSTILE_COURSE, "n": 3, "aspects": [{"name": "exams\x9b2J", "n": 3}]}],
    }
    themes = {
        "request_id": "job1",
        "group_by": "course",
        "themes": [
            {
                "label": "negative",
                "id": 1,
                "name": "exam\x1b[1A",
                "keywords": ["exam\x1b[2K", "\u202eunfair"],
                "quotes": [{"text": HOSTILE_COMMENT}],
                "counts": [{"group": HOSTILE_COURSE, "count": 3}],
            }
        ],
    }
    printed = aspects_table(inert_values(aspects), 200) + themes_text(inert_values(themes), 200)
    assert not live(printed)
    assert "B\\x1b[2J\\x1b[31mRED" in printed and "exam\\x1b[2K" in printed
    assert "I want to kill myself" in printed
