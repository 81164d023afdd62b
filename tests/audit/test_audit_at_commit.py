"""Events chained at the end of their transaction (`chained_at_end`, every API request): same guarantees as an
append at once, and the chain head is not held while the transaction does its work."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from audit_helpers import NOW, race
from backends import POSTGRES_ONLY
from sqlalchemy import Engine, func, select

from edc.audit import ItemChange, append, append_items, verify
from edc.audit.trail import chained_at_end
from edc.db.trail import AuditChainHead, AuditEvent


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(AuditEvent.__table__)).scalar_one())


def test_staged_events_are_chained_when_the_block_ends(engine: Engine, core: dict[str, Any]) -> None:
    with engine.begin() as conn:
        append(conn, action="login", occurred_at=NOW, user_id=core["user_id"])  # at once: event 1
    with engine.begin() as conn, chained_at_end(conn):
        assert append(conn, action="record.create", occurred_at=NOW, item="sysbp", new_value=120) is None
        assert append_items(conn, [ItemChange("diabp", None, 80), ItemChange("pulse", None, 61)],
                            action="record.create", occurred_at=NOW, study_id=core["study_id"]) == []
        with chained_at_end(conn):  # a nested block joins the outer one
            append(conn, action="record.sign", occurred_at=NOW, reason="I confirm")
        assert _count(engine) == 1  # nothing written yet, not even seen by another transaction
    with engine.connect() as conn:
        rows = conn.execute(select(AuditEvent.id, AuditEvent.item, AuditEvent.action)
                            .order_by(AuditEvent.id)).all()
        head = conn.execute(select(AuditChainHead.last_id)).scalar_one()
        result = verify(conn)
        assert "edc.audit.staged" not in conn.info  # the pooled connection carries nothing to the next request
    assert result.ok and result.checked == 5 and head == 5
    assert [(r.id, r.item) for r in rows] == [(1, None), (2, "sysbp"), (3, "diabp"), (4, "pulse"), (5, None)]


def test_a_failed_block_writes_none_of_its_events(engine: Engine, core: dict[str, Any]) -> None:
    with pytest.raises(RuntimeError, match="refused"), engine.begin() as conn, chained_at_end(conn):
        append(conn, action="record.create", occurred_at=NOW, new_value=1)
        raise RuntimeError("refused")
    with engine.begin() as conn, chained_at_end(conn):
        append(conn, action="record.create", occurred_at=NOW, new_value=2)
    with engine.connect() as conn:
        values = conn.execute(select(AuditEvent.new_value).order_by(AuditEvent.id)).scalars().all()
        assert verify(conn).ok
    assert values == ["2"]


def test_a_savepoint_rolled_back_takes_its_events_along(engine: Engine, core: dict[str, Any]) -> None:
    with engine.begin() as conn, chained_at_end(conn):
        append(conn, action="record.create", occurred_at=NOW, new_value="kept")
        savepoint = conn.begin_nested()
        append(conn, action="record.create", occurred_at=NOW, new_value="dropped")
        savepoint.rollback()
        with conn.begin_nested():
            append(conn, action="record.create", occurred_at=NOW, new_value="released")
    with engine.connect() as conn:
        values = conn.execute(select(AuditEvent.new_value).order_by(AuditEvent.id)).scalars().all()
        assert verify(conn).ok
    assert values == ['"kept"', '"released"']


def test_concurrent_blocks_keep_one_linear_chain_each_transaction_contiguous(engine: Engine,
                                                                             core: dict[str, Any]) -> None:
    """4 threads x 10 transactions of 3 events each, racing: every transaction's events follow one another."""
    threads_n, per_thread = 4, 10

    def transaction(n: int, i: int) -> None:
        with engine.begin() as conn, chained_at_end(conn):
            append_items(conn, [ItemChange(f"item{k}", None, f"t{n}-{i}") for k in range(3)],
                         action="record.create", occurred_at=datetime.now(UTC))

    race(threads_n, per_thread, transaction)
    with engine.connect() as conn:
        result = verify(conn)
        values = conn.execute(select(AuditEvent.new_value).order_by(AuditEvent.id)).scalars().all()
    assert result.ok and result.checked == threads_n * per_thread * 3, result
    assert all(values[k] == values[k + 1] == values[k + 2] for k in range(0, len(values), 3))
    assert len(set(values)) == threads_n * per_thread


@pytest.mark.parametrize("db_url", POSTGRES_ONLY, indirect=True)
def test_the_head_is_free_while_a_transaction_works(engine: Engine, core: dict[str, Any]) -> None:
    """A transaction that staged events and still works holds no head lock: another one appends and commits
    meanwhile (at once, with a lock timeout that would fail it were it made to wait); both are chained."""
    with engine.connect() as slow:
        slow.begin()
        with chained_at_end(slow):
            append(slow, action="record.create", occurred_at=NOW, new_value="slow")
            slow.execute(select(func.count()).select_from(AuditEvent.__table__))  # some work of its own
            with engine.begin() as fast:
                fast.exec_driver_sql("SET LOCAL lock_timeout = '2s'")
                append(fast, action="record.create", occurred_at=NOW, new_value="fast")
        slow.commit()
    with engine.connect() as conn:
        values = conn.execute(select(AuditEvent.new_value).order_by(AuditEvent.id)).scalars().all()
        assert verify(conn).ok
    assert values == ['"fast"', '"slow"']  # chained in commit order
