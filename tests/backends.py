"""Which databases the tests run on, from the environment (read by conftest and by tests that pick backends)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import URL, create_engine, text
from sqlalchemy.engine import make_url

from edc.db.engine import normalise_url

POSTGRES_URL = os.environ.get("EDC_TEST_POSTGRES_URL")
REQUIRE_POSTGRES = os.environ.get("EDC_REQUIRE_POSTGRES") == "1"
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]
#: For `@pytest.mark.parametrize("db_url", POSTGRES_ONLY, indirect=True)`: races SQLite cannot have (one writer).
POSTGRES_ONLY = ["postgresql"] if POSTGRES_URL else []


def admin_execute(admin_url: str | URL, *statements: str) -> None:
    """Run `statements` on PostgreSQL's admin database outside a transaction (CREATE / DROP DATABASE)."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        admin.dispose()


def scratch_database(backend: str, directory: Path) -> Iterator[str]:
    """The URL of an empty database of `backend`, removed afterwards: a SQLite file in `directory`, or a new
    PostgreSQL database (for fixtures of any scope: iterate it, and the database goes when the loop ends)."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / 'edc.sqlite'}"
        return
    assert POSTGRES_URL is not None
    admin_url = make_url(normalise_url(POSTGRES_URL))
    name = f"edc_test_{uuid.uuid4().hex[:12]}"
    admin_execute(admin_url, f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
