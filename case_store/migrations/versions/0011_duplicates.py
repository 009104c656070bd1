"""a case linked as a duplicate of another, whose handling answers it too

Revision ID: 0011_duplicates
Revises: 0010_intake
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_duplicates"
down_revision = "0010_intake"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("duplicate_of_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_cases_duplicate_of_id_cases", "cases", ["duplicate_of_id"], ["id"]
        )
        batch.create_index("ix_cases_duplicate_of_id", ["duplicate_of_id"])


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_duplicate_of_id")
        batch.drop_constraint("fk_cases_duplicate_of_id_cases", type_="foreignkey")
        batch.drop_column("duplicate_of_id")
