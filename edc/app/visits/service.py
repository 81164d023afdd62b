"""A subject's visits: the schedule derived from the infusion date, unscheduled visits, dates and misses.

Every scheduled visit of the definition is planned on `infusion_date + day`,
with a window from `planned - window.before` to `planned + window.after`.
Each operation first locks the subject's row (PostgreSQL `SELECT ... FOR
UPDATE`; on SQLite a no-op UPDATE, which takes the write lock before anything
is read), so concurrent changes to one subject's visits queue. Every change is
audited in the caller's transaction; nothing commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row

from edc import audit
from edc.app.escalation import service as escalation
from edc.app.kernel.actor import Actor
from edc.app.kernel.clock import refuse_future
from edc.app.kernel.errors import InvalidInput, NotFound, ReasonRequired
from edc.app.locks import service as locks
from edc.app.visits import store
from edc.definitions.catalog import StudyDefinition
from edc.definitions.model import ScheduledVisit
from edc.definitions.vocabulary import DONE, LOGS_VISIT, MISSED, PLANNED, UNSCHEDULED_VISIT


@dataclass(frozen=True)
class VisitInfo:
    """One visit row with its window (earliest/latest are None for unscheduled and log visits)."""

    visit_id: int
    visit_code: str
    occurrence: int
    status: str
    planned_date: date | None
    earliest: date | None
    latest: date | None
    visit_date: date | None

    @property
    def out_of_window(self) -> bool:
        """True when the visit took place outside its window."""
        if self.visit_date is None or self.earliest is None or self.latest is None:
            return False
        return not self.earliest <= self.visit_date <= self.latest


@dataclass(frozen=True)
class _Subject:
    """The locked subject's identity, as the audit events name it."""

    id: int
    study_id: str
    site_id: int


def schedule_infusion(conn: Connection, *, study: StudyDefinition, subject_id: int, infusion_date: date,
                      actor: Actor, now: datetime) -> list[VisitInfo]:
    """Plan the visits from an infusion date the escalation allows (Conflict when it is too close to another
    first infusion at the subject's dose level, where the design sets a minimum interval)."""
    escalation.check_infusion_interval(conn, study, subject_id, infusion_date)
    return schedule_visits(conn, study=study, subject_id=subject_id, infusion_date=infusion_date, actor=actor,
                           now=now)


def schedule_visits(conn: Connection, *, study: StudyDefinition, subject_id: int, infusion_date: date,
                    actor: Actor, now: datetime) -> list[VisitInfo]:
    """Plan every scheduled visit from `infusion_date`: create missing rows, move changed planned dates.

    Returns the scheduled visits in definition order. Each created visit is
    audited as `visit.create`, each moved planned date as `visit.reschedule`
    (old and new date, the infusion date as reason).
    """
    subject = _lock_subject(conn, study, subject_id, actor)
    existing = store.first_occurrences(conn, subject.id)
    reason = f"infusion date {infusion_date.isoformat()}"
    for definition in study.visits:
        planned = infusion_date + timedelta(days=definition.day)
        row = existing.get(definition.id)
        if row is None:
            store.insert_scheduled(conn, subject_id=subject.id, code=definition.id, planned=planned)
            _audit(conn, actor, now, subject, "visit.create", definition.id, 1, None, planned, reason)
        elif row.planned_date != planned:
            store.set_planned_date(conn, row.id, planned)
            _audit(conn, actor, now, subject, "visit.reschedule", definition.id, 1, row.planned_date, planned,
                   reason)
    return [v for v in subject_visits(conn, study=study, subject_id=subject.id) if study.visit(v.visit_code)]


def subject_visits(conn: Connection, *, study: StudyDefinition, subject_id: int) -> list[VisitInfo]:
    """All visits of a subject, with windows, ordered by planned date (unplanned last), code, occurrence."""
    infos = [_info(study, row) for row in store.subject_visit_rows(conn, subject_id)]
    return sorted(infos, key=lambda v: (v.planned_date is None, v.planned_date or date.min, v.visit_code,
                                        v.occurrence))


def add_unscheduled_visit(conn: Connection, *, study: StudyDefinition, subject_id: int, visit_date: date | None,
                          actor: Actor, now: datetime) -> VisitInfo:
    """Add the subject's next unscheduled visit (`UNS`, occurrence n+1), dated when `visit_date` is given."""
    if study.spec.schedule.unscheduled is None:
        raise InvalidInput(f"study '{study.id}' defines no unscheduled visits")
    if visit_date is not None:
        refuse_future("visit_date", visit_date, now)
    subject = _lock_subject(conn, study, subject_id, actor)
    occurrence = store.last_occurrence(conn, subject.id, UNSCHEDULED_VISIT) + 1
    status = PLANNED if visit_date is None else DONE
    store.insert_unscheduled(conn, subject_id=subject.id, code=UNSCHEDULED_VISIT, occurrence=occurrence,
                             status=status, visit_date=visit_date)
    _audit(conn, actor, now, subject, "visit.create", UNSCHEDULED_VISIT, occurrence, None, visit_date,
           "unscheduled visit")
    return _visit_info(conn, study, subject.id, UNSCHEDULED_VISIT, occurrence)


