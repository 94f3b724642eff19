"""Record the queue receipt each worker holds beside its heartbeat.

``workers.receipt`` is the receipt of the delivery the worker is labelling (None while idle),
so the master can make that message visible again the moment it sees the worker is gone (its
process exited, or its heartbeat went stale) instead of waiting out the visibility timeout.
A nullable column added in place; existing rows read as idle.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("workers", sa.Column("receipt", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workers") as batch:
        batch.drop_column("receipt")
