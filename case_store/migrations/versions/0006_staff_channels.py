"""staff channels: a staff login's linked Telegram account (accepting from the group)

Revision ID: 0006_staff_channels
Revises: 0005_signin
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_staff_channels"
down_revision = "0005_signin"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_telegram_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("code_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_staff_telegram_links_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_telegram_links")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_staff_telegram_links_code_hash")),
        sa.UniqueConstraint("staff_id", name=op.f("uq_staff_telegram_links_staff_id")),
        sa.UniqueConstraint(
            "telegram_user_id", name=op.f("uq_staff_telegram_links_telegram_user_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("staff_telegram_links")
