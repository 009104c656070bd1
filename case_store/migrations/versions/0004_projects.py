"""livelihood projects: projects with their events, cases, backings, progress, ratings and
evaluations; demand topics and their cases; subscriptions; announcements

Revision ID: 0004_projects
Revises: 0003_privacy
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004_projects'
down_revision = '0003_privacy'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('domain', sa.String(length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=True),
    sa.Column('budget_fen', sa.BigInteger(), nullable=True),
    sa.Column('plan_year', sa.Integer(), nullable=False),
    sa.Column('lead_department', sa.String(length=64), nullable=True),
    sa.Column('stage', sa.String(length=24), nullable=False),
    sa.Column('proposed_by', sa.String(length=200), nullable=False),
    sa.Column('rejection_note', sa.Text(), nullable=True),
    sa.Column('milestones', sa.JSON(), nullable=False),
    sa.Column('progress_percent', sa.Integer(), nullable=False),
    sa.Column('supervised', sa.Boolean(), nullable=False),
    sa.Column('supervised_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('progress_percent BETWEEN 0 AND 100', name=op.f('ck_projects_progress_percent')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_projects')),
    sa.UniqueConstraint('reference', name=op.f('uq_projects_reference'))
    )
    op.create_index(op.f('ix_projects_area'), 'projects', ['area'], unique=False)
    op.create_index(op.f('ix_projects_domain'), 'projects', ['domain'], unique=False)
    op.create_index(op.f('ix_projects_lead_department'), 'projects', ['lead_department'], unique=False)
    op.create_index('ix_projects_plan_year_stage', 'projects', ['plan_year', 'stage'], unique=False)
    op.create_index(op.f('ix_projects_stage'), 'projects', ['stage'], unique=False)

    op.create_table('announcements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=True),
    sa.Column('event_key', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_announcements_project_id_projects')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_announcements_resident_id_residents'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcements')),
    sa.UniqueConstraint('project_id', 'resident_id', 'event_key', name='uq_announcements_project_resident_event')
    )
    op.create_index(op.f('ix_announcements_project_id'), 'announcements', ['project_id'], unique=False)
    op.create_index(op.f('ix_announcements_resident_id'), 'announcements', ['resident_id'], unique=False)

    op.create_table('demand_topics',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('domain', sa.String(length=32), nullable=False),
    sa.Column('covered_by_project_id', sa.Integer(), nullable=True),
    sa.Column('merged_into_id', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['covered_by_project_id'], ['projects.id'], name=op.f('fk_demand_topics_covered_by_project_id_projects'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['merged_into_id'], ['demand_topics.id'], name=op.f('fk_demand_topics_merged_into_id_demand_topics'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_demand_topics'))
    )
    op.create_index(op.f('ix_demand_topics_covered_by_project_id'), 'demand_topics', ['covered_by_project_id'], unique=False)
    op.create_index(op.f('ix_demand_topics_domain'), 'demand_topics', ['domain'], unique=False)

    op.create_table('project_backings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('recorded_by', sa.String(length=200), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("source = 'chat' OR recorded_by IS NOT NULL", name=op.f('ck_project_backings_offline_recorder')),
    sa.CheckConstraint("source IN ('chat', 'offline')", name=op.f('ck_project_backings_source')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_backings_project_id_projects')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_project_backings_resident_id_residents'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_backings')),
    sa.UniqueConstraint('project_id', 'resident_id', name='uq_project_backings_resident')
    )
    op.create_index(op.f('ix_project_backings_project_id'), 'project_backings', ['project_id'], unique=False)
    op.create_index(op.f('ix_project_backings_resident_id'), 'project_backings', ['resident_id'], unique=False)

    op.create_table('project_evaluations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('evaluator', sa.String(length=200), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('score BETWEEN 0 AND 100', name=op.f('ck_project_evaluations_score')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_evaluations_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_evaluations'))
    )
    op.create_index(op.f('ix_project_evaluations_project_id'), 'project_evaluations', ['project_id'], unique=False)

    op.create_table('project_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('before', sa.String(length=24), nullable=True),
    sa.Column('after', sa.String(length=24), nullable=True),
    sa.Column('review', sa.String(length=16), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_events_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_events'))
    )
    op.create_index(op.f('ix_project_events_project_id'), 'project_events', ['project_id'], unique=False)

    op.create_table('project_progress',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('attachment_path', sa.String(length=500), nullable=True),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('percent BETWEEN 0 AND 100', name=op.f('ck_project_progress_percent')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_progress_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_progress'))
    )
    op.create_index(op.f('ix_project_progress_project_id'), 'project_progress', ['project_id'], unique=False)

    op.create_table('project_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=True),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('score BETWEEN 1 AND 5', name=op.f('ck_project_ratings_score')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_ratings_project_id_projects')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_project_ratings_resident_id_residents'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_ratings')),
    sa.UniqueConstraint('project_id', 'resident_id', name='uq_project_ratings_resident')
    )
    op.create_index(op.f('ix_project_ratings_project_id'), 'project_ratings', ['project_id'], unique=False)
    op.create_index(op.f('ix_project_ratings_resident_id'), 'project_ratings', ['resident_id'], unique=False)

    op.create_table('subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('area', 'domain')", name=op.f('ck_subscriptions_kind')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_subscriptions_resident_id_residents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscriptions')),
    sa.UniqueConstraint('resident_id', 'kind', 'value', name='uq_subscriptions_resident_kind')
    )
    op.create_index('ix_subscriptions_kind_value', 'subscriptions', ['kind', 'value'], unique=False)

    op.create_table('demand_topic_cases',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.String(length=32), nullable=False),
    sa.Column('manual', sa.Boolean(), nullable=False),
    sa.Column('set_by', sa.String(length=200), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_demand_topic_cases_case_id_cases')),
    sa.ForeignKeyConstraint(['topic_id'], ['demand_topics.id'], name=op.f('fk_demand_topic_cases_topic_id_demand_topics')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_demand_topic_cases'))
    )
    op.create_index(op.f('ix_demand_topic_cases_topic_id'), 'demand_topic_cases', ['topic_id'], unique=False)

    op.create_table('project_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('linked_by', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_project_cases_case_id_cases')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_cases_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_cases')),
    sa.UniqueConstraint('project_id', 'case_id', name='uq_project_cases_pair')
    )
    op.create_index(op.f('ix_project_cases_case_id'), 'project_cases', ['case_id'], unique=False)
    op.create_index(op.f('ix_project_cases_project_id'), 'project_cases', ['project_id'], unique=False)



def downgrade() -> None:
    # Dropping a table drops its indexes; dependants go first.
    op.drop_table('project_cases')
    op.drop_table('demand_topic_cases')
    op.drop_table('subscriptions')
    op.drop_table('project_ratings')
    op.drop_table('project_progress')
    op.drop_table('project_events')
    op.drop_table('project_evaluations')
    op.drop_table('project_backings')
    op.drop_table('demand_topics')
    op.drop_table('announcements')
    op.drop_table('projects')
