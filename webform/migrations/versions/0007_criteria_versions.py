"""Criteria versions stored verbatim in the database (who, when, hash, effective date); every assessment
records the content hash of the version it is scored under.

Revision ID: 0007_criteria_versions
Revises: 0006_pdf_cache
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_criteria_versions"
down_revision = "0006_pdf_cache"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "criteria_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("set_id", sa.String(60), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("filename", sa.String(200), nullable=False, server_default=""),
        sa.Column("origin", sa.String(20), nullable=False, server_default="upload"),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("uploaded_by", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("uploaded_at", sa.DateTime, nullable=False),
        sa.Column("effective_from", sa.Date, nullable=True),
        sa.Column("activated_by", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("activated_at", sa.DateTime, nullable=True),
    )
    op.create_index("ix_criteria_versions_set_id", "criteria_versions", ["set_id"])
    with op.batch_alter_table("assessments") as batch:
        batch.add_column(sa.Column("criteria_hash", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("assessments") as batch:
        batch.drop_column("criteria_hash")
    op.drop_index("ix_criteria_versions_set_id", "criteria_versions")
    op.drop_table("criteria_versions")
