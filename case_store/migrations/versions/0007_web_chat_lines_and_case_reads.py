"""web chat lines (a reloaded chat page shows the conversation) and case reads (the queue
marks details a resident added since a clerk last opened the case)

Revision ID: 0007_web_chat_and_reads
Revises: 0006_staff_channels
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007_web_chat_and_reads'
down_revision = '0006_staff_channels'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('web_chat_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('author', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('buttons', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_chat_lines'))
    )
    op.create_index('ix_web_chat_lines_chat_id_id', 'web_chat_lines', ['chat_id', 'id'], unique=False)
    op.create_table('case_reads',
    sa.Column('staff_public_id', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_reads_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('staff_public_id', 'case_id', name=op.f('pk_case_reads'))
    )


def downgrade() -> None:
    op.drop_table('case_reads')
    op.drop_index('ix_web_chat_lines_chat_id_id', table_name='web_chat_lines')
    op.drop_table('web_chat_lines')
