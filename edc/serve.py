"""Starting the service: migrate and register the definitions, optionally load demo data, run uvicorn.

The database is prepared once by the starting process; the worker processes
only build the application (`edc.api.asgi.app_from_env`), so several workers,
or several servers on one PostgreSQL database, never race on migrations.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import uvicorn

from edc import config
from edc.db import migrate
from edc.db.engine import make_engine
from edc.db.registry import Registered, register_catalog
from edc.definitions.loader import load_catalog


def prepare_database(url: str) -> list[Registered]:
    """Apply every migration, then register the current definitions (`edc db upgrade` and `edc serve`)."""
    migrate.upgrade(url)
    catalog = load_catalog(config.forms_dir())
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            return register_catalog(conn, catalog, datetime.now(UTC))
    finally:
        engine.dispose()


def run(*, url: str, host: str, port: int, workers: int, log_level: str = "info") -> None:
    """Serve the API on host:port with `workers` processes (blocks until stopped)."""
    os.environ["EDC_DATABASE_URL"] = url  # the workers build their app from the environment
    uvicorn.run("edc.api.asgi:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level=log_level, access_log=False)
