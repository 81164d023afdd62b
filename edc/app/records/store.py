"""Storage of form records: the `form_records` identity row, the form's typed row and its findings.

Every function works inside the caller's transaction and never commits.
`COUNTING` is the one home of which records count: every reader of derived
data filters with it, so a withdrawn record (entered in error) stays stored,
and shown when read, but counts nowhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, MetaData, Table, bindparam, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.expression import Executable

from edc.app.kernel.actor import Actor
from edc.app.kernel.clock import stored_utc
from edc.app.kernel.errors import NotFound, Withdrawn
from edc.app.kernel.lookups import VisitContext
from edc.db.core import Base, FormRecord, RecordCounter, RecordFinding, Subject, User, Visit
from edc.db.formtables import form_table
from edc.definitions.catalog import StudyDefinition
from edc.definitions.vocabulary import ENTERED, WITHDRAWN
from edc.domain.findings import Finding

_TABLES: dict[tuple[str, str, str], Table] = {}

#: The records that count, as a WHERE clause on `form_records`: not withdrawn. Eligibility, scores and
#: responses, DLT proposals and the escalation, status counts, SDV progress, the SDTM export, the cross-form
#: context of edit checks, log keys and references, and what a visit or casebook signature covers read these.
COUNTING = FormRecord.status == ENTERED
#: A finding of a record that counts; a withdrawn record's findings are kept as `withdrawn`.
OPEN_FINDING = "open"


@dataclass(frozen=True)
class StoredRecord:
    """A `form_records` row with the context audit events need."""

    record_id: int
    form_id: str
    visit_id: int
    subject_id: int
    site_id: int
    seq: int
    version: int
    status: str = ENTERED


@dataclass(frozen=True)
class Withdrawal:
    """Who withdrew a record (their username), when, and why."""

    withdrawn_by: str
    withdrawn_at: datetime
    reason: str


def table_of(study: StudyDefinition, form_id: str) -> Table:
    """The typed table of `form_id` (built from the definition, cached per form content)."""
    key = (study.id, form_id, study.form_hash(form_id))
    if key not in _TABLES:
        metadata = MetaData(naming_convention=Base.metadata.naming_convention)
        Base.metadata.tables["form_records"].to_metadata(metadata)
        _TABLES[key] = form_table(metadata, study, study.forms[form_id])
    return _TABLES[key]


def stored_record(conn: Connection, study_id: str, record_id: int, actor: Actor, *,
                  for_update: bool = False) -> StoredRecord:
    """The record `record_id` of a subject of `study_id` at a site the actor sees; NotFound otherwise.

    `for_update` locks the record's row until the transaction ends (PostgreSQL; SQLite's writers are
    serialised already), so the version read and the values read afterwards belong together.
    """
    query = (select(FormRecord.id, FormRecord.form_id, FormRecord.visit_id, FormRecord.subject_id,
                    FormRecord.seq, FormRecord.version, FormRecord.status, Subject.site_id)
             .join(Subject, Subject.id == FormRecord.subject_id)
             .where(FormRecord.id == record_id, Subject.study_id == study_id))
    if for_update:
        query = query.with_for_update(of=FormRecord)
    row = conn.execute(query).one_or_none()
    if row is None or not actor.sees(int(row.site_id)):  # another site's record looks missing
        raise NotFound(f"record {record_id} not found in study '{study_id}'")
    return StoredRecord(int(row.id), str(row.form_id), int(row.visit_id), int(row.subject_id),
                        int(row.site_id), int(row.seq), int(row.version), str(row.status))


def ensure_counts(conn: Connection, record_id: int, doing: str, *, status: str | None = None) -> None:
    """Withdrawn (409) when the record was withdrawn (entered in error): it takes no `doing`; `status` when read."""
    if status is None:
        status = str(conn.execute(select(FormRecord.status).where(FormRecord.id == record_id)).scalar_one())
    if status == WITHDRAWN:
        raise Withdrawn(f"record {record_id} was withdrawn (entered in error): it takes no {doing}")


def take_seq(conn: Connection, visit_id: int, form_id: str) -> int:
    """The next seq of `form_id` at the visit, from its counter row, which stays locked until the transaction ends.

    One upsert on both databases: a concurrent create of the same form at the same visit waits on the row
    (PostgreSQL's row lock; SQLite serialises writers) and then takes the following seq, so none is refused.
    A rolled-back create gives its seq back with the rest of its transaction.
    """
    statement = _TAKE_SEQ.get(conn.dialect.name)
    if statement is None:
        statement = _TAKE_SEQ[conn.dialect.name] = _take_seq_statement(conn.dialect.name)
    return int(conn.execute(statement, {"visit_id": visit_id, "form_id": form_id}).scalar_one())


def _take_seq_statement(dialect: str) -> Executable:
    """The counter's upsert with the visit and form as parameters: built once per dialect, not per record."""
    insert_ = pg_insert(RecordCounter) if dialect == "postgresql" else sqlite_insert(RecordCounter)
    counter = insert_.values(visit_id=bindparam("visit_id"), form_id=bindparam("form_id"), last_seq=1)
    return counter.on_conflict_do_update(
        index_elements=["visit_id", "form_id"], set_={"last_seq": RecordCounter.last_seq + 1},
    ).returning(RecordCounter.last_seq)


_TAKE_SEQ: dict[str, Executable] = {}


@dataclass(frozen=True)
class HoldingRecord:
    """A record holding a given value in an item: where it is (its visit and seq)."""

    record_id: int
    visit_code: str
    occurrence: int
    seq: int


def records_holding(conn: Connection, table: Table, *, form_id: str, subject_id: int, item: str,
                    value: object) -> list[HoldingRecord]:
    """The subject's records of `form_id` (whose typed table is `table`) that count, with `value` in `item`, oldest
    first: a withdrawn record holds no key and is referred to by none."""
    rows = conn.execute(
        select(FormRecord.id, Visit.visit_code, Visit.occurrence, FormRecord.seq)
        .join(table, table.c.record_id == FormRecord.id).join(Visit, Visit.id == FormRecord.visit_id)
        .where(FormRecord.subject_id == subject_id, FormRecord.form_id == form_id, table.c[item] == value,
               COUNTING)
        .order_by(FormRecord.id))
    return [HoldingRecord(int(r.id), str(r.visit_code), int(r.occurrence), int(r.seq)) for r in rows]


def lock_counters(conn: Connection, subject_id: int, form_id: str) -> None:
    """Lock the subject's record counters of `form_id` (the ones `take_seq` takes) until the transaction ends.

    A writer that reads the form's keys after this waits for any create or key change of the form in
    flight (PostgreSQL's row locks; SQLite serialises writers already) and then sees what it committed.
    """
    conn.execute(select(RecordCounter.visit_id).join(Visit, Visit.id == RecordCounter.visit_id)
                 .where(Visit.subject_id == subject_id, RecordCounter.form_id == form_id)
                 .with_for_update(of=RecordCounter)).all()


_INSERT_RECORD = insert(FormRecord)


def insert_record(conn: Connection, *, visit: VisitContext, form_id: str, seq: int, definition_version_id: int,
                  form_sha256: str, user_id: int, now: datetime) -> int:
    """Insert the `form_records` row (version 1) and return its id."""
    inserted = conn.execute(_INSERT_RECORD, {  # the statement's values as parameters: one compiled form, no new tree
        "subject_id": visit.subject_id, "visit_id": visit.visit_id, "form_id": form_id, "seq": seq,
        "definition_version_id": definition_version_id, "form_sha256": form_sha256, "status": ENTERED,
        "version": 1, "created_at": now, "created_by": user_id, "updated_at": now, "updated_by": user_id,
    }).inserted_primary_key
    assert inserted is not None
    return int(inserted[0])


def counted_at(conn: Connection, visit_id: int, form_id: str) -> bool:
    """Whether a record of `form_id` that counts is stored at the visit."""
    return conn.execute(select(FormRecord.id).where(FormRecord.visit_id == visit_id, FormRecord.form_id == form_id,
                                                   COUNTING).limit(1)).first() is not None


def insert_values(conn: Connection, table: Table, record_id: int, values: Mapping[str, object]) -> None:
    """Insert the typed row of a record (the values as parameters of the table's insert, which would ignore a name
    that is not a column: refused instead, as `.values()` does)."""
    stray = [name for name in values if name not in table.c]
    if stray:
        raise ValueError(f"{table.name} has no columns {stray}")
    conn.execute(table.insert(), {"record_id": record_id, **values})


def update_values(conn: Connection, table: Table, record_id: int, values: Mapping[str, object]) -> None:
    """Replace the typed row of a record."""
    conn.execute(update(table).where(table.c.record_id == record_id).values(**values))


def read_values(conn: Connection, table: Table, record_id: int) -> dict[str, object]:
    """The typed values of a record, every item of the form included."""
    row = conn.execute(select(table).where(table.c.record_id == record_id)).mappings().one()
    return {name: aware(value) for name, value in row.items() if name != "record_id"}


def read_entered(conn: Connection, table: Table, record_ids: Sequence[int]) -> dict[int, dict[str, object]]:
    """The entered values (empty items left out) of many records of one form, in one query."""
    if not record_ids:
        return {}
    rows = conn.execute(select(table).where(table.c.record_id.in_(record_ids))).mappings()
    return {row["record_id"]: {name: aware(value) for name, value in row.items()
                               if name != "record_id" and value is not None} for row in rows}


def aware(value: object) -> object:
    """SQLite returns naive datetimes; stored ones are UTC."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def dose_level_of(conn: Connection, subject_id: int) -> str | None:
    """The dose level the subject is assigned to (None before enrolment)."""
    return conn.execute(select(Subject.dose_level).where(Subject.id == subject_id)).scalar_one()


def bump_version(conn: Connection, record_id: int, expected: int, user_id: int, now: datetime) -> bool:
    """Raise the record's version if it still is `expected`; False when another writer came first."""
    result = conn.execute(
        update(FormRecord).where(FormRecord.id == record_id, FormRecord.version == expected)
        .values(version=FormRecord.version + 1, updated_at=now, updated_by=user_id))
    return result.rowcount == 1


def withdraw(conn: Connection, record_id: int, expected: int, *, user_id: int, reason: str, now: datetime) -> bool:
    """Withdraw the record at version `expected` (raising its version), its findings kept as withdrawn; False when
    another writer came first."""
    result = conn.execute(
        update(FormRecord).where(FormRecord.id == record_id, FormRecord.version == expected, COUNTING)
        .values(status=WITHDRAWN, version=FormRecord.version + 1, updated_at=now, updated_by=user_id,
                withdrawn_at=now, withdrawn_by=user_id, withdrawal_reason=reason))
    if result.rowcount != 1:
        return False
    conn.execute(update(RecordFinding).where(RecordFinding.record_id == record_id).values(status=WITHDRAWN))
    return True


def withdrawal_of(conn: Connection, record_id: int) -> Withdrawal | None:
    """Who withdrew the record, when and why; None for a record that counts."""
    row = conn.execute(select(User.username, FormRecord.withdrawn_at, FormRecord.withdrawal_reason)
                       .join(User, User.id == FormRecord.withdrawn_by)
                       .where(FormRecord.id == record_id)).one_or_none()
    if row is None:
        return None
    return Withdrawal(str(row.username), stored_utc(row.withdrawn_at), str(row.withdrawal_reason))


def replace_findings(conn: Connection, record_id: int, version: int, findings: Sequence[Finding],
                     now: datetime) -> None:
    """Store `findings` as the record's findings for `version`, dropping earlier ones."""
    if version > 1:  # a new record has none yet
        conn.execute(delete(RecordFinding).where(RecordFinding.record_id == record_id))
    if findings:
        conn.execute(insert(RecordFinding), [
            {"record_id": record_id, "record_version": version, "check_id": f.check_id, "severity": f.severity,
             "item": f.item, "message": f.message, "status": OPEN_FINDING, "created_at": now} for f in findings])


def read_findings(conn: Connection, record_id: int) -> list[dict[str, Any]]:
    """The record's open findings (none once it is withdrawn), in the order they were stored."""
    rows = conn.execute(select(RecordFinding.check_id, RecordFinding.severity, RecordFinding.item,
                               RecordFinding.message, RecordFinding.record_version)
                        .where(RecordFinding.record_id == record_id, RecordFinding.status == OPEN_FINDING)
                        .order_by(RecordFinding.id))
    return [dict(row) for row in rows.mappings()]
