"""Importing a study's clinical data from a CDISC ODM 1.3.2 file, through the services that capture data.

`import_odm` reads the file (`edc.export.odm.reader`: safe, XSD-validated),
maps a foreign system's OIDs (`edc.export.odm.mapping`), resolves each
SubjectData to a subject of the study at one of the actor's sites, each
StudyEventData to its visit, each FormData to the n-th record of the form
there (FormRepeatKey n, as the export numbers them), decodes each value by
its item's type (`decode`) and stores it through `edc.app.records.service`:
a new record is submitted, an existing one whose values differ is
corrected, one with the same values is left alone; so validation, edit
checks, findings, calculations, links, locks and the audit trail apply as
for an API submission, with the reason "ODM import <file name>".

All or nothing: every problem of the file is gathered (each record is
stored in a savepoint, so one refused record does not hide the next one's
problems), and any problem raises `ImportRefused` listing them all with
their lines; the caller's transaction then rolls back, nothing is stored.
Re-importing a file stores nothing new.

Decisions:
- subjects are never created by an import. Screening allocates the subject
  number (gapless per site, never chosen by a client) and needs a cohort and
  a screening date; enrolment and the dose level are the investigator's
  decisions. None of these is in ODM ClinicalData, so a SubjectKey with no
  subject of the study at one of the actor's sites is an error (another
  site's subject reads exactly as a missing one).
- scheduled visits are not created either: they are planned from the
  infusion date (`edc.app.visits.service.schedule_visits`), which ODM does
  not hold. A missing unscheduled visit (UNS) is added through
  `add_unscheduled_visit` when its StudyEventRepeatKey is the next
  occurrence, undated (ODM 1.3.2 has no visit date); the log visit exists
  from screening.
- the values are transferred: each role entered its part in the source
  system, so the forms and items reserved to a role (an investigator's
  causality) are not refused for the importing data manager; every other
  rule applies and the audit trail names the importer and the file.
- calculated items in the file are not imported: the server computes them
  from the imported values (the export writes them, the import reads them
  back computed). An item absent from a FormData is empty (ODM has no null):
  correcting a record empties the items the file leaves out.
- AuditRecord, Signature and AdminData are ignored (`reader`); the
  signatures an import's corrections invalidate are invalidated as any
  correction's are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath
from typing import TypeVar

from sqlalchemy import Connection

from edc.app.interchange import store
from edc.app.interchange.decode import form_item, payload_value
from edc.app.interchange.store import KnownSubject
from edc.app.kernel.actor import Actor
from edc.app.kernel.errors import ImportRefused, ItemConflict, ServiceError, ValidationFailed
from edc.app.kernel.lookups import VisitContext
from edc.app.records import store as records_store
from edc.app.records.service import correct_record, submit_record
from edc.app.visits.service import add_unscheduled_visit
from edc.definitions.catalog import StudyDefinition
from edc.definitions.model import Form
from edc.definitions.vocabulary import UNSCHEDULED_VISIT
from edc.export.odm import oids
from edc.export.odm.clinical import odm_value
from edc.export.odm.document import LineError
from edc.export.odm.mapping import OidMapping, apply, study_oid
from edc.export.odm.metadata import events
from edc.export.odm.reader import OdmEvent, OdmForm, OdmSubject, OdmUnreadable, read_odm

T = TypeVar("T")


@dataclass
class ImportSummary:
    """What an import stored: subjects in the file, records created, corrected and unchanged, visits added."""

    subjects: int = 0
    created: int = 0
    corrected: int = 0
    unchanged: int = 0
    visits_added: int = 0


@dataclass
class _Run:
    """One import's context and what it has found so far."""

    conn: Connection
    study: StudyDefinition
    actor: Actor
    now: datetime
    reason: str
    summary: ImportSummary
    problems: list[LineError]


