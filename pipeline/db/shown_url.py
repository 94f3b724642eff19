"""A database URL as a message or a log line may show it: no password anywhere in it.

SQLAlchemy's ``hide_password`` masks the password of ``user:password@host`` only. libpq and
SQLAlchemy also take it from the query string (``?password=…``), and a password with an
un-encoded ``@`` is parsed into the host (``app:pa@ss@db`` is password ``pa``, host
``ss@db``), so its tail would be printed. Such lines reach CloudWatch on AWS.
"""

from __future__ import annotations

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
    into it, or the URL itself) with every secret of ``url`` masked."""
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
    for secret in sorted(filter(None, map(str, secrets)), key=len, reverse=True):
        text = text.replace(secret, HIDDEN)
    return text
