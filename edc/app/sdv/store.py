"""Storage of source data verification: the `sdv_marks` rows and the records they are counted over.

Every function works inside the caller's transaction and never commits.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from edc.app.records.store import COUNTING
from edc.db.core import FormRecord, Site, Subject
from edc.db.monitoring import SdvMark


def current_marks(conn: Connection, record_ids: Sequence[int]) -> dict[int, set[str]]:
    """Record id -> the items with a current (not cleared) verification mark."""
    if not record_ids:
        return {}
    found: dict[int, set[str]] = {}
    for row in conn.execute(select(SdvMark.record_id, SdvMark.item).where(
            SdvMark.record_id.in_(record_ids), SdvMark.cleared_at.is_(None))):
        found.setdefault(int(row.record_id), set()).add(str(row.item))
    return found


def insert_marks(conn: Connection, *, study_id: str, site_id: int, subject_id: int, record_id: int,
                 items: Sequence[str], version: int, user_id: int, now: datetime) -> None:
    """Mark `items` of the record verified at `version` (one row each)."""
    conn.execute(insert(SdvMark), [
        {"study_id": study_id, "site_id": site_id, "subject_id": subject_id, "record_id": record_id, "item": item,
         "record_version": version, "verified_by": user_id, "verified_at": now} for item in items])


def clear_marks(conn: Connection, record_id: int, items: Collection[str], *, reason: str, now: datetime) -> None:
    """Clear the current marks of `items` of the record, with the reason."""
    conn.execute(update(SdvMark).where(SdvMark.record_id == record_id, SdvMark.item.in_(items),
                                       SdvMark.cleared_at.is_(None)).values(cleared_at=now, cleared_reason=reason))


def visit_records(conn: Connection, visit_id: int) -> list[tuple[int, str, int]]:
    """(record id, form id, version) of every record that counts at the visit, by id."""
    rows = conn.execute(select(FormRecord.id, FormRecord.form_id, FormRecord.version)
                        .where(FormRecord.visit_id == visit_id, COUNTING).order_by(FormRecord.id)).all()
    return [(int(r.id), str(r.form_id), int(r.version)) for r in rows]


def record_version(conn: Connection, record_id: int) -> int:
    """The record's current version."""
    return int(conn.execute(select(FormRecord.version).where(FormRecord.id == record_id)).scalar_one())


def study_records(conn: Connection, study_id: str, site_code: str | None) -> list[Row[*tuple[Any, ...]]]:
    """(id, form_id, subject_number, site_id, code) of every record that counts of the study, or of one site."""
    statement = (select(FormRecord.id, FormRecord.form_id, Subject.subject_number, Subject.site_id, Site.code)
                 .join(Subject, Subject.id == FormRecord.subject_id).join(Site, Site.id == Subject.site_id)
                 .where(Subject.study_id == study_id, COUNTING))
    if site_code is not None:
        statement = statement.where(Site.code == site_code)
    return list(conn.execute(statement).all())
