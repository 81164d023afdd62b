"""Fixtures for the audit trail tests: a migrated database of each backend and core rows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from core_rows import insert_core_rows
from migrated import migrated
from sqlalchemy import Engine

from edc.db.engine import make_engine


@pytest.fixture
def audit_url(db_url: str) -> str:
    """`db_url` migrated to head (0002 included)."""
    migrated(db_url)
    return db_url


@pytest.fixture
def engine(audit_url: str) -> Iterator[Engine]:
    engine = make_engine(audit_url)
    yield engine
    engine.dispose()


@pytest.fixture
def core(engine: Engine) -> dict[str, Any]:
    """A study, a site, a user and a subject for events to refer to; their ids."""
    with engine.begin() as conn:
        return insert_core_rows(conn)
