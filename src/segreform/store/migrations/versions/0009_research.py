"""Real pre-registration and power: each plan keeps the package version its hash covers and the minimum
detectable effect computed at registration; each plan keeps the selection-run evidence of its comparison pool.

Revision ID: 0009_research
Revises: 0007_hardening

Written to match ``segreform.store.models.evaluation`` exactly.
"""
from alembic import op
import sqlalchemy as sa

revision = "0009_research"
down_revision = "0007_hardening"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("eval_plan") as batch:
        batch.add_column(sa.Column("package_version", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("power", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("pool_evidence", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("eval_plan") as batch:
        batch.drop_column("pool_evidence")
        batch.drop_column("power")
        batch.drop_column("package_version")