def record_visit_date(conn: Connection, *, study: StudyDefinition, visit_id: int, visit_date: date,
                      actor: Actor, now: datetime, reason: str | None = None) -> VisitInfo:
    """Record (or correct) the date a visit took place; the result says whether it is `out_of_window`.

    A date outside the window is accepted (the visit happened then) and
    flagged; the log visit has no date, and a missed visit cannot get one.
    """
    refuse_future("visit_date", visit_date, now)
    row = _lock_visit(conn, study, visit_id, actor)
    if row.visit_code == LOGS_VISIT:
        raise InvalidInput("the log visit has no date")
    if row.status == MISSED:
        raise InvalidInput(f"visit {row.visit_code} is marked missed; it has no date")
    subject = _Subject(row.subject_id, study.id, row.site_id)
    store.set_visit_date(conn, row.id, visit_date)
    _audit(conn, actor, now, subject, "visit.date", row.visit_code, row.occurrence, row.visit_date, visit_date,
           reason)
    return _visit_info(conn, study, subject.id, row.visit_code, row.occurrence)


def mark_visit_missed(conn: Connection, *, study: StudyDefinition, visit_id: int, reason: str, actor: Actor,
                      now: datetime) -> VisitInfo:
    """Mark a scheduled visit as missed; `reason` is required and kept in the audit trail."""
    if not reason or not reason.strip():
        raise ReasonRequired("marking a visit missed needs a reason")
    row = _lock_visit(conn, study, visit_id, actor)
    if study.visit(row.visit_code) is None:
        raise InvalidInput(f"only scheduled visits can be missed, not {row.visit_code}")
    if row.visit_date is not None:
        raise InvalidInput(f"visit {row.visit_code} took place on {row.visit_date.isoformat()}")
    subject = _Subject(row.subject_id, study.id, row.site_id)
    store.set_status(conn, row.id, MISSED)
    _audit(conn, actor, now, subject, "visit.missed", row.visit_code, row.occurrence, row.status, MISSED,
           reason.strip())
    return _visit_info(conn, study, subject.id, row.visit_code, row.occurrence)


def _lock_subject(conn: Connection, study: StudyDefinition, subject_id: int, actor: Actor) -> _Subject:
    """Lock the subject's row for the transaction; NotFound unless the actor sees its site."""
    row = store.lock_subject(conn, subject_id)
    # another site's subject is answered exactly like a missing one, so its existence does not leak
    if row is None or row.study_id != study.id or not actor.sees(row.site_id):
        raise NotFound(f"study '{study.id}' has no subject {subject_id}")
    locks.ensure_writable(conn, study_id=study.id, subject_id=int(row.id))
    return _Subject(int(row.id), str(row.study_id), int(row.site_id))


def _lock_visit(conn: Connection, study: StudyDefinition, visit_id: int, actor: Actor) -> Any:
    """Lock the visit's subject, then read the visit (with the subject's site); NotFound if absent."""
    owner = store.visit_owner(conn, visit_id)
    if owner is None:
        raise NotFound(f"no visit {visit_id}")
    _lock_subject(conn, study, owner, actor)
    locks.ensure_writable(conn, study_id=study.id, subject_id=owner, visit_id=visit_id)
    return store.visit_with_site(conn, visit_id)


def _visit_info(conn: Connection, study: StudyDefinition, subject_id: int, code: str, occurrence: int) -> VisitInfo:
    """Read one visit of the subject back, with its window."""
    return _info(study, store.visit_row(conn, subject_id, code, occurrence))


def _info(study: StudyDefinition, row: Row[Any]) -> VisitInfo:
    """A visit row with its window from the definition (none for UNS and LOGS or while unplanned)."""
    definition: ScheduledVisit | None = study.visit(str(row.visit_code))
    planned: date | None = row.planned_date
    earliest = latest = None
    if definition is not None and planned is not None:
        earliest = planned - timedelta(days=definition.window.before)
        latest = planned + timedelta(days=definition.window.after)
    return VisitInfo(int(row.id), str(row.visit_code), int(row.occurrence), str(row.status),
                     planned, earliest, latest, row.visit_date)


def _audit(conn: Connection, actor: Actor, now: datetime, subject: _Subject, action: str, code: str,
           occurrence: int, old: object, new: object, reason: str | None) -> None:
    """Append one visit event; its item is the visit's identity, `<code>#<occurrence>`."""
    audit.append(conn, action=action, occurred_at=now, user_id=actor.user_id, role=actor.role,
                 site_id=subject.site_id, study_id=subject.study_id, subject_id=subject.id,
                 item=f"{code}#{occurrence}", old_value=old, new_value=new, reason=reason)
