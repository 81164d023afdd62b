"""Appending to the audit trail inside the caller's transaction.

`append` and `append_items` never commit: the events are written in the same
transaction as the change they record, so both are committed or neither is.
`append_items` writes the item-level events of one change (a record created
or corrected) with one head lock, one multi-row insert and one head update,
instead of three statements per item.

Serialisation: every append first locks the one row of `audit_chain_head`
and reserves the ids after its `last_id` (one UPDATE ... RETURNING, which
also reads the head), links the new events to the hash stored there, inserts
them and gives the head the last one's hash; the lock is held until the
caller's transaction ends, so concurrent writers queue and the chain stays
linear.

Inside `chained_at_end(conn)` (every API request's transaction; on PostgreSQL
the request hands them to `edc.audit.sequencer` instead) an append only
stages its events; they are chained when the block ends, as the last work of
the transaction before its commit: reserve (lock), hash, insert and move the
head (one statement on PostgreSQL), commit. The lock is then held for the
hashing and three round trips, not for the request, and the chain's order is
the commit order (docs/audit-trail.md says why that keeps every guarantee).

- PostgreSQL: the UPDATE takes the head row's lock. Under READ COMMITTED a
  waiting writer re-reads the committed head; under REPEATABLE READ or
  SERIALIZABLE it fails with a serialisation error instead of forking.
- SQLite: the UPDATE takes the database's write lock (a request holds it from
  BEGIN IMMEDIATE already; elsewhere waiting up to the engine's busy
  timeout) before the head is read, so the head read is the latest committed
  one.

Either way the head's last update is also a compare-and-swap on the
reservation (last id and previous hash): if the head is not what this
transaction left it, `ChainConflict` is raised and nothing is linked to a
stale head.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlalchemy import Connection, Engine, Table, event, insert, text, update
from sqlalchemy.orm import Session

from edc.audit.chain import HASHED_FIELDS, ChainedEvent, event_hash, value_text
from edc.db.trail import AUDIT_HEAD_ID as HEAD_ID
from edc.db.trail import AuditChainHead, AuditEvent

_HEAD: Table = AuditChainHead.__table__  # type: ignore[assignment]
_EVENTS: Table = AuditEvent.__table__  # type: ignore[assignment]
#: Where `chained_at_end` keeps the staged events of a connection's transaction.
_STAGED = "edc.audit.staged"
#: What `chained_at_end(defer=...)` hands a transaction's staged events to, instead of chaining them.
Defer = Callable[[Connection, list[dict[str, Any]]], object]
_MARKS = "edc.audit.savepoints"
_COLUMNS = (*HASHED_FIELDS, "prev_hash", "hash")
_PG_TYPES = {"id": "bigint", "occurred_at": "timestamptz", "user_id": "bigint", "site_id": "bigint",
             "subject_id": "bigint", "record_id": "bigint"}
# PostgreSQL: every event of a transaction in one statement, the events as one JSON array of objects: one
# parameter, which msgspec encodes in C (psycopg dumps sixteen arrays in Python, a tenth of a submission's
# time), and a statement text that never changes with the number of events (planned once per connection).
_PG_INSERT = text(
    f"INSERT INTO audit_events ({', '.join(_COLUMNS)}) SELECT {', '.join(_COLUMNS)}"
    " FROM json_to_recordset(CAST(:events AS json)) AS e("
    + ", ".join(f"{name} {_PG_TYPES.get(name, 'text')}" for name in _COLUMNS) + ")")
# ... and the head's new hash in the same statement (a data-modifying CTE), so the head is held one round trip
# less. The WHERE is the compare-and-swap: the head must still be the reservation of this transaction.
# `head_held_id` is the last id the head holds now: the reservation's end when the ids were reserved up front, the
# head's own last id when the head was only locked (`lock_head`: the ids are taken here, in the same statement).
_PG_INSERT_AND_ADVANCE = text(
    f"WITH appended AS ({_PG_INSERT.text}) UPDATE audit_chain_head"
    " SET last_id = :head_last_id, last_hash = :head_last_hash"
    " WHERE id = :head AND last_id = :head_held_id AND last_hash = :head_prev_hash")
# Lock, reserve and read the head in one statement (SQLite 3.35+ and PostgreSQL both have RETURNING).
_RESERVE = text("UPDATE audit_chain_head SET last_id = last_id + :count WHERE id = :head"
                " RETURNING last_id - :count AS last_id, last_hash")


class ChainHeadMissing(RuntimeError):
    """The `audit_chain_head` row is absent: the database is not migrated to 0002 or was tampered with."""


class ChainConflict(RuntimeError):
    """The chain head moved under an append, so the event would not link to the latest one."""


@dataclass(frozen=True)
class ItemChange:
    """One item's part of a change: its old and new values (None where there is none)."""

    item: str | None
    old_value: object = None
    new_value: object = None


