"""Storage of a subject's visits: locking the subject, reading visit rows, inserting and updating them.

Every function works inside the caller's transaction and never commits.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update

from edc.db.core import Subject, Visit
from edc.definitions.vocabulary import DONE, PLANNED


def lock_subject(conn: Connection, subject_id: int) -> Row[int, str, int] | None:
    """Lock the subject's row for the transaction and read (id, study, site); None when there is none.

    PostgreSQL: `SELECT ... FOR UPDATE`; SQLite: a no-op UPDATE first, which takes the write lock.
    """
    if conn.dialect.name == "sqlite":
        conn.execute(update(Subject).where(Subject.id == subject_id).values(version=Subject.version))
    query = select(Subject.id, Subject.study_id, Subject.site_id).where(Subject.id == subject_id)
    if conn.dialect.name != "sqlite":
        query = query.with_for_update()
    return conn.execute(query).one_or_none()


def visit_owner(conn: Connection, visit_id: int) -> int | None:
    """The subject id of the visit (on SQLite the write lock is taken first, before anything is read)."""
    if conn.dialect.name == "sqlite":
        conn.execute(update(Visit).where(Visit.id == visit_id).values(status=Visit.status))
    owner = conn.execute(select(Visit.subject_id).where(Visit.id == visit_id)).scalar()
    return None if owner is None else int(owner)


def visit_with_site(conn: Connection, visit_id: int) -> Any:
    """The visit row with its subject's `site_id`."""
    query = select(Visit, Subject.site_id).join(Subject, Subject.id == Visit.subject_id).where(Visit.id == visit_id)
    return conn.execute(query).one()


def first_occurrences(conn: Connection, subject_id: int) -> dict[str, Row[Any]]:
    """Visit code -> the subject's visit row of occurrence 1."""
    return {row.visit_code: row for row in conn.execute(
        select(Visit).where(Visit.subject_id == subject_id, Visit.occurrence == 1))}


def subject_visit_rows(conn: Connection, subject_id: int) -> list[Row[Any]]:
    """Every visit row of the subject, unordered."""
    return list(conn.execute(select(Visit).where(Visit.subject_id == subject_id)).all())


def visit_row(conn: Connection, subject_id: int, code: str, occurrence: int) -> Row[Any]:
    """The subject's visit `code` #`occurrence`."""
    return conn.execute(select(Visit).where(Visit.subject_id == subject_id, Visit.visit_code == code,
                                            Visit.occurrence == occurrence)).one()


def last_occurrence(conn: Connection, subject_id: int, code: str) -> int:
    """The highest occurrence of visit `code` of the subject (0 when none)."""
    last = conn.execute(select(func.max(Visit.occurrence)).where(
        Visit.subject_id == subject_id, Visit.visit_code == code)).scalar()
    return int(last or 0)


def insert_scheduled(conn: Connection, *, subject_id: int, code: str, planned: date) -> None:
    """Insert scheduled visit `code` (occurrence 1), planned on `planned`."""
    conn.execute(insert(Visit).values(subject_id=subject_id, visit_code=code, occurrence=1, status=PLANNED,
                                      planned_date=planned))


def insert_unscheduled(conn: Connection, *, subject_id: int, code: str, occurrence: int, status: str,
                       visit_date: date | None) -> None:
    """Insert an unscheduled visit, dated or not."""
    conn.execute(insert(Visit).values(subject_id=subject_id, visit_code=code, occurrence=occurrence,
                                      status=status, visit_date=visit_date))


def set_planned_date(conn: Connection, visit_id: int, planned: date) -> None:
    """Move the visit's planned date."""
    conn.execute(update(Visit).where(Visit.id == visit_id).values(planned_date=planned))


def set_visit_date(conn: Connection, visit_id: int, visit_date: date) -> None:
    """Store the date the visit took place; the visit is done."""
    conn.execute(update(Visit).where(Visit.id == visit_id).values(visit_date=visit_date, status=DONE))


def set_status(conn: Connection, visit_id: int, status: str) -> None:
    """Set the visit's status."""
    conn.execute(update(Visit).where(Visit.id == visit_id).values(status=status))