def import_odm(conn: Connection, study: StudyDefinition, actor: Actor, document: bytes, *, file_name: str,
               mapping: OidMapping | None = None, now: datetime) -> ImportSummary:
    """Import the clinical data of the ODM file `document` into `study`; ImportRefused with every problem."""
    try:
        clinical = read_odm(document)
    except OdmUnreadable as unreadable:
        raise ImportRefused(unreadable.problems) from None
    run = _Run(conn, study, actor, now, import_reason(file_name), ImportSummary(), [])
    if not clinical:
        run.problems.append(LineError(1, "the file holds no ClinicalData"))
    subjects = store.subjects_by_key(conn, study.id)
    for data in clinical:
        if not study_oid(mapping, oids.study(study.id), data.study_oid):
            run.problems.append(LineError(data.line, f"ClinicalData of study {data.study_oid}, not "
                                                     f"{oids.study(study.id)}"))
            continue
        for subject in (apply(mapping, data) if mapping is not None else data).subjects:
            run.summary.subjects += 1
            _import_subject(run, subject, subjects)
    if run.problems:
        raise ImportRefused(sorted(run.problems))
    return run.summary


def import_reason(file_name: str) -> str:
    """The reason of the import's changes: "ODM import <file name>" (the name without its folders, bounded)."""
    name = "".join(c for c in PurePath(file_name or "upload").name if c.isprintable())[:200] or "upload"
    return f"ODM import {name}"


def _import_subject(run: _Run, odm: OdmSubject, subjects: dict[str, KnownSubject]) -> None:
    subject = subjects.get(odm.key)
    if subject is None or not run.actor.sees(subject.site_id):
        run.problems.append(LineError(odm.line, f"no subject {odm.key} at a site you may import into: subjects "
                                                "are screened in the EDC before their data are imported"))
        return
    site = oids.strip("LOC.", odm.site_oid or "")
    if odm.site_oid is not None and site != subject.site_code:
        run.problems.append(LineError(odm.line, f"subject {odm.key} is at site {subject.site_code}, not "
                                                f"{odm.site_oid}"))
        return
    codes = {code for code, _, _, _ in events(run.study)}
    for event in odm.events:  # in file order: the export's is the schedule's, unscheduled visits by occurrence
        code = oids.strip("SE.", event.oid)
        if code is None or code not in codes:
            run.problems.append(LineError(event.line, f"study {run.study.id} has no study event {event.oid}"))
            continue
        visit = _visit(run, subject, code, event)
        if visit is not None:
            _import_event(run, visit, event)


def _visit(run: _Run, subject: KnownSubject, code: str, event: OdmEvent) -> VisitContext | None:
    """The subject's visit for `event`, an unscheduled one added when it is the next occurrence."""
    found = store.visit_id(run.conn, subject.subject_id, code, event.repeat_key)
    if found is None and code == UNSCHEDULED_VISIT:
        added = _guarded(run, event.line, {}, lambda: add_unscheduled_visit(
            run.conn, study=run.study, subject_id=subject.subject_id, visit_date=None, actor=run.actor,
            now=run.now))
        if added is not None and added.occurrence != event.repeat_key:
            run.problems.append(LineError(event.line, f"unscheduled visit #{event.repeat_key} of subject "
                                                      f"{subject.subject_number}: the next one is #{added.occurrence}"))
            return None
        found = None if added is None else added.visit_id
        run.summary.visits_added += found is not None
    elif found is None:
        run.problems.append(LineError(event.line, f"subject {subject.subject_number} has no visit {code} "
                                                  f"#{event.repeat_key}: plan the schedule before importing"))
    if found is None:
        return None
    return VisitContext(found, code, event.repeat_key, subject.subject_id, subject.subject_number, subject.site_id,
                        subject.cohort)


