"""Tables for evaluation (plans, runs).

Revision ID: 0003_evaluation
Revises: '0002_programme'
"""
from alembic import op
import sqlalchemy as sa

revision = "0003_evaluation"
down_revision = "0002_programme"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
