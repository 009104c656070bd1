"""sign-in throttling, two-factor codes, and idle sessions

Revision ID: 0005_signin
Revises: 0004_projects
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_signin"
down_revision = "0004_projects"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_sign_in_failures_scope_key_at", "sign_in_failures", ["scope", "key", "at"]
    )
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
        batch.add_column(
            sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("web_sessions") as batch:
        batch.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("web_sessions") as batch:
        batch.drop_column("last_seen_at")
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("password_changed_at")
        batch.drop_column("totp_last_step")
        batch.drop_column("totp_secret")
    op.drop_index("ix_sign_in_failures_scope_key_at", table_name="sign_in_failures")
    op.drop_table("sign_in_failures")
