"""Shared test fixtures: real databases (SQLite always, PostgreSQL when configured) and the definitions.

PostgreSQL tests run when EDC_TEST_POSTGRES_URL names a server role allowed to
create databases (`.ci/run` sets it up). Each test gets a database of its own,
dropped afterwards. Without the variable the PostgreSQL cases are not
generated at all, and the run says so; with EDC_REQUIRE_POSTGRES=1 (CI) a
missing server is an error, never a skip.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from backends import BACKENDS, POSTGRES_URL, REQUIRE_POSTGRES, scratch_database
from migrated import drop_templates
from sqlalchemy.engine import make_url

from edc.config import project_root
from edc.definitions.catalog import Catalog
from edc.definitions.loader import load_catalog


def pytest_configure(config: pytest.Config) -> None:
    if REQUIRE_POSTGRES and not POSTGRES_URL:
        raise pytest.UsageError("EDC_REQUIRE_POSTGRES=1 but EDC_TEST_POSTGRES_URL is not set")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    drop_templates()


def pytest_report_header(config: pytest.Config) -> str:
    if POSTGRES_URL:
        return f"databases: sqlite, postgresql ({make_url(POSTGRES_URL).render_as_string()})"
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