def _import_event(run: _Run, visit: VisitContext, event: OdmEvent) -> None:
    # referenced forms first (an AE before the DLT assessment naming it), then by OID and record number
    def order(form: OdmForm) -> tuple[bool, str, int]:
        known = run.study.forms.get(oids.strip("F.", form.oid) or "")
        return known is not None and any(i.refers_to for i in known.items), form.oid, form.repeat_key

    for form in sorted(event.forms, key=order):
        form_id = oids.strip("F.", form.oid)
        if form_id is None or form_id not in run.study.forms:
            run.problems.append(LineError(form.line, f"study {run.study.id} has no form {form.oid}"))
            continue
        payload, lines = _payload(run, run.study.forms[form_id], form)
        if payload is not None:
            _store(run, visit, run.study.forms[form_id], form, payload, lines)


def _payload(run: _Run, form: Form, odm: OdmForm) -> tuple[dict[str, object] | None, dict[str, int]]:
    """The form's payload from the FormData (None when an item is unknown) and the line of each item."""
    payload: dict[str, object] = {}
    lines: dict[str, int] = {}
    known = True
    for item in odm.items:
        found = form_item(form, item.oid)
        if found is None:
            run.problems.append(LineError(item.line, f"form {odm.oid} has no item {item.oid}"))
            known = False
        elif not found.is_calculated:
            payload[found.name], lines[found.name] = payload_value(found, item.value), item.line
    return (payload if known else None), lines


def _store(run: _Run, visit: VisitContext, form: Form, odm: OdmForm, payload: dict[str, object],
           lines: dict[str, int]) -> None:
    existing = store.counting_records(run.conn, visit.visit_id, form.id)
    if odm.repeat_key > len(existing) + 1:
        run.problems.append(LineError(odm.line, f"FormRepeatKey {odm.repeat_key} of {odm.oid}: visit "
                                                f"{visit.visit_code} #{visit.occurrence} of subject "
                                                f"{visit.subject_number} holds {len(existing)} such record(s), "
                                                f"so the next one is {len(existing) + 1}"))
        return
    if odm.repeat_key == len(existing) + 1:
        created = _guarded(run, odm.line, lines, lambda: submit_record(
            run.conn, study=run.study, visit=visit, form_id=form.id, payload=payload, actor=run.actor, now=run.now,
            reason=run.reason, transferred=True))
        run.summary.created += created is not None
        return
    record_id, version = existing[odm.repeat_key - 1]
    changes = _changes(run, form, record_id, payload)
    if not changes:
        run.summary.unchanged += 1
        return
    corrected = _guarded(run, odm.line, lines, lambda: correct_record(
        run.conn, study=run.study, record_id=record_id, changes=changes, expected_version=version,
        reason=run.reason, actor=run.actor, now=run.now, transferred=True))
    if corrected is not None:
        run.summary.corrected += corrected.version != version
        run.summary.unchanged += corrected.version == version


def _changes(run: _Run, form: Form, record_id: int, payload: dict[str, object]) -> dict[str, object]:
    """The items whose imported value differs from the stored one as the export writes it (absent: empty)."""
    stored = records_store.read_values(run.conn, records_store.table_of(run.study, form.id), record_id)
    changes: dict[str, object] = {}
    for item in form.items:
        if item.is_calculated:
            continue
        wanted = payload.get(item.name)
        if odm_value(stored.get(item.name)) != _as_text(wanted):
            changes[item.name] = wanted
    return changes


def _as_text(value: object) -> str | None:
    if isinstance(value, list):
        return " ".join(str(v) for v in value) or None
    return odm_value(value)


def _guarded(run: _Run, line: int, lines: dict[str, int], action: Callable[[], T]) -> T | None:
    """`action` in a savepoint; a service's refusal becomes problems at `line` (an item's at its own line)."""
    try:
        with run.conn.begin_nested():
            return action()
    except ServiceError as refused:
        run.problems.extend(_problems(refused, line, lines))
        return None


def _problems(refused: ServiceError, line: int, lines: dict[str, int]) -> Sequence[LineError]:
    items = refused.errors if isinstance(refused, ValidationFailed | ItemConflict) else ()
    if not items:
        return [LineError(line, str(refused))]
    return [LineError(lines.get(e.item, line), f"{e.item}: {e.message}") for e in items]
