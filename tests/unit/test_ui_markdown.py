"""``pipeline.ui.markdown``: text from the user's file or the API put into what Streamlit renders
as Markdown shows as written. Checked with a CommonMark parser (markdown-it-py, which the dev
tools bring: GitHub's tables and strikethrough on) and against what Streamlit's own renderer
adds on top: LaTeX between ``$``, ``:material/…:`` icons, ``:red[…]`` directives,
``:streamlit:`` and emoji shortcodes, and GitHub's autolinks of bare addresses, found once the
escapes are read."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from pipeline.ui.markdown import code, literal, message, unescaped

HOSTILE = [
    "![px](http://evil.example/pixel.png) Optics",
    "[Log in again](http://phish.example/login)",
    "**MATH** [x](javascript:alert(1))",
    "[ref][1]\n\n[1]: http://evil.example/ref",
    "<http://evil.example/auto> <img src=x onerror=alert(1)>",
    "GEO $\\frac{a}{b}$ $$x$$ :red[Red] :material/warning: :blue-badge[b]",
    "Bio &lt;img&gt; R&amp;D &#33;&#91;x&#93;(http://evil.example/e.png)",
    "`code` ``more`` ~~gone~~ ~gone~ _it_ *it* __b__",
    "1. first\n# Heading\n> quote\n- item\n+ item\nText\n===\n---\n| a | b |\n|---|---|",
    "C:\\temp\\x.csv \\*not emphasis\\* \\![not an image](x)",
    "see http://phish.example/login, www.phish.example or jo.smith@uni.example",
    ":streamlit: :smile: Q3:Any other comments?",
    "CHEM110 General-Chemistry (n=4) 50 % {#id .class}",
]
INLINE = ("link_open", "image", "code_inline", "em_open", "strong_open", "s_open", "html_inline")
BLOCK = ("heading_open", "bullet_list_open", "ordered_list_open", "blockquote_open",
         "table_open", "hr", "fence", "code_block", "html_block")  # fmt: skip


def _parser() -> Any:
    """markdown-it-py (a dependency of rich, not of this project: skipped where it is absent)."""
    markdown_it = pytest.importorskip("markdown_it")
    return markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _kinds(markdown: str) -> set[str]:
    tokens = _parser().parse(markdown)
    inline = [child.type for token in tokens for child in token.children or []]
    return {token.type for token in tokens} | set(inline)


@pytest.mark.parametrize("text", HOSTILE)
def test_a_hostile_value_is_text_and_nothing_else(text: str) -> None:
    escaped = literal(text)
    kinds = _kinds(escaped)
    assert not kinds & {*INLINE, *BLOCK}, (escaped, kinds)
    rendered = re.sub(r"<[^>]+>", "", _parser().render(escaped))
    shown = html.unescape(rendered).replace("\u2060", "")
    assert " ".join(shown.split()) == " ".join(text.split()), "shown as written"
    assert unescaped(escaped) == text


def test_the_hostile_values_were_markup_before_escaping() -> None:
    """So the test above checks something: unescaped, each is parsed as markup."""
    for text in HOSTILE[:5] + HOSTILE[7:9]:
        assert _kinds(text) & {*INLINE, *BLOCK}, text


@pytest.mark.parametrize("text", HOSTILE)
def test_streamlits_own_syntax_finds_nothing_in_an_escaped_value(text: str) -> None:
    """What Streamlit's renderer does beyond CommonMark, on the source or on the text once
    its escapes are read (its Markdown component, 1.67): ``:material/`` becomes an icon,
    ``:name[`` a directive, a ``$…$`` pair LaTeX, ``:streamlit:`` its logo, ``:smile:`` an
    emoji, and a bare address, ``www.`` name or e-mail address a link."""
    escaped = literal(text)
    assert ":material/" not in escaped
    assert not re.search(r"(?<!\\):[a-z][a-z0-9-]*\[", escaped)
    assert not re.search(r"(?<!\\)\$", escaped)
    assert not re.search(r"(?<!\\)[`*_~<\[\]!]", escaped.replace("\\\\", ""))
    read = unescaped(escaped.replace("\u2060", "\x00"))  # the text Streamlit's plugins see
    assert not re.search(r":[\w+-]+:", read), "no shortcode: no logo, emoji or icon"
    assert not re.search(r"https?://|\bwww\.|@[-\w]+\.", read, re.IGNORECASE), "no autolink"


def test_plain_words_are_left_alone() -> None:
    assert literal("CHEM110 General Chemistry") == "CHEM110 General Chemistry"
    assert literal("Prof. O'Neil") == "Prof\\. O'Neil"
    assert literal("") == ""


def test_a_message_keeps_its_code_and_escapes_the_rest() -> None:
    said = "no column '![x](http://evil.example/x.png)': run `sentiment-pipeline init` first"
    shown = message(said)
    assert "`sentiment-pipeline init`" in shown
    assert "![" not in shown and "](" not in shown
    tokens = [child.type for t in _parser().parse(shown) for child in t.children or []]
    assert tokens.count("code_inline") == 1 and "image" not in tokens
    assert unescaped(shown.replace("`", "")) == said.replace("`", "")


def test_a_message_code_span_never_runs_over_a_line() -> None:
    """A span over a line break is not one in Markdown when the next line starts a block:
    its text would then be read as Markdown, so it is escaped like the rest."""
    said = "column `x\n# ![y](http://evil.example/y.png)` not found"
    shown = message(said)
    assert not _kinds(shown) & {*INLINE, *BLOCK}, shown
    assert message("a `b` c `d") == "a `b` c \\`d"


@pytest.mark.parametrize(
    "text",
    ["http://127.0.0.1:8000", "https://abc.execute-api.eu-west-1.amazonaws.com/prod", *HOSTILE],
)
def test_a_code_span_shows_and_copies_the_text_as_written(text: str) -> None:
    """The sidebar's API address: one code span, whose text is the address itself, with no
    word joiner for a user to copy into a terminal."""
    shown = code(text)
    tokens = [child for t in _parser().parse(shown) for child in t.children or []]
    assert [token.type for token in tokens] == ["code_inline"], shown
    assert tokens[0].content == " ".join(text.splitlines())
    assert "\u2060" not in shown


def test_a_code_span_holds_backticks() -> None:
    for text in ["`", "a``b", "``x``", ""]:
        tokens = [child for t in _parser().parse(code(text)) for child in t.children or []]
        assert [token.type for token in tokens] == ["code_inline"], text
        assert tokens[0].content.strip() == text.strip()
