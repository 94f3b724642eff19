"""A database URL as a message or a log line may show it: no password anywhere in it.

SQLAlchemy's ``hide_password`` masks the password of ``user:password@host`` only. libpq and
SQLAlchemy also take it from the query string (``?password=…``), and a password with an
un-encoded ``@`` is parsed into the host (``app:pa@ss@db`` is password ``pa``, host
``ss@db``), so its tail would be printed. Such lines reach CloudWatch on AWS.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

HIDDEN = "***"
HIDDEN_PARAMETER = "hidden"  # a query value is URL-encoded: "***" would read %2A%2A%2A
_SECRET_PARAMETERS = frozenset({"password", "passwd", "pwd", "sslpassword", "secret", "token"})


def shown_url(url: str | URL) -> str:
    """``url`` with every password masked; an unparseable one is not shown at all."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return "(a database URL that cannot be parsed)"
    query = {
        name: HIDDEN_PARAMETER if name.lower() in _SECRET_PARAMETERS else value
        for name, value in parsed.query.items()
    }
    parsed = parsed.set(query=query)
    if parsed.host and "@" in parsed.host:
        parsed = parsed.set(host=parsed.host.rpartition("@")[2], password=HIDDEN)
    return parsed.render_as_string(hide_password=True)


def without_secrets(text: str, url: str | URL) -> str:
    """``text`` (a driver's reason, which may quote the host, and so a password's tail spilt
    into it, or the URL itself) with every secret of ``url`` masked, as written or
    URL-encoded. A secret is masked where it stands whole, not inside a longer word: a short
    one ("e", or the "ss" spilt from ``app:p@ss@db``) must not turn "address" into "addre***",
    garbling the reason and telling where its letters occur."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return text
    secrets = [parsed.password or ""]
    secrets += [
        str(value) for name, value in parsed.query.items() if name.lower() in _SECRET_PARAMETERS
    ]
    if parsed.host and "@" in parsed.host:
        secrets.append(parsed.host.rpartition("@")[0])
    written = {str(secret) for secret in secrets if secret}
    written |= {quote(secret, safe="") for secret in written}
    if not written:
        return text
    whole = "|".join(_standing_whole(secret) for secret in sorted(written, key=len, reverse=True))
    return re.sub(whole, HIDDEN, text)


def _standing_whole(secret: str) -> str:
    """A pattern of ``secret`` with no letter or digit right before or after it, where its
    own first or last character is one (a secret ending in "!" may be followed by anything)."""
    before = r"(?<!\w)" if re.match(r"\w", secret[0]) else ""
    after = r"(?!\w)" if re.match(r"\w", secret[-1]) else ""
    return before + re.escape(secret) + after
