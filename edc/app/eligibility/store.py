"""Storage of eligibility: the screening visit's records, the investigator's decisions, the subject's status.

Every function works inside the caller's transaction and never commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Connection, Row, insert, select, update

from edc.app.records.store import COUNTING
from edc.db.core import FormRecord, Subject, User, Visit
from edc.db.decisions import EligibilityDecision


def screening_record_ids(conn: Connection, subject_id: int, visit_code: str) -> list[tuple[int, str]]:
    """(record id, form id) of the records that count at the subject's visit `visit_code` #1, by form and seq."""
    rows = conn.execute(
        select(FormRecord.id, FormRecord.form_id).join(Visit, Visit.id == FormRecord.visit_id)
        .where(Visit.subject_id == subject_id, Visit.visit_code == visit_code,
               Visit.occurrence == 1, COUNTING).order_by(FormRecord.form_id, FormRecord.seq)).all()
    return [(int(record_id), str(form_id)) for record_id, form_id in rows]


def insert_decision(conn: Connection, *, subject_id: int, decision: str, computed_status: str,
                    criteria: Mapping[str, str], reason: str, decided_by: int, now: datetime) -> None:
    """Store an investigator's decision with the engine's result it was made on."""
    conn.execute(insert(EligibilityDecision).values(
        subject_id=subject_id, decision=decision, computed_status=computed_status, criteria=dict(criteria),
        reason=reason, decided_by=decided_by, decided_at=now))


def latest_decision(conn: Connection, subject_id: int) -> Row[str, str, str, str, datetime] | None:
    """The subject's latest decision (decision, computed_status, reason, username, decided_at), None before one."""
    return conn.execute(
        select(EligibilityDecision.decision, EligibilityDecision.computed_status, EligibilityDecision.reason,
               User.username, EligibilityDecision.decided_at)
        .join(User, User.id == EligibilityDecision.decided_by)
        .where(EligibilityDecision.subject_id == subject_id)
        .order_by(EligibilityDecision.id.desc()).limit(1)).one_or_none()


def move_status(conn: Connection, subject_id: int, old: str, new: str, extra: Mapping[str, object]) -> bool:
    """Move the subject from status `old` to `new` (bumping its version); False when it is no longer `old`."""
    changed = conn.execute(update(Subject).where(Subject.id == subject_id, Subject.status == old)
                           .values(status=new, version=Subject.version + 1, **extra))
    return changed.rowcount == 1
