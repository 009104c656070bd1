"""rate counters: inbound messages and new web chats per chat and per address, per window

Revision ID: 0008_rate_limits
Revises: 0007_web_chat_and_reads
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_rate_limits"
down_revision = "0007_web_chat_and_reads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_counters",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window_start", name=op.f("pk_rate_counters")),
    )
    op.create_index(
        op.f("ix_rate_counters_window_start"), "rate_counters", ["window_start"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_rate_counters_window_start"), table_name="rate_counters")
    op.drop_table("rate_counters")
