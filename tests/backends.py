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


def _runtime_url() -> str | None:
    """The role the application connects as on PostgreSQL (`.ci/run` creates it): EDC_TEST_POSTGRES_RUNTIME_URL,
    else the owner's URL with the role `<owner>_runtime`, whose password is its name (`edc_ci_runtime`)."""
    if os.environ.get("EDC_TEST_POSTGRES_RUNTIME_URL"):
        return os.environ["EDC_TEST_POSTGRES_RUNTIME_URL"]
    if not POSTGRES_URL:
        return None
    role = f"{make_url(POSTGRES_URL).username}_runtime"
    return make_url(POSTGRES_URL).set(username=role, password=role).render_as_string(hide_password=False)


RUNTIME_URL = _runtime_url()
RUNTIME_ROLE = make_url(RUNTIME_URL).username if RUNTIME_URL else None
REQUIRE_POSTGRES = os.environ.get("EDC_REQUIRE_POSTGRES") == "1"
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]
#: For `@pytest.mark.parametrize("db_url", POSTGRES_ONLY, indirect=True)`: races SQLite cannot have (one writer).
POSTGRES_ONLY = ["postgresql"] if POSTGRES_URL else []


def runtime_url(db_url: str) -> str:
    """The URL the application uses for the database at `db_url`: on PostgreSQL the same database as the
    runtime role (granted by the upgrade, owning nothing); SQLite has no roles, the URL is unchanged."""
    url = make_url(db_url)
    if url.get_backend_name() != "postgresql":
        return db_url
    assert RUNTIME_URL is not None
    runtime = make_url(RUNTIME_URL)
    return url.set(username=runtime.username, password=runtime.password).render_as_string(hide_password=False)


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
