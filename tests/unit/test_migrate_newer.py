"""A database that a newer version migrated (a rollback of an upgrade, or an older version
started on the migrated data folder): ``init``/``up`` and every other command refuse it in one
line that says so and what to do, never with Alembic's "Can't locate revision" traceback nor
by advising ``init``, which cannot help."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from pipeline.db import Repository
from pipeline.db.migrate import require_current, upgrade
from pipeline.errors import ConfigError

NEWER = "9999_from_a_newer_version"


def migrated_by_a_newer_version(tmp_path: Path) -> Repository:
    repository = Repository.connect(f"sqlite:///{tmp_path / 'pipeline.db'}")
    upgrade(repository.database.engine)
    with repository.database.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": NEWER})
    return repository


@pytest.mark.parametrize("check", [upgrade, require_current])
def test_a_database_a_newer_version_migrated_is_refused_in_one_plain_line(
    tmp_path: Path, check: Callable[[Engine], None]
) -> None:
    repository = migrated_by_a_newer_version(tmp_path)
    with pytest.raises(ConfigError) as refused:
        check(repository.database.engine)
    said = str(refused.value)
    assert f"schema revision {NEWER}, which this version of sentiment-pipeline does not know" in (
        said
    )
    assert "migrated by a newer version" in said
    assert "restore the backup taken before the upgrade" in said
    assert "sentiment-pipeline init" not in said and "\n" not in said


def test_a_database_behind_is_still_told_to_run_init(tmp_path: Path) -> None:
    repository = migrated_by_a_newer_version(tmp_path)
    with repository.database.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    with pytest.raises(ConfigError, match="run `sentiment-pipeline init`"):
        require_current(repository.database.engine)
