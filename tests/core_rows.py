"""Core rows a storage test needs (a study, site, user, subject): one place, so tests do not each invent them."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Connection, insert

from edc.db.core import Site, Study, Subject, User

NOW = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def insert_core_rows(conn: Connection, study_id: str = "mini") -> dict[str, int | str]:
    """Insert a study, its site 01, an investigator and subject 01-001; return their ids."""
    conn.execute(insert(Study).values(id=study_id, protocol_id="MINI-01", title="t", created_at=NOW))
    site_id = conn.execute(insert(Site).values(study_id=study_id, code="01", name="First")).inserted_primary_key
    user_id = conn.execute(insert(User).values(
        username="inv", full_name="Investigator", password_hash="x", is_active=True,
        created_at=NOW)).inserted_primary_key
    assert site_id is not None and user_id is not None
    subject_id = conn.execute(insert(Subject).values(
        study_id=study_id, site_id=site_id[0], subject_number="01-001", status="screened",
        screened_on=date(2026, 1, 5), version=1, created_at=NOW)).inserted_primary_key
    assert subject_id is not None
    return {"study_id": study_id, "site_id": site_id[0], "user_id": user_id[0], "subject_id": subject_id[0]}
