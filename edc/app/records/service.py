"""Capturing and correcting form records: validation, calculated items, edit checks, audit, idempotency.

Every service runs inside the caller's transaction and never commits: the
record identity, its typed row, its findings, its idempotency key and its
audit events are written together or not at all, and so are the effects on
monitoring: a frozen or locked record, visit, subject or study is refused
(`locks`), findings open and resolve queries (`queries`), a change invalidates
the signatures covering it (`signatures`) and clears the verification of the
items it changed (`sdv`). An infusion record is also checked against the
subject's dose level (`edc.domain.dosing`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from edc import audit
from edc.app.kernel.actor import Actor
from edc.app.kernel.errors import (
    Conflict,
    FormNotInVisit,
    IdempotencyMismatch,
    ReasonRequired,
    ValidationFailed,
    VersionMismatch,
    VersionRequired,
)
from edc.app.locks import service as locks
from edc.app.queries import service as queries
from edc.app.records import store
from edc.app.sdv import service as sdv
from edc.app.signatures import service as signatures
from edc.capture.payload import ItemError, parse_payload
from edc.db.core import Subject
from edc.db.registry import current_version_id
from edc.definitions.catalog import StudyDefinition
from edc.definitions.model import Form, Item
from edc.definitions.vocabulary import IE_CONFIRM_FORM, INFUSION_FORM, LOGS_VISIT, UNSCHEDULED_VISIT
from edc.domain import dosing
from edc.rules.calculate import CalculationFailed, applicable, calculate
from edc.rules.checks import Finding, run_checks


@dataclass(frozen=True)
class StoredFinding:
    """An edit-check finding as stored with a record version."""

    check_id: str
    severity: str
    item: str | None
    message: str


@dataclass(frozen=True)
class RecordResult:
    """A record as the API returns it: its version, every item's typed value (calculated ones too), its findings."""

    record_id: int
    version: int
    values: dict[str, object]
    findings: tuple[StoredFinding, ...]


def submit_record(conn: Connection, *, study: StudyDefinition, visit_id: int, form_id: str,
                  payload: Mapping[str, object], actor: Actor, now: datetime,
                  idempotency_key: str | None = None) -> RecordResult:
    """Capture a new record of `form_id` at the visit; with a key, a retry returns the first result."""
    digest = _request_digest(study.id, visit_id, form_id, payload)
    if idempotency_key is not None:
        replayed = _replay(conn, study, actor, idempotency_key, digest)
        if replayed is not None:
            return replayed
    ctx = store.visit_context(conn, study.id, visit_id, actor)
    locks.ensure_writable(conn, study_id=study.id, subject_id=ctx.subject_id, visit_id=ctx.visit_id)
    form = _form_at_visit(study, ctx.visit_code, form_id)
    values, findings = _validate(study, form, payload)
    findings += _design_findings(conn, study, form, ctx.subject_id, values)
    if idempotency_key is not None and not _claim(conn, actor, idempotency_key, digest, now):
        replayed = _replay(conn, study, actor, idempotency_key, digest)
        if replayed is None:
            raise Conflict("a request with this Idempotency-Key is still being processed")
        return replayed
    record_id = _store_new(conn, study, form, ctx, values, actor.user_id, now)
    store.replace_findings(conn, record_id, 1, findings, now)
    if idempotency_key is not None:
        store.settle_key(conn, actor.user_id, idempotency_key, record_id)
    created = [audit.ItemChange(item.name, None, values[item.name])
               for item in form.items if values.get(item.name) is not None]
    audit.append_items(conn, created, action="record.create", occurred_at=now, user_id=actor.user_id,
                       role=actor.role, site_id=ctx.site_id, study_id=study.id, subject_id=ctx.subject_id,
                       record_id=record_id, form_id=form.id)
    queries.sync_edit_check_queries(conn, study_id=study.id, site_id=ctx.site_id, subject_id=ctx.subject_id,
                                    visit_id=ctx.visit_id, record_id=record_id, record_version=1, findings=findings,
                                    now=now)
    signatures.invalidate_covering(conn, study_id=study.id, site_id=ctx.site_id, subject_id=ctx.subject_id,
                                   visit_id=ctx.visit_id, record_id=record_id, now=now,
                                   reason=f"{form.id} record {record_id} added to what was signed")
    return RecordResult(record_id, 1, values, _stored(findings))