def append(target: Session | Connection, *, action: str, occurred_at: datetime,
           user_id: int | None = None, role: str | None = None, site_id: int | None = None,
           study_id: str | None = None, subject_id: int | None = None, record_id: int | None = None,
           form_id: str | None = None, item: str | None = None, old_value: object = None,
           new_value: object = None, reason: str | None = None) -> ChainedEvent | None:
    """Write one audit event in the transaction of `target` (a Session or Connection) and return it.

    `occurred_at` must be timezone-aware (the server's clock, stored in UTC);
    `old_value` and `new_value` are item values, stored in their canonical text
    (`edc.audit.chain.value_text`). The caller commits or rolls back. Inside `chained_at_end` the event is
    staged and chained when the block ends, so None is returned.
    """
    events = append_items(target, [ItemChange(item, old_value, new_value)], action=action, occurred_at=occurred_at,
                          user_id=user_id, role=role, site_id=site_id, study_id=study_id, subject_id=subject_id,
                          record_id=record_id, form_id=form_id, reason=reason)
    return events[0] if events else None


def append_items(target: Session | Connection, changes: Sequence[ItemChange], *, action: str,
                 occurred_at: datetime, user_id: int | None = None, role: str | None = None,
                 site_id: int | None = None, study_id: str | None = None, subject_id: int | None = None,
                 record_id: int | None = None, form_id: str | None = None,
                 reason: str | None = None) -> list[ChainedEvent]:
    """Write one event per item change, all sharing who, when, where and why, chained in the given order.

    Inside `chained_at_end` the events are staged and chained when its block ends, so none is returned here.
    """
    if occurred_at.tzinfo is None:
        raise ValueError("occurred_at must be timezone-aware (UTC)")
    if not action:
        raise ValueError("an audit event needs an action")
    if not changes:
        return []
    conn = target.connection() if isinstance(target, Session) else target
    shared = {"occurred_at": occurred_at.astimezone(UTC), "action": action, "user_id": user_id, "role": role,
              "site_id": site_id, "study_id": study_id, "subject_id": subject_id, "record_id": record_id,
              "form_id": form_id, "reason": reason}
    # The canonical values are taken now, so a value that cannot be audited fails before the head is locked.
    staged = [{**shared, "item": change.item, "old_value": value_text(change.old_value),
               "new_value": value_text(change.new_value)} for change in changes]
    pending: list[dict[str, Any]] | None = conn.info.get(_STAGED)
    if pending is not None:
        pending.extend(staged)
        return []
    return chain_staged(conn, staged)


@contextmanager
def chained_at_end(conn: Connection, *, defer: Defer | None = None) -> Iterator[None]:
    """Stage the appends made on `conn` in the block and chain them when it ends normally, the caller committing
    right after; on an exception they are dropped with the transaction. Nested blocks join the outer one.

    With `defer`, the staged events are handed to it instead, to be written for chaining after the commit
    (`edc.audit.sequencer`)."""
    if _STAGED in conn.info:
        yield
        return
    conn.info[_STAGED] = []
    try:
        yield
        staged: list[dict[str, Any]] = conn.info[_STAGED]
        conn.info[_STAGED] = None  # appends from here on (none expected) are written at once
        if staged:
            (defer or chain_staged)(conn, staged)
    finally:
        conn.info.pop(_STAGED, None)  # conn.info outlives the checkout: leave nothing for the next request
        conn.info.pop(_MARKS, None)


@event.listens_for(Engine, "savepoint")
def _mark_savepoint(conn: Connection, _name: str | None) -> None:
    """Remember how many events were staged when a savepoint began, so rolling back to it drops the later ones.

    A stack, not a map by name: SQLAlchemy names a savepoint only after this event, and closes savepoints in
    the reverse order it opens them."""
    staged = conn.info.get(_STAGED)
    if staged is not None:
        conn.info.setdefault(_MARKS, []).append(len(staged))


@event.listens_for(Engine, "rollback_savepoint")
def _drop_after_savepoint(conn: Connection, _name: str, _context: object) -> None:
    """Drop what was staged after the savepoint rolled back: its changes are gone, so are their events."""
    staged, marks = conn.info.get(_STAGED), conn.info.get(_MARKS)
    if staged is not None and marks:
        del staged[marks.pop():]


