"""Storage reads of the endpoints: the infused subjects at the actor's sites, their visits and records.

Read-only; every function works inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, Row, select

from edc.app.kernel.actor import Actor
from edc.app.records import store as records
from edc.db.core import FormRecord, Subject, Visit
from edc.definitions.catalog import StudyDefinition

AnyRow = Row[*tuple[Any, ...]]
Values = Mapping[str, object]


def enrolled_subjects(conn: Connection, study_id: str, actor: Actor) -> list[AnyRow]:
    """(id, subject_number, cohort) of the study's subjects assigned a dose level at sites the actor sees."""
    query = (select(Subject.id, Subject.subject_number, Subject.cohort)
             .where(Subject.study_id == study_id, Subject.dose_level.is_not(None)).order_by(Subject.id))
    if actor.site_ids is not None:
        query = query.where(Subject.site_id.in_(sorted(actor.site_ids)))
    return list(conn.execute(query).all())


def visit_dates(conn: Connection, subject_ids: Sequence[int]) -> dict[int, dict[tuple[str, int], date]]:
    """subject id -> (visit code, occurrence) -> the date the visit took place (visits not done left out)."""
    found: dict[int, dict[tuple[str, int], date]] = {}
    for row in conn.execute(select(Visit.subject_id, Visit.visit_code, Visit.occurrence, Visit.visit_date).where(
            Visit.subject_id.in_(list(subject_ids)), Visit.visit_date.is_not(None))):
        found.setdefault(int(row.subject_id), {})[(str(row.visit_code), int(row.occurrence))] = row.visit_date
    return found


def subject_records(conn: Connection, study: StudyDefinition, subject_ids: Sequence[int],
                    form_ids: Sequence[str]) -> dict[tuple[int, str], dict[int, Values]]:
    """(subject id, form id) -> record seq -> entered values, for the forms of `form_ids` the study has."""
    forms = [f for f in form_ids if f in study.forms]
    rows = conn.execute(select(FormRecord.id, FormRecord.subject_id, FormRecord.form_id, FormRecord.seq).where(
        FormRecord.subject_id.in_(list(subject_ids)), FormRecord.form_id.in_(forms))).all() if forms else []
    found: dict[tuple[int, str], dict[int, Values]] = {}
    for form_id in forms:
        mine = {int(r.id): r for r in rows if r.form_id == form_id}
        for record_id, values in records.read_entered(conn, records.table_of(study, form_id), list(mine)).items():
            row = mine[record_id]
            found.setdefault((int(row.subject_id), form_id), {})[int(row.seq)] = values
    return found
