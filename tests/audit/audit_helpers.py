"""Helpers for the audit trail tests (a module of its own, so the name never clashes with tests/conftest.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, insert, select, text

from edc.audit.chain import GENESIS_HASH, HASHED_FIELDS, event_hash
from edc.db.trail import AuditEvent

EVENTS: Table = AuditEvent.__table__  # type: ignore[assignment]

NOW = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def tamper(conn: Connection, statement: str, **params: Any) -> None:
    """Run `statement` on audit_events as an attacker with DBA rights would: past the append-only triggers."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        conn.execute(text(statement), params)
        conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER USER"))
        return
    triggers = conn.execute(text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_events'")).all()
    assert triggers, "the append-only triggers are missing"
    for name, _sql in triggers:
        conn.execute(text(f'DROP TRIGGER "{name}"'))
    conn.execute(text(statement), params)
    for _name, sql in triggers:
        conn.execute(text(sql))


def race(threads_n: int, per_thread: int, transaction: Callable[[int, int], None]) -> None:
    """Run `transaction(thread, i)` `per_thread` times in each of `threads_n` threads started together (a
    barrier), so that they race for the chain head; any exception of a thread fails the caller."""
    errors: list[BaseException] = []
    start = threading.Barrier(threads_n)

    def worker(n: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                transaction(n, i)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads_n)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    assert not errors, errors


def rechain(conn: Connection, events: list[dict[str, Any]], *, from_id: int) -> None:
    """Rewrite the trail from event `from_id` on as `events` (their fields; ids renumbered from `from_id`),
    with every hash recomputed and the chain head moved: the consistent rewrite an owner of the database can
    make, which the hash chain alone cannot tell from the original."""
    previous = conn.execute(select(EVENTS.c.hash).where(EVENTS.c.id == from_id - 1)).scalar()
    prev_hash = previous or GENESIS_HASH
    rows = []
    for offset, event in enumerate(events):
        fields = {name: event[name] for name in HASHED_FIELDS} | {"id": from_id + offset}
        digest = event_hash(prev_hash, fields)
        rows.append({**fields, "prev_hash": prev_hash, "hash": digest})
        prev_hash = digest
    tamper(conn, "DELETE FROM audit_events WHERE id >= :id", id=from_id)
    if rows:
        conn.execute(insert(EVENTS), rows)
    conn.execute(text("UPDATE audit_chain_head SET last_id = :id, last_hash = :hash"),
                 {"id": from_id + len(rows) - 1, "hash": prev_hash})


def events_from(conn: Connection, from_id: int) -> list[dict[str, Any]]:
    """The events from id `from_id` on, as dicts of their columns, in id order."""
    rows = conn.execute(select(EVENTS).where(EVENTS.c.id >= from_id).order_by(EVENTS.c.id))
    return [dict(row) for row in rows.mappings()]
