"""What the pages show, assembled from the services the API calls: the casebook of one subject, the subject list.

Nothing here reads a table: every read goes through a feature's service or
the kernel's site-scoped lookups, so a page sees exactly what the API would.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection

from edc.app.escalation.bodies import EscalationOut
from edc.app.kernel import lookups
from edc.app.kernel.actor import Actor
from edc.app.queries import service as queries
from edc.app.records import service as records
from edc.app.sdv import service as sdv
from edc.app.signatures import service as signatures
from edc.app.visits import service as visits
from edc.definitions.catalog import StudyDefinition


@dataclass(frozen=True)
class ItemRow:
    """One item of a record: label, value with its unit, SDV mark, findings and queries on it."""

    name: str
    label: str
    value: object
    unit: str | None
    verified: bool
    findings: tuple[str, ...]
    queries: tuple[queries.QueryView, ...]


@dataclass(frozen=True)
class RecordBlock:
    """One stored record of a form at a visit."""

    form_id: str
    title: str
    seq: int
    record_id: int
    version: int
    status: str
    items: tuple[ItemRow, ...]
    signed: bool
    record_queries: tuple[queries.QueryView, ...]


@dataclass(frozen=True)
class VisitBlock:
    """One visit of the casebook with its expected forms (missing ones named) and the records entered."""

    info: visits.VisitInfo
    records: tuple[RecordBlock, ...]
    missing: tuple[str, ...]


@dataclass(frozen=True)
class Casebook:
    """A subject's casebook: visits x forms, signatures and every query of the subject."""

    subject: lookups.SubjectRow
    visits: tuple[VisitBlock, ...]
    signatures: tuple[signatures.SignatureView, ...]
    queries: tuple[queries.QueryView, ...] = field(default=())


def casebook(conn: Connection, study: StudyDefinition, subject_number: str, actor: Actor,
             now: datetime) -> Casebook:
    """The casebook of `subject_number` (NotFound at a site the actor does not see, as for a missing subject)."""
    subject = lookups.find_subject(conn, study_id=study.id, subject_number=subject_number, actor=actor)
    subject_queries = _subject_queries(conn, study, subject.subject_number, actor, now)
    blocks = [_visit_block(conn, study, subject, info, actor, subject_queries)
              for info in visits.subject_visits(conn, study=study, subject_id=subject.subject_id)]
    signed = signatures.subject_signatures(conn, study=study, subject_number=subject.subject_number, actor=actor)
    return Casebook(subject, tuple(blocks), tuple(signed), tuple(subject_queries))


def _subject_queries(conn: Connection, study: StudyDefinition, subject_number: str, actor: Actor,
                     now: datetime) -> list[queries.QueryView]:
    found: list[queries.QueryView] = []
    cursor: str | None = None
    while True:
        page = queries.list_queries(conn, study=study, actor=actor, now=now, site_code=None,
                                    subject_number=subject_number, status=None, min_age_days=None, limit=500,
                                    cursor=cursor)
        found.extend(page.queries)
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor


def _visit_block(conn: Connection, study: StudyDefinition, subject: lookups.SubjectRow, info: visits.VisitInfo,
                 actor: Actor, subject_queries: Sequence[queries.QueryView]) -> VisitBlock:
    visit = lookups.VisitContext(info.visit_id, info.visit_code, info.occurrence, subject.subject_id,
                                 subject.subject_number, subject.site_id, subject.cohort)
    forms = records.forms_at_visit(study, info.visit_code, subject.cohort)
    found = {form_id: records.records_at(conn, study=study, visit=visit, form_id=form_id, actor=actor)
             for form_id in forms}
    ids = [r.record_id for results in found.values() for r in results]
    marks = sdv.current_marks(conn, ids)
    signed = signatures.signed_records(conn, study, ids)
    here = [q for q in subject_queries if q.visit_code == info.visit_code and q.occurrence == info.occurrence]
    blocks = [_record_block(study, form_id, result, marks.get(result.record_id, set()),
                            result.record_id in signed, here)
              for form_id, results in found.items() for result in results]
    missing = tuple(f for f in forms if not found[f]) if study.visit(info.visit_code) else ()
    return VisitBlock(info, tuple(blocks), missing)


def _record_block(study: StudyDefinition, form_id: str, result: records.RecordResult, marks: set[str],
                  signed: bool, visit_queries: Sequence[queries.QueryView]) -> RecordBlock:
    form = study.forms[form_id]
    mine = [q for q in visit_queries if q.form_id == form_id and q.seq == result.seq]
    items = tuple(
        ItemRow(item.name, item.label, result.values.get(item.name), item.unit, item.name in marks,
                tuple(f.message for f in result.findings if f.item == item.name),
                tuple(q for q in mine if q.item == item.name))
        for item in form.items if result.values.get(item.name) is not None)
    return RecordBlock(form_id, form.title, result.seq, result.record_id, result.version, result.status, items,
                       signed, tuple(q for q in mine if q.item is None))


def all_subjects(conn: Connection, study: StudyDefinition, actor: Actor, *, site: str | None,
                 status: str | None) -> list[lookups.SubjectRow]:
    """Every subject the actor sees (the lookup's pages read through), filtered by site and status."""
    found: list[lookups.SubjectRow] = []
    cursor: str | None = None
    while True:
        page = lookups.list_subjects(conn, study_id=study.id, actor=actor, site_code=site, status=status,
                                     limit=lookups.MAX_PAGE, cursor=cursor)
        found.extend(page.subjects)
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor


@dataclass(frozen=True)
class WindowBar:
    """One treated subject's DLT window as a bar on the committee's timeline (percent of the shown span)."""

    level: str
    subject_number: str
    start: str
    end: str
    state: str
    left: float
    width: float


def timeline(found: EscalationOut) -> list[WindowBar]:
    """The DLT windows of every listed subject, from infusion to window end, placed on one common time axis."""
    spans = [(level.id, s) for level in found.levels for s in level.subjects
             if s.infusion_date is not None and s.window_end is not None]
    if not spans:
        return []
    first = min(s.infusion_date for _, s in spans if s.infusion_date is not None)
    last = max(s.window_end for _, s in spans if s.window_end is not None)
    days = max(1, (last - first).days)
    bars = []
    for level, s in spans:
        assert s.infusion_date is not None and s.window_end is not None
        left = 100 * (s.infusion_date - first).days / days
        width = max(1.0, 100 * (s.window_end - s.infusion_date).days / days)
        bars.append(WindowBar(level, s.subject_number, s.infusion_date.isoformat(), s.window_end.isoformat(),
                              s.window_state or "", round(left, 2), round(min(width, 100 - left), 2)))
    return bars
