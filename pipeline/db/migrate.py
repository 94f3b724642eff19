"""Run the Alembic migrations shipped inside the package, from code (``init``), not a CLI.

A migration cannot be undone: a database that a newer version migrated is at a revision this
version does not ship. Alembic then fails with "Can't locate revision" and a traceback, and
``init`` (what ``require_current`` used to advise) fails the same way; both now say in one
line what happened and what is left to do (upgrade again, or restore the backup taken before
the upgrade)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from pipeline.db.engine import WRITE_LOCK_OPTION
from pipeline.db.shown_url import shown_url
from pipeline.errors import ConfigError

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
_PG_MIGRATION_LOCK = 0x5E27_1AB5


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision; several processes may call this at once.
    ConfigError for a database a newer version migrated (``check_known``)."""
    locked = engine.execution_options(**{WRITE_LOCK_OPTION: True})
    with locked.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
            )
        config = alembic_config(connection)
        check_known(
            ScriptDirectory.from_config(config), _current(connection), shown_url(engine.url)
        )
        command.upgrade(config, "head")


def require_current(engine: Engine) -> None:
    """Refuse to run against a database that ``init`` has not prepared, with the fix."""
    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
    with engine.connect() as connection:
        current = _current(connection)
    if current != head:
        check_known(script, current, shown_url(engine.url))
        raise ConfigError(
            f"the database at {shown_url(engine.url)} is at schema "
            f"revision {current or 'none'}, expected {head}: run `sentiment-pipeline init`"
        )


def check_known(script: ScriptDirectory, current: str | None, where: str) -> None:
    """ConfigError when the database's revision is not one this version ships: a newer
    version migrated it, and no migration of this one leads back (nor forward) from there."""
    if current is None or current in {revision.revision for revision in script.walk_revisions()}:
        return
    raise ConfigError(
        f"the database at {where} is at schema revision {current}, which this version of "
        "sentiment-pipeline does not know: it was migrated by a newer version; upgrade again "
        "or restore the backup taken before the upgrade"
    )


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()
