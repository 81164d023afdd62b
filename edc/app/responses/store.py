"""Storage reads of the lupus responses: a subject's visits and their records of the wanted forms.

Read-only; every function works inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, select

from edc.app.records.store import COUNTING
from edc.db.core import FormRecord, Visit

AnyRow = Row[*tuple[Any, ...]]


def subject_visits(conn: Connection, subject_id: int) -> list[AnyRow]:
    """(id, visit_code, occurrence, visit_date) of every visit of the subject."""
    return list(conn.execute(select(Visit.id, Visit.visit_code, Visit.occurrence, Visit.visit_date)
                             .where(Visit.subject_id == subject_id)).all())


def subject_records(conn: Connection, subject_id: int, form_ids: Sequence[str]) -> list[AnyRow]:
    """(id, visit_id, form_id, seq) of the subject's records of `form_ids` that count."""
    return list(conn.execute(select(FormRecord.id, FormRecord.visit_id, FormRecord.form_id, FormRecord.seq)
                             .where(FormRecord.subject_id == subject_id, FormRecord.form_id.in_(form_ids),
                                    COUNTING)).all())
