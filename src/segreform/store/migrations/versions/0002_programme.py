"""Tables for programme (applications, reviews, grants, ledger, networks).

Revision ID: 0002_programme
Revises: '0001_data'

Written to match ``segreform.store.models.programme`` exactly (tests/programme/test_schema.py compares
them). Money columns are BigInteger öre.
"""
from alembic import op
import sqlalchemy as sa

revision = "0002_programme"
down_revision = "0001_data"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('prog_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.Text(), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('entity', sa.String(length=60), nullable=False),
    sa.Column('entity_id', sa.String(length=60), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prog_audit'))
    )
    op.create_table('prog_focus_area',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('name_sv', sa.Text(), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_prog_focus_area'))
    )
    op.create_table('prog_organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('kommunkod', sa.String(length=4), nullable=True),
    sa.Column('lanskod', sa.String(length=2), nullable=True),
    sa.CheckConstraint("kind in ('municipality','region','civil_society','agency','delegation')", name=op.f('ck_prog_organisation_kind_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prog_organisation')),
    sa.UniqueConstraint('code', name=op.f('uq_prog_organisation_code'))
    )
    op.create_table('prog_year',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('frame_ore', sa.BigInteger(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('lock_counter', sa.Integer(), nullable=False),
    sa.CheckConstraint('frame_ore >= 0', name=op.f('ck_prog_year_frame_not_negative')),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_prog_year'))
    )
    op.create_table('prog_development_area',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('focus_area_code', sa.String(length=40), nullable=False),
    sa.Column('name_sv', sa.Text(), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['focus_area_code'], ['prog_focus_area.code'], name=op.f('fk_prog_development_area_focus_area_code_prog_focus_area')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_prog_development_area'))
    )
    op.create_table('prog_reform',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title_sv', sa.Text(), nullable=False),
    sa.Column('title_en', sa.Text(), nullable=False),
    sa.Column('focus_area_code', sa.String(length=40), nullable=False),
    sa.Column('agency_code', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['focus_area_code'], ['prog_focus_area.code'], name=op.f('fk_prog_reform_focus_area_code_prog_focus_area')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_prog_reform'))
    )
    op.create_table('prog_selection_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('constraints', sa.JSON(), nullable=False),
    sa.Column('budget_ore', sa.BigInteger(), nullable=False),
    sa.Column('objective', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['year'], ['prog_year.year'], name=op.f('fk_prog_selection_run_year_prog_year')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prog_selection_run'))
    )
    op.create_table('prog_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint("role in ('admin','officer','reviewer','applicant','agency','researcher','public')", name=op.f('ck_prog_user_role_known')),
    sa.ForeignKeyConstraint(['organisation_id'], ['prog_organisation.id'], name=op.f('fk_prog_user_organisation_id_prog_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prog_user')),
    sa.UniqueConstraint('email', name=op.f('uq_prog_user_email'))
    )
    op.create_table('prog_call',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=False),
    sa.Column('applicant_kinds', sa.JSON(), nullable=False),
    sa.Column('reform_code', sa.String(length=40), nullable=False),
    sa.Column('max_grant_share_pct', sa.Integer(), nullable=False),
    sa.Column('max_years', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['reform_code'], ['prog_reform.code'], name=op.f('fk_prog_call_reform_code_prog_reform')),
    sa.ForeignKeyConstraint(['year'], ['prog_year.year'], name=op.f('fk_prog_call_year_prog_year')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prog_call'))
    )
    op.create_table('prog_milestone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reform_code', sa.String(length=40), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('due_year', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('progress_pct', sa.Integer(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.CheckConstraint("status in ('planned','in_progress','done')", name=op.f('ck_prog_milestone_status_known')),
    sa.CheckConstraint('progress_pct between 0 and 100', name=op.f('ck_prog_milestone_progress_range')),
    sa.ForeignKeyConstraint(['reform_code'], ['prog_reform.code'], name=op.f('fk_prog_milestone_reform_code_prog_reform')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prog_milestone'))
    )
    op.create_table('prog_network',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('development_area_code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['development_area_code'], ['prog_development_area.code'], name=op.f('fk_prog_network_development_area_code_prog_development_area')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prog_network')),
    sa.UniqueConstraint('development_area_code', name=op.f('uq_prog_network_development_area_code'))
    )
    op.create_table('prog_reform_budget_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reform_code', sa.String(length=40), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('amount_ore', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['reform_code'], ['prog_reform.code'], name=op.f('fk_prog_reform_budget_line_reform_code_prog_reform')),
    sa.ForeignKeyConstraint(['year'], ['prog_year.year'], name=op.f('fk_prog_reform_budget_line_year_prog_year')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prog_reform_budget_line')),
    sa.UniqueConstraint('reform_code', 'year', name='uq_prog_reform_budget_line_reform_year')
    )
    op.create_table('prog_web_session',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['prog_user.id'], name=op.f('fk_prog_web_session_user_id_prog_user')),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_prog_web_session'))
    )
    op.create_table('prog_application',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('plan', sa.Text(), nullable=False),
    sa.Column('goals', sa.Text(), nullable=False),
    sa.Column('time_plan', sa.Text(), nullable=False),
    sa.Column('start_year', sa.Integer(), nullable=False),
    sa.Column('years', sa.Integer(), nullable=False),
    sa.Column('total_budget_ore', sa.BigInteger(), nullable=False),
    sa.Column('requested_ore', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status in ('draft','submitted','withdrawn','granted','rejected')", name=op.f('ck_prog_application_status_known')),
    sa.CheckConstraint('requested_ore >= 0 and total_budget_ore >= 0', name=op.f('ck_prog_application_money_not_negative')),
    sa.ForeignKeyConstraint(['call_id'], ['prog_call.id'], name=op.f('fk_prog_application_call_id_prog_call')),
    sa.ForeignKeyConstraint(['organisation_id'], ['prog_organisation.id'], name=op.f('fk_prog_application_organisation_id_prog_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prog_application'))
    )
    op.create_table('prog_criterion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_sv', sa.Text(), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.Column('scale_min', sa.Integer(), nullable=False),
    sa.Column('scale_max', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['prog_call.id'], name=op.f('fk_prog_criterion_call_id_prog_call')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prog_criterion')),
    sa.UniqueConstraint('call_id', 'code', name='uq_prog_criterion_call_code')
    )
    op.create_table('prog_meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('agenda', sa.Text(), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=False),
    sa.Column('decisions', sa.Text(), nullable=False),
    sa.Column('participants', sa.JSON(), nullable=False),
    sa.CheckConstraint("level in ('political','management','practitioners')", name=op.f('ck_prog_meeting_level_known')),
    sa.ForeignKeyConstraint(['network_id'], ['prog_network.id'], name=op.f('fk_prog_meeting_network_id_prog_network')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prog_meeting'))
    )
    op.create_table('prog_network_member',
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('first_year', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['network_id'], ['prog_network.id'], name=op.f('fk_prog_network_member_network_id_prog_network')),
    sa.ForeignKeyConstraint(['organisation_id'], ['prog_organisation.id'], name=op.f('fk_prog_network_member_organisation_id_prog_organisation')),
    sa.PrimaryKeyConstraint('network_id', 'organisation_id', name=op.f('pk_prog_network_member'))
    )
    op.create_table('prog_work_model',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('evaluation_ref', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['network_id'], ['prog_network.id'], name=op.f('fk_prog_work_model_network_id_prog_network')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prog_work_model'))
    )
    op.create_table('prog_action_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner', sa.Text(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['prog_meeting.id'], name=op.f('fk_prog_action_item_meeting_id_prog_meeting')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prog_action_item'))
    )
    op.create_table('prog_application_area',
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('development_area_code', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['prog_application.id'], name=op.f('fk_prog_application_area_application_id_prog_application')),
    sa.ForeignKeyConstraint(['development_area_code'], ['prog_development_area.code'], name=op.f('fk_prog_application_area_development_area_code_prog_development_area')),
    sa.PrimaryKeyConstraint('application_id', 'development_area_code', name=op.f('pk_prog_application_area'))
    )
    op.create_table('prog_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.Text(), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['prog_application.id'], name=op.f('fk_prog_attachment_application_id_prog_application')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prog_attachment'))
    )
    op.create_table('prog_conflict',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('declared_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['prog_application.id'], name=op.f('fk_prog_conflict_application_id_prog_application')),
    sa.ForeignKeyConstraint(['user_id'], ['prog_user.id'], name=op.f('fk_prog_conflict_user_id_prog_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prog_conflict')),
    sa.UniqueConstraint('application_id', 'user_id', name='uq_prog_conflict_application_user')
    )
    op.create_table('prog_grant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('reform_code', sa.String(length=40), nullable=False),
    sa.Column('start_year', sa.Integer(), nullable=False),
    sa.Column('end_year', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('decided_by', sa.Text(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('end_year - start_year between 0 and 2', name=op.f('ck_prog_grant_at_most_three_years')),
    sa.ForeignKeyConstraint(['application_id'], ['prog_application.id'], name=op.f('fk_prog_grant_application_id_prog_application')),
    sa.ForeignKeyConstraint(['reform_code'], ['prog_reform.code'], name=op.f('fk_prog_grant_reform_code_prog_reform')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prog_grant')),
    sa.UniqueConstraint('application_id', name=op.f('uq_prog_grant_application_id'))
    )
    op.create_table('prog_review_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['prog_application.id'], name=op.f('fk_prog_review_assignment_application_id_prog_application')),
    sa.ForeignKeyConstraint(['user_id'], ['prog_user.id'], name=op.f('fk_prog_review_assignment_user_id_prog_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prog_review_assignment')),
    sa.UniqueConstraint('application_id', 'user_id', name='uq_prog_review_assignment_app_user')
    )
    op.create_table('prog_selection_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('selected', sa.Boolean(), nullable=False),
    sa.Column('overridden', sa.Boolean(), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['prog_application.id'], name=op.f('fk_prog_selection_item_application_id_prog_application')),
    sa.ForeignKeyConstraint(['run_id'], ['prog_selection_run.id'], name=op.f('fk_prog_selection_item_run_id_prog_selection_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prog_selection_item'))
    )
    op.create_table('prog_grant_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grant_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('spent_ore', sa.BigInteger(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind in ('status','final')", name=op.f('ck_prog_grant_report_kind_known')),
    sa.ForeignKeyConstraint(['grant_id'], ['prog_grant.id'], name=op.f('fk_prog_grant_report_grant_id_prog_grant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prog_grant_report'))
    )
    op.create_table('prog_ledger_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('reform_code', sa.String(length=40), nullable=False),
    sa.Column('grant_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('amount_ore', sa.BigInteger(), nullable=False),
    sa.Column('tranche', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.CheckConstraint("kind in ('commitment','payment','adjustment','reclaim')", name=op.f('ck_prog_ledger_entry_kind_known')),
    sa.ForeignKeyConstraint(['grant_id'], ['prog_grant.id'], name=op.f('fk_prog_ledger_entry_grant_id_prog_grant')),
    sa.ForeignKeyConstraint(['reform_code'], ['prog_reform.code'], name=op.f('fk_prog_ledger_entry_reform_code_prog_reform')),
    sa.ForeignKeyConstraint(['year'], ['prog_year.year'], name=op.f('fk_prog_ledger_entry_year_prog_year')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prog_ledger_entry'))
    )
    op.create_table('prog_score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['prog_review_assignment.id'], name=op.f('fk_prog_score_assignment_id_prog_review_assignment')),
    sa.ForeignKeyConstraint(['criterion_id'], ['prog_criterion.id'], name=op.f('fk_prog_score_criterion_id_prog_criterion')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prog_score')),
    sa.UniqueConstraint('assignment_id', 'criterion_id', name='uq_prog_score_assignment_criterion')
    )


def downgrade() -> None:
    op.drop_table('prog_score')
    op.drop_table('prog_ledger_entry')
    op.drop_table('prog_grant_report')
    op.drop_table('prog_selection_item')
    op.drop_table('prog_review_assignment')
    op.drop_table('prog_grant')
    op.drop_table('prog_conflict')
    op.drop_table('prog_attachment')
    op.drop_table('prog_application_area')
    op.drop_table('prog_action_item')
    op.drop_table('prog_work_model')
    op.drop_table('prog_network_member')
    op.drop_table('prog_meeting')
    op.drop_table('prog_criterion')
    op.drop_table('prog_application')
    op.drop_table('prog_web_session')
    op.drop_table('prog_reform_budget_line')
    op.drop_table('prog_network')
    op.drop_table('prog_milestone')
    op.drop_table('prog_call')
    op.drop_table('prog_user')
    op.drop_table('prog_selection_run')
    op.drop_table('prog_reform')
    op.drop_table('prog_development_area')
    op.drop_table('prog_year')
    op.drop_table('prog_organisation')
    op.drop_table('prog_focus_area')
    op.drop_table('prog_audit')
