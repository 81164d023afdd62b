"""The SQL of coded terms: one `coded_terms` row per verbatim term, the queue's reads, the export's reads.

A term is `uncoded` (in the queue) or `coded`; `version` moves with every
change of the row, so a data manager's decision names the version read
(If-Match). Every function works inside the caller's transaction and never
commits; every read is scoped by the study and, where a caller is limited to
sites, by them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, and_, insert, select, update
from sqlalchemy.orm import aliased

from edc.app.kernel.places import RecordPlace
from edc.app.records import store as records
from edc.db.coding import CodedTerm, CodingDictionary
from edc.db.core import FormRecord, Site, Subject, User, Visit
from edc.definitions.catalog import StudyDefinition

UNCODED, CODED = "uncoded", "coded"
STATUSES = (UNCODED, CODED)
AUTO, MANUAL = "auto", "manual"
_T = CodedTerm

AnyRow = Row[*tuple[Any, ...]]


@dataclass(frozen=True)
class TermFilter:
    """Which terms of a study a listing wants (None: no filter), and the page after `after_id`."""

    study_id: str
    site_ids: Collection[int] | None
    status: str | None
    kind: str | None
    site_code: str | None
    subject_number: str | None
    after_id: int
    limit: int


def term_of(conn: Connection, record_id: int, item: str) -> AnyRow | None:
    """The coded_terms row of a record's item, locked until the transaction ends, or None."""
    return conn.execute(select(_T).where(_T.record_id == record_id, _T.item == item).with_for_update()).first()


def insert_term(conn: Connection, place: RecordPlace, *, item: str, kind: str, verbatim: str,
                now: datetime) -> AnyRow:
    """Store a record's verbatim term, uncoded; the row stored."""
    term_id = conn.execute(insert(_T).values(
        study_id=place.study_id, site_id=place.site_id, subject_id=place.subject_id, record_id=place.record_id,
        form_id=place.form_id, item=item, kind=kind, verbatim=verbatim, status=UNCODED, version=1, updated_at=now,
    ).returning(_T.id)).scalar_one()
    return conn.execute(select(_T).where(_T.id == term_id)).one()


def update_term(conn: Connection, term: AnyRow, now: datetime, **values: object) -> AnyRow | None:
    """Change the term if it is still at the version read, moving the version on; the row after, or None."""
    done = conn.execute(update(_T).where(_T.id == term.id, _T.version == term.version)
                        .values(version=_T.version + 1, updated_at=now, **values)).rowcount
    return conn.execute(select(_T).where(_T.id == term.id)).one() if done == 1 else None


def lock_term(conn: Connection, study_id: str, term_id: int) -> AnyRow | None:
    """The study's term `term_id`, locked until the transaction ends, or None."""
    return conn.execute(select(_T).where(_T.id == term_id, _T.study_id == study_id).with_for_update()).first()


def terms_of(conn: Connection, study_id: str, kind: str, status: str) -> list[AnyRow]:
    """The study's terms of one dictionary in one status, oldest first, locked until the transaction ends."""
    return list(conn.execute(select(_T).where(_T.study_id == study_id, _T.kind == kind, _T.status == status)
                             .order_by(_T.id).with_for_update()).all())


def records_without_term(conn: Connection, study: StudyDefinition, form_id: str, item: str) -> list[AnyRow]:
    """Records of the form with a value in `item` but no coded term yet (captured before coding began):
    the record's place (ids) and the value."""
    table = records.table_of(study, form_id)
    known = select(_T.id).where(_T.record_id == FormRecord.id, _T.item == item).exists()
    return list(conn.execute(
        select(FormRecord.id.label("record_id"), FormRecord.subject_id, FormRecord.visit_id, Subject.site_id,
               table.c[item].label("value"))
        .join(table, table.c.record_id == FormRecord.id).join(Subject, Subject.id == FormRecord.subject_id)
        .where(Subject.study_id == study.id, FormRecord.form_id == form_id, table.c[item].is_not(None), ~known,
               records.COUNTING)
        .order_by(FormRecord.id)).all())


def uncoded_rows(conn: Connection, study: StudyDefinition, form_id: str, item: str,
                 site_ids: Collection[int] | None) -> list[AnyRow]:
    """The form's records whose `item` holds a term not coded (no row, or an uncoded one), with where they
    are: site code, subject number, visit, seq, the verbatim term."""
    table = records.table_of(study, form_id)
    statement = (
        select(Site.code.label("site"), Subject.subject_number, Visit.visit_code, Visit.occurrence, FormRecord.seq,
               table.c[item].label("verbatim"))
        .join(table, table.c.record_id == FormRecord.id).join(Subject, Subject.id == FormRecord.subject_id)
        .join(Site, Site.id == Subject.site_id).join(Visit, Visit.id == FormRecord.visit_id)
        .outerjoin(_T, and_(_T.record_id == FormRecord.id, _T.item == item))
        .where(Subject.study_id == study.id, FormRecord.form_id == form_id, table.c[item].is_not(None),
               (_T.id.is_(None)) | (_T.status == UNCODED), records.COUNTING))
    if site_ids is not None:
        statement = statement.where(Subject.site_id.in_(site_ids))
    return list(conn.execute(statement.order_by(Subject.subject_number, FormRecord.id)).all())


def coded_of_form(conn: Connection, study_id: str, form_id: str,
                  subject_ids: Collection[int] | None = None) -> list[AnyRow]:
    """The coded terms of the study's records of one form (of the subjects `subject_ids` only, when given):
    record id, item, kind, release, code, ATC code."""
    return list(conn.execute(select(_T.record_id, _T.item, _T.kind, _T.dictionary_id, _T.code, _T.atc_code)
                             .where(_T.study_id == study_id, _T.form_id == form_id, _T.status == CODED, *(
                                 () if subject_ids is None else (_T.subject_id.in_(subject_ids),)))).all())


def term_row(conn: Connection, study_id: str, term_id: int) -> AnyRow | None:
    """The study's term `term_id` with where it points (see `_select`), or None."""
    return conn.execute(_select().where(_T.id == term_id, _T.study_id == study_id)).first()


def term_rows(conn: Connection, wanted: TermFilter) -> list[AnyRow]:
    """Up to `limit + 1` terms matching the filter, by id (the extra one says whether a page follows)."""
    # A withdrawn record's terms (entered in error) leave the queue: nothing of them is exported.
    statement = _select().where(_T.study_id == wanted.study_id, _T.id > wanted.after_id, records.COUNTING)
    if wanted.site_ids is not None:
        statement = statement.where(_T.site_id.in_(wanted.site_ids))
    for column, value in ((_T.status, wanted.status), (_T.kind, wanted.kind), (Site.code, wanted.site_code),
                          (Subject.subject_number, wanted.subject_number)):
        if value is not None:
            statement = statement.where(column == value)
    return list(conn.execute(statement.order_by(_T.id).limit(wanted.limit + 1)).all())


def _select() -> Select[*tuple[Any, ...]]:
    """Terms with their site code, subject number, visit, seq, release version and decider's username."""
    decider = aliased(User)
    return (select(_T, Site.code.label("site"), Subject.subject_number, Visit.visit_code, Visit.occurrence,
                   FormRecord.seq, CodingDictionary.version.label("release"), decider.username.label("decider"))
            .join(Site, Site.id == _T.site_id).join(Subject, Subject.id == _T.subject_id)
            .join(FormRecord, FormRecord.id == _T.record_id).join(Visit, Visit.id == FormRecord.visit_id)
            .outerjoin(CodingDictionary, CodingDictionary.id == _T.dictionary_id)
            .outerjoin(decider, decider.id == _T.decided_by))
