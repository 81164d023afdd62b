"""Shared test fixtures: real databases (SQLite always, PostgreSQL when configured) and the definitions.

PostgreSQL tests run when EDC_TEST_POSTGRES_URL names a server role allowed to
create databases (`.ci/run` sets it up). Each test gets a database of its own,
dropped afterwards. Without the variable the PostgreSQL cases are not
generated at all, and the run says so; with EDC_REQUIRE_POSTGRES=1 (CI) a
missing server is an error, never a skip. That role owns the tables
(migrations, the fixtures' set-up); the application connects as the runtime
role (`backends.RUNTIME_URL`), which every upgrade of the session grants
(EDC_RUNTIME_ROLE is set), so each API test shows the grants suffice.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from backends import BACKENDS, POSTGRES_URL, REQUIRE_POSTGRES, RUNTIME_ROLE, RUNTIME_URL, scratch_database
from migrated import drop_templates
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from edc.config import project_root
from edc.db.engine import normalise_url
from edc.definitions.catalog import Catalog
from edc.definitions.loader import load_catalog


def pytest_configure(config: pytest.Config) -> None:
    if REQUIRE_POSTGRES and not POSTGRES_URL:
        raise pytest.UsageError("EDC_REQUIRE_POSTGRES=1 but EDC_TEST_POSTGRES_URL is not set")
    if POSTGRES_URL and RUNTIME_ROLE:
        _check_runtime_role()
        # Every upgrade of the session (templates, fixtures, `edc db upgrade` subprocesses) grants the role.
        os.environ["EDC_RUNTIME_ROLE"] = RUNTIME_ROLE


def _check_runtime_role() -> None:
    assert RUNTIME_URL is not None
    engine = create_engine(normalise_url(RUNTIME_URL))
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        raise pytest.UsageError(
            f"the PostgreSQL tests run the application as the runtime role {RUNTIME_ROLE!r}, which cannot log in "
            f"({exc.orig}); create it (as .ci/run does: CREATE ROLE {RUNTIME_ROLE} LOGIN PASSWORD "
            f"'{RUNTIME_ROLE}') or name another in EDC_TEST_POSTGRES_RUNTIME_URL") from None
    finally:
        engine.dispose()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    drop_templates()


def pytest_report_header(config: pytest.Config) -> str:
    if POSTGRES_URL:
        return (f"databases: sqlite, postgresql ({make_url(POSTGRES_URL).render_as_string()}; "
                f"the application as {RUNTIME_ROLE})")
    return "databases: sqlite only (set EDC_TEST_POSTGRES_URL to run every database test on PostgreSQL too)"


@pytest.fixture(scope="session")
def forms_root() -> Path:
    return project_root() / "forms"


@pytest.fixture(scope="session")
def catalog(forms_root: Path) -> Catalog:
    return load_catalog(forms_root)


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each backend, created for this test and removed after it."""
    yield from scratch_database(request.param, tmp_path)
