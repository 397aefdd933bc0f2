"""Faster imports: the observation table drops two indexes that every imported value had to update.

``ix_observations_dataset_id`` repeats the leading column of the unique index ``uq_observations_cell``
(dataset_id, variable, area ...), which serves the same lookups; ``ix_observations_area`` only served deleting
or re-keying areas, which segreform never does (a changed geography is a new version beside the old one).

Revision ID: 0010_import_speed
Revises: 0009_research

Written to match ``segreform.store.models.data`` exactly (tests compare them).
"""
from alembic import op

revision = "0010_import_speed"
down_revision = "0009_research"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_observations_area", table_name="observations")
    op.drop_index("ix_observations_dataset_id", table_name="observations")


def downgrade() -> None:
    op.create_index("ix_observations_dataset_id", "observations", ["dataset_id"])
    op.create_index("ix_observations_area", "observations", ["area_level", "area_version", "area_code"])
