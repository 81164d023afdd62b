"""Verifying the audit trail: recompute every hash and link, name the first broken event.

Events are walked in id order. Each must have the next id (ids are gapless:
an append takes `last_id + 1` from the chain head), a `prev_hash` equal to
the previous event's hash (64 zeros for the first) and a `hash` equal to the
hash recomputed from its fields. The chain head is read first: the walk must
reach the event it names, with the hash it records, so removing or replacing
the last events is found too. Events appended after the head was read (by a
concurrent writer) are checked like the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, RowMapping, Table, select

from edc.audit.chain import GENESIS_HASH, HASHED_FIELDS, event_hash
from edc.db.trail import AUDIT_HEAD_ID as HEAD_ID
from edc.db.trail import AuditChainHead, AuditEvent

_HEAD: Table = AuditChainHead.__table__  # type: ignore[assignment]
_EVENTS: Table = AuditEvent.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of `verify`: `checked` events were intact before `first_broken_id` (None when ok)."""

    ok: bool
    checked: int
    first_broken_id: int | None = None
    reason: str | None = None


def verify(connection: Connection) -> VerifyResult:
    """Recompute the audit trail's chain over `connection`; report the first broken event."""
    head = connection.execute(select(_HEAD.c.last_id, _HEAD.c.last_hash).where(_HEAD.c.id == HEAD_ID)).one_or_none()
    if head is None:
        return VerifyResult(False, 0, None, "the chain head (audit_chain_head) is missing")
    head_id, head_hash = int(head.last_id), str(head.last_hash)
    expected_id, expected_prev, checked = 1, GENESIS_HASH, 0
    rows = connection.execute(select(_EVENTS).order_by(_EVENTS.c.id).execution_options(yield_per=1000))
    for row in rows.mappings():
        problem = _event_problem(row, expected_id, expected_prev)
        if problem is None and row["id"] == head_id and row["hash"] != head_hash:
            problem = "its hash differs from the one the chain head records for it"
        if problem is not None:
            return VerifyResult(False, checked, int(row["id"]), problem)
        checked += 1
        expected_id, expected_prev = int(row["id"]) + 1, str(row["hash"])
    if expected_id <= head_id:
        return VerifyResult(False, checked, expected_id,
                            f"missing: the chain head records event {head_id} as the last, "
                            f"the trail ends at event {expected_id - 1}")
    return VerifyResult(True, checked)


def _event_problem(row: RowMapping, expected_id: int, expected_prev: str) -> str | None:
    """Why `row` breaks the chain at this position, or None when it is intact."""
    if row["id"] < expected_id:
        return f"its id is out of order (expected {expected_id})"
    if row["id"] > expected_id:
        gap = f"event {expected_id}" if row["id"] == expected_id + 1 else f"events {expected_id}-{row['id'] - 1}"
        return f"{gap} missing before it"
    if row["prev_hash"] != expected_prev:
        return "its prev_hash does not match the previous event's hash"
    if event_hash(expected_prev, {name: row[name] for name in HASHED_FIELDS}) != row["hash"]:
        return "its content does not match its hash (the event was altered)"
    return None
