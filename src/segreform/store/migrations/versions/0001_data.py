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
    op.create_table(
        "geography_versions",
        sa.Column("level", sa.String(32), nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("parent_level", sa.String(32), nullable=True),
        sa.Column("reference_date", sa.String(10), nullable=True),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("user_defined", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("level", "version", name="pk_geography_versions"),
    )
    op.create_table(
        "areas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(32), nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("parent_code", sa.String(64), nullable=True),
        sa.Column("parent_version", sa.String(32), nullable=True),
        sa.Column("geometry_geojson", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_areas"),
        sa.UniqueConstraint("level", "version", "code", name="uq_areas_level_version_code"),
        sa.ForeignKeyConstraint(
            ["level", "version"],
            ["geography_versions.level", "geography_versions.version"],
            name="fk_areas_level_version_geography_versions",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "area_crosswalks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(32), nullable=False),
        sa.Column("from_version", sa.String(32), nullable=False),
        sa.Column("from_code", sa.String(64), nullable=True),
        sa.Column("to_version", sa.String(32), nullable=False),
        sa.Column("to_code", sa.String(64), nullable=True),
        sa.Column("relation", sa.String(32), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_area_crosswalks"),
    )
    op.create_index("ix_area_crosswalks_from", "area_crosswalks", ["level", "from_version", "from_code"])
    op.create_table(
        "datasets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("source_table", sa.String(300), nullable=False),
        sa.Column("vintage", sa.String(64), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("file_name", sa.String(500), nullable=True),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("metadata_json", sa.Text(), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_datasets"),
        sa.UniqueConstraint("name", "vintage", name="uq_datasets_name_vintage"),
    )
    op.create_index("ix_datasets_name", "datasets", ["name"])
    op.create_index("ix_datasets_content_sha256", "datasets", ["content_sha256"])
    op.create_table(
        "dataset_variables",
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("variable", sa.String(200), nullable=False),
        sa.Column("unit", sa.String(100), nullable=True),
        sa.Column("label", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("dataset_id", "variable", name="pk_dataset_variables"),
        sa.ForeignKeyConstraint(
            ["dataset_id"], ["datasets.id"], name="fk_dataset_variables_dataset_id_datasets", ondelete="CASCADE"
        ),
    )
    op.create_table(
        "observations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("variable", sa.String(200), nullable=False),
        sa.Column("area_level", sa.String(32), nullable=False),
        sa.Column("area_version", sa.String(32), nullable=False),
        sa.Column("area_code", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("missing_marker", sa.String(16), nullable=True),
        sa.Column("reference_year", sa.Integer(), nullable=False),
        sa.Column("area_match", sa.String(32), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_observations"),
        sa.UniqueConstraint(
            "dataset_id", "variable", "area_level", "area_version", "area_code", "year",
            name="uq_observations_cell",
        ),
        sa.ForeignKeyConstraint(
            ["dataset_id"], ["datasets.id"], name="fk_observations_dataset_id_datasets", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["area_level", "area_version", "area_code"],
            ["areas.level", "areas.version", "areas.code"],
            name="fk_observations_area_areas",
        ),
    )
    op.create_index("ix_observations_dataset_id", "observations", ["dataset_id"])
    op.create_index("ix_observations_variable_level", "observations", ["variable", "area_level"])
    op.create_index("ix_observations_area", "observations", ["area_level", "area_version", "area_code"])
    op.create_table(
        "police_areas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("kommunkod", sa.String(4), nullable=False),
        sa.Column("kommun", sa.String(100), nullable=False),
        sa.Column("ort", sa.String(100), nullable=True),
        sa.Column("police_region", sa.String(100), nullable=True),
        sa.Column("local_police_area", sa.String(100), nullable=True),
        sa.Column("listed_since", sa.String(10), nullable=True),
        sa.Column("reference_date", sa.String(10), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_police_areas"),
        sa.UniqueConstraint("reference_date", "name", "kommunkod", name="uq_police_areas_list_name"),
    )


def downgrade() -> None:
    op.drop_table("police_areas")
    op.drop_index("ix_observations_area", table_name="observations")
    op.drop_index("ix_observations_variable_level", table_name="observations")
    op.drop_index("ix_observations_dataset_id", table_name="observations")
    op.drop_table("observations")
    op.drop_table("dataset_variables")
    op.drop_index("ix_datasets_content_sha256", table_name="datasets")
    op.drop_index("ix_datasets_name", table_name="datasets")
    op.drop_table("datasets")
    op.drop_index("ix_area_crosswalks_from", table_name="area_crosswalks")
    op.drop_table("area_crosswalks")
    op.drop_table("areas")
    op.drop_table("geography_versions")
