"""Replaying the audit trail: the data are what the trail says, or every difference is named.

`replay(conn, catalog)` rebuilds, from the audit events alone, the current
values of every form record, subject, visit and decision, and compares them
with the tables. A value changed without its event, a row with no creating
event, an event whose row is missing and an event whose old value is not what
the trail had left are each reported with the table, the row and the item.

What the trail rebuilds (the events' canonical text, `value_text`):
- form tables `crf_<study>_<form>`: every item, from `record.create` and
  `record.correct`; `form_records`: the subject, the status (entered, or
  withdrawn by a `record.withdraw` with its time, user and reason), created
  and last updated (time, user) and the version, which must lie between 1 +
  the most corrections of one item (+ 1 once withdrawn) and 1 + the changes'
  distinct times (a correction's events do not mark where it ends);
- `subjects`: study, site, number, cohort, screening date, status, enrolment
  date, dose level and DLT-evaluability (`subject.screen`,
  `eligibility.decide`, `subject.enrol`);
- `visits`: status, planned date and visit date per `<code>#<occurrence>`;
- decisions, signatures, SDV marks and locks: see `edc.audit.replay_decisions`.

What it does not rebuild, because no event carries it: a record's visit and
seq, its definition version and form hash; a subject's `version` (a lock
counter) and the subject counters; the engine's side of a decision (an
eligibility decision's computed status and criteria, a DLT adjudication's
proposal); a visit signature's visit; query threads, findings,
idempotency keys and the coding of verbatim terms (not replayed here).

Streaming: each pass merge-joins rows and events ordered by one integer key
(`edc.audit.streams`), so memory follows the largest entity, not the trail.
Give a connection whose reads share one snapshot (a REPEATABLE READ
transaction on PostgreSQL; SQLite's read transaction is one already).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, MetaData, Table, func, select

from edc.audit import fold, replay_decisions
from edc.audit.chain import value_text
from edc.audit.streams import Discrepancy, Report, grouped, merged, stream
from edc.db.core import Base, FormRecord, Subject, Visit
from edc.db.formtables import form_table
from edc.db.trail import AuditEvent
from edc.definitions.catalog import Catalog
from edc.definitions.vocabulary import ENTERED, WITHDRAWN

RECORD_ACTIONS = ("record.create", "record.correct", "record.withdraw")
SUBJECT_ACTIONS = ("subject.screen", "eligibility.decide", "subject.enrol")
VISIT_ACTIONS = ("visit.create", "visit.reschedule", "visit.date", "visit.missed")
_EVENTS: Table = AuditEvent.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class ReplayResult:
    """The outcome of `replay`: the discrepancies listed (at most the limit) and how many more were found.

    `events` counts the events the passes read (an event that builds two tables, such as an eligibility
    decision's, is read twice); `rows` the table rows compared.
    """

    events: int
    rows: int
    discrepancies: tuple[Discrepancy, ...]
    unlisted: int

    @property
    def ok(self) -> bool:
        return not self.discrepancies


def replay(conn: Connection, catalog: Catalog, *, limit: int = 100) -> ReplayResult:
    """Compare every replayed table with the audit trail over `conn`; list at most `limit` discrepancies."""
    report = Report(limit)
    _records(conn, catalog, report)
    _subjects(conn, report)
    _visits(conn, report)
    replay_decisions.check_all(conn, report)
    return ReplayResult(report.events, report.rows, tuple(report.listed), report.unlisted)


def _records(conn: Connection, catalog: Catalog, report: Report) -> None:
    """Every form's table against its records' events, then the records no known form holds."""
    metadata = MetaData(naming_convention=Base.metadata.naming_convention)
    Base.metadata.tables["form_records"].to_metadata(metadata)
    seen = 0
    for study in catalog.studies.values():
        for form in study.forms.values():
            seen += _form(conn, study.id, form_table(metadata, study, form), form.id, report)
    if seen != conn.execute(select(func.count()).select_from(FormRecord)).scalar_one():
        known = {(s.id, f) for s in catalog.studies.values() for f in s.forms}
        for row in stream(conn, select(FormRecord.id, FormRecord.form_id, Subject.study_id)
                          .join(Subject, Subject.id == FormRecord.subject_id, isouter=True)):
            if (row["study_id"], row["form_id"]) not in known:
                report.add("form_records", f"record {row['id']}", None,
                           f"form '{row['form_id']}' of study '{row['study_id']}' is not in the definitions")
    orphans = select(_EVENTS.c.id, _EVENTS.c.record_id).where(
        _EVENTS.c.action.in_(RECORD_ACTIONS), _EVENTS.c.record_id.not_in(select(FormRecord.id))) \
        .order_by(_EVENTS.c.record_id, _EVENTS.c.id)
    for record_id, said in grouped(stream(conn, orphans), lambda e: e["record_id"]):
        report.add("form_records", f"record {record_id}", None,
                   f"missing: events {said[0]['id']}-{said[-1]['id']} describe it, the table has no such row")


def _form(conn: Connection, study_id: str, table: Table, form_id: str, report: Report) -> int:
    """One form's records: their typed rows and `form_records` rows against their events; how many rows."""
    items = [c.name for c in table.columns if c.name != "record_id"]
    rows = (select(FormRecord.id, FormRecord.subject_id, FormRecord.status, FormRecord.version,
                   FormRecord.created_at, FormRecord.created_by, FormRecord.updated_at, FormRecord.updated_by,
                   FormRecord.withdrawn_at, FormRecord.withdrawn_by, FormRecord.withdrawal_reason,
                   Subject.subject_number, table.c.record_id.label("typed_row"),
                   *[table.c[name] for name in items])
            .join(Subject, Subject.id == FormRecord.subject_id)
            .join(table, table.c.record_id == FormRecord.id, isouter=True)
            .where(FormRecord.form_id == form_id, Subject.study_id == study_id).order_by(FormRecord.id))
    events = (select(_EVENTS).join(FormRecord, FormRecord.id == _EVENTS.c.record_id)
              .join(Subject, Subject.id == FormRecord.subject_id)
              .where(FormRecord.form_id == form_id, Subject.study_id == study_id,
                     _EVENTS.c.action.in_(RECORD_ACTIONS)).order_by(_EVENTS.c.record_id, _EVENTS.c.id))
    count = 0
    for _record_id, found, said in merged(grouped(stream(conn, rows), lambda r: r["id"]),
                                         grouped(stream(conn, events), lambda e: e["record_id"]), report):
        count += len(found)
        if found:
            _record(table.name, form_id, found[0], items, said, report)
    return count


def _record(table: str, form_id: str, row: Mapping[str, Any], items: Sequence[str],
            events: Sequence[Mapping[str, Any]], report: Report) -> None:
    """One record's rows against its events."""
    where = f"record {row['id']} (subject {row['subject_number']})"
    folded = fold.fold_record(events)
    if folded.created is None:
        report.add("form_records", where, None, "no creating event (record.create) in the trail")
        return
    for event in events:
        if event["form_id"] != form_id:
            report.add("form_records", where, None, f"event {event['id']} names form '{event['form_id']}'")
    if row["typed_row"] is None:
        report.add(table, where, None, "missing: the trail has its values, the table has no row")
    else:
        for item, trail, found in fold.differences(folded.values, {name: row[name] for name in items}):
            report.differs(table, where, item, trail, found)
    for gap in folded.gaps:
        report.add(table, where, gap.item, gap.problem)
    _record_identity(where, row, folded, report)


def _record_identity(where: str, row: Mapping[str, Any], folded: fold.Folded, report: Report) -> None:
    """The `form_records` columns the events carry: subject, status and withdrawal, creation, last update, version
    bounds."""
    created, updated, withdrawn = folded.created, folded.updated, folded.withdrawn
    expected = {"subject_id": value_text(created["subject_id"]),
                "status": value_text(ENTERED if withdrawn is None else WITHDRAWN),
                "created_at": value_text(created["occurred_at"]), "created_by": value_text(created["user_id"]),
                "updated_at": value_text(updated["occurred_at"]), "updated_by": value_text(updated["user_id"]),
                **_withdrawal(withdrawn)}
    for item, trail, found in fold.differences(expected, {name: row[name] for name in expected}):
        report.differs("form_records", where, item, trail, found)
    least, most = 1 + folded.most_per_item, 1 + folded.changes
    if not least <= row["version"] <= most:
        span = str(least) if least == most else f"{least}-{most}"
        report.add("form_records", where, "version", f"the table holds {row['version']}, the trail says {span}")


def _withdrawal(event: Mapping[str, Any] | None) -> dict[str, str | None]:
    """The withdrawal columns a `record.withdraw` event says (all null without one)."""
    if event is None:
        return dict.fromkeys(("withdrawn_at", "withdrawn_by", "withdrawal_reason"))
    return {"withdrawn_at": value_text(event["occurred_at"]), "withdrawn_by": value_text(event["user_id"]),
            "withdrawal_reason": value_text(event["reason"])}


def _subjects(conn: Connection, report: Report) -> None:
    """Every subject against its `subject.screen`, `eligibility.decide` and `subject.enrol` events."""
    rows = select(Subject).order_by(Subject.id)
    events = select(_EVENTS).where(_EVENTS.c.action.in_(SUBJECT_ACTIONS), _EVENTS.c.subject_id.is_not(None)) \
        .order_by(_EVENTS.c.subject_id, _EVENTS.c.id)
    for subject_id, found, said in merged(grouped(stream(conn, rows), lambda r: r["id"]),
                                          grouped(stream(conn, events), lambda e: e["subject_id"]), report):
        folded = fold.fold_subject(said)
        if not found:
            report.add("subjects", f"subject {subject_id}", None,
                       f"missing: events {said[0]['id']}-{said[-1]['id']} describe it, the table has no such row")
            continue
        row = found[0]
        where = f"subject {subject_id} ({row['subject_number']})"
        if folded.created is None:
            report.add("subjects", where, None, "no creating event (subject.screen) in the trail")
            continue
        created = folded.created
        expected = {**folded.values, "study_id": value_text(created["study_id"]),
                    "site_id": value_text(created["site_id"]), "created_at": value_text(created["occurred_at"])}
        columns = (*fold.SUBJECT_ITEMS, "study_id", "site_id", "created_at")
        for item, trail, value in fold.differences(expected, {name: row[name] for name in columns}):
            report.differs("subjects", where, item, trail, value)
        for gap in folded.gaps:
            report.add("subjects", where, gap.item, gap.problem)


def _visits(conn: Connection, report: Report) -> None:
    """Every subject's visits against the subject's `visit.*` events."""
    rows = select(Visit, Subject.subject_number).join(Subject, Subject.id == Visit.subject_id) \
        .order_by(Visit.subject_id, Visit.id)
    events = select(_EVENTS).where(_EVENTS.c.action.in_(VISIT_ACTIONS), _EVENTS.c.subject_id.is_not(None)) \
        .order_by(_EVENTS.c.subject_id, _EVENTS.c.id)
    for subject_id, found, said in merged(grouped(stream(conn, rows), lambda r: r["subject_id"]),
                                          grouped(stream(conn, events), lambda e: e["subject_id"]), report):
        folded = fold.fold_visits(said)
        number = found[0]["subject_number"] if found else subject_id
        for row in found:
            key = f"{row['visit_code']}#{row['occurrence']}"
            where = f"visit {row['id']} {key} (subject {number})"
            visit = folded.pop(key, None)
            if visit is None or visit.created is None:
                report.add("visits", where, None, "no creating event (visit.create) in the trail")
                continue
            for item, trail, value in fold.differences(visit.values, {n: row[n] for n in fold.VISIT_ITEMS}):
                report.differs("visits", where, item, trail, value)
            for gap in visit.gaps:
                report.add("visits", where, gap.item, gap.problem)
        for key in folded:
            report.add("visits", f"{key} (subject {number})", None,
                       "missing: the trail has the visit, the table has no such row")
