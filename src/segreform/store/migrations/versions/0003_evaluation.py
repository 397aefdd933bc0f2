"""Tables for evaluation: pre-registered plans, their units, every run with its data vintages,
and the researchers attached to each development area.

Revision ID: 0003_evaluation
Revises: '0002_programme'

Written to match ``segreform.store.models.evaluation`` exactly (tests/evaluate compares them).
"""
from alembic import op
import sqlalchemy as sa

revision = "0003_evaluation"
down_revision = "0002_programme"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('eval_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('development_area', sa.String(length=40), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('outcome_variable', sa.String(length=120), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('estimator', sa.String(length=20), nullable=False),
    sa.Column('comparison', sa.String(length=30), nullable=False),
    sa.Column('first_year', sa.Integer(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('registered_by', sa.String(length=120), nullable=False),
    sa.Column('outcome_data_through', sa.Integer(), nullable=True),
    sa.Column('plan_hash', sa.String(length=64), nullable=False),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.CheckConstraint("comparison in ('never_eligible','eligible_not_selected','all_untreated')", name=op.f('ck_eval_plan_comparison_known')),
    sa.CheckConstraint("estimator in ('did','synth','sdid')", name=op.f('ck_eval_plan_estimator_known')),
    sa.CheckConstraint("status in ('registered','superseded','withdrawn')", name=op.f('ck_eval_plan_status_known')),
    sa.ForeignKeyConstraint(['supersedes_id'], ['eval_plan.id'], name=op.f('fk_eval_plan_supersedes_id_eval_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_eval_plan'))
    )
    op.create_index(op.f('ix_eval_plan_development_area'), 'eval_plan', ['development_area'], unique=False)
    op.create_table('eval_plan_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('area_code', sa.String(length=20), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('first_year', sa.Integer(), nullable=True),
    sa.CheckConstraint("role in ('treated','comparison')", name=op.f('ck_eval_plan_unit_role_known')),
    sa.ForeignKeyConstraint(['plan_id'], ['eval_plan.id'], name=op.f('fk_eval_plan_unit_plan_id_eval_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_eval_plan_unit')),
    sa.UniqueConstraint('plan_id', 'area_code', name='uq_eval_plan_unit_plan_area')
    )
    op.create_index(op.f('ix_eval_plan_unit_plan_id'), 'eval_plan_unit', ['plan_id'], unique=False)
    op.create_table('eval_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('trigger', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('data_hash', sa.String(length=64), nullable=False),
    sa.Column('n_rows', sa.Integer(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.CheckConstraint("status in ('ok','refused')", name=op.f('ck_eval_run_status_known')),
    sa.CheckConstraint("trigger in ('manual','import','scheduled')", name=op.f('ck_eval_run_trigger_known')),
    sa.ForeignKeyConstraint(['plan_id'], ['eval_plan.id'], name=op.f('fk_eval_run_plan_id_eval_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_eval_run'))
    )
    op.create_index(op.f('ix_eval_run_plan_id'), 'eval_run', ['plan_id'], unique=False)
    op.create_table('eval_researcher_area',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('development_area', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['prog_user.id'], name=op.f('fk_eval_researcher_area_user_id_prog_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_eval_researcher_area')),
    sa.UniqueConstraint('user_id', 'development_area', name='uq_eval_researcher_area_user_area')
    )
    op.create_index(op.f('ix_eval_researcher_area_user_id'), 'eval_researcher_area', ['user_id'], unique=False)
    op.create_table('eval_run_vintage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('dataset', sa.String(length=120), nullable=False),
    sa.Column('vintage', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['eval_run.id'], name=op.f('fk_eval_run_vintage_run_id_eval_run'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_eval_run_vintage')),
    sa.UniqueConstraint('run_id', 'dataset', 'vintage', name='uq_eval_run_vintage_release')
    )
    op.create_index(op.f('ix_eval_run_vintage_run_id'), 'eval_run_vintage', ['run_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_eval_run_vintage_run_id'), table_name='eval_run_vintage')
    op.drop_table('eval_run_vintage')
    op.drop_index(op.f('ix_eval_researcher_area_user_id'), table_name='eval_researcher_area')
    op.drop_table('eval_researcher_area')
    op.drop_index(op.f('ix_eval_run_plan_id'), table_name='eval_run')
    op.drop_table('eval_run')
    op.drop_index(op.f('ix_eval_plan_unit_plan_id'), table_name='eval_plan_unit')
    op.drop_table('eval_plan_unit')
    op.drop_index(op.f('ix_eval_plan_development_area'), table_name='eval_plan')
    op.drop_table('eval_plan')
