"""Record each result row's language and the low-confidence threshold of the job's model.

``result_rows.language`` is the comment's language where it could be told (None on rows
labelled before). ``jobs.low_confidence`` is the calibrated model's review threshold
(pipeline/model/calibration.py), None for jobs labelled by a model without one. Both are
nullable columns added in place (no table copy), so large result tables upgrade at once.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("result_rows", sa.Column("language", sa.String(16), nullable=True))
    op.add_column("jobs", sa.Column("low_confidence", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("low_confidence")
    with op.batch_alter_table("result_rows") as batch:
        batch.drop_column("language")
