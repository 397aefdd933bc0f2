"""Tables for data (geography, datasets, observations).

Revision ID: 0001_data
Revises: None
"""
from alembic import op
import sqlalchemy as sa

revision = "0001_data"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
