"""Database access: one SQLAlchemy engine per app, one session per request."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
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
    # Across processes and machines SQLite's own lock decides (BEGIN IMMEDIATE, waiting up to the busy
    # timeout). Within a process, writers also queue on a lock first: SQLite makes a waiting writer sleep
    # in steps of up to 100 ms, a lock hands over at once.
    app.extensions["cfc_write_lock"] = (
        threading.Lock() if engine.dialect.name == "sqlite" else contextlib.nullcontext()
    )
    app.extensions["cfc_sessionmaker"] = sessionmaker(bind=engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def get_session() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions["cfc_sessionmaker"]()
    return g.db_session


@contextlib.contextmanager
def write_lock(session: Session | None = None) -> Iterator[None]:
    """The section of a request that writes: on SQLite, its transaction takes the database's write lock
    at once (BEGIN IMMEDIATE), so that what it reads inside is what it writes against, in whatever process
    or on whatever machine the other writers run. PostgreSQL needs nothing: rows carry a version column."""
    with current_app.extensions["cfc_write_lock"]:
        session = session if session is not None else get_session()
        if session.get_bind().dialect.name == "sqlite":
            connection = session.connection()
            if not connection.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
                # pysqlite would begin a deferred transaction at the first write; begin it here instead.
                connection.exec_driver_sql("BEGIN IMMEDIATE")
        yield


def commit(session: Session) -> None:
    """Flush and commit the request's changes, as the one writer of the database at that moment."""
    with write_lock(session):
        session.commit()


def _close_session(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()
