"""Tables for web hardening: sign-in throttling, queued PDF report jobs, per-install settings.

Revision ID: 0007_hardening
Revises: 0005_programme_people

Written to match ``segreform.store.models.security`` exactly (tests compare them).
"""
from alembic import op
import sqlalchemy as sa

revision = "0007_hardening"
down_revision = "0005_programme_people"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sec_login_throttle',
    sa.Column('key', sa.String(length=320), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_sec_login_throttle'))
    )
    op.create_table('sec_report_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=True),
    sa.CheckConstraint("status in ('queued','running','done','failed')", name=op.f('ck_sec_report_job_status_known')),
    sa.ForeignKeyConstraint(['run_id'], ['eval_run.id'], name=op.f('fk_sec_report_job_run_id_eval_run'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['prog_user.id'], name=op.f('fk_sec_report_job_user_id_prog_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sec_report_job'))
    )
    op.create_index(op.f('ix_sec_report_job_run_id'), 'sec_report_job', ['run_id'], unique=False)
    op.create_index(op.f('ix_sec_report_job_user_id'), 'sec_report_job', ['user_id'], unique=False)
    op.create_table('sec_install_setting',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_sec_install_setting'))
    )


def downgrade() -> None:
    op.drop_table('sec_install_setting')
    op.drop_index(op.f('ix_sec_report_job_user_id'), table_name='sec_report_job')
    op.drop_index(op.f('ix_sec_report_job_run_id'), table_name='sec_report_job')
    op.drop_table('sec_report_job')
    op.drop_table('sec_login_throttle')
