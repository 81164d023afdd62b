"""Which databases the tests run on, from the environment (read by conftest and by tests that pick backends)."""

from __future__ import annotations

import os

from sqlalchemy import URL, create_engine, text

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
