"""Aspects, themes and explanations per result row; the job's explain option and analysis files.

``result_rows`` gains ``aspects`` (JSON list of categories), ``aspect_sentiments`` (JSON
category → label), ``theme`` (the row's theme id, set when the job completes) and
``explanation`` (``word:+0.41;…``, only for jobs submitted with explain). ``jobs`` gains
``explain``, ``insights_key`` (the object-store prefix of the job's embeddings and
themes.json; None when the worker computed no insights), ``aspect_model`` (the aspect model's
version) and ``themes_error`` (why a finished job has no themes). Every column is nullable or
has a server default and is added in place, so large tables upgrade at once.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("result_rows", sa.Column("aspects", sa.JSON(), nullable=True))
    op.add_column("result_rows", sa.Column("aspect_sentiments", sa.JSON(), nullable=True))
    op.add_column("result_rows", sa.Column("theme", sa.Integer(), nullable=True))
    op.add_column("result_rows", sa.Column("explanation", sa.Text(), nullable=True))
    op.add_column(
        "jobs",
        sa.Column("explain", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("jobs", sa.Column("insights_key", sa.String(512), nullable=True))
    op.add_column("jobs", sa.Column("aspect_model", sa.String(255), nullable=True))
    op.add_column("jobs", sa.Column("themes_error", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        for name in ("themes_error", "aspect_model", "insights_key", "explain"):
            batch.drop_column(name)
    with op.batch_alter_table("result_rows") as batch:
        for name in ("explanation", "theme", "aspect_sentiments", "aspects"):
            batch.drop_column(name)
