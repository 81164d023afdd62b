"""Storage of screening: the per-site subject counters, the subject row and its first visit rows.

Every function works inside the caller's transaction and never commits; the
locking of the counter row (see `edc.app.subjects.service`) happens here.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Connection, Insert, Table, insert, literal, select, update
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from edc.db.core import Site, Subject, SubjectCounter, Visit

_COUNTERS: Table = SubjectCounter.__table__  # type: ignore[assignment]


def lock_counter(conn: Connection, study_id: str, site_code: str) -> int | None:
    """Create the site's counter row if missing (taking the write lock on SQLite); the site's id, None if unknown."""
    site = select(literal(study_id), Site.id, literal(0)).where(Site.study_id == study_id, Site.code == site_code)
    create = _dialect_insert(conn).from_select(["study_id", "site_id", "last_number"], site)
    conn.execute(create.on_conflict_do_nothing(index_elements=["study_id", "site_id"]))
    site_id = conn.execute(select(Site.id).where(Site.study_id == study_id, Site.code == site_code)).scalar()
    return None if site_id is None else int(site_id)


def take_number(conn: Connection, study_id: str, site_id: int) -> int:
    """Advance the site's counter (locked: FOR UPDATE on PostgreSQL, the write lock on SQLite); the new number."""
    key = (_COUNTERS.c.study_id == study_id) & (_COUNTERS.c.site_id == site_id)
    query = select(_COUNTERS.c.last_number).where(key)
    if conn.dialect.name != "sqlite":
        query = query.with_for_update()
    number = int(conn.execute(query).scalar_one()) + 1
    conn.execute(update(_COUNTERS).where(key).values(last_number=number))
    return number


def insert_subject(conn: Connection, *, study_id: str, site_id: int, subject_number: str, cohort: str | None,
                   status: str, screened_on: date, now: datetime) -> int:
    """Insert the subject row (version 1) and return its id."""
    return _insert_one(conn, insert(Subject).values(
        study_id=study_id, site_id=site_id, subject_number=subject_number, cohort=cohort, status=status,
        screened_on=screened_on, version=1, created_at=now))


def insert_visit(conn: Connection, *, subject_id: int, code: str, status: str, planned: date | None) -> int:
    """Insert the subject's visit `code` (occurrence 1) and return its id."""
    return _insert_one(conn, insert(Visit).values(
        subject_id=subject_id, visit_code=code, occurrence=1, status=status, planned_date=planned))


def _dialect_insert(conn: Connection) -> PgInsert | SqliteInsert:
    """The dialect's INSERT construct for the counters table (both support ON CONFLICT DO NOTHING)."""
    if conn.dialect.name == "postgresql":
        return pg_insert(_COUNTERS)
    if conn.dialect.name == "sqlite":
        return sqlite_insert(_COUNTERS)
    raise NotImplementedError(f"unsupported database dialect '{conn.dialect.name}'")


def _insert_one(conn: Connection, statement: Insert) -> int:
    """Execute an INSERT of one row and return its primary key."""
    key = conn.execute(statement).inserted_primary_key
    assert key is not None
    return int(key[0])
