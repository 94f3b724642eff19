"""The plain text of a comment exported with its rich-text editor's HTML.

Learning platforms keep a student's answer as the HTML their editor wrote (Moodle's
feedback and questionnaire reports, Canvas and D2L surveys, LMS course-evaluation plug-ins):
``<p>The labs were great!</p><p>But the exams were <strong>unfair</strong>.</p>``, an empty
answer as ``<p><br></p>``. The student wrote words; the tags are the export's. Read as they
are, the tags move the scores (``<p>I didn&#39;t like the textbook</p>``: p(positive) 0.16,
its text 0.02), an empty answer is labelled as a comment, and themes name ``p`` and
``nbsp`` as keywords.

So a comment with markup is read as its text: the tags of text formatting are removed, block
ends (paragraphs, line breaks, list items) become line breaks, character references
(``&amp;``, ``&#39;``, ``&nbsp;``) become their characters, and the lines are trimmed. Only
these tags are read as markup, so ``I <3 this class`` or ``x<y and y>z`` stay as written; a
comment with no markup is returned unchanged (the same object).

Pure: ``pipeline.inputs`` applies it to the comment columns as it reads a file.
"""

from __future__ import annotations

import html
import re

_TAGS = (
    "a|abbr|b|big|blockquote|br|center|cite|code|del|div|em|font|h[1-6]|hr|i|ins|li|mark|ol|p|"
    "pre|q|s|small|span|strike|strong|sub|sup|table|tbody|td|tfoot|th|thead|tr|tt|u|ul"
)
_BLOCK_END = re.compile(r"<(?:br|hr)\b[^<>]*>|</(?:p|div|li|h[1-6]|tr|blockquote|pre)\s*>", re.I)
_TAG = re.compile(rf"</?(?:{_TAGS})(?:\s[^<>]*)?/?>", re.I)
_REFERENCE = re.compile(r"&(?:[a-z][a-z0-9]{1,7}|#[0-9]{1,7}|#x[0-9a-f]{1,6});", re.I)


def has_markup(text: str) -> bool:
    """Whether ``text`` holds a formatting tag or a character reference."""
    return ("<" in text and _TAG.search(text) is not None) or (
        "&" in text and _REFERENCE.search(text) is not None
    )


def plain_text(text: str) -> str:
    """``text`` without its HTML: the words, a line per paragraph, no blank lines."""
    if not has_markup(text):
        return text
    text = _TAG.sub("", _BLOCK_END.sub("\n", text))
    text = _REFERENCE.sub(lambda found: html.unescape(found.group()), text)
    lines = (" ".join(line.replace("\u200b", "").split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)
