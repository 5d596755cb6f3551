"""Issue 9.8: the history is append-only against any connection, not only the app's: REPLACE INTO from a raw
sqlite3 connection (with or without recursive_triggers), INSERT OR REPLACE, UPDATE, DELETE; on PostgreSQL
INSERT … ON CONFLICT DO UPDATE and TRUNCATE. The database is byte-for-byte unchanged after each attempt."""

from __future__ import annotations

import sqlite3

import pytest
from flask import Flask

from .conftest import PG_URL, assessment_of, example_values, form_data
from .hostile_util import db_fingerprint

COLUMNS = "id, assessment_id, user_id, at, field, old_value, new_value, reason"


def _with_history(app: Flask, officer) -> None:
    a = assessment_of(app)
    assert officer.post(f"/assessment/{a.id}", data=form_data(example_values(), a.version)).status_code == 302


@pytest.mark.skipif(bool(PG_URL), reason="SQLite's own statements")
@pytest.mark.parametrize("statement", [
    f"REPLACE INTO history ({COLUMNS}) SELECT {COLUMNS.replace('field', quote_field)} FROM history "
    "WHERE id = (SELECT min(id) FROM history)"
    for quote_field in ("'forged'",)
] + [
    f"INSERT OR REPLACE INTO history ({COLUMNS}) SELECT id, assessment_id, user_id, at, field, old_value, "
    "'999', reason FROM history WHERE id = (SELECT max(id) FROM history)",
    f"INSERT INTO history ({COLUMNS}) SELECT id, assessment_id, user_id, at, field, old_value, '1', reason "
    "FROM history LIMIT 1",
    "UPDATE history SET new_value = '0' WHERE id = 1",
    "DELETE FROM history WHERE id = 1",
    "DELETE FROM history",
])
@pytest.mark.parametrize("recursive", [False, True])
def test_sqlite_raw_connection_cannot_rewrite_history(app: Flask, officer, statement: str, recursive: bool):
    _with_history(app, officer)
    before = db_fingerprint(app)
    raw = sqlite3.connect(app.extensions["cfc_db"].url.database)
    try:
        if recursive:
            raw.execute("PRAGMA recursive_triggers = ON")
        with pytest.raises(sqlite3.DatabaseError, match="history is append-only|UNIQUE constraint"):
            raw.execute(statement)
            raw.commit()
        raw.rollback()
    finally:
        raw.close()
    assert db_fingerprint(app) == before


@pytest.mark.skipif(bool(PG_URL), reason="SQLite's own statements")
def test_appending_still_works_from_a_raw_connection(app: Flask, officer):
    _with_history(app, officer)
    raw = sqlite3.connect(app.extensions["cfc_db"].url.database)
    try:
        n = raw.execute("SELECT count(*) FROM history").fetchone()[0]
        raw.execute("INSERT INTO history (assessment_id, user_id, at, field, old_value, new_value, reason) "
                    "SELECT assessment_id, user_id, at, 'note', NULL, 'x', 'test' FROM history LIMIT 1")
        raw.commit()
        assert raw.execute("SELECT count(*) FROM history").fetchone()[0] == n + 1
    finally:
        raw.close()


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL only (make test-postgres)")
@pytest.mark.parametrize("statement", [
    f"INSERT INTO history ({COLUMNS}) SELECT {COLUMNS} FROM history LIMIT 1 "
    "ON CONFLICT (id) DO UPDATE SET new_value = 'forged'",
    f"INSERT INTO history ({COLUMNS}) SELECT {COLUMNS} FROM history LIMIT 1 ON CONFLICT (id) DO NOTHING",
    "UPDATE history SET new_value = '0'",
    "DELETE FROM history",
    "TRUNCATE history CASCADE",
])
def test_postgresql_raw_connection_cannot_rewrite_history(app: Flask, officer, statement: str):
    import psycopg

    _with_history(app, officer)
    before = db_fingerprint(app)
    with psycopg.connect(PG_URL.replace("postgresql+psycopg://", "postgresql://")) as raw, \
            pytest.raises(psycopg.Error, match="append-only"):
        raw.execute(statement)
    assert db_fingerprint(app) == before
