"""processed updates remember their chat, so a resident's erasure can remove them

Revision ID: 0003_privacy
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003_privacy'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('processed_updates') as batch:
        batch.add_column(sa.Column('chat_id', sa.String(length=128), nullable=True))
        batch.create_index(batch.f('ix_processed_updates_chat_id'), ['chat_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('processed_updates') as batch:
        batch.drop_index(batch.f('ix_processed_updates_chat_id'))
        batch.drop_column('chat_id')
