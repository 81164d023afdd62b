"""Read-side lookups the API needs: subjects by number, their visits and records, cursor-paginated subject lists.

Every lookup honours the actor's sites: another site's subject, visit or
record is reported as missing (`NotFound`), exactly like one that does not
exist, so its existence does not leak.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select

from edc.app.kernel.actor import Actor
from edc.app.kernel.cursors import binding, decode_cursor, encode_cursor
from edc.app.kernel.errors import InvalidInput, NotFound
from edc.db.core import FormRecord, Site, Subject, Visit

MAX_PAGE = 500


@dataclass(frozen=True)
class SubjectRow:
    """A subject as listed: its ids, number, site, cohort, dose level and status."""

    subject_id: int
    subject_number: str
    site_id: int
    site_code: str
    cohort: str | None
    dose_level: str | None
    status: str
    screened_on: date
    created_at: datetime
    enrolled_on: date | None = None


@dataclass(frozen=True)
class VisitContext:
    """A subject's visit, resolved once: what a record captured at it needs (subject, cohort, site, visit code)."""

    visit_id: int
    visit_code: str
    occurrence: int
    subject_id: int
    subject_number: str
    site_id: int
    cohort: str | None


@dataclass(frozen=True)
class SubjectPage:
    """One page of subjects and the cursor of the next page (None on the last)."""

    subjects: tuple[SubjectRow, ...]
    next_cursor: str | None


_SUBJECT_COLUMNS = (Subject.id, Subject.subject_number, Subject.site_id, Site.code, Subject.cohort,
                    Subject.dose_level, Subject.status, Subject.screened_on, Subject.created_at,
                    Subject.enrolled_on)


def find_subject(conn: Connection, *, study_id: str, subject_number: str, actor: Actor) -> SubjectRow:
    """The subject `subject_number` of the study at a site the actor sees; NotFound otherwise."""
    row = conn.execute(select(*_SUBJECT_COLUMNS).join(Site, Site.id == Subject.site_id).where(
        Subject.study_id == study_id, Subject.subject_number == subject_number)).one_or_none()
    if row is None or not actor.sees(int(row.site_id)):
        raise NotFound(f"study '{study_id}' has no subject '{subject_number}'")
    return _subject(row)


def subject_by_id(conn: Connection, *, study_id: str, subject_id: int, actor: Actor) -> SubjectRow:
    """The subject with this id, as `find_subject` finds it by number."""
    number = conn.execute(select(Subject.subject_number).where(Subject.id == subject_id,
                                                               Subject.study_id == study_id)).scalar()
    if number is None:
        raise NotFound(f"study '{study_id}' has no subject {subject_id}")
    return find_subject(conn, study_id=study_id, subject_number=str(number), actor=actor)


def list_subjects(conn: Connection, *, study_id: str, actor: Actor, site_code: str | None = None,
                  status: str | None = None, limit: int = 100, cursor: str | None = None) -> SubjectPage:
    """The study's subjects the actor sees, ordered by id, filtered by site code and status."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}")
    bound = binding("subjects", study=study_id, site=site_code, status=status)
    query = (select(*_SUBJECT_COLUMNS).join(Site, Site.id == Subject.site_id)
             .where(Subject.study_id == study_id, Subject.id > decode_cursor(conn, cursor, bound))
             .order_by(Subject.id).limit(limit + 1))
    if actor.site_ids is not None:
        query = query.where(Subject.site_id.in_(sorted(actor.site_ids)))
    if site_code is not None:
        query = query.where(Site.code == site_code)
    if status is not None:
        query = query.where(Subject.status == status)
    rows = [_subject(row) for row in conn.execute(query)]
    more = len(rows) > limit
    page = tuple(rows[:limit])
    return SubjectPage(page, encode_cursor(conn, page[-1].subject_id, bound) if more else None)


def find_visit(conn: Connection, *, subject: SubjectRow, visit_code: str, occurrence: int) -> VisitContext:
    """The subject's visit `visit_code` #`occurrence`; NotFound when the subject has none."""
    visit_id = find_visit_id(conn, subject_id=subject.subject_id, visit_code=visit_code, occurrence=occurrence)
    return VisitContext(visit_id, visit_code, occurrence, subject.subject_id, subject.subject_number,
                        subject.site_id, subject.cohort)


