"""Commune flags as data: one row per (commune, flag) in `commune_flags`, the flag ids being those the link
tables' YAML declares (`commune_flags`), instead of one Boolean column per flag on `communes`.

The one flag column there was (0001) is carried over: every commune whose column was true gets a true row
(no row reads as false). The downgrade puts the column back from those rows; rows of any other flag, which
the old schema cannot hold, are dropped with the table.

Revision ID: 0008_commune_flags
Revises: 0007_criteria_versions
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_commune_flags"
down_revision = "0007_criteria_versions"
branch_labels = None
depends_on = None

# The column 0001 created, and the id its flag has in criteria/ntm-2021-2025.yaml. A migration is a frozen
# record of one schema change, so the name is written here once, as it was.
OLD_COLUMN = "ntm_tdmnpb_override"


def upgrade() -> None:
    op.create_table(
        "commune_flags",
        sa.Column("commune_id", sa.Integer, sa.ForeignKey("communes.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("flag_id", sa.String(60), primary_key=True),
        sa.Column("value", sa.Boolean, nullable=False),
    )
    communes = sa.table("communes", sa.column("id"), sa.column(OLD_COLUMN, sa.Boolean))
    flags = sa.table("commune_flags", sa.column("commune_id"), sa.column("flag_id"),
                     sa.column("value", sa.Boolean))
    op.execute(flags.insert().from_select(
        ["commune_id", "flag_id", "value"],
        sa.select(communes.c.id, sa.literal(OLD_COLUMN), sa.true())
        .where(communes.c[OLD_COLUMN] == sa.true()),
    ))
    with op.batch_alter_table("communes") as batch:
        batch.drop_column(OLD_COLUMN)


def downgrade() -> None:
    with op.batch_alter_table("communes") as batch:
        batch.add_column(sa.Column(OLD_COLUMN, sa.Boolean, nullable=False, server_default=sa.false()))
    communes = sa.table("communes", sa.column("id"), sa.column(OLD_COLUMN, sa.Boolean))
    flags = sa.table("commune_flags", sa.column("commune_id"), sa.column("flag_id"),
                     sa.column("value", sa.Boolean))
    held = sa.select(flags.c.commune_id).where(flags.c.flag_id == OLD_COLUMN, flags.c.value == sa.true())
    op.execute(communes.update().where(communes.c.id.in_(held)).values({OLD_COLUMN: True}))
    op.drop_table("commune_flags")
