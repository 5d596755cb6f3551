"""Security: a per-user session epoch, the login attempts table, history append-only against REPLACE.

Revision ID: 0003_security
Revises: 0002_commune_merges
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_security"
down_revision = "0002_commune_merges"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Bumped on logout, password change or reset, and lock: every session cookie naming an older epoch stops
    # working, in every process, because the check reads the database (webform/auth.py).
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("session_epoch", sa.Integer, nullable=False, server_default="0"))
    # Failed logins, shared by every worker process; pruned to the window on each write (webform/limiter.py).
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(60), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
    )
    op.create_index("ix_login_attempts_username_at", "login_attempts", ["username", "at"])
    op.create_index("ix_login_attempts_address_at", "login_attempts", ["address", "at"])
    op.create_index("ix_login_attempts_at", "login_attempts", ["at"])

    # 0001's triggers refuse UPDATE and DELETE. SQLite's REPLACE deletes the old row without firing the
    # DELETE trigger (unless recursive_triggers is on), so an INSERT naming an existing id is refused too.
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(
            "CREATE TRIGGER history_no_replace BEFORE INSERT ON history "
            "WHEN EXISTS (SELECT 1 FROM history WHERE id = NEW.id) "
            "BEGIN SELECT RAISE(ABORT, 'history is append-only'); END"
        )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION history_no_replace() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN IF EXISTS (SELECT 1 FROM history WHERE id = NEW.id) THEN "
            "RAISE EXCEPTION 'history is append-only'; END IF; RETURN NEW; END $$"
        )
        op.execute(
            "CREATE TRIGGER history_no_replace BEFORE INSERT ON history "
            "FOR EACH ROW EXECUTE FUNCTION history_no_replace()"
        )
        # TRUNCATE fires no row trigger.
        op.execute(
            "CREATE TRIGGER history_no_truncate BEFORE TRUNCATE ON history "
            "FOR EACH STATEMENT EXECUTE FUNCTION history_append_only()"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS history_no_replace")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS history_no_truncate ON history")
        op.execute("DROP TRIGGER IF EXISTS history_no_replace ON history")
        op.execute("DROP FUNCTION IF EXISTS history_no_replace()")
    op.drop_table("login_attempts")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_epoch")
