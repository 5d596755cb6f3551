"""Commune registry: record merges of administrative units (successor, date).

Revision ID: 0002_commune_merges
Revises: 0001_initial
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_commune_merges"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite cannot add a foreign key to an existing table in place.
    with op.batch_alter_table("communes") as batch:
        batch.add_column(sa.Column("successor_id", sa.Integer, nullable=True))
        batch.add_column(sa.Column("merged_on", sa.Date, nullable=True))
        batch.create_foreign_key("fk_communes_successor", "communes", ["successor_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("communes") as batch:
        batch.drop_constraint("fk_communes_successor", type_="foreignkey")
        batch.drop_column("merged_on")
        batch.drop_column("successor_id")
