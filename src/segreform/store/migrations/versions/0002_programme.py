"""Tables for programme (applications, reviews, grants, ledger, networks).

Revision ID: 0002_programme
Revises: '0001_data'
"""
from alembic import op
import sqlalchemy as sa

revision = "0002_programme"
down_revision = "0001_data"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
