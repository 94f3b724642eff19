"""Rotated keys: when a key's secret was last replaced.

``api_keys`` gains ``replaced_at``: set by ``sentiment-pipeline keys rotate``, which gives a
key a new secret and refuses the old one from then on, while the key (and so the owner of its
jobs) stays the same. Nullable, added in place.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("api_keys", sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("replaced_at")