def correct_record(conn: Connection, *, study: StudyDefinition, record_id: int, changes: Mapping[str, object],
                   expected_version: int | None, reason: str, actor: Actor, now: datetime) -> RecordResult:
    """Correct a record: `changes` merged over its values, revalidated, audited item by item with `reason`.

    A correction that leaves every value as stored writes nothing and returns the record at its current version.
    """
    if expected_version is None:
        raise VersionRequired("send the version you read (If-Match) to correct a record")
    if not reason or not reason.strip():
        raise ReasonRequired("a correction needs a reason")
    # Locked: under READ COMMITTED a correction committed between reading the version and reading the
    # values would otherwise make this one look like a no-op and be answered as a success.
    record = store.stored_record(conn, study.id, record_id, actor, for_update=True)
    locks.ensure_writable(conn, study_id=study.id, subject_id=record.subject_id, visit_id=record.visit_id,
                          record_id=record_id)
    if record.version != expected_version:
        raise VersionMismatch(f"record {record_id} is at version {record.version}, not {expected_version}")
    form = study.forms[record.form_id]
    table = store.table_of(study, form.id)
    old = store.read_values(conn, table, record_id)
    values, findings = _validate(study, form, {**_as_payload(form, old), **changes})
    findings += _design_findings(conn, study, form, record.subject_id, values)
    corrected = [audit.ItemChange(item.name, old.get(item.name), values.get(item.name)) for item in form.items
                 if audit.value_text(old.get(item.name)) != audit.value_text(values.get(item.name))]
    if not corrected:  # every value as stored: nothing to write, so no new version without an audit event
        return read_record(conn, study=study, record_id=record_id, actor=actor)
    if not store.bump_version(conn, record_id, expected_version, actor.user_id, now):
        raise VersionMismatch(f"record {record_id} was changed by someone else")
    version = expected_version + 1
    store.update_values(conn, table, record_id, values)
    store.replace_findings(conn, record_id, version, findings, now)
    audit.append_items(conn, corrected, action="record.correct", occurred_at=now, user_id=actor.user_id,
                       role=actor.role, site_id=record.site_id, study_id=study.id, subject_id=record.subject_id,
                       record_id=record_id, form_id=form.id, reason=reason)
    queries.sync_edit_check_queries(conn, study_id=study.id, site_id=record.site_id, subject_id=record.subject_id,
                                    visit_id=record.visit_id, record_id=record_id, record_version=version,
                                    findings=findings, now=now)
    signatures.invalidate_covering(conn, study_id=study.id, site_id=record.site_id, subject_id=record.subject_id,
                                   visit_id=record.visit_id, record_id=record_id, now=now,
                                   reason=f"{form.id} record {record_id} corrected to version {version}: {reason}")
    sdv.clear_changed(conn, study_id=study.id, site_id=record.site_id, subject_id=record.subject_id,
                      record_id=record_id, form_id=form.id, items=[c.item for c in corrected if c.item is not None],
                      version=version, now=now)
    return RecordResult(record_id, version, values, _stored(findings))


def read_record(conn: Connection, *, study: StudyDefinition, record_id: int, actor: Actor) -> RecordResult:
    """The record's current version, typed values and stored findings (NotFound at a site the actor cannot see)."""
    record = store.stored_record(conn, study.id, record_id, actor)
    values = store.read_values(conn, store.table_of(study, record.form_id), record_id)
    findings = tuple(StoredFinding(f["check_id"], f["severity"], f["item"], f["message"])
                     for f in store.read_findings(conn, record_id))
    return RecordResult(record_id, record.version, values, findings)


def forms_at_visit(study: StudyDefinition, visit_code: str) -> tuple[str, ...]:
    """The forms the definition collects at a visit code (LOGS: log forms, UNS: unscheduled forms)."""
    schedule = study.spec.schedule
    if visit_code == LOGS_VISIT:
        return schedule.logs.forms if schedule.logs is not None else ()
    if visit_code == UNSCHEDULED_VISIT:
        return schedule.unscheduled.forms if schedule.unscheduled is not None else ()
    visit = study.visit(visit_code)
    forms = visit.forms if visit is not None else ()
    if visit_code == study.spec.eligibility.visit and IE_CONFIRM_FORM in study.forms:
        forms = (*forms, IE_CONFIRM_FORM)
    return forms


def _form_at_visit(study: StudyDefinition, visit_code: str, form_id: str) -> Form:
    if form_id not in forms_at_visit(study, visit_code) or form_id not in study.forms:
        raise FormNotInVisit(f"form '{form_id}' is not collected at visit {visit_code}")
    return study.forms[form_id]


