"""Fixtures for the audit trail tests: a migrated database of each backend and core rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from audit_helpers import NOW
from sqlalchemy import Engine, insert

from edc.db import migrate
from edc.db.core import Base
from edc.db.engine import make_engine


@pytest.fixture
def audit_url(db_url: str) -> str:
    """`db_url` migrated to head (0002 included)."""
    migrate.upgrade(db_url)
    return db_url


@pytest.fixture
def engine(audit_url: str) -> Iterator[Engine]:
    engine = make_engine(audit_url)
    yield engine
    engine.dispose()


@pytest.fixture
def core(engine: Engine) -> dict[str, Any]:
    """A study, a site, a user and a subject for events to refer to; their ids."""
    t = Base.metadata.tables
    with engine.begin() as conn:
        conn.execute(insert(t["studies"]).values(id="mini", protocol_id="MINI-01", title="t", created_at=NOW))
        site_id = conn.execute(insert(t["sites"]).values(study_id="mini", code="01", name="First")
                               ).inserted_primary_key[0]
        user_id = conn.execute(insert(t["users"]).values(
            username="inv", full_name="Investigator", password_hash="x", is_active=True, failed_logins=0,
            created_at=NOW)).inserted_primary_key[0]
        subject_id = conn.execute(insert(t["subjects"]).values(
            study_id="mini", site_id=site_id, subject_number="01-001", status="screened",
            screened_on=date(2026, 1, 5), version=1, created_at=NOW)).inserted_primary_key[0]
    return {"study_id": "mini", "site_id": site_id, "user_id": user_id, "subject_id": subject_id}
