"""Initial schema: communes, users, assessments, corrections, item reviews, append-only history.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "communes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(5), nullable=False, unique=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("district", sa.String(120), nullable=False),
        sa.Column("province", sa.String(120), nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("region", sa.String(20), nullable=False),
        sa.Column("ntm_tdmnpb_override", sa.Boolean, nullable=False),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(60), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("full_name", sa.String(120), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("commune_id", sa.Integer, sa.ForeignKey("communes.id"), nullable=True),
        sa.Column("district", sa.String(120), nullable=True),
        sa.Column("active", sa.Boolean, nullable=False),
    )
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("commune_id", sa.Integer, sa.ForeignKey("communes.id"), nullable=False),
        sa.Column("period", sa.Integer, nullable=False),
        sa.Column("criteria_set_id", sa.String(60), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("values", sa.JSON, nullable=False),
        sa.Column("sources", sa.JSON, nullable=False),
        sa.Column("return_comment", sa.Text, nullable=True),
        sa.Column("self_total", sa.Integer, nullable=True),
        sa.Column("verified_total", sa.Integer, nullable=True),
        sa.Column("verified_recognised", sa.Boolean, nullable=True),
        sa.Column("decision_number", sa.String(60), nullable=True),
        sa.Column("decision_date", sa.Date, nullable=True),
        sa.Column("decision_signer", sa.String(120), nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("commune_id", "period", name="uq_assessment_commune_period"),
    )
    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("assessment_id", sa.Integer, sa.ForeignKey("assessments.id"), nullable=False),
        sa.Column("input_id", sa.String(60), nullable=False),
        sa.Column("commune_value", sa.JSON, nullable=True),
        sa.Column("team_value", sa.JSON, nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("assessment_id", "input_id", name="uq_correction_input"),
    )
    op.create_table(
        "item_reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("assessment_id", sa.Integer, sa.ForeignKey("assessments.id"), nullable=False),
        sa.Column("item_id", sa.String(20), nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("assessment_id", "item_id", name="uq_item_review"),
    )
    op.create_table(
        "history",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("assessment_id", sa.Integer, sa.ForeignKey("assessments.id"), nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("field", sa.String(80), nullable=False),
        sa.Column("old_value", sa.Text, nullable=True),
        sa.Column("new_value", sa.Text, nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
    )
    op.create_index("ix_history_assessment_id", "history", ["assessment_id"])
    op.create_index("ix_assessments_period_state", "assessments", ["period", "state"])

    # The history is append-only in the database itself, not only by convention in the code.
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER history_no_{verb.lower()} BEFORE {verb} ON history "
                f"BEGIN SELECT RAISE(ABORT, 'history is append-only'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION history_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'history is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER history_append_only BEFORE UPDATE OR DELETE ON history "
            "FOR EACH ROW EXECUTE FUNCTION history_append_only()"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS history_append_only ON history")
        op.execute("DROP FUNCTION IF EXISTS history_append_only()")
    for table in ("history", "item_reviews", "corrections", "assessments", "users", "communes"):
        op.drop_table(table)
