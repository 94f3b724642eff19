"""Labels first, insights after (issue 12): when a job's last label committed, and how many of
its rows have their insights.

``jobs`` gains ``labelled_at`` (set in the transaction that commits the last labelled row) and
``insights_done`` (rows 0..insights_done-1 carry their aspects, aspect sentiments and
explanations; the worker's second phase advances it with each chunk's UPDATE). Jobs made before
computed their insights with their labels: a job with an ``insights_key`` has them for every
committed row, and a succeeded one was labelled when it finished. Both columns are nullable or
have a server default and are added in place, so large tables upgrade at once.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("labelled_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "jobs",
        sa.Column("insights_done", sa.Integer(), nullable=False, server_default="0"),
    )
    op.execute("UPDATE jobs SET insights_done = rows_done WHERE insights_key IS NOT NULL")
    op.execute("UPDATE jobs SET labelled_at = finished_at WHERE status = 'succeeded'")


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        for name in ("insights_done", "labelled_at"):
            batch.drop_column(name)
