"""Poison by progress and race-free reuse: each job's delivery trace and its reuse key.

``delivery_row``, ``stalled_row`` and ``stalls`` record where each delivery started and where
failed ones ended (pipeline/poison.py). ``reuse_key`` plus a unique index over live jobs makes
"reuse an identical earlier job" an insert-or-get the database enforces, so concurrent
identical submissions make one job. Existing jobs: the newest live job of each (owner, dedup
key) becomes the reusable one; older duplicates (made by the race this fixes) keep none.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_REUSABLE = "status IN ('queued', 'running', 'succeeded')"


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("delivery_row", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("stalled_row", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("stalls", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("reuse_key", sa.String(64), nullable=True))
    op.execute(
        "UPDATE jobs SET reuse_key = dedup_key "
        f"WHERE {_REUSABLE} AND NOT EXISTS ("
        "SELECT 1 FROM jobs AS newer WHERE newer.owner = jobs.owner "
        "AND newer.dedup_key = jobs.dedup_key "
        f"AND newer.{_REUSABLE} "
        "AND (newer.created_at > jobs.created_at OR (newer.created_at = jobs.created_at "
        "AND newer.request_id > jobs.request_id)))"
    )
    op.drop_index("ix_jobs_owner_dedup_key", table_name="jobs")
    op.create_index(
        "uq_jobs_owner_reuse_key",
        "jobs",
        ["owner", "reuse_key"],
        unique=True,
        sqlite_where=sa.text(_REUSABLE),
        postgresql_where=sa.text(_REUSABLE),
    )


def downgrade() -> None:
    op.drop_index("uq_jobs_owner_reuse_key", table_name="jobs")
    op.create_index("ix_jobs_owner_dedup_key", "jobs", ["owner", "dedup_key"])
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("reuse_key")
        batch.drop_column("stalls")
        batch.drop_column("stalled_row")
        batch.drop_column("delivery_row")
