"""Fresh databases on the local PostgreSQL (127.0.0.1:5432, user postgres, trust auth).

``with fresh_database() as url:`` creates a uniquely named database and drops it afterwards;
where no server answers, the calling test is skipped. Import from tests
(``from postgres import fresh_database``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

SERVER = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"


@contextmanager
def fresh_database(prefix: str = "pipeline_test") -> Iterator[str]:
    pytest.importorskip("psycopg2", reason="pip install psycopg2-binary")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(SERVER, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no server here: nothing to test against
        admin.dispose()
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 is not available: {exc}")
    try:
        yield make_url(SERVER).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
