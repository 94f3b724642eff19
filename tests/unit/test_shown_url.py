"""A database URL in a message or a log line shows no password, wherever the URL holds it."""

from __future__ import annotations

import pytest

from pipeline.db.shown_url import shown_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql+psycopg2://app:S3cret@db:5432/p", "postgresql+psycopg2://app:***@db:5432/p"),
        (
            "postgresql+psycopg2://app@db/p?password=S3cret&sslmode=require",
            "postgresql+psycopg2://app@db/p?password=hidden&sslmode=require",
        ),
        ("postgresql://app@db/p?sslpassword=S3cret", "postgresql://app@db/p?sslpassword=hidden"),
        ("postgresql://app:pa@S3cret@db/p", "postgresql://app:***@db/p"),  # an "@" not encoded
        ("postgresql://app:p%40S3cret@db/p", "postgresql://app:***@db/p"),
        ("sqlite:////srv/pipeline/pipeline.db", "sqlite:////srv/pipeline/pipeline.db"),
        ("not a url S3cret", "(a database URL that cannot be parsed)"),
    ],
)
def test_no_password_is_shown(url: str, shown: str) -> None:
    assert shown_url(url) == shown
    assert "S3cret" not in shown_url(url)
