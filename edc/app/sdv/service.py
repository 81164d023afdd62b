"""Source data verification: monitors mark items verified; a correction clears what it changed; progress per subject.

The unit is the entered item of a record (calculated items are derived, not
verified against source). A monitor verifies listed items of a record, a whole
record (its entered items) or a whole visit (every record's entered items);
items already verified are left as they are. A correction clears the marks
of the items it changed, in the same transaction, with the new version as
reason; a withdrawal clears them all. A record counts as verified when every
entered item has a current mark; a withdrawn record is neither verified nor
counted. Locked data take no marks; frozen data may be verified. Audited per
item.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row

from edc import audit
from edc.app.kernel import lookups
from edc.app.kernel.actor import Actor
from edc.app.kernel.errors import InvalidInput
from edc.app.kernel.places import RecordPlace
from edc.app.locks import service as locks
from edc.app.records import store as records
from edc.app.sdv import store
from edc.definitions.catalog import StudyDefinition


@dataclass(frozen=True)
class SdvTarget:
    """What to verify: a visit, or one record of it, optionally only some of its items."""

    subject_number: str
    visit_code: str
    occurrence: int = 1
    form_id: str | None = None
    seq: int = 1
    items: tuple[str, ...] | None = None


@dataclass(frozen=True)
class SubjectProgress:
    """Source data verification of one subject: records and entered items, and how many are verified."""

    site: str
    subject_number: str
    records: int
    records_verified: int
    items: int
    items_verified: int


def verify(conn: Connection, *, study: StudyDefinition, target: SdvTarget, actor: Actor, now: datetime) -> int:
    """Mark the target's entered items verified; returns how many new marks were made."""
    subject = lookups.find_subject(conn, study_id=study.id, subject_number=target.subject_number, actor=actor)
    visit_id = lookups.find_visit_id(conn, subject_id=subject.subject_id, visit_code=target.visit_code,
                                     occurrence=target.occurrence)
    locks.ensure_writable(conn, study_id=study.id, subject_id=subject.subject_id, visit_id=visit_id,
                          query_step=True)
    made = 0
    for record_id, form_id, version in _records(conn, visit_id, target):
        locks.ensure_writable(conn, study_id=study.id, subject_id=subject.subject_id, record_id=record_id,
                              query_step=True)
        entered = entered_items(study, form_id, records.read_values(conn, records.table_of(study, form_id), record_id))
        wanted = _wanted(study, form_id, entered, target.items)
        new = sorted(wanted - current_marks(conn, [record_id]).get(record_id, set()))
        if not new:
            continue
        store.insert_marks(conn, study_id=study.id, site_id=subject.site_id, subject_id=subject.subject_id,
                           record_id=record_id, items=new, version=version, user_id=actor.user_id, now=now)
        audit.append_items(conn, [audit.ItemChange(item, None, "verified") for item in new], action="sdv.mark",
                           occurred_at=now, user_id=actor.user_id, role=actor.role, site_id=subject.site_id,
                           study_id=study.id, subject_id=subject.subject_id, record_id=record_id, form_id=form_id,
                           reason=f"verified against source at version {version}")
        made += len(new)
    return made


def clear_verification(conn: Connection, *, place: RecordPlace, items: Iterable[str] | None, reason: str,
                       now: datetime) -> None:
    """Clear the record's current marks of `items` (a correction's changed items; None: every item, as when the
    record is withdrawn), with the reason."""
    record_id = place.record_id
    marked = current_marks(conn, [record_id]).get(record_id, set())
    if items is not None:
        marked &= set(items)
    if not marked:
        return
    store.clear_marks(conn, record_id, marked, reason=reason, now=now)
    audit.append_items(conn, [audit.ItemChange(item, "verified", None) for item in sorted(marked)],
                       action="sdv.clear", occurred_at=now, site_id=place.site_id, study_id=place.study_id,
                       subject_id=place.subject_id, record_id=record_id, form_id=place.form_id, reason=reason)


def progress(conn: Connection, *, study: StudyDefinition, actor: Actor,
             site_code: str | None = None) -> list[SubjectProgress]:
    """Verification per subject at the sites the actor sees, in subject number order."""
    rows = [r for r in store.study_records(conn, study.id, site_code) if actor.sees(int(r.site_id))]
    entered = _entered_by_record(conn, study, rows)
    marks = current_marks(conn, [r.id for r in rows])
    tally: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        counts = tally.setdefault((row.code, row.subject_number), [0, 0, 0, 0])
        items = entered.get(row.id, set())
        verified = items & marks.get(row.id, set())
        counts[0] += 1
        counts[1] += int(bool(items) and verified == items)
        counts[2] += len(items)
        counts[3] += len(verified)
    return [SubjectProgress(site, number, *counts) for (site, number), counts in sorted(tally.items())]


def entered_items(study: StudyDefinition, form_id: str, values: Mapping[str, object]) -> set[str]:
    """The record's items that were entered (not calculated) and hold a value."""
    form = study.forms[form_id]
    return {item.name for item in form.items if not item.is_calculated and values.get(item.name) is not None}


def _records(conn: Connection, visit_id: int, target: SdvTarget) -> list[tuple[int, str, int]]:
    """(record id, form id, version) of what the target covers."""
    if target.form_id is None:
        if target.items is not None:
            raise InvalidInput("items need their form")
        found = store.visit_records(conn, visit_id)
        if not found:
            raise InvalidInput("the visit has no records to verify")
        return found
    record_id = lookups.find_record_id(conn, visit_id=visit_id, form_id=target.form_id, seq=target.seq)
    records.ensure_counts(conn, record_id, "verification")
    return [(record_id, target.form_id, store.record_version(conn, record_id))]


def _wanted(study: StudyDefinition, form_id: str, entered: set[str], items: Sequence[str] | None) -> set[str]:
    """The items to verify: every entered one, or the listed ones (InvalidInput for one that cannot be verified)."""
    if items is None:
        return entered
    form = study.forms[form_id]
    problems = []
    for name in items:
        item = form.item(name)
        if item is None:
            problems.append(f"'{name}' is not an item of form '{form_id}'")
        elif item.is_calculated:
            problems.append(f"'{name}' is calculated: it is not verified against source")
        elif name not in entered:
            problems.append(f"'{name}' has no value to verify")
    if problems:
        raise InvalidInput("; ".join(problems))
    return set(items)


def current_marks(conn: Connection, record_ids: Sequence[int]) -> dict[int, set[str]]:
    """Record id -> the items with a current (not cleared) verification mark."""
    return store.current_marks(conn, record_ids)


def _entered_by_record(conn: Connection, study: StudyDefinition,
                       rows: Sequence[Row[*tuple[Any, ...]]]) -> dict[int, set[str]]:
    """Record id -> its entered items, for the (id, form_id) rows."""
    by_form: dict[str, list[int]] = {}
    for row in rows:
        by_form.setdefault(str(row.form_id), []).append(int(row.id))
    entered: dict[int, set[str]] = {}
    for form_id, ids in by_form.items():
        for record_id, values in records.read_entered(conn, records.table_of(study, form_id), ids).items():
            entered[record_id] = entered_items(study, form_id, values)
    return entered
