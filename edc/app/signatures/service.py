"""Electronic signatures (21 CFR Part 11): an investigator signs a record, a visit or a casebook with the password.

A signature stores who signed (shown with the full name), when (UTC), what it
means in the signer's words, and the SHA-256 of what was signed: every record
covered, at its version, with its values in the audit trail's canonical text.
Reading a signature recomputes that hash, so a signature whose data changed is
seen as such even if an invalidation were missed.

Any later change to what a signature covers (a correction or withdrawal of a
covered record, a new record at a signed visit or in a signed casebook)
invalidates it in the same transaction, with the reason; the investigator
signs again. A visit or casebook signature covers the records that count; a
withdrawn record takes no signature of its own.
A wrong password refuses the signature and counts as a failed login; the
caller commits that outcome, then refuses. Locked data take no signature;
frozen data may be signed (the usual order: freeze, sign, lock).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from edc import audit
from edc.app.access.service import reauthenticate
from edc.app.kernel import lookups
from edc.app.kernel.actor import Actor
from edc.app.kernel.clock import stored_utc
from edc.app.kernel.errors import InvalidInput, ReasonRequired
from edc.app.kernel.places import RecordPlace
from edc.app.locks import service as locks
from edc.app.records import store as records
from edc.app.signatures import store
from edc.definitions.catalog import StudyDefinition

SCOPES = ("record", "visit", "casebook")
MAX_MEANING = 500


@dataclass(frozen=True)
class SignTarget:
    """What to sign: one record, one visit, or the subject's whole casebook."""

    subject_number: str
    scope: str
    visit_code: str | None = None
    occurrence: int = 1
    form_id: str | None = None
    seq: int = 1


@dataclass(frozen=True)
class SignatureView:
    """A signature as shown: signer, time, meaning, what it covers, its hash and whether it still holds."""

    signature_id: int
    scope: str
    visit_code: str | None
    occurrence: int | None
    form_id: str | None
    seq: int | None
    signer: str
    signer_name: str
    meaning: str
    signed_at: datetime
    content_sha256: str
    valid: bool
    invalidated_at: datetime | None
    invalidated_reason: str | None


@dataclass(frozen=True)
class SignOutcome:
    """The new signature, or why it was refused (commit either way: a refusal is audited and counted)."""

    signature: SignatureView | None
    refused: str | None = None


def sign(conn: Connection, *, study: StudyDefinition, target: SignTarget, password: str, meaning: str, actor: Actor,
         now: datetime) -> SignOutcome:
    """Sign `target` after checking the signer's password again."""
    subject, visit_id, record_ids = _signable(conn, study, target, meaning, actor)
    if not reauthenticate(conn, user_id=actor.user_id, password=password, now=now):
        # the login failure is audited globally; this event puts the refusal in the study's trail
        audit.append(conn, action="record.sign_refused", occurred_at=now, user_id=actor.user_id, role=actor.role,
                     site_id=subject.site_id, study_id=study.id, subject_id=subject.subject_id, item=target.scope,
                     reason="password not confirmed")
        return SignOutcome(None, "the password is not correct (or the account is locked); nothing was signed")
    return SignOutcome(_record_signature(conn, study, subject, target, visit_id, record_ids, meaning, actor, now))


def sign_authenticated(conn: Connection, *, study: StudyDefinition, target: SignTarget, meaning: str, actor: Actor,
                       now: datetime) -> SignatureView:
    """Sign `target` for a signer authenticated by the caller, not by a password: the demo, which writes through
    the services with database access as the site's investigator. No route may call it."""
    subject, visit_id, record_ids = _signable(conn, study, target, meaning, actor)
    return _record_signature(conn, study, subject, target, visit_id, record_ids, meaning, actor, now)


def _signable(conn: Connection, study: StudyDefinition, target: SignTarget, meaning: str,
              actor: Actor) -> tuple[lookups.SubjectRow, int | None, list[int]]:
    """The subject, visit id and record ids `target` covers, once the meaning is given and the data writable."""
    if not meaning or not meaning.strip() or len(meaning) > MAX_MEANING:
        raise ReasonRequired(f"a signature needs its meaning (1-{MAX_MEANING} characters)")
    subject = lookups.find_subject(conn, study_id=study.id, subject_number=target.subject_number, actor=actor)
    visit_id, record_ids = _covered(conn, subject.subject_id, target)
    locks.ensure_writable(conn, study_id=study.id, subject_id=subject.subject_id, visit_id=visit_id,
                          record_id=record_ids[0] if target.scope == "record" else None, query_step=True)
    return subject, visit_id, record_ids


def _record_signature(conn: Connection, study: StudyDefinition, subject: lookups.SubjectRow, target: SignTarget,
                      visit_id: int | None, record_ids: list[int], meaning: str, actor: Actor,
                      now: datetime) -> SignatureView:
    digest = content_sha256(conn, study, record_ids)
    record_id = record_ids[0] if target.scope == "record" else None
    signature_id = store.insert_signature(conn, subject_id=subject.subject_id, scope=target.scope, visit_id=visit_id,
                                          record_id=record_id, user_id=actor.user_id, meaning=meaning,
                                          content_sha256=digest, now=now)
    audit.append(conn, action="record.sign", occurred_at=now, user_id=actor.user_id, role=actor.role,
                 site_id=subject.site_id, study_id=study.id, subject_id=subject.subject_id, record_id=record_id,
                 item=target.scope, new_value=digest, reason=f"signature {signature_id}: {meaning}")
    return _views(conn, study, subject.subject_id, signature_id)[0]


