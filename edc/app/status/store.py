"""Storage reads of the study status: sites, subjects, visits, records, valid signatures, active locks, queries.

Read-only; every function works inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, select

from edc.app.records.store import COUNTING
from edc.db.core import FormRecord, Site, Subject, Visit
from edc.db.monitoring import Lock, Query, Signature

AnyRow = Row[*tuple[Any, ...]]


def sites(conn: Connection, study_id: str) -> list[AnyRow]:
    """(id, code) of the study's sites."""
    return list(conn.execute(select(Site.id, Site.code).where(Site.study_id == study_id)).all())


def subjects(conn: Connection, study_id: str) -> list[AnyRow]:
    """(id, site_id, cohort) of the study's subjects."""
    return list(conn.execute(select(Subject.id, Subject.site_id, Subject.cohort)
                             .where(Subject.study_id == study_id)).all())


def visits(conn: Connection, subject_ids: Sequence[int]) -> list[AnyRow]:
    """(id, subject_id, visit_code, status, planned_date, visit_date) of the subjects' visits."""
    return list(conn.execute(select(Visit.id, Visit.subject_id, Visit.visit_code, Visit.status, Visit.planned_date,
                                    Visit.visit_date).where(Visit.subject_id.in_(list(subject_ids)))).all())


def records(conn: Connection, subject_ids: Sequence[int]) -> list[AnyRow]:
    """(id, subject_id, visit_id, form_id) of the subjects' records that count (a withdrawn one is not entered)."""
    return list(conn.execute(select(FormRecord.id, FormRecord.subject_id, FormRecord.visit_id, FormRecord.form_id)
                             .where(FormRecord.subject_id.in_(list(subject_ids)), COUNTING)).all())


def valid_signatures(conn: Connection, subject_ids: Sequence[int]) -> list[AnyRow]:
    """(scope, subject_id, visit_id, record_id) of the subjects' signatures that are not invalidated."""
    return list(conn.execute(select(Signature.scope, Signature.subject_id, Signature.visit_id, Signature.record_id)
                             .where(Signature.subject_id.in_(list(subject_ids)),
                                    Signature.invalidated_at.is_(None))).all())


def active_locks(conn: Connection, study_id: str) -> list[AnyRow]:
    """(scope, subject_id, visit_id, record_id) of the study's active freezes and locks."""
    return list(conn.execute(select(Lock.scope, Lock.subject_id, Lock.visit_id, Lock.record_id)
                             .where(Lock.study_id == study_id, Lock.released_at.is_(None))).all())


def queries(conn: Connection, study_id: str, statuses: Sequence[str]) -> list[AnyRow]:
    """(site_id, status, opened_at) of the study's queries in one of `statuses`."""
    return list(conn.execute(select(Query.site_id, Query.status, Query.opened_at).where(
        Query.study_id == study_id, Query.status.in_(statuses))).all())