_SUBJECT_VISIT = (
    select(Subject.id, Subject.site_id, Subject.cohort, Visit.id.label("visit_id"))
    .outerjoin(Visit, (Visit.subject_id == Subject.id) & (Visit.visit_code == bindparam("visit_code"))
               & (Visit.occurrence == bindparam("occurrence")))
    .where(Subject.study_id == bindparam("study_id"), Subject.subject_number == bindparam("subject_number")))


def find_subject_visit(conn: Connection, *, study_id: str, subject_number: str, visit_code: str, occurrence: int,
                       actor: Actor) -> VisitContext:
    """`find_visit` of `find_subject` in one statement, built once (every record route asks for both):
    NotFound for a subject the actor does not see before any word on its visits."""
    row = conn.execute(_SUBJECT_VISIT, {"study_id": study_id, "subject_number": subject_number,
                                        "visit_code": visit_code, "occurrence": occurrence}).one_or_none()
    if row is None or not actor.sees(int(row.site_id)):
        raise NotFound(f"study '{study_id}' has no subject '{subject_number}'")
    if row.visit_id is None:
        raise NotFound(f"the subject has no visit {visit_code} #{occurrence}")
    return VisitContext(int(row.visit_id), visit_code, occurrence, int(row.id), subject_number, int(row.site_id),
                        row.cohort)


def find_visit_id(conn: Connection, *, subject_id: int, visit_code: str, occurrence: int) -> int:
    """The id of the subject's visit `visit_code` #`occurrence`; NotFound when the subject has none."""
    found = conn.execute(select(Visit.id).where(Visit.subject_id == subject_id, Visit.visit_code == visit_code,
                                                Visit.occurrence == occurrence)).scalar()
    if found is None:
        raise NotFound(f"the subject has no visit {visit_code} #{occurrence}")
    return int(found)


def visit_by_id(conn: Connection, *, study_id: str, visit_id: int, actor: Actor) -> VisitContext:
    """The visit `visit_id` of a subject of `study_id` at a site the actor sees; NotFound otherwise."""
    row = conn.execute(
        select(Visit.id, Visit.visit_code, Visit.occurrence, Subject.id.label("subject_id"),
               Subject.subject_number, Subject.site_id, Subject.cohort)
        .join(Subject, Subject.id == Visit.subject_id)
        .where(Visit.id == visit_id, Subject.study_id == study_id)).one_or_none()
    if row is None or not actor.sees(int(row.site_id)):  # another site's visit looks missing
        raise NotFound(f"visit {visit_id} not found in study '{study_id}'")
    return VisitContext(int(row.id), str(row.visit_code), int(row.occurrence), int(row.subject_id),
                        str(row.subject_number), int(row.site_id), row.cohort)


def record_ids(conn: Connection, *, visit_id: int, form_id: str) -> list[tuple[int, int]]:
    """(seq, record id) of every record of `form_id` at the visit, in seq order."""
    rows = conn.execute(select(FormRecord.seq, FormRecord.id).where(
        FormRecord.visit_id == visit_id, FormRecord.form_id == form_id).order_by(FormRecord.seq))
    return [(int(row.seq), int(row.id)) for row in rows]


def find_record_id(conn: Connection, *, visit_id: int, form_id: str, seq: int) -> int:
    """The id of record `seq` of `form_id` at the visit; NotFound otherwise."""
    for found_seq, record_id in record_ids(conn, visit_id=visit_id, form_id=form_id):
        if found_seq == seq:
            return record_id
    raise NotFound(f"no record {seq} of form '{form_id}' at this visit")


def _subject(values: Sequence[Any]) -> SubjectRow:
    return SubjectRow(int(values[0]), str(values[1]), int(values[2]), str(values[3]), values[4], values[5],
                      str(values[6]), values[7], values[8], values[9])
