"""The programme's people: agency registry with contacts, researchers in networks, models of work linked to
meetings, milestone progress history; published minutes, completed action items, one-time passwords, and
research institutions as organisations.

Revision ID: 0005_programme_people
Revises: 0004_programme_year

Written to match ``segreform.store.models.programme_people`` and ``.programme`` exactly
(tests/programme/test_schema_and_seed.py compares them).
"""
from alembic import op
import sqlalchemy as sa

revision = "0005_programme_people"
down_revision = "0004_programme_year"
branch_labels = None
depends_on = None

KINDS_BEFORE = "kind in ('municipality','region','civil_society','agency','delegation')"
KINDS_AFTER = "kind in ('municipality','region','civil_society','agency','delegation','research')"


def upgrade() -> None:
    op.create_table('prog_agency_registry',
    sa.Column('organisation_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('name_sv', sa.Text(), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=False),
    sa.Column('contact_name', sa.Text(), nullable=False),
    sa.Column('contact_email', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['prog_organisation.id'], name=op.f('fk_prog_agency_registry_organisation_id_prog_organisation')),
    sa.PrimaryKeyConstraint('organisation_id', name=op.f('pk_prog_agency_registry'))
    )
    op.create_table('prog_network_researcher',
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['network_id'], ['prog_network.id'], name=op.f('fk_prog_network_researcher_network_id_prog_network')),
    sa.ForeignKeyConstraint(['user_id'], ['prog_user.id'], name=op.f('fk_prog_network_researcher_user_id_prog_user')),
    sa.PrimaryKeyConstraint('network_id', 'user_id', name=op.f('pk_prog_network_researcher'))
    )
    op.create_table('prog_work_model_meeting',
    sa.Column('work_model_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['prog_meeting.id'], name=op.f('fk_prog_work_model_meeting_meeting_id_prog_meeting')),
    sa.ForeignKeyConstraint(['work_model_id'], ['prog_work_model.id'], name=op.f('fk_prog_work_model_meeting_work_model_id_prog_work_model')),
    sa.PrimaryKeyConstraint('work_model_id', 'meeting_id', name=op.f('pk_prog_work_model_meeting'))
    )
    op.create_table('prog_milestone_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('milestone_id', sa.Integer(), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reported_by', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('progress_pct', sa.Integer(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.CheckConstraint("status in ('planned','in_progress','done')", name=op.f('ck_prog_milestone_report_status_known')),
    sa.CheckConstraint('progress_pct between 0 and 100', name=op.f('ck_prog_milestone_report_progress_range')),
    sa.ForeignKeyConstraint(['milestone_id'], ['prog_milestone.id'], name=op.f('fk_prog_milestone_report_milestone_id_prog_milestone')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prog_milestone_report'))
    )
    op.create_index(op.f('ix_prog_milestone_report_milestone_id'), 'prog_milestone_report', ['milestone_id'], unique=False)
    with op.batch_alter_table('prog_user') as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('prog_meeting') as batch_op:
        batch_op.add_column(sa.Column('published', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('prog_action_item') as batch_op:
        batch_op.add_column(sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('prog_organisation') as batch_op:
        batch_op.drop_constraint(op.f('ck_prog_organisation_kind_known'), type_='check')
        batch_op.create_check_constraint('kind_known', KINDS_AFTER)


def downgrade() -> None:
    with op.batch_alter_table('prog_organisation') as batch_op:
        batch_op.drop_constraint(op.f('ck_prog_organisation_kind_known'), type_='check')
        batch_op.create_check_constraint('kind_known', KINDS_BEFORE)
    with op.batch_alter_table('prog_action_item') as batch_op:
        batch_op.drop_column('completed_at')
    with op.batch_alter_table('prog_meeting') as batch_op:
        batch_op.drop_column('published')
    with op.batch_alter_table('prog_user') as batch_op:
        batch_op.drop_column('must_change_password')
    op.drop_index(op.f('ix_prog_milestone_report_milestone_id'), table_name='prog_milestone_report')
    op.drop_table('prog_milestone_report')
    op.drop_table('prog_work_model_meeting')
    op.drop_table('prog_network_researcher')
    op.drop_table('prog_agency_registry')