def invalidate_covering(conn: Connection, *, place: RecordPlace, reason: str, now: datetime) -> int:
    """Invalidate the valid signatures covering a record that changed; returns how many."""
    study_id, site_id, subject_id = place.study_id, place.site_id, place.subject_id
    visit_id, record_id = place.visit_id, place.record_id
    ids = store.valid_covering(conn, subject_id=subject_id, visit_id=visit_id, record_id=record_id)
    for row in ids:
        store.invalidate(conn, row.id, reason=reason, now=now)
        audit.append(conn, action="signature.invalidate", occurred_at=now, site_id=site_id, study_id=study_id,
                     subject_id=subject_id, record_id=record_id, item=row.scope, old_value="valid",
                     new_value="invalidated", reason=f"signature {row.id}: {reason}")
    return len(ids)


def subject_signatures(conn: Connection, *, study: StudyDefinition, subject_number: str,
                       actor: Actor) -> list[SignatureView]:
    """Every signature of a subject the actor sees, oldest first, each checked against the data as they are."""
    subject = lookups.find_subject(conn, study_id=study.id, subject_number=subject_number, actor=actor)
    return _views(conn, study, subject.subject_id, None)


def signed_records(conn: Connection, study: StudyDefinition, record_ids: Sequence[int]) -> frozenset[int]:
    """The records among `record_ids` that a valid signature covers: its own, its visit's or the casebook's, not
    invalidated and with the content it was given on (the hash is recomputed, as when signatures are read)."""
    places = store.record_places(conn, record_ids)
    found: set[int] = set()
    for row in store.valid_signatures(conn, sorted({int(p.subject_id) for p in places})):
        mine = [p for p in places if p.subject_id == row.subject_id and int(p.id) not in found]
        covered_here = [int(p.id) for p in mine if row.scope == "casebook"
                        or (row.scope == "visit" and p.visit_id == row.visit_id)
                        or (row.scope == "record" and p.id == row.record_id)]
        if covered_here and content_sha256(conn, study, _signed_ids(conn, row)) == row.content_sha256:
            found.update(covered_here)
    return frozenset(found)


def _signed_ids(conn: Connection, row: store.AnyRow) -> list[int]:
    """The records a stored signature covers now."""
    if row.scope == "record":
        return [int(row.record_id)]
    if row.scope == "visit":
        return store.visit_record_ids(conn, int(row.visit_id))
    return store.subject_record_ids(conn, int(row.subject_id))


def content_sha256(conn: Connection, study: StudyDefinition, record_ids: Sequence[int]) -> str:
    """SHA-256 of the records at their versions with their values (canonical text, in record id order)."""
    content = []
    for row in store.record_versions(conn, record_ids):
        values = records.read_values(conn, records.table_of(study, row.form_id), row.id)
        content.append({"record": row.id, "form": row.form_id, "seq": row.seq, "version": row.version,
                        "values": {name: audit.value_text(value) for name, value in sorted(values.items())}})
    return hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _covered(conn: Connection, subject_id: int, target: SignTarget) -> tuple[int | None, list[int]]:
    """(visit id, record ids) a target covers; InvalidInput when it is malformed or covers nothing."""
    if target.scope not in SCOPES:
        raise InvalidInput(f"scope must be one of {', '.join(SCOPES)}")
    if target.scope == "casebook":
        ids = store.subject_record_ids(conn, subject_id)
        visit_id = None
    else:
        if target.visit_code is None:
            raise InvalidInput(f"a {target.scope} signature needs its visit")
        visit_id = lookups.find_visit_id(conn, subject_id=subject_id, visit_code=target.visit_code,
                                         occurrence=target.occurrence)
        if target.scope == "record":
            if target.form_id is None:
                raise InvalidInput("a record signature needs its form")
            ids = [lookups.find_record_id(conn, visit_id=visit_id, form_id=target.form_id, seq=target.seq)]
            records.ensure_counts(conn, ids[0], "signature")
        else:
            ids = store.visit_record_ids(conn, visit_id)
    if not ids:
        raise InvalidInput(f"the {target.scope} has no records to sign")
    return visit_id, ids


def _views(conn: Connection, study: StudyDefinition, subject_id: int, only: int | None) -> list[SignatureView]:
    """The subject's signatures (or only `only`) as shown, each checked against the data as they are."""
    views = []
    for row in store.signature_rows(conn, subject_id, only):
        intact = content_sha256(conn, study, _signed_ids(conn, row)) == row.content_sha256
        views.append(SignatureView(
            int(row.id), row.scope, row.visit_code, row.occurrence, row.form_id, row.seq, row.username,
            row.full_name, row.meaning, stored_utc(row.signed_at), row.content_sha256,
            row.invalidated_at is None and intact,
            None if row.invalidated_at is None else stored_utc(row.invalidated_at), row.invalidated_reason))
    return views

