"""Capturing and correcting form records: the use cases, from a resolved visit to what was written.

Every service runs inside the caller's transaction and never commits: the
record identity, its typed row, its findings, its idempotency key and what
the change also does (`effects`: audit, queries, signatures, SDV) are
written together or not at all. A frozen or locked record, visit, subject or
study is refused (`locks`), and so is a withdrawn record (`withdrawal`; a
visit form whose record was withdrawn takes a new one); an infusion record
is also checked against the subject's dose level (`edc.domain.dosing`) and
the stagger of the level's first infusions; keys and references of log forms
are kept by `links`. The visit is resolved once by the caller
(`edc.app.kernel.lookups.find_visit`) and every result names the record's
seq, so nothing is read twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from edc import audit
from edc.app.escalation import service as escalation
from edc.app.escalation.levels import dose_levels
from edc.app.kernel import idempotency, lookups
from edc.app.kernel.actor import Actor
from edc.app.kernel.errors import (
    Conflict,
    EntryNotPermitted,
    FormNotForCohort,
    FormNotInVisit,
    InvalidInput,
    ReasonRequired,
    VersionMismatch,
    VersionRequired,
)
from edc.app.kernel.lookups import VisitContext
from edc.app.kernel.places import RecordPlace
from edc.app.locks import service as locks
from edc.app.records import links, store
from edc.app.records.check_context import check_context
from edc.app.records.effects import RecordChange, record_changed
from edc.app.records.values import as_payload, validated
from edc.capture.payload import ItemError
from edc.db.registry import current_version_id
from edc.definitions.catalog import StudyDefinition
from edc.definitions.conversions import owner, stored_names
from edc.definitions.model import Form
from edc.definitions.vocabulary import (
    ENTERED,
    IE_CONFIRM_FORM,
    INFUSION_FORM,
    WITHDRAWN,
)
from edc.domain import dosing
from edc.domain.findings import Finding


@dataclass(frozen=True)
class StoredFinding:
    """An edit-check finding as stored with a record version."""

    check_id: str
    severity: str
    item: str | None
    message: str


@dataclass(frozen=True)
class RecordResult:
    """A record as the API returns it: its seq and version, every item's typed value (calculated ones too),
    its findings, the record each of its reference items names (`references`), its status and, once withdrawn,
    who withdrew it, when and why."""

    record_id: int
    seq: int
    version: int
    values: dict[str, object]
    findings: tuple[StoredFinding, ...]
    references: links.Links = field(default_factory=dict)
    status: str = ENTERED
    withdrawal: store.Withdrawal | None = None


def submit_record(conn: Connection, *, study: StudyDefinition, visit: VisitContext, form_id: str,
                  payload: Mapping[str, object], actor: Actor, now: datetime,
                  idempotency_key: str | None = None, reason: str | None = None,
                  transferred: bool = False) -> RecordResult:
    """Capture a new record of `form_id` at the visit; with a key, a retry returns the first result.

    `reason` is kept with the creation's audit event (an import names its file); `transferred` values come from
    another system (`edc.app.interchange`), where each role entered its part: the forms and items reserved to a
    role are not refused for the actor then, everything else (validation, checks, calculations, audit) applies.
    """
    def create() -> RecordResult:
        return _create(conn, study, visit, form_id, payload, actor, now, reason=reason, transferred=transferred)

    request = {"study": study.id, "visit": visit.visit_id, "form": form_id, "payload": dict(payload)}
    return idempotency.once(conn, actor=actor, key=idempotency_key, resource="form_record", request=request,
                            now=now, create=create, ident=lambda result: result.record_id,
                            read=lambda record_id: read_record(conn, study=study, record_id=record_id, actor=actor))


def correct_record(conn: Connection, *, study: StudyDefinition, record_id: int, changes: Mapping[str, object],
                   expected_version: int | None, reason: str, actor: Actor, now: datetime,
                   transferred: bool = False) -> RecordResult:
    """Correct a record: `changes` merged over its values, revalidated, audited item by item with `reason`.

    A correction that leaves every value as stored writes nothing and returns the record at its current version.
    `transferred`: as for `submit_record`, the role reservations are not applied to values from another system.
    """
    if expected_version is None:
        raise VersionRequired("send the version you read (If-Match) to correct a record")
    if not reason or not reason.strip():
        raise ReasonRequired("a correction needs a reason")
    record = writable_record(conn, study, record_id, expected_version, actor, doing="correction")
    form = study.forms[record.form_id]
    if not transferred:
        ensure_entry_allowed(form, actor, ())  # the form's own reservation, before any work; items once known
    table = store.table_of(study, form.id)
    old = store.read_values(conn, table, record_id)
    context = check_context(conn, study, form, subject_id=record.subject_id, visit_id=record.visit_id, now=now)
    values, findings = validated(study, form if transferred else entry_form(form, actor),
                                 {**as_payload(form, old), **changes}, context)
    findings += _design_findings(conn, study, form, record.subject_id, values)
    linked = links.check_correction(conn, study, form, record.subject_id, record_id=record_id, old=old, new=values)
    corrected = [audit.ItemChange(name, old.get(name), values.get(name)) for name in stored_names(form)
                 if audit.value_text(old.get(name)) != audit.value_text(values.get(name))]
    sources = _source_items(form, corrected)
    if not transferred:
        ensure_entry_allowed(form, actor, sources)
    if not corrected:  # every value as stored: nothing to write, so no new version without an audit event
        return _result(record_id, record.seq, record.version, old, store.read_findings(conn, record_id), linked)
    if not store.bump_version(conn, record_id, expected_version, actor.user_id, now):
        raise VersionMismatch(f"record {record_id} was changed by someone else")
    version = expected_version + 1
    store.update_values(conn, table, record_id, values)
    store.replace_findings(conn, record_id, version, findings, now)
    place = RecordPlace(study.id, record.site_id, record.subject_id, record.visit_id, record_id, form.id)
    record_changed(conn, study, RecordChange(
        place, "record.correct", version, corrected, findings, reason=reason, source_items=sources,
        summary=f"{form.id} record {record_id} corrected to version {version}: {reason}"), actor=actor, now=now)
    return RecordResult(record_id, record.seq, version, values, _stored(findings), linked)


def writable_record(conn: Connection, study: StudyDefinition, record_id: int, expected_version: int, actor: Actor,
                    *, doing: str) -> store.StoredRecord:
    """The record, locked, for a change (`doing`): Locked when its data are, Withdrawn when it was withdrawn,
    VersionMismatch when it is no longer at `expected_version`."""
    # Locked: under READ COMMITTED a change committed between reading the version and reading the values
    # would otherwise make this one look like a no-op and be answered as a success.
    record = store.stored_record(conn, study.id, record_id, actor, for_update=True)
    locks.ensure_writable(conn, study_id=study.id, subject_id=record.subject_id, visit_id=record.visit_id,
                          record_id=record_id)
    store.ensure_counts(conn, record_id, doing, status=record.status)
    if record.version != expected_version:
        raise VersionMismatch(f"record {record_id} is at version {record.version}, not {expected_version}")
    return record


def read_record(conn: Connection, *, study: StudyDefinition, record_id: int, actor: Actor) -> RecordResult:
    """The record's current version, typed values, open findings and status, withdrawn ones too (NotFound at a site
    the actor cannot see)."""
    record = store.stored_record(conn, study.id, record_id, actor)
    form = study.forms[record.form_id]
    values = store.read_values(conn, store.table_of(study, form.id), record_id)
    linked = links.resolved(conn, study, form, record.subject_id, values, check=set())
    withdrawal = store.withdrawal_of(conn, record_id) if record.status == WITHDRAWN else None
    return replace(_result(record_id, record.seq, record.version, values, store.read_findings(conn, record_id),
                           linked), status=record.status, withdrawal=withdrawal)


def records_at(conn: Connection, *, study: StudyDefinition, visit: VisitContext, form_id: str,
               actor: Actor, status: str | None = None) -> list[RecordResult]:
    """Every record of the form at the visit, in seq order (one for a visit form, the entries of a log form),
    withdrawn ones too unless `status` names the one wanted."""
    if status is not None and status not in (ENTERED, WITHDRAWN):
        raise InvalidInput(f"status must be {ENTERED} or {WITHDRAWN}")
    found = [read_record(conn, study=study, record_id=record_id, actor=actor)
             for _seq, record_id in lookups.record_ids(conn, visit_id=visit.visit_id, form_id=form_id)]
    return [result for result in found if status is None or result.status == status]


def forms_at_visit(study: StudyDefinition, visit_code: str, cohort: str | None = None) -> tuple[str, ...]:
    """The forms the definition collects at a visit code (LOGS: log forms, UNS: unscheduled forms) for a subject
    of `cohort` (None: of any cohort), in the order the definition lists them."""
    block = study.form_list(visit_code)
    forms = block.forms_for(cohort) if block is not None else ()
    if visit_code == study.spec.eligibility.visit and IE_CONFIRM_FORM in study.forms:
        forms = (*forms, IE_CONFIRM_FORM)
    return forms


def _create(conn: Connection, study: StudyDefinition, visit: VisitContext, form_id: str,
            payload: Mapping[str, object], actor: Actor, now: datetime, *, reason: str | None,
            transferred: bool) -> RecordResult:
    locks.ensure_writable(conn, study_id=study.id, subject_id=visit.subject_id, visit_id=visit.visit_id)
    form = _form_at_visit(study, visit, form_id)
    if not transferred:
        ensure_entry_allowed(form, actor, [name for name, value in payload.items() if value is not None])
    context = check_context(conn, study, form, subject_id=visit.subject_id, visit_id=visit.visit_id, now=now)
    values, findings = validated(study, form if transferred else entry_form(form, actor), payload, context)
    findings += _design_findings(conn, study, form, visit.subject_id, values)
    linked = links.resolved(conn, study, form, visit.subject_id, values)
    record_id, seq = _store_new(conn, study, form, visit, values, actor.user_id, now)
    store.replace_findings(conn, record_id, 1, findings, now)
    created = [audit.ItemChange(name, None, values[name]) for name in stored_names(form)
               if values.get(name) is not None]
    place = RecordPlace(study.id, visit.site_id, visit.subject_id, visit.visit_id, record_id, form.id)
    record_changed(conn, study, RecordChange(place, "record.create", 1, created, findings, reason=reason,
                                             summary=f"{form.id} record {record_id} added to what was signed"),
                   actor=actor, now=now)
    return RecordResult(record_id, seq, 1, values, _stored(findings), linked)


def ensure_entry_allowed(form: Form, actor: Actor, items: Sequence[str]) -> None:
    """EntryNotPermitted when the form, or one of `items` (entered or changed), is reserved to other roles.

    Calculated items are never reserved (the server computes them), so a correction by one role may
    change a score derived from items another role entered.
    """
    if form.entered_by is not None and actor.role not in form.entered_by:
        raise EntryNotPermitted(f"form '{form.id}' is entered by the {_roles(form.entered_by)} only")
    refused = [ItemError(item.name, f"entered by the {_roles(item.entered_by)} only")
               for item in form.items if item.name in items and item.entered_by is not None
               and actor.role not in item.entered_by]
    if refused:
        raise EntryNotPermitted(f"items of form '{form.id}' reserved to other roles", refused)


def entry_form(form: Form, actor: Actor) -> Form:
    """`form` as `actor` fills it in: a required item reserved to other roles is not required of them (the role
    that enters it completes the record later), so a coordinator logs an adverse event whose causality the
    investigator then assesses."""
    reserved = {item.name for item in form.items
                if item.required and item.entered_by is not None and actor.role not in item.entered_by}
    if not reserved:
        return form
    return form.model_copy(update={"items": tuple(
        item.model_copy(update={"required": False}) if item.name in reserved else item for item in form.items)})


def _source_items(form: Form, corrected: Sequence[audit.ItemChange]) -> list[str]:
    """The items whose entered data a correction changed: an item changed, or the value or unit it was entered
    in (88.4 umol/L corrected to 1.0 mg/dL keeps the standard value but not the source). Filling in the as-entered
    columns of a value stored before its item took other units changes no source data."""
    sources: list[str] = []
    for change in corrected:
        item = owner(form, change.item or "")
        if (item != change.item and change.old_value is None) or item in sources:
            continue
        sources.append(item)
    return sources


def _roles(roles: Sequence[str]) -> str:
    return " or ".join(role.replace("_", " ") for role in roles)


def _form_at_visit(study: StudyDefinition, visit: VisitContext, form_id: str) -> Form:
    """The form, when the definition collects it at the visit for the subject's cohort."""
    if form_id not in forms_at_visit(study, visit.visit_code) or form_id not in study.forms:
        raise FormNotInVisit(f"form '{form_id}' is not collected at visit {visit.visit_code}")
    if form_id not in forms_at_visit(study, visit.visit_code, visit.cohort):
        block = study.form_list(visit.visit_code)
        cohorts = ", ".join(block.cohorts_of(form_id) or ()) if block is not None else ""
        raise FormNotForCohort(f"form '{form_id}' is collected at visit {visit.visit_code} for cohort {cohorts} "
                               f"only; subject {visit.subject_number} is in cohort {visit.cohort}")
    return study.forms[form_id]


