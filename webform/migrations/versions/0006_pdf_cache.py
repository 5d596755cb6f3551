"""Rendered PDFs, cached in the database so that every app process and machine shares them.

Revision ID: 0006_pdf_cache
Revises: 0005_units
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_pdf_cache"
down_revision = "0005_units"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pdf_cache",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("assessment_id", sa.Integer, sa.ForeignKey("assessments.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("assessment_id", "kind", name="uq_pdf_cache_kind"),
    )
    op.create_index("ix_pdf_cache_created_at", "pdf_cache", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_pdf_cache_created_at", table_name="pdf_cache")
    op.drop_table("pdf_cache")
