"""The database reader of the SDTM export: a study's subjects and their captured data as `SubjectData`.

It lives in the services layer, not in `edc.export`: the import contract
"The export file writers do not depend on storage or the API" keeps
`edc.export` free of `edc.db`, `edc.services` and SQLAlchemy, and the mapping
engine there (`edc.export.sdtm`) stays pure.

Two ways to read, the same subjects: `read_subjects` every subject of a
dataset's forms at once (the ODM export's), `subject_chunks` the subject list
first and the rest a chunk of subjects at a time when the SDTM export asks
for it (`ChunkedSubjects`), so the export holds one chunk's input, not the
largest dataset's.

Queries per read (all of them, or one chunk), whatever the number of
subjects: one each for the visits, the eligibility decisions and the
committee's verdicts, and per form asked for one for its records plus one per
`BATCH` records for their values (a form without records costs the one), and
for a form with verbatim terms one for their coding plus two per dictionary
release it uses; plus the one for the subjects, once. All of the study is
scoped by the study through a join, so no list of subject ids is sent; a
chunk by its subjects' ids (`WHERE subject_id IN`), but one of more than
`BATCH` subjects (a dataset mapped in one piece) as all of the study, the
subjects not asked for left out. Site scoping is the subject list's: a chunk
holds only subjects of that list.

Decisions:
- records are the current values (`form_records` keeps one typed row per
  record, replaced by a correction); empty items are left out and calculated
  items are in, as stored. Every record that counts is read: records are
  never deleted, a withdrawn one (entered in error) is left out
  (`store.COUNTING`), and one without a typed row has nothing to export.
- a record's verbatim terms carry their coding (`CapturedRecord.coded`, from
  `edc.app.coding.service.record_codings`); an uncoded term has none.
- a subject's records of a form are in visit order (as `visits`), then seq,
  so `SubjectData.first` is the earliest; a form the subject has no record of
  has no key in `records`.
- last_contact is the latest `visit_date` of a done visit (None without one);
  record dates are not searched, so the AE and medication logs do not move it.
- committee_dlt and eligibility are the latest rows (highest id) per AE
  number and per subject, as `edc.app.escalation.service` and
  `edc.app.eligibility.service` read them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Connection, Row, Select, select

from edc.app.coding import service as coding
from edc.app.escalation import store as escalation_store
from edc.app.records import store
from edc.db import core as db
from edc.db.decisions import EligibilityDecision
from edc.definitions.catalog import StudyDefinition
from edc.definitions.coding import coded_items
from edc.definitions.vocabulary import DONE, LOGS_VISIT
from edc.export.sdtm.subjectdata import CapturedRecord, ChunkedSubjects, SubjectData, VisitData

#: Record ids per values query, subject ids per chunk: far below the bind-parameter limits (SQLite 32,766,
#: PostgreSQL 65,535).
BATCH = 5000

S = TypeVar("S", bound=Select[*tuple[Any, ...]])

Ids = Sequence[int] | None
"""The subjects a read is for: these ids, or None for all of the study's (scoped by a join)."""


@dataclass(frozen=True)
class _Visit:
    """A stored visit with the key records and visits are ordered by."""

    subject_id: int
    data: VisitData
    order: tuple[bool, date, str, int]


def read_subjects(conn: Connection, study: StudyDefinition, forms: Collection[str],
                  site_ids: Collection[int] | None = None) -> list[SubjectData]:
    """Every subject of the study (of `site_ids` only, when given; screen failures included), in subject-number
    order, with the current values of their records of `forms` only (other forms are not read)."""
    return _subjects(conn, study, forms, _heads(conn, study.id, site_ids), None)


def subject_chunks(conn: Connection, study: StudyDefinition, forms: Collection[str],
                   site_ids: Collection[int] | None = None) -> ChunkedSubjects:
    """The subjects `read_subjects` gives, in its order, but only the subject list read now: each chunk's
    visits, decisions and records when the export asks for that chunk (on `conn`, so inside its transaction)."""
    return _DatabaseSubjects(conn, study, frozenset(forms), _heads(conn, study.id, site_ids))


class _DatabaseSubjects(ChunkedSubjects):
    """The study's subject list, each chunk of it read from the database when asked for (and again if asked
    again: nothing of a chunk is kept)."""

    def __init__(self, conn: Connection, study: StudyDefinition, forms: frozenset[str],
                 heads: Sequence[Row[Any]]) -> None:
        self._conn, self._study, self._forms, self._heads = conn, study, forms, heads
        self._identities = tuple((str(row.subject_number), str(row.code)) for row in heads)

    @property
    def identities(self) -> Sequence[tuple[str, str]]:
        return self._identities

    def chunk(self, positions: Sequence[int]) -> list[SubjectData]:
        heads = [self._heads[index] for index in positions]
        ids = sorted({int(row.id) for row in heads}) if len(heads) <= BATCH else None
        return _subjects(self._conn, self._study, self._forms, heads, ids)


def _heads(conn: Connection, study_id: str, site_ids: Collection[int] | None) -> list[Row[Any]]:
    """The subjects (of `site_ids` only, when given) in subject-number order: id, number, site code, status,
    dose level, cohort."""
    s = db.Subject
    return list(conn.execute(
        select(s.id, s.subject_number, db.Site.code, s.status, s.dose_level, s.cohort)
        .join(db.Site, db.Site.id == s.site_id).where(s.study_id == study_id, *(
            () if site_ids is None else (s.site_id.in_(sorted(site_ids)),)))
        .order_by(s.subject_number)))


