"""Engines for the two supported databases, with the settings each needs.

SQLite (the embedded default) runs in WAL mode with foreign keys enforced and
a busy timeout, so concurrent writers wait rather than fail. Transactions are
begun by SQLAlchemy, not by the driver's legacy implicit mode, so savepoints
work; a connection with the `WRITE` execution options begins with `BEGIN
IMMEDIATE`, taking the write lock before its first read: a deferred
transaction that read first and writes later would fail with SQLITE_BUSY
instead of waiting when another writer committed in between. PostgreSQL is
used through psycopg 3.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

#: Execution options of a transaction that will write: `engine.execution_options(**WRITE).begin()`.
WRITE = {"edc_write": True}


def normalise_url(url: str) -> str:
    """Accept plain postgresql:// URLs and route them to the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def is_postgres(url: str) -> bool:
    return make_url(normalise_url(url)).get_backend_name() == "postgresql"


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
    dbapi_connection.isolation_level = None  # the driver stops emitting BEGIN itself; _sqlite_begin does


def _sqlite_begin(conn: Connection) -> None:
    mode = "IMMEDIATE" if conn.get_execution_options().get("edc_write") else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")
