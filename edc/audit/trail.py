"""Appending to the audit trail inside the caller's transaction.

`append` and `append_items` never commit: the events are written in the same
transaction as the change they record, so both are committed or neither is.
`append_items` writes the item-level events of one change (a record created
or corrected) with one head lock, one multi-row insert and one head update,
instead of three statements per item.

Serialisation: every append first locks the one row of `audit_chain_head`,
then links the new event to the hash stored there, inserts it with id
`last_id + 1` and moves the head forward; the lock is held until the caller's
transaction ends, so concurrent writers queue and the chain stays linear.

Inside `chained_at_end(conn)` (every API request's transaction) an append only
stages its events; they are chained when the block ends, as the last work of
the transaction before its commit: lock the head, hash, one insert, move the
head, commit. The lock is then held for the hashing and the commit, not for
the request, and the chain's order is the commit order (docs/audit-trail.md
says why that keeps every guarantee).

- PostgreSQL: `SELECT ... FOR UPDATE` on the head row. Under READ COMMITTED a
  waiting writer re-reads the committed head; under REPEATABLE READ or
  SERIALIZABLE it fails with a serialisation error instead of forking.
- SQLite: the append opens with a no-op UPDATE of the head, which takes the
  database's write lock (BEGIN IMMEDIATE semantics; waiting up to the
  engine's busy timeout) before the head is read, so the head read is the
  latest committed one.

Either way the head update is also a compare-and-swap on the previous hash:
if another writer moved the head in between, `ChainConflict` is raised and
nothing is linked to a stale head.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, event, insert, select, text, update
from sqlalchemy.orm import Session

from edc.audit.chain import HASHED_FIELDS, ChainedEvent, event_hash, value_text
from edc.db.trail import AUDIT_HEAD_ID as HEAD_ID
from edc.db.trail import AuditChainHead, AuditEvent

_HEAD: Table = AuditChainHead.__table__  # type: ignore[assignment]
_EVENTS: Table = AuditEvent.__table__  # type: ignore[assignment]
#: Where `chained_at_end` keeps the staged events of a connection's transaction.
_STAGED = "edc.audit.staged"
_MARKS = "edc.audit.savepoints"
_COLUMNS = (*HASHED_FIELDS, "prev_hash", "hash")
_ARRAY_TYPES = {"id": "bigint", "occurred_at": "timestamptz", "user_id": "bigint", "site_id": "bigint",
                "subject_id": "bigint", "record_id": "bigint"}
# PostgreSQL: every event of a transaction in one statement, one array per column (the statement text never
# changes with the number of events, so the server plans it once per connection).
_PG_INSERT = text(
    f"INSERT INTO audit_events ({', '.join(_COLUMNS)}) SELECT * FROM unnest("
    + ", ".join(f"CAST(:{name} AS {_ARRAY_TYPES.get(name, 'text')}[])" for name in _COLUMNS) + ")")


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
    return _chain(conn, staged)


@contextmanager
def chained_at_end(conn: Connection) -> Iterator[None]:
    """Stage the appends made on `conn` in the block and chain them when it ends normally, the caller committing
    right after; on an exception they are dropped with the transaction. Nested blocks join the outer one."""
    if _STAGED in conn.info:
        yield
        return
    conn.info[_STAGED] = []
    try:
        yield
        staged: list[dict[str, Any]] = conn.info[_STAGED]
        conn.info[_STAGED] = None  # appends from here on (none expected) are written at once
        if staged:
            _chain(conn, staged)
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


def _chain(conn: Connection, staged: Sequence[dict[str, Any]]) -> list[ChainedEvent]:
    """Link the staged events (hashed fields but the id) to the head, insert them in one statement, move the head."""
    last_id, first_hash = _lock_head(conn)
    last_hash = first_hash
    events: list[ChainedEvent] = []
    for fields in staged:
        fields = {**fields, "id": last_id + 1}
        digest = event_hash(last_hash, fields)
        events.append(ChainedEvent(**fields, prev_hash=last_hash, hash=digest))
        last_id, last_hash = fields["id"], digest
    _insert(conn, events)
    _advance_head(conn, first_hash, last_id, last_hash)
    return events


def _insert(conn: Connection, events: Sequence[ChainedEvent]) -> None:
    """All the events in one statement: arrays unnested on PostgreSQL, one executemany on SQLite."""
    if conn.dialect.name == "postgresql":
        conn.execute(_PG_INSERT, {name: [getattr(e, name) for e in events] for name in _COLUMNS})
    else:
        conn.execute(insert(_EVENTS), [{name: getattr(e, name) for name in _COLUMNS} for e in events])


def _lock_head(conn: Connection) -> tuple[int, str]:
    """Lock the chain head for the rest of the transaction and return its (last_id, last_hash)."""
    query = select(_HEAD.c.last_id, _HEAD.c.last_hash).where(_HEAD.c.id == HEAD_ID)
    if conn.dialect.name == "sqlite":
        # Take SQLite's write lock before reading, so no other writer can commit in between.
        conn.execute(update(_HEAD).where(_HEAD.c.id == HEAD_ID).values(last_id=_HEAD.c.last_id))
    else:
        query = query.with_for_update()
    row = conn.execute(query).one_or_none()
    if row is None:
        raise ChainHeadMissing("audit_chain_head has no row: run 'edc db upgrade'")
    return int(row.last_id), str(row.last_hash)


def _advance_head(conn: Connection, prev_hash: str, new_id: int, new_hash: str) -> None:
    """Move the head to the new event, only if it still points at `prev_hash`."""
    result = conn.execute(
        update(_HEAD).where(_HEAD.c.id == HEAD_ID, _HEAD.c.last_hash == prev_hash)
        .values(last_id=new_id, last_hash=new_hash))
    if result.rowcount != 1:
        raise ChainConflict("the audit chain head moved during the append; retry the transaction")
