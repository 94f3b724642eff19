"""Record how each job's input is read (encoding, delimiter…), as validation found it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: a job queued before this revision is read with the defaults (UTF-8, comma).
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("input_options", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("input_options")
