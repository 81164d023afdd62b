"""Starting the service: prepare (SQLite) or check (PostgreSQL) the database, optionally demo data, run uvicorn.

Schema work belongs to the tables' owner. On PostgreSQL `edc db upgrade`,
connected as the owner, migrates, registers the definitions and grants the
runtime role (`edc.db.roles`); `edc serve`, connected as the runtime role,
only checks that the schema is at head and the definitions registered, and
refuses to start otherwise. SQLite, the embedded default, has no roles: its
`edc serve` prepares the file itself, so one command starts a fresh install.

Several `edc db upgrade` at once on one PostgreSQL database take turns:
preparation holds a session-level advisory lock, so the first migrates and
registers while the others wait, then find nothing left to do. The worker
processes only build the application (`edc.api.asgi.app_from_env`).
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
from edc.db.engine import is_postgres, make_engine
from edc.db.registry import Registered, VersionConflict, current_version_id, register_catalog
from edc.db.roles import owned_tables
from edc.definitions.catalog import Catalog
from edc.definitions.loader import load_catalog

#: Key of the PostgreSQL advisory lock that serialises database preparation ("EDCP").
PREPARE_LOCK_KEY = 0x45444350


def prepare_database(url: str, role: str | None = None) -> list[Registered]:
    """Apply every migration, grant the runtime role `role` (default EDC_RUNTIME_ROLE; PostgreSQL), then
    register the current definitions (`edc db upgrade`, and `edc serve` on SQLite)."""
    catalog = load_catalog(config.forms_dir())
    engine = make_engine(url)
    try:
        with _preparation_lock(engine.url.get_backend_name(), url):
            migrate.upgrade(url, role=role)
            with engine.begin() as conn:
                return register_catalog(conn, catalog, datetime.now(UTC))
    finally:
        engine.dispose()


class DatabaseNotReady(Exception):
    """The PostgreSQL database is not at head or lacks the current definitions: its owner must upgrade it."""


def start_database(url: str) -> list[str]:
    """What `edc serve` does to the database before serving; the lines to print.

    SQLite: prepare it (migrate and register). PostgreSQL: check it, and warn when the server's role owns the
    tables (those credentials could disable the audit trail's triggers).
    """
    if not is_postgres(url):
        return [str(entry) for entry in prepare_database(url)]
    owned = check_database(url, load_catalog(config.forms_dir()))
    if not owned:
        return []
    return [f"warning: the server's role owns {len(owned)} tables (e.g. {owned[0]}): it could disable the "
            "audit trail's triggers; serve as a runtime role (EDC_RUNTIME_ROLE, see the README)"]


def check_database(url: str, catalog: Catalog) -> list[str]:
    """Raise `DatabaseNotReady` unless the database is at head with every study of `catalog` registered;
    return the tables the connected role owns."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            current, heads = migrate.revisions(conn)
            if current != heads:
                at = ", ".join(sorted(current)) or "no revision (empty)"
                raise DatabaseNotReady(f"the database is at {at}, the code needs {', '.join(sorted(heads))}: "
                                       "run 'edc db upgrade' as the owner of the tables first")
            for study in catalog.studies.values():
                try:
                    current_version_id(conn, study)
                except VersionConflict as exc:
                    raise DatabaseNotReady(f"{exc} as the owner of the tables first") from None
            return owned_tables(conn)
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
