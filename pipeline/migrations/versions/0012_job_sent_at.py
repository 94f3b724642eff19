"""Queued jobs whose message was never sent: when the job's queue message was sent.

``jobs`` gains ``sent_at``: set once the submit (or a repair) has sent the job's message. A
job is recorded before its message is sent, so a process killed in between (an OOM kill, a
stopped container, a Lambda at its timeout) left a queued job without a message for ever. The
master now sends one for a queued job unsent for a while, and so does an identical submission
that finds it (``pipeline.service.unsent``). Jobs recorded before this migration had their
message sent (their submit returned): ``sent_at`` is their ``created_at``.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE jobs SET sent_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("sent_at")
