"""Helpers of the adversarial web tests: the database as one fingerprint, clients from other addresses."""

from __future__ import annotations

import hashlib
import sqlite3
from typing import Any

from flask import Flask
from flask.testing import FlaskClient


def db_fingerprint(app: Flask, skip: tuple[str, ...] = ()) -> str:
    """Every row of every table (and on SQLite the schema and triggers too, as `.dump` writes them): equal
    fingerprints mean the database is byte-for-byte the same. `skip` leaves out tables that change by design
    (login_attempts on a failed login)."""
    engine = app.extensions["cfc_db"]
    digest = hashlib.sha256()
    if engine.dialect.name == "sqlite":
        raw = sqlite3.connect(engine.url.database)
        try:
            for line in raw.iterdump():
                if not any(f'"{name}"' in line.split("VALUES")[0] for name in skip):
                    digest.update(line.encode("utf-8"))
        finally:
            raw.close()
        return digest.hexdigest()
    from webform.models import Base

    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name in skip:
                continue
            rows = conn.execute(table.select().order_by(*table.primary_key.columns)).all()
            digest.update(repr((table.name, rows)).encode("utf-8"))
    return digest.hexdigest()


def client_at(app: Flask, address: str) -> FlaskClient:
    """A test client whose requests come from `address` (e.g. 127.0.0.7): another machine."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def login_from(client: FlaskClient, username: str, password: str) -> Any:
    return client.post("/auth/login", data={"username": username, "password": password})
