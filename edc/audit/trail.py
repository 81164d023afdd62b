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

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, insert, select, update
from sqlalchemy.orm import Session

from edc.audit.chain import ChainedEvent, event_hash, value_text
from edc.db.trail import AUDIT_HEAD_ID as HEAD_ID
from edc.db.trail import AuditChainHead, AuditEvent

_HEAD: Table = AuditChainHead.__table__  # type: ignore[assignment]
_EVENTS: Table = AuditEvent.__table__  # type: ignore[assignment]


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
           new_value: object = None, reason: str | None = None) -> ChainedEvent:
    """Write one audit event in the transaction of `target` (a Session or Connection) and return it.

    `occurred_at` must be timezone-aware (the server's clock, stored in UTC);
    `old_value` and `new_value` are item values, stored in their canonical text
    (`edc.audit.chain.value_text`). The caller commits or rolls back.
    """
    return append_items(target, [ItemChange(item, old_value, new_value)], action=action, occurred_at=occurred_at,
                        user_id=user_id, role=role, site_id=site_id, study_id=study_id, subject_id=subject_id,
                        record_id=record_id, form_id=form_id, reason=reason)[0]


def append_items(target: Session | Connection, changes: Sequence[ItemChange], *, action: str,
                 occurred_at: datetime, user_id: int | None = None, role: str | None = None,
                 site_id: int | None = None, study_id: str | None = None, subject_id: int | None = None,
                 record_id: int | None = None, form_id: str | None = None,
                 reason: str | None = None) -> list[ChainedEvent]:
    """Write one event per item change, all sharing who, when, where and why, chained in the given order."""
    if occurred_at.tzinfo is None:
        raise ValueError("occurred_at must be timezone-aware (UTC)")
    if not action:
        raise ValueError("an audit event needs an action")
    if not changes:
        return []
    conn = target.connection() if isinstance(target, Session) else target
    last_id, first_hash = _lock_head(conn)
    last_hash = first_hash
    events: list[ChainedEvent] = []
    for change in changes:
        fields: dict[str, Any] = {
            "id": last_id + 1, "occurred_at": occurred_at.astimezone(UTC), "action": action,
            "user_id": user_id, "role": role, "site_id": site_id, "study_id": study_id,
            "subject_id": subject_id, "record_id": record_id, "form_id": form_id, "item": change.item,
            "old_value": value_text(change.old_value), "new_value": value_text(change.new_value), "reason": reason,
        }
        digest = event_hash(last_hash, fields)
        events.append(ChainedEvent(**fields, prev_hash=last_hash, hash=digest))
        last_id, last_hash = fields["id"], digest
    conn.execute(insert(_EVENTS), [vars(e) for e in events])
    _advance_head(conn, first_hash, last_id, last_hash)
    return events


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