@event.listens_for(Engine, "release_savepoint")
def _keep_after_savepoint(conn: Connection, _name: str, _context: object) -> None:
    """A released savepoint's events stay staged with the enclosing transaction."""
    marks = conn.info.get(_MARKS)
    if conn.info.get(_STAGED) is not None and marks:
        marks.pop()


@event.listens_for(Engine, "rollback")
def _drop_on_rollback(conn: Connection) -> None:
    """A transaction rolled back inside a block records nothing of what it staged."""
    staged = conn.info.get(_STAGED)
    if staged is not None:
        staged.clear()


@dataclass(frozen=True)
class Head:
    """The chain head as a transaction that locks it read it: its last event's id and hash."""

    last_id: int
    last_hash: str


def chain_staged(conn: Connection, staged: Sequence[dict[str, Any]], *, held: Head | None = None
                 ) -> list[ChainedEvent]:
    """Link the staged events (hashed fields but the id) to the head, insert them in one statement, move the head.

    The head is held from the first statement to the commit, so the chaining takes as few round trips as it
    can: on PostgreSQL the lock, the ids' reservation and the head's read are one UPDATE ... RETURNING, and the
    insert and the head's new hash one statement, then the commit; every other writer waits that long. With
    `held` (the head as `lock_head` locked and read it in this transaction) the ids are taken by the last
    statement instead, so the head is not updated twice."""
    if held is None:
        last_id, first_hash = _reserve_head(conn, len(staged))
        held_id = last_id + len(staged)
    else:
        last_id, first_hash = held.last_id, held.last_hash
        held_id = last_id
    last_hash = first_hash
    events: list[ChainedEvent] = []
    for fields in staged:
        fields = {**fields, "id": last_id + 1}
        digest = event_hash(last_hash, fields)
        events.append(ChainedEvent(**fields, prev_hash=last_hash, hash=digest))
        last_id, last_hash = fields["id"], digest
    if conn.dialect.name == "postgresql":
        head = {"head": HEAD_ID, "head_last_id": last_id, "head_held_id": held_id, "head_prev_hash": first_hash,
                "head_last_hash": last_hash}
        moved = conn.execute(_PG_INSERT_AND_ADVANCE, {"events": _as_json(events), **head}).rowcount
    else:
        conn.execute(insert(_EVENTS), [{name: getattr(e, name) for name in _COLUMNS} for e in events])
        moved = _advance_head(conn, first_hash, held_id, last_id, last_hash)
    if moved != 1:
        raise ChainConflict("the audit chain head moved during the append; retry the transaction")
    return events


def _as_json(events: Sequence[ChainedEvent]) -> str:
    """The events as one JSON array of objects, for the recordset insert (timestamps in RFC 3339, as given)."""
    return msgspec.json.encode([{name: getattr(e, name) for name in _COLUMNS} for e in events]).decode()


def lock_head(conn: Connection) -> Head:
    """Lock the chain head for the rest of the transaction (a reservation of no ids) and read it."""
    return Head(*_reserve_head(conn, 0))


def _reserve_head(conn: Connection, count: int) -> tuple[int, str]:
    """Lock the chain head for the rest of the transaction, reserve `count` ids after its last one and return
    the head as it was (last_id, last_hash).

    One UPDATE ... RETURNING: it takes the row's lock (PostgreSQL: a waiting writer re-reads the committed row
    under READ COMMITTED and fails to serialise under REPEATABLE READ; SQLite: the database's write lock, held
    from `BEGIN IMMEDIATE` already in a request) and reads the head in the same round trip. The last hash is
    set once the events are hashed, in the transaction that holds the lock."""
    row = conn.execute(_RESERVE, {"count": count, "head": HEAD_ID}).one_or_none()
    if row is None:
        raise ChainHeadMissing("audit_chain_head has no row: run 'edc db upgrade'")
    return int(row.last_id), str(row.last_hash)


def _advance_head(conn: Connection, prev_hash: str, held_id: int, new_id: int, new_hash: str) -> int:
    """Give the head the last event's id and hash, only if it is still what this transaction left it."""
    return int(conn.execute(
        update(_HEAD).where(_HEAD.c.id == HEAD_ID, _HEAD.c.last_id == held_id, _HEAD.c.last_hash == prev_hash)
        .values(last_id=new_id, last_hash=new_hash)).rowcount)