def _design_findings(conn: Connection, study: StudyDefinition, form: Form, subject_id: int,
                     values: Mapping[str, object]) -> list[Finding]:
    """Checks against the study design the form cannot see: the infusion against the assigned dose level and
    the stagger of the level's first infusions."""
    if form.id != INFUSION_FORM:
        return []
    assigned = store.dose_level_of(conn, subject_id)
    return [*dosing.infusion_findings({level.id: level for level in dose_levels(conn, study)}, assigned, values),
            *escalation.infusion_interval_findings(conn, study, subject_id, values.get("exdat"))]


def _store_new(conn: Connection, study: StudyDefinition, form: Form, visit: VisitContext,
               values: Mapping[str, object], user_id: int, now: datetime) -> tuple[int, int]:
    """Insert the record identity and typed row (id and seq); Conflict for a second record of a visit form.

    The seq comes from the form's counter at the visit, taken first: it serialises concurrent creates, so
    a second record of a visit form is seen (and refused) even when both requests arrive together.
    """
    seq = store.take_seq(conn, visit.visit_id, form.id)
    if seq > 1 and not form.repeating and store.counted_at(conn, visit.visit_id, form.id):
        raise Conflict(f"form '{form.id}' already has a record at this visit; correct it instead")
    links.ensure_key_free(conn, study, form, visit.subject_id, values)  # under the counter just taken
    try:  # no savepoint: the Conflict ends the request, and the caller's transaction rolls back whole
        record_id = store.insert_record(
            conn, visit=visit, form_id=form.id, seq=seq, definition_version_id=current_version_id(conn, study),
            form_sha256=study.form_hash(form.id), user_id=user_id, now=now)
    except IntegrityError:  # only when a record was stored around the counter (not by this service)
        raise Conflict(f"another record of form '{form.id}' was stored at the same time; retry") from None
    store.insert_values(conn, store.table_of(study, form.id), record_id, values)
    return record_id, seq


def _result(record_id: int, seq: int, version: int, values: dict[str, object],
            findings: Sequence[Mapping[str, Any]], linked: links.Links) -> RecordResult:
    return RecordResult(record_id, seq, version, values, tuple(
        StoredFinding(f["check_id"], f["severity"], f["item"], f["message"]) for f in findings), linked)


def _stored(findings: Sequence[Finding]) -> tuple[StoredFinding, ...]:
    return tuple(StoredFinding(f.check_id, f.severity, f.item, f.message) for f in findings)