def _subjects(conn: Connection, study: StudyDefinition, forms: Collection[str], heads: Sequence[Row[Any]],
              ids: Ids) -> list[SubjectData]:
    """The subjects of `heads`, in that order, with their data; `ids` their ids, or None to read the study's."""
    visits = _visits(conn, study.id, ids)
    records: dict[int, dict[str, tuple[CapturedRecord, ...]]] = defaultdict(dict)
    for form_id in sorted(set(forms) & set(study.forms)):  # a spec's form another trial lacks has no table
        for subject_id, found in _form_records(conn, study, form_id, visits, ids).items():
            records[subject_id][form_id] = found
    committee = escalation_store.committee_verdicts(conn, study.id, ids)
    eligibility = _eligibility(conn, study.id, ids)
    by_subject: dict[int, list[_Visit]] = defaultdict(list)
    for visit in visits.values():
        by_subject[visit.subject_id].append(visit)
    return [
        SubjectData(subject_number=row.subject_number, site=row.code, status=row.status, dose_level=row.dose_level,
                    cohort=row.cohort,
                    last_contact=_last_contact(by_subject[row.id]), records=records.get(row.id, {}),
                    committee_dlt=committee.get(row.id, {}), eligibility=eligibility.get(row.id, {}),
                    visits=_listed(by_subject[row.id]))
        for row in heads
    ]


def _scoped(statement: S, subject_id: Any, study_id: str, ids: Ids) -> S:
    """`statement` for the subjects of `ids`, or (None) for the study's through a join on `subject_id`."""
    if ids is None:
        return statement.join(db.Subject, db.Subject.id == subject_id).where(db.Subject.study_id == study_id)
    return statement.where(subject_id.in_(ids))


def _visits(conn: Connection, study_id: str, ids: Ids) -> dict[int, _Visit]:
    """Every visit of the subjects by id, the logs included (records point at them too)."""
    v = db.Visit
    rows = conn.execute(_scoped(select(v.id, v.subject_id, v.visit_code, v.occurrence, v.status, v.visit_date,
                                       v.planned_date), v.subject_id, study_id, ids))
    return {int(row.id): _Visit(int(row.subject_id),
                                VisitData(row.visit_code, int(row.occurrence), row.status, row.visit_date,
                                          row.planned_date),
                                _order(row.planned_date or row.visit_date, row.visit_code, int(row.occurrence)))
            for row in rows}


def _order(on: date | None, code: str, occurrence: int) -> tuple[bool, date, str, int]:
    """By planned date (the visit date for an unplanned one), undated last, then code and occurrence.

    Sorted here, not in SQL: SQLite puts NULLs first, PostgreSQL last.
    """
    return on is None, on or date.min, code, occurrence


def _listed(visits: Sequence[_Visit]) -> tuple[VisitData, ...]:
    """The subject's visits in order, without the running-log pseudo-visit."""
    return tuple(v.data for v in sorted(visits, key=lambda v: v.order) if v.data.visit != LOGS_VISIT)


def _last_contact(visits: Sequence[_Visit]) -> date | None:
    dates = [v.data.visit_date for v in visits if v.data.status == DONE and v.data.visit_date is not None]
    return max(dates, default=None)


def _form_records(conn: Connection, study: StudyDefinition, form_id: str, visits: Mapping[int, _Visit],
                  ids: Ids) -> dict[int, tuple[CapturedRecord, ...]]:
    """subject id -> the subject's records of `form_id` with their values, in visit order then seq."""
    r = db.FormRecord
    rows = conn.execute(_scoped(select(r.id, r.subject_id, r.visit_id, r.seq), r.subject_id, study.id, ids)
                        .where(r.form_id == form_id, store.COUNTING)).all()
    values = dict(_values(conn, study, form_id, [int(row.id) for row in rows]))
    codings = coding.record_codings(conn, study.id, form_id, ids) if coded_items(study.forms[form_id]) else {}
    found: dict[int, list[tuple[tuple[bool, date, str, int], int, CapturedRecord]]] = defaultdict(list)
    for row in rows:
        if row.id not in values:  # an identity without a typed row holds nothing to export
            continue
        visit = visits[row.visit_id]
        record = CapturedRecord(values[row.id], visit.data.visit, visit.data.occurrence,
                                codings.get(int(row.id), {}), int(row.id))
        found[int(row.subject_id)].append((visit.order, int(row.seq), record))
    return {subject_id: tuple(record for _, _, record in sorted(these, key=lambda t: t[:2]))
            for subject_id, these in found.items()}


def _values(conn: Connection, study: StudyDefinition, form_id: str,
            record_ids: Sequence[int]) -> Iterator[tuple[int, dict[str, object]]]:
    """The entered values of the records, `BATCH` records per query (the record store's batch read)."""
    table = store.table_of(study, form_id)
    for start in range(0, len(record_ids), BATCH):
        yield from store.read_entered(conn, table, record_ids[start:start + BATCH]).items()


def _eligibility(conn: Connection, study_id: str, ids: Ids) -> dict[int, dict[str, str]]:
    """subject id -> the criteria map {criterion id: status} of the latest eligibility decision."""
    e = EligibilityDecision
    rows = conn.execute(_scoped(select(e.subject_id, e.criteria), e.subject_id, study_id, ids).order_by(e.id))
    latest: dict[int, dict[str, str]] = {}
    for row in rows:  # later decisions replace earlier ones: the latest is the current decision
        latest[int(row.subject_id)] = {str(k): str(v) for k, v in (row.criteria or {}).items()}
    return latest
