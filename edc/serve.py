"""Starting the service: migrate and register the definitions, optionally load demo data, run uvicorn.

The database is prepared once by the starting process; the worker processes
only build the application (`edc.api.asgi.app_from_env`). Several servers
starting at once on one PostgreSQL database take turns: preparation holds a
session-level advisory lock, so the first migrates and registers while the
others wait, then find nothing left to do.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import uvicorn
from sqlalchemy import text

from edc import config
from edc.db import migrate
from edc.db.engine import make_engine
from edc.db.registry import Registered, register_catalog
from edc.definitions.loader import load_catalog

#: Key of the PostgreSQL advisory lock that serialises database preparation ("EDCP").
PREPARE_LOCK_KEY = 0x45444350


def prepare_database(url: str) -> list[Registered]:
    """Apply every migration, then register the current definitions (`edc db upgrade` and `edc serve`)."""
    catalog = load_catalog(config.forms_dir())
    engine = make_engine(url)
    try:
        with _preparation_lock(engine.url.get_backend_name(), url):
            migrate.upgrade(url)
            with engine.begin() as conn:
                return register_catalog(conn, catalog, datetime.now(UTC))
    finally:
        engine.dispose()


@contextmanager
def _preparation_lock(backend: str, url: str) -> Iterator[None]:
    """Hold PostgreSQL's advisory lock while preparing; SQLite is one process's embedded database (no lock)."""
    if backend != "postgresql":
        yield
        return
    engine = make_engine(url)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:  # no open transaction
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": PREPARE_LOCK_KEY})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PREPARE_LOCK_KEY})
    finally:
        engine.dispose()


def run(*, url: str, host: str, port: int, workers: int, log_level: str = "info") -> None:
    """Serve the API on host:port with `workers` processes (blocks until stopped)."""
    os.environ["EDC_DATABASE_URL"] = url  # the workers build their app from the environment
    uvicorn.run("edc.api.asgi:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level=log_level, access_log=False)
