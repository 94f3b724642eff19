"""Erased jobs: when a job's comments, results and files were erased.

``jobs`` gains ``erased_at``: set when the job's owner erased it (``DELETE
/v1/jobs/{id}?erase=true``) or the retention period ended it (``PIPELINE_RETENTION_DAYS``,
the master). The job's row stays as the record of what was erased; its result rows are deleted
and its objects removed. Nullable, added in place.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("erased_at")
