"""Run the Alembic migrations shipped inside the package, from code (``init``), not a CLI."""

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
    """Bring the schema to the newest revision; several processes may call this at once."""
    locked = engine.execution_options(**{WRITE_LOCK_OPTION: True})
    with locked.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
            )
        command.upgrade(alembic_config(connection), "head")


def require_current(engine: Engine) -> None:
    """Refuse to run against a database that ``init`` has not prepared, with the fix."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    if current != head:
        raise ConfigError(
            f"the database at {shown_url(engine.url)} is at schema "
            f"revision {current or 'none'}, expected {head}: run `sentiment-pipeline init`"
        )
