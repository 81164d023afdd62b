"""Withdrawing a form record entered in error: kept, never deleted, counted nowhere, not reversed.

Site staff (`record.write`: investigators and coordinators) of the record's
site withdraw a record with a reason, sending the version they read
(If-Match) as a correction does; an Idempotency-Key makes a retry answer
what the first did. Refused: frozen or locked data (`locks`, 409), a form
reserved to another role (403), a record already withdrawn (409
`withdrawn`), a log record whose key records that count refer to (409
`key-referenced`: withdraw or correct those first). The record's status
becomes withdrawn, with who, when and why; its values row stays, its
findings are kept as withdrawn; what follows (audit, queries, signatures,
SDV) is `effects.record_withdrawn`. Everything derived reads only the
records that count (`store.COUNTING`); the record read alone, and the
trail, still show it.

A withdrawal is not reversed: a record withdrawn by mistake is entered
again (its visit form takes a new record, its log key is free again), and
the trail keeps both, so there is no second way for a record to come back.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from edc import audit
from edc.app.kernel import idempotency
from edc.app.kernel.actor import Actor
from edc.app.kernel.errors import ReasonRequired, VersionMismatch, VersionRequired
from edc.app.kernel.places import RecordPlace
from edc.app.records import links, store
from edc.app.records.effects import RecordChange, record_withdrawn
from edc.app.records.service import RecordResult, ensure_entry_allowed, read_record, writable_record
from edc.definitions.catalog import StudyDefinition
from edc.definitions.vocabulary import ENTERED, WITHDRAWN


def withdraw_record(conn: Connection, *, study: StudyDefinition, record_id: int, expected_version: int | None,
                    reason: str, actor: Actor, now: datetime, idempotency_key: str | None = None) -> RecordResult:
    """Withdraw the record at `expected_version` with `reason`; with a key, a retry returns the first result."""
    def withdraw() -> RecordResult:
        return _withdraw(conn, study, record_id, expected_version, reason, actor, now)

    request = {"study": study.id, "record": record_id, "version": expected_version, "reason": reason}
    return idempotency.once(conn, actor=actor, key=idempotency_key, resource="record_withdrawal", request=request,
                            now=now, create=withdraw, ident=lambda result: result.record_id,
                            read=lambda withdrawn: read_record(conn, study=study, record_id=withdrawn, actor=actor))


def _withdraw(conn: Connection, study: StudyDefinition, record_id: int, expected_version: int | None, reason: str,
              actor: Actor, now: datetime) -> RecordResult:
    if expected_version is None:
        raise VersionRequired("send the version you read (If-Match) to withdraw a record")
    if not reason or not reason.strip():
        raise ReasonRequired("a withdrawal needs a reason")
    record = writable_record(conn, study, record_id, expected_version, actor, doing="second withdrawal")
    form = study.forms[record.form_id]
    ensure_entry_allowed(form, actor, ())
    links.ensure_withdrawable(conn, study, form, record.subject_id, record_id)
    if not store.withdraw(conn, record_id, expected_version, user_id=actor.user_id, reason=reason, now=now):
        raise VersionMismatch(f"record {record_id} was changed by someone else")
    version = expected_version + 1
    place = RecordPlace(study.id, record.site_id, record.subject_id, record.visit_id, record_id, form.id)
    record_withdrawn(conn, RecordChange(
        place, "record.withdraw", version, [audit.ItemChange("status", ENTERED, WITHDRAWN)], (), reason=reason,
        summary=f"{form.id} record {record_id} withdrawn at version {version}: {reason}"), actor=actor, now=now)
    return read_record(conn, study=study, record_id=record_id, actor=actor)
