"""Text from the user's file or from the API shown as written where Streamlit renders Markdown.

Streamlit renders Markdown in ``st.markdown``, ``st.caption``, ``st.title``, the alerts
(``st.info``…), every widget label (buttons, download buttons, toggles, checkboxes, pickers),
``help`` tooltips, ``st.metric`` labels and ``st.progress`` texts, images included: a course
written ``![px](http://evil.example/pixel.png) Optics`` would make the browser fetch that
address as soon as the page shows it (a web beacon), and ``[Log in again](http://…)`` would be
a real link. So every course or group value, column or sheet name, file name, theme keyword,
aspect name and error message that goes into one of those passes through ``literal`` where
it is put into the text (the page's own words keep their Markdown). Plain-text places need
nothing: a picker's options and placeholder, ``st.text``, tables, charts. The label of a
picker, box, switch or text field is also read out as written by screen readers, escapes and
all: such labels take a value only where it needs no escape (``input_label``).
"""

from __future__ import annotations

import re

_SYNTAX = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:/&=])")
"""Every ASCII character Markdown, GitHub's extensions or Streamlit's give a meaning to:
emphasis, code, links and images (``[`` ``]`` ``(`` ``)`` ``!``), HTML and autolinks
(``<``), headings, lists, quotes and tables at a line's start (``#`` ``+`` ``-`` ``.`` ``>``
``|`` ``=``), strikethrough (``~``), LaTeX between ``$``, directives such as
``:red[…]`` and ``:material/flag:`` (``:`` ``/`` ``{`` ``}``) and character references
(``&``). CommonMark lets a backslash escape any of them, and the escaped character is shown
as itself."""

_WORD_JOINER = "\u2060"
_AFTER_PARSING = re.compile(r"(?<=:)(?=//)|(?<=\bwww)(?=\.)|(?<=@)|(?<=:)(?=[\w+-]+:)", re.I)
"""Where Streamlit still makes something of the text once its escapes are read, for its
plugins work on the parsed text: a bare address (``http://…``, ``www.…``) or an e-mail
address becomes a link (GitHub's autolinks), ``:streamlit:`` the Streamlit logo and
``:smile:`` an emoji. An invisible word joiner there (after ``:`` or ``@``, between ``www``
and ``.``) leaves the text as it reads and stops each."""


def literal(text: str) -> str:
    """``text`` shown as written inside Markdown, as Streamlit renders it: no emphasis,
    heading, list, link, image, autolink, HTML, maths, colour, icon or emoji from it."""
    return _SYNTAX.sub(r"\\\1", _AFTER_PARSING.sub(_WORD_JOINER, str(text)))


def input_label(text: str, instead: str) -> str:
    """A label for a picker, box, switch or text field: ``text`` where Markdown shows it as
    written already, else ``instead`` (the page's own words). Streamlit renders such a label as
    Markdown on the page but hands it as written to screen readers (its ``aria-label``), so
    ``literal``'s backslashes would be read out ("evals backslash underscore fall"). Buttons
    and download buttons are named by the text they show: ``literal`` is right there."""
    return text if literal(text) == text else instead


_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)([^`\n]+)(?<!`)\1(?!`)")
"""A code span on one line, as the service's messages write a command or a setting
(``run `sentiment-pipeline init` ``): Markdown shows what is inside as written already."""


def message(text: str) -> str:
    """A message of the service or of the app's own checks (an error, a note) shown as
    written, like ``literal``, but its code spans kept as code: such a message can name a
    file, a column or a value of the file, and also a command to run. A code span shows its
    text as written, images and links included, and one that ran over a line break could
    let the line after it start a heading or a list, so only spans on one line are kept."""
    parts: list[str] = []
    end = 0
    for span in _CODE_SPAN.finditer(text):
        parts += [literal(text[end : span.start()]), span.group(0)]
        end = span.end()
    parts.append(literal(text[end:]))
    return "".join(parts)


def code(text: str) -> str:
    """``text`` as one code span: shown as written, in a fixed font, and copied as written
    (no word joiner: an address the user copies into a terminal must stay that address).
    Markdown and Streamlit's plugins leave a code span's inside alone; its fence is longer
    than any run of backticks in the text, and line breaks become spaces, as a code span
    shows them anyway."""
    flat = " ".join(str(text).splitlines()) or " "
    fence = "`" * (max((len(run) for run in re.findall(r"`+", flat)), default=0) + 1)
    padded = f" {flat} " if flat.startswith("`") or flat.endswith("`") else flat
    return f"{fence}{padded}{fence}"


def unescaped(markdown: str) -> str:
    """What ``literal`` was given, from what it made (for tests and logs)."""
    return re.sub(r"\\(.)", r"\1", markdown.replace(_WORD_JOINER, ""))
