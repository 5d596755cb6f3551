"""The tờ trình's number and date, entered by the district team (printed in the proposal PDF).

Revision ID: 0004_review
Revises: 0003_security
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_review"
down_revision = "0003_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assessments") as batch:
        batch.add_column(sa.Column("proposal_number", sa.String(20), nullable=True))
        batch.add_column(sa.Column("proposal_date", sa.Date, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("assessments") as batch:
        batch.drop_column("proposal_date")
        batch.drop_column("proposal_number")