def _validate(study: StudyDefinition, form: Form,
              payload: Mapping[str, object]) -> tuple[dict[str, object], list[Finding]]:
    """Typed values (calculated items included) and findings; ValidationFailed with every item error."""
    undecided: dict[str, bool | None] = {item.name: None for item in form.items}
    first = parse_payload(form, study.codelists, payload, undecided)
    verdicts = applicable(form, first.values, study.codelists)
    parsed = parse_payload(form, study.codelists, payload, verdicts)
    if parsed.errors:
        raise ValidationFailed(parsed.errors)
    values = {name: _stored_value(form, name, value) for name, value in parsed.values.items()}
    try:
        calculated = calculate(form, study.codelists, values)
    except CalculationFailed as failed:
        raise ValidationFailed([ItemError(failed.item, str(failed))]) from failed
    for name, value in calculated.items():
        values[name] = _stored_value(form, name, value)
    return values, run_checks(form, values, study.codelists)


def _design_findings(conn: Connection, study: StudyDefinition, form: Form, subject_id: int,
                     values: Mapping[str, object]) -> list[Finding]:
    """Checks against the study design the form cannot see: the infusion against the assigned dose level."""
    if form.id != INFUSION_FORM:
        return []
    assigned = conn.execute(select(Subject.dose_level).where(Subject.id == subject_id)).scalar_one()
    return dosing.infusion_findings({level.id: level for level in study.spec.dose_levels}, assigned, values)


def _stored_value(form: Form, name: str, value: object) -> object:
    """A value as its column keeps it: decimals at the item's precision, integers as int."""
    item = form.item(name)
    if value is None or item is None:
        return value
    if item.type == "decimal" and isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-(item.precision or 0)), ROUND_HALF_UP)
    if item.type == "integer" and isinstance(value, float | Decimal):
        return int(value)
    return value


def _as_payload(form: Form, values: Mapping[str, object]) -> dict[str, object]:
    """Stored typed values back as the JSON payload a client would send (calculated items left out)."""
    return {item.name: _json_value(item, values[item.name]) for item in form.items
            if not item.is_calculated and values.get(item.name) is not None}


def _json_value(item: Item, value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _store_new(conn: Connection, study: StudyDefinition, form: Form, ctx: store.VisitContext,
               values: Mapping[str, object], user_id: int, now: datetime) -> int:
    """Insert the record identity and typed row; Conflict for a second record of a non-repeating form."""
    last = store.count_records(conn, ctx.visit_id, form.id)
    if last and not form.repeating:
        raise Conflict(f"form '{form.id}' already has a record at this visit; correct it instead")
    try:  # no savepoint: the Conflict ends the request, and the caller's transaction rolls back whole
        record_id = store.insert_record(
            conn, ctx=ctx, form_id=form.id, seq=last + 1, definition_version_id=current_version_id(conn, study),
            form_sha256=study.form_hash(form.id), user_id=user_id, now=now)
    except IntegrityError:
        raise Conflict(f"another record of form '{form.id}' was stored at the same time; retry") from None
    store.insert_values(conn, store.table_of(study, form.id), record_id, values)
    return record_id


def _claim(conn: Connection, actor: Actor, key: str, digest: str, now: datetime) -> bool:
    """Claim an Idempotency-Key in a savepoint; False when a concurrent request claimed it first."""
    try:
        with conn.begin_nested():
            store.insert_key(conn, user_id=actor.user_id, key=key, digest=digest, now=now)
    except IntegrityError:
        return False
    return True


def _replay(conn: Connection, study: StudyDefinition, actor: Actor, key: str, digest: str) -> RecordResult | None:
    """The first result of a request with this key, or None when the key is unused."""
    found = store.find_key(conn, actor.user_id, key)
    if found is None:
        return None
    stored_digest, record_id = found
    if stored_digest != digest:
        raise IdempotencyMismatch("this Idempotency-Key was used with a different request")
    if record_id is None:
        raise Conflict("a request with this Idempotency-Key is still being processed")
    return read_record(conn, study=study, record_id=record_id, actor=actor)


def _request_digest(study_id: str, visit_id: int, form_id: str, payload: Mapping[str, object]) -> str:
    request: dict[str, Any] = {"study": study_id, "visit": visit_id, "form": form_id, "payload": dict(payload)}
    text = json.dumps(request, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _stored(findings: Sequence[Finding]) -> tuple[StoredFinding, ...]:
    return tuple(StoredFinding(f.check_id, f.severity, f.item, f.message) for f in findings)
