"""A study's status at a glance, per site: forms expected, entered, verified, signed and locked, queries, late visits.

- expected: the forms of every scheduled visit that is due (planned on or
  before today, or already dated), missed visits left out; a form counts once
  per visit even when repeating, and only for the cohorts that collect it;
- entered: the expected forms that have a record, so never more than
  expected (withdrawn records, entered in error, are left out of every
  count); the records outside them (logs, unscheduled visits, the further
  entries of a repeating form, visits not yet due) are `additional`;
- verified: entered forms whose every record has every entered item
  source-verified; signed: those whose records are all covered by a valid
  signature (of the record, its visit or the casebook); locked: those whose
  records are all covered by an active freeze or lock;
- queries: open ones by age in days (0-7, 8-30, over 30) and answered ones;
- overdue visits: scheduled visits neither dated nor missed whose window closed
  before today.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row

from edc.app.kernel.actor import Actor
from edc.app.kernel.clock import stored_utc
from edc.app.queries.service import ANSWERED, OPEN
from edc.app.records import store as records_store
from edc.app.sdv import service as sdv
from edc.app.status import store
from edc.definitions.catalog import StudyDefinition
from edc.definitions.vocabulary import MISSED

AGE_BUCKETS = ((7, "0-7"), (30, "8-30"), (None, ">30"))
AnyRow = Row[*tuple[Any, ...]]


@dataclass
class SiteStatus:
    """The counts of one site (or of the whole study, site "all")."""

    site: str
    subjects: int = 0
    expected: int = 0
    entered: int = 0
    additional: int = 0
    verified: int = 0
    signed: int = 0
    locked: int = 0
    open_queries: dict[str, int] = field(default_factory=lambda: {label: 0 for _, label in AGE_BUCKETS})
    answered_queries: int = 0
    overdue_visits: int = 0


def study_status(conn: Connection, *, study: StudyDefinition, actor: Actor, now: datetime) -> list[SiteStatus]:
    """One row per site the actor sees, then the total over them."""
    today = now.date()
    sites = {int(r.id): str(r.code) for r in store.sites(conn, study.id) if actor.sees(int(r.id))}
    rows = {site_id: SiteStatus(code) for site_id, code in sorted(sites.items(), key=lambda item: item[1])}
    listed = [r for r in store.subjects(conn, study.id) if int(r.site_id) in rows]
    subjects = {int(r.id): int(r.site_id) for r in listed}
    for site_id in subjects.values():
        rows[site_id].subjects += 1
    expected = _visits(conn, study, subjects, {int(r.id): r.cohort for r in listed}, rows, today)
    _records(conn, study, subjects, rows, expected)
    _queries(conn, study.id, rows, now)
    total = SiteStatus("all")
    for row in rows.values():
        _add(total, row)
    return [*rows.values(), total]


def _visits(conn: Connection, study: StudyDefinition, subjects: dict[int, int], cohorts: dict[int, str | None],
            rows: dict[int, SiteStatus], today: date) -> set[tuple[int, str]]:
    """Count the forms expected at due visits (those of the subject's cohort) and the overdue visits; return the
    expected (visit id, form) pairs."""
    expected: set[tuple[int, str]] = set()
    for visit in store.visits(conn, list(subjects)):
        definition = study.visit(str(visit.visit_code))
        if definition is None or visit.status == MISSED:
            continue  # unscheduled visits and the logs expect nothing
        row = rows[subjects[int(visit.subject_id)]]
        due = visit.visit_date is not None or (visit.planned_date is not None and visit.planned_date <= today)
        if due:
            forms = set(definition.forms_for(cohorts[int(visit.subject_id)]))
            row.expected += len(forms)
            expected.update((int(visit.id), form_id) for form_id in forms)
        closes = None if visit.planned_date is None else visit.planned_date + timedelta(days=definition.window.after)
        if visit.visit_date is None and closes is not None and closes < today:
            row.overdue_visits += 1
    return expected


def _records(conn: Connection, study: StudyDefinition, subjects: dict[int, int],
             rows: dict[int, SiteStatus], expected: set[tuple[int, str]]) -> None:
    """Count the expected forms entered, verified, signed and locked (all of a form's records must be), and the
    records entered outside the expected forms."""
    records = store.records(conn, list(subjects))
    verified = _verified(conn, study, records)
    signatures = store.valid_signatures(conn, list(subjects))
    locks = store.active_locks(conn, study.id)
    slots: dict[tuple[int, str], list[AnyRow]] = {}
    for record in records:
        slot = (int(record.visit_id), str(record.form_id))
        if slot in expected:
            slots.setdefault(slot, []).append(record)
        else:
            rows[subjects[int(record.subject_id)]].additional += 1
    for found in slots.values():
        row = rows[subjects[int(found[0].subject_id)]]
        row.entered += 1
        row.verified += all(int(r.id) in verified for r in found)
        row.signed += all(any(_covers(s, r) for s in signatures) for r in found)
        row.locked += all(any(lock.scope == "study" or _covers(lock, r) for lock in locks) for r in found)


def _covers(mark: AnyRow, record: AnyRow) -> bool:
    """Whether a signature or lock (scope, subject, visit, record) covers a record (id, subject, visit)."""
    if mark.scope in ("casebook", "subject"):
        return bool(mark.subject_id == record.subject_id)
    if mark.scope == "visit":
        return bool(mark.visit_id == record.visit_id)
    return bool(mark.scope == "record" and mark.record_id == record.id)


def _verified(conn: Connection, study: StudyDefinition, records: Iterable[AnyRow]) -> set[int]:
    """The ids of the records whose every entered item carries a current verification mark."""
    by_form: dict[str, list[int]] = {}
    for record in records:
        by_form.setdefault(str(record.form_id), []).append(int(record.id))
    marks = sdv.current_marks(conn, [i for ids in by_form.values() for i in ids])
    done: set[int] = set()
    for form_id, ids in by_form.items():
        for record_id, values in records_store.read_entered(conn, records_store.table_of(study, form_id), ids).items():
            entered = sdv.entered_items(study, form_id, values)
            if entered and entered <= marks.get(record_id, set()):
                done.add(record_id)
    return done


def _queries(conn: Connection, study_id: str, rows: dict[int, SiteStatus], now: datetime) -> None:
    """Count the open queries by age and the answered ones."""
    for query in store.queries(conn, study_id, (OPEN, ANSWERED)):
        row = rows.get(int(query.site_id))
        if row is None:
            continue
        if query.status == ANSWERED:
            row.answered_queries += 1
            continue
        age = (now - stored_utc(query.opened_at)).days
        label = next(label for limit, label in AGE_BUCKETS if limit is None or age <= limit)
        row.open_queries[label] += 1


def _add(total: SiteStatus, row: SiteStatus) -> None:
    """Add a site's counts to the total."""
    for name in ("subjects", "expected", "entered", "additional", "verified", "signed", "locked", "answered_queries",
                 "overdue_visits"):
        setattr(total, name, getattr(total, name) + getattr(row, name))
    for label, count in row.open_queries.items():
        total.open_queries[label] += count
