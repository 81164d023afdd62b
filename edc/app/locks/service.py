"""Freezing and locking data: a record, a visit, a subject or the whole study, and releasing them with a reason.

A lock covers what lies under it: a study lock every subject, a subject lock
its visits and records, a visit lock its records. Two states:

- frozen: no data change (records, visits, subject status, escalation
  verdicts); queries may still be raised, answered and closed;
- locked: nothing changes, query steps included.

Every write service calls `ensure_writable` in its own transaction before it
writes. SQLite serialises writers, so a lock and a write never overlap; on
PostgreSQL a write already past its check when a lock commits may still
commit: a lock holds the writes that start after it. Placing and releasing
are audited; releasing needs a reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from edc import audit
from edc.app.kernel import idempotency, lookups
from edc.app.kernel.actor import Actor
from edc.app.kernel.clock import stored_utc
from edc.app.kernel.errors import Conflict, InvalidInput, Locked, NotFound, NotPermitted, ReasonRequired
from edc.app.locks import store
from edc.definitions.catalog import StudyDefinition

FROZEN, LOCKED = "frozen", "locked"
STATES = (FROZEN, LOCKED)
SCOPES = ("study", "subject", "visit", "record")


@dataclass(frozen=True)
class LockTarget:
    """What to lock: the study, or a subject, one of their visits, or a record of that visit."""

    scope: str
    subject_number: str | None = None
    visit_code: str | None = None
    occurrence: int = 1
    form_id: str | None = None
    seq: int = 1


@dataclass(frozen=True)
class LockView:
    """An active lock."""

    lock_id: int
    scope: str
    state: str
    subject_number: str | None
    visit_code: str | None
    occurrence: int | None
    form_id: str | None
    seq: int | None
    created_by: str
    created_at: datetime


def place_lock(conn: Connection, *, study: StudyDefinition, target: LockTarget, state: str, actor: Actor,
               now: datetime) -> LockView:
    """Freeze or lock the target; Conflict when it already carries an active lock of its own."""
    if state not in STATES:
        raise InvalidInput(f"state must be one of {', '.join(STATES)}")
    if target.scope not in SCOPES:
        raise InvalidInput(f"scope must be one of {', '.join(SCOPES)}")
    if target.scope == "study" and actor.site_ids is not None:
        raise NotPermitted("a study lock covers every site: it needs a study-wide grant")
    site_id, subject_id, visit_id, record_id = _resolve(conn, study, target, actor)
    same = store.active_same(conn, study_id=study.id, scope=target.scope, subject_id=subject_id, visit_id=visit_id,
                             record_id=record_id)
    if same is not None:
        raise Conflict(f"this {target.scope} is already {same.state} (lock {same.id}); release it first")
    lock_id = store.insert_lock(conn, study_id=study.id, scope=target.scope, state=state, site_id=site_id,
                                subject_id=subject_id, visit_id=visit_id, record_id=record_id, user_id=actor.user_id,
                                now=now)
    audit.append(conn, action="lock.place", occurred_at=now, user_id=actor.user_id, role=actor.role,
                 site_id=site_id, study_id=study.id, subject_id=subject_id, record_id=record_id, item=target.scope,
                 old_value=None, new_value=state, reason=f"lock {lock_id}")
    return read_lock(conn, lock_id)


def place(conn: Connection, *, study: StudyDefinition, target: LockTarget, state: str, actor: Actor, now: datetime,
          idempotency_key: str | None) -> LockView:
    """Place a lock as `place_lock` does; a retry with the same Idempotency-Key returns the lock the first request
    placed."""
    request = {"study": study.id, "scope": target.scope, "state": state, "subject": target.subject_number,
               "visit": target.visit_code, "occurrence": target.occurrence, "form": target.form_id, "seq": target.seq}
    return idempotency.once(
        conn, actor=actor, key=idempotency_key, resource="lock", request=request, now=now,
        create=lambda: place_lock(conn, study=study, target=target, state=state, actor=actor, now=now),
        ident=lambda view: view.lock_id, read=lambda i: read_lock(conn, i))


def release_lock(conn: Connection, *, study: StudyDefinition, lock_id: int, reason: str, actor: Actor,
                 now: datetime) -> None:
    """Release an active lock, saying why."""
    if not reason or not reason.strip():
        raise ReasonRequired("releasing a lock needs a reason")
    row = store.active_lock(conn, study.id, lock_id)
    if row is None or (row.site_id is not None and not actor.sees(int(row.site_id))):  # another site's: missing
        raise NotFound(f"study '{study.id}' has no active lock {lock_id}")
    if row.site_id is None and actor.site_ids is not None:
        raise NotPermitted("a study lock covers every site: releasing it needs a study-wide grant")
    store.release(conn, lock_id, user_id=actor.user_id, reason=reason, now=now)
    audit.append(conn, action="lock.release", occurred_at=now, user_id=actor.user_id, role=actor.role,
                 site_id=row.site_id, study_id=study.id, subject_id=row.subject_id, record_id=row.record_id,
                 item=row.scope, old_value=row.state, new_value=None, reason=f"lock {lock_id}: {reason}")


def active_locks(conn: Connection, study_id: str, actor: Actor) -> list[LockView]:
    """The study's active locks on what the actor sees, oldest first (study locks cover every site: all see them)."""
    return [read_lock(conn, lock_id) for lock_id in store.active_lock_ids(conn, study_id, actor.site_ids)]


def ensure_writable(conn: Connection, *, study_id: str, subject_id: int | None = None, visit_id: int | None = None,
                    record_id: int | None = None, query_step: bool = False) -> None:
    """Locked when an active lock covers the data; a query step is held only by `locked`, not by `frozen`."""
    found = store.first_covering(conn, study_id=study_id, subject_id=subject_id, visit_id=visit_id,
                                 record_id=record_id, state=LOCKED if query_step else None)
    if found is not None:
        raise Locked(f"the {found.scope} is {found.state} by data management (lock {found.id}, "
                     f"{stored_utc(found.created_at):%Y-%m-%d}); a data manager must release it first")


def _resolve(conn: Connection, study: StudyDefinition, target: LockTarget,
             actor: Actor) -> tuple[int | None, int | None, int | None, int | None]:
    """(site, subject, visit, record) ids of the target, each None above the target's scope."""
    if target.scope == "study":
        return None, None, None, None
    if target.subject_number is None:
        raise InvalidInput(f"a {target.scope} lock needs its subject")
    subject = lookups.find_subject(conn, study_id=study.id, subject_number=target.subject_number, actor=actor)
    if target.scope == "subject":
        return subject.site_id, subject.subject_id, None, None
    if target.visit_code is None:
        raise InvalidInput(f"a {target.scope} lock needs its visit")
    visit_id = lookups.find_visit_id(conn, subject_id=subject.subject_id, visit_code=target.visit_code,
                                     occurrence=target.occurrence)
    if target.scope == "visit":
        return subject.site_id, subject.subject_id, visit_id, None
    if target.form_id is None:
        raise InvalidInput("a record lock needs its form")
    record_id = lookups.find_record_id(conn, visit_id=visit_id, form_id=target.form_id, seq=target.seq)
    return subject.site_id, subject.subject_id, visit_id, record_id


def read_lock(conn: Connection, lock_id: int) -> LockView:
    """One lock, active or released."""
    row = store.lock_row(conn, lock_id)
    return LockView(int(row.id), row.scope, row.state, row.subject_number, row.visit_code, row.occurrence,
                    row.form_id, row.seq, row.username, stored_utc(row.created_at))
