"""What the AppTests of the app's views share: the page's text as a reader sees it."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

READ_KINDS = ("markdown", "caption", "error", "warning", "info", "success")


def page_text(at: AppTest) -> str:
    """The page's text as a reader sees it (Markdown's backslash escapes dropped)."""
    elements = [element for kind in READ_KINDS for element in at.get(kind)]
    text = "\n".join(str(getattr(element, "value", "")) for element in elements)
    return re.sub(r"\\(.)", r"\1", text)
