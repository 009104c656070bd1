"""intake path: a dialogue step's pending commands beside its state; cases by resident and time

Revision ID: 0010_intake
Revises: 0009_corrections
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_intake"
down_revision = "0009_corrections"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dialogue_sessions") as batch:
        batch.add_column(sa.Column("pending", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("pending_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_dialogue_sessions_pending_at", "dialogue_sessions", ["pending_at"])
    # The resident's latest cases and the per-chat case limit both read this range.
    op.create_index("ix_cases_resident_created", "cases", ["resident_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_cases_resident_created", table_name="cases")
    op.drop_index("ix_dialogue_sessions_pending_at", table_name="dialogue_sessions")
    with op.batch_alter_table("dialogue_sessions") as batch:
        batch.drop_column("pending_at")
        batch.drop_column("pending")
