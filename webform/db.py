"""Database access: one SQLAlchemy engine per app, one session per request."""

from __future__ import annotations

import contextlib
import threading
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine as SAEngine
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str) -> SAEngine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # WAL lets readers go on while one writer saves; foreign keys are off by default in SQLite.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=15000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["cfc_db"] = engine
    # SQLite allows one writer at a time and makes the others wait in sleeps of up to 100 ms; queueing the
    # writers of this process on a lock instead keeps a save's latency to the writes ahead of it.
    app.extensions["cfc_write_lock"] = (
        threading.Lock() if engine.dialect.name == "sqlite" else contextlib.nullcontext()
    )
    app.extensions["cfc_sessionmaker"] = sessionmaker(bind=engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def get_session() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions["cfc_sessionmaker"]()
    return g.db_session


def write_lock() -> Any:
    return current_app.extensions["cfc_write_lock"]


def commit(session: Session) -> None:
    """Flush and commit the request's changes (serialised per process on SQLite)."""
    with write_lock():
        session.commit()


def _close_session(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()
