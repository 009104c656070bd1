"""staff corrections of a case's domain, urgency or kind, with the NLU's original reading

Revision ID: 0009_corrections
Revises: 0008_rate_limits
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009_corrections'
down_revision = '0008_rate_limits'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_corrections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('axis', sa.String(length=16), nullable=False),
    sa.Column('predicted', sa.String(length=32), nullable=True),
    sa.Column('before', sa.String(length=32), nullable=False),
    sa.Column('after', sa.String(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.CheckConstraint("axis IN ('domain', 'urgency', 'kind')", name=op.f('ck_case_corrections_axis')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_corrections_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_corrections'))
    )
    with op.batch_alter_table('case_corrections', schema=None) as batch_op:
        batch_op.create_index('ix_case_corrections_at', ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_corrections_case_id'), ['case_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('case_corrections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_corrections_case_id'))
        batch_op.drop_index('ix_case_corrections_at')
    op.drop_table('case_corrections')
