"""Alembic environment: migrations run on a connection handed over by pipeline.db.migrate."""

from __future__ import annotations

from alembic import context

from pipeline.db.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with pipeline.db.migrate.upgrade (sentiment-pipeline init)")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
