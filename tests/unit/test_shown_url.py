"""A database URL in a message or a log line shows no password, wherever the URL holds it."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.bootstrap import init_backend
from pipeline.db.shown_url import shown_url, without_secrets
from pipeline.errors import DatabaseUnavailableError
from pipeline.settings import Settings


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


def test_a_drivers_reason_quoting_a_spilt_password_shows_none_of_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The URL was masked, but the same line quoted psycopg2's reason, which names the host:
    ``could not translate host name "xK9qz2@db.internal"``, the password's tail."""
    url = "postgresql+psycopg2://app:Tr0ub4dor@xK9qz2@db.invalid:5432/pipeline"
    reason = 'could not translate host name "xK9qz2@db.invalid" to address'
    assert (
        without_secrets(reason, url) == 'could not translate host name "***@db.invalid" to address'
    )
    assert without_secrets("password S3cret refused", "postgresql://app@db/p?password=S3cret") == (
        "password *** refused"
    )
    monkeypatch.setenv("PIPELINE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PIPELINE_DATABASE_URL", url)
    with pytest.raises(DatabaseUnavailableError) as refused:
        init_backend(Settings.from_env())
    said = str(refused.value)
    assert "cannot use the database at postgresql+psycopg2://app:***@db.invalid:5432" in said
    assert "Tr0ub4dor" not in said and "xK9qz2" not in said, said
