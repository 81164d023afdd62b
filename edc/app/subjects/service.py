"""Screening subjects: gapless per-site numbering, the subject row, its first visits, the audit trail.

Numbers are allocated from `subject_counters`, one row per (study, site),
locked while the next number is taken, so concurrent screenings at a site
neither repeat nor skip a number:

- the counter row is created by `INSERT ... SELECT ... ON CONFLICT DO NOTHING`
  (two transactions racing to create it: the second waits, then inserts
  nothing). On SQLite that insert is also the first statement, so it takes the
  database's write lock before anything is read;
- PostgreSQL then locks the row with `SELECT ... FOR UPDATE` (READ COMMITTED:
  a waiting transaction reads the committed value), and the row is advanced.

A rolled-back screening rolls back its counter increment too, so no gap is
left. Services never commit: the caller's transaction is the boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection

from edc import audit
from edc.app.kernel import idempotency, lookups
from edc.app.kernel.actor import Actor
from edc.app.kernel.clock import refuse_future
from edc.app.kernel.errors import InvalidInput, NotFound, NotPermitted
from edc.app.kernel.lookups import SubjectRow
from edc.app.locks import service as locks
from edc.app.subjects import store
from edc.definitions.catalog import StudyDefinition
from edc.definitions.vocabulary import LOGS_VISIT, SCREENING


@dataclass(frozen=True)
class ScreenedSubject:
    """The subject just screened: its ids, number and first two visits."""

    subject_id: int
    study_id: str
    site_id: int
    subject_number: str
    cohort: str | None
    status: str
    screened_on: date
    screening_visit_id: int
    logs_visit_id: int


def format_subject_number(site_code: str, number: int) -> str:
    """`<site>-<NNN>`, e.g. `01-001`; numbers past 999 keep all their digits."""
    return f"{site_code}-{number:03d}"


def screen(conn: Connection, *, study: StudyDefinition, site_code: str, cohort: str | None, screened_on: date,
           actor: Actor, now: datetime, idempotency_key: str | None) -> SubjectRow:
    """Screen a subject as `screen_subject` does and return it as listed; a retry with the same Idempotency-Key
    returns the subject the first request screened."""
    def create() -> SubjectRow:
        screened = screen_subject(conn, study=study, site_code=site_code, cohort=cohort, screened_on=screened_on,
                                  actor=actor, now=now)
        return lookups.find_subject(conn, study_id=study.id, subject_number=screened.subject_number, actor=actor)

    return idempotency.once(
        conn, actor=actor, key=idempotency_key, resource="subject", now=now,
        request={"study": study.id, "site": site_code, "cohort": cohort, "screened_on": screened_on},
        create=create, ident=lambda row: row.subject_id,
        read=lambda i: lookups.subject_by_id(conn, study_id=study.id, subject_id=i, actor=actor))


def screen_subject(conn: Connection, *, study: StudyDefinition, site_code: str, cohort: str | None,
                   screened_on: date, actor: Actor, now: datetime) -> ScreenedSubject:
    """Screen a new subject at `site_code` in `cohort`, inside the caller's transaction.

    Raises `NotFound` for a site the definition (or database) does not know,
    `InvalidInput` for a cohort the study does not define (or a missing one
    when it defines cohorts) and `NotPermitted` when the actor is restricted to
    another site; nothing is written then.
    """
    _check_definition(study, site_code, cohort)
    refuse_future("screened_on", screened_on, now)
    locks.ensure_writable(conn, study_id=study.id)
    site_id = store.lock_counter(conn, study.id, site_code)
    if site_id is None:
        raise NotFound(f"site '{site_code}' of study '{study.id}' is not registered; run 'edc db upgrade'")
    if not actor.sees(site_id):
        raise NotPermitted(f"user {actor.user_id} may not screen subjects at site {site_code}")
    subject_number = format_subject_number(site_code, store.take_number(conn, study.id, site_id))
    subject_id = store.insert_subject(conn, study_id=study.id, site_id=site_id, subject_number=subject_number,
                                      cohort=cohort, status=SCREENING, screened_on=screened_on, now=now)
    _audit(conn, actor, now, study.id, site_id, subject_id, item="subject_number", value=subject_number)
    if cohort is not None:
        _audit(conn, actor, now, study.id, site_id, subject_id, item="cohort", value=cohort)
    _audit(conn, actor, now, study.id, site_id, subject_id, item="screened_on", value=screened_on)
    logs_id = _create_visit(conn, actor, now, study.id, site_id, subject_id, LOGS_VISIT, "open", None)
    screening_code = study.spec.eligibility.visit
    screening_id = _create_visit(conn, actor, now, study.id, site_id, subject_id, screening_code, "planned",
                                 screened_on)
    return ScreenedSubject(subject_id, study.id, site_id, subject_number, cohort, SCREENING, screened_on,
                           screening_id, logs_id)


def _check_definition(study: StudyDefinition, site_code: str, cohort: str | None) -> None:
    """Refuse a site or cohort the study definition does not name, before anything is written."""
    if site_code not in {s.id for s in study.spec.sites}:
        raise NotFound(f"study '{study.id}' has no site '{site_code}'")
    cohorts = [c.id for c in study.spec.cohorts]
    if cohort is None and cohorts:
        raise InvalidInput(f"study '{study.id}' needs a cohort, one of {', '.join(cohorts)}")
    if cohort is not None and cohort not in cohorts:
        listed = ", ".join(cohorts) or "none"
        raise InvalidInput(f"study '{study.id}' has no cohort '{cohort}' (cohorts: {listed})")


def _create_visit(conn: Connection, actor: Actor, now: datetime, study_id: str, site_id: int, subject_id: int,
                  code: str, status: str, planned: date | None) -> int:
    """Insert the subject's visit `code` (occurrence 1) and audit its creation; return its id."""
    visit_id = store.insert_visit(conn, subject_id=subject_id, code=code, status=status, planned=planned)
    audit.append(conn, action="visit.create", occurred_at=now, user_id=actor.user_id, role=actor.role,
                 site_id=site_id, study_id=study_id, subject_id=subject_id, item=f"{code}#1",
                 new_value=planned, reason="subject screened")
    return visit_id


def _audit(conn: Connection, actor: Actor, now: datetime, study_id: str, site_id: int, subject_id: int, *,
           item: str, value: object) -> None:
    """Append one `subject.screen` event for one field of the new subject."""
    audit.append(conn, action="subject.screen", occurred_at=now, user_id=actor.user_id, role=actor.role,
                 site_id=site_id, study_id=study_id, subject_id=subject_id, item=item, new_value=value)
