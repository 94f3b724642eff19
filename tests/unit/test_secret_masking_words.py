"""A database URL's secret is masked in a driver's reason where it stands whole, and the
reason's own words are left as they are, however short the secret (a one-letter password, or
the piece of one spilt into the host)."""

from __future__ import annotations

from pipeline.db.shown_url import without_secrets

REASON = 'could not translate host name "{host}" to address: Name or service not known'


def test_a_short_password_leaves_the_drivers_words_alone() -> None:
    url = "postgresql+psycopg2://app:e@db.invalid:5432/pipeline"
    reason = REASON.format(host="db.invalid")
    assert without_secrets(reason, url) == reason


def test_a_password_spilt_into_the_host_is_masked_there_only() -> None:
    url = "postgresql+psycopg2://app:p@ss@127.0.0.1:18299/pipeline"
    reason = REASON.format(host="ss@127.0.0.1")
    assert without_secrets(reason, url) == REASON.format(host="***@127.0.0.1")


def test_the_url_quoted_whole_shows_no_secret_written_or_encoded() -> None:
    url = "postgresql://app:p%40S3cret@db/p?sslpassword=k3y"
    said = without_secrets(f"cannot connect to {url} (p@S3cret, k3y)", url)
    assert "S3cret" not in said and "k3y" not in said
    assert said == "cannot connect to postgresql://app:***@db/p?sslpassword=*** (***, ***)"
