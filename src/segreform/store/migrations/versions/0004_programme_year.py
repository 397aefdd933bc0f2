"""A programme as data and a whole programme year: loaded definitions, call life cycle, eligibility at
submission, selection reasons and stability, grants that follow a selection run.

Revision ID: 0004_programme_year
Revises: '0003_evaluation'

Written to match ``segreform.store.models.programme`` and ``...programme_definition`` exactly.
"""
from alembic import op
import sqlalchemy as sa

revision = "0004_programme_year"
down_revision = "0003_evaluation"
branch_labels = None
depends_on = None

COLUMNS = {
    "prog_year": [sa.Column("programme_code", sa.String(length=60), nullable=True)],
    "prog_call": [
        sa.Column("status", sa.String(length=10), nullable=False, server_default="open"),
        sa.Column("development_area_code", sa.String(length=40), nullable=True),
        sa.Column("budget_years", sa.JSON(), nullable=True),
        sa.Column("min_amount_ore", sa.BigInteger(), nullable=True),
        sa.Column("max_amount_ore", sa.BigInteger(), nullable=True),
        sa.Column("required_attachments", sa.JSON(), nullable=True),
    ],
    "prog_application": [
        sa.Column("eligible", sa.Boolean(), nullable=True),
        sa.Column("eligibility", sa.JSON(), nullable=True),
        sa.Column("need_score", sa.Float(), nullable=True),
    ],
    "prog_selection_run": [
        sa.Column("limits", sa.JSON(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Text(), nullable=True),
    ],
    "prog_selection_item": [
        sa.Column("reason", sa.JSON(), nullable=True),
        sa.Column("probability", sa.Float(), nullable=True),
    ],
    "prog_grant": [
        sa.Column("selection_run_id", sa.Integer(), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
    ],
}


def upgrade() -> None:
    op.create_table(
        "prog_programme",
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("first_year", sa.Integer(), nullable=False),
        sa.Column("last_year", sa.Integer(), nullable=False),
        sa.Column("invented", sa.Boolean(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("loaded_by", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_prog_programme")),
    )
    for table, columns in COLUMNS.items():
        for column in columns:
            op.add_column(table, column)


def downgrade() -> None:
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column in reversed(columns):
                batch.drop_column(column.name)
    op.drop_table("prog_programme")
