"""Events chained after commit (`audited_transaction`, every API request on PostgreSQL): a transaction commits
its events as a pending batch without touching the chain head, and a sequencer pass chains every batch
committed so far in batch order; the trail is the one chaining in the transaction would give."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from audit_helpers import NOW, race
from backends import POSTGRES_ONLY
from click.testing import CliRunner
from sqlalchemy import Engine, event, exc, func, select, text

from edc.audit import ItemChange, append, append_items, verify
from edc.audit.chain import value_text
from edc.audit.sequencer import audited_transaction, chain_pending, pending_batches, stage
from edc.audit.trail import chained_at_end
from edc.cli import main
from edc.db.trail import AuditChainHead, AuditEvent

pytestmark = pytest.mark.parametrize("db_url", POSTGRES_ONLY, indirect=True)


def _values(engine: Engine) -> list[str | None]:
    with engine.connect() as conn:
        return list(conn.execute(select(AuditEvent.new_value).order_by(AuditEvent.id)).scalars())


def _committed_unchained(engine: Engine, *values: str) -> None:
    """A transaction that committed its batch and whose process stopped before its sequencer's pass."""
    with engine.begin() as conn, chained_at_end(conn, defer=stage):
        append_items(conn, [ItemChange("pulse", None, v) for v in values], action="record.create",
                     occurred_at=NOW)


def test_a_transaction_returns_with_its_events_chained_and_nothing_pending(engine: Engine,
                                                                           core: dict[str, Any]) -> None:
    with audited_transaction(engine) as conn:
        append(conn, action="record.create", occurred_at=NOW, user_id=core["user_id"], item="sysbp", new_value=120)
        append(conn, action="record.sign", occurred_at=NOW, user_id=core["user_id"], reason="I confirm")
        assert conn.execute(select(func.count()).select_from(AuditEvent.__table__)).scalar_one() == 0
    with engine.connect() as conn:
        result, pending = verify(conn), pending_batches(conn)
        head = conn.execute(select(AuditChainHead.last_id)).scalar_one()
    assert result.ok and result.checked == 2 and head == 2 and pending == set()
    assert _values(engine) == ["120", None]


def test_a_failed_transaction_leaves_no_batch(engine: Engine, core: dict[str, Any]) -> None:
    with pytest.raises(RuntimeError, match="refused"), audited_transaction(engine) as conn:
        append(conn, action="record.create", occurred_at=NOW, new_value="lost")
        raise RuntimeError("refused")
    with engine.connect() as conn:
        assert pending_batches(conn) == set() and verify(conn).checked == 0


def test_one_pass_chains_every_committed_batch_in_batch_order(engine: Engine, core: dict[str, Any]) -> None:
    _committed_unchained(engine, "a1", "a2")
    _committed_unchained(engine, "b1")
    with engine.connect() as conn:
        left = sorted(pending_batches(conn))
    assert len(left) == 2 and _values(engine) == []  # committed, not chained yet
    with audited_transaction(engine) as conn:  # the next transaction's pass takes the leftovers first
        append(conn, action="record.create", occurred_at=NOW, new_value="c1")
    with engine.connect() as conn:
        assert verify(conn).ok and pending_batches(conn) == set()
    assert _values(engine) == ['"a1"', '"a2"', '"b1"', '"c1"']


def test_a_pass_updates_the_head_twice_its_lock_and_its_move(engine: Engine, core: dict[str, Any]) -> None:
    """The head is held from the lock to the commit: the pass reads it as it locks it and takes the ids in the
    statement that moves it, so no third update reserves them; the head still ends at the last event."""
    _committed_unchained(engine, "a1", "a2")
    _committed_unchained(engine, "b1")
    head_updates: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        if "UPDATE audit_chain_head" in statement:
            head_updates.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with engine.begin() as conn:
            assert len(chain_pending(conn)) == 2
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    with engine.connect() as conn:
        result = verify(conn)
        head = conn.execute(select(AuditChainHead.last_id, AuditChainHead.last_hash)).one()
        last = conn.execute(select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).one()
    assert len(head_updates) == 2 and result.ok and result.checked == 3
    assert tuple(head) == tuple(last) and last.id == 3


def test_a_pass_with_nothing_pending_changes_nothing(engine: Engine, core: dict[str, Any]) -> None:
    with engine.begin() as conn:
        append(conn, action="login", occurred_at=NOW, user_id=core["user_id"])  # chained at once, as before
        assert chain_pending(conn) == []
    with engine.connect() as conn:
        assert verify(conn).checked == 1


def test_concurrent_transactions_form_one_chain_each_contiguous_and_whole(engine: Engine,
                                                                         core: dict[str, Any]) -> None:
    """4 threads x 10 transactions of 3 events each, racing through their passes: one linear chain, every
    transaction's events together and in order, nothing pending, nothing twice."""
    threads_n, per_thread = 4, 10

    def transaction(n: int, i: int) -> None:
        with audited_transaction(engine) as conn:
            append_items(conn, [ItemChange(f"item{k}", None, f"t{n}-{i}") for k in range(3)],
                         action="record.create", occurred_at=datetime.now(UTC))

    race(threads_n, per_thread, transaction)
    with engine.connect() as conn:
        result = verify(conn)
        rows = conn.execute(select(AuditEvent.item, AuditEvent.new_value).order_by(AuditEvent.id)).all()
        assert pending_batches(conn) == set()
    assert result.ok and result.checked == threads_n * per_thread * 3, result
    assert all([r.item for r in rows[k:k + 3]] == ["item0", "item1", "item2"] and
               rows[k].new_value == rows[k + 1].new_value == rows[k + 2].new_value for k in range(0, len(rows), 3))
    assert len({r.new_value for r in rows}) == threads_n * per_thread


def test_a_pending_batch_is_never_updated(engine: Engine, core: dict[str, Any]) -> None:
    _committed_unchained(engine, "kept")
    with pytest.raises(exc.DBAPIError, match="never updated"), engine.begin() as conn:
        conn.execute(text("UPDATE audit_pending SET events = '[]'"))


def test_verify_chains_what_a_stopped_server_left_pending(engine: Engine, core: dict[str, Any],
                                                          db_url: str) -> None:
    _committed_unchained(engine, "left")
    result = CliRunner().invoke(main, ["audit", "verify", "--url", db_url])
    assert result.exit_code == 0, result.output
    assert "chained 1 pending transaction(s) first" in result.output
    assert _values(engine) == ['"left"']


def test_awkward_text_and_timestamps_are_stored_as_hashed(engine: Engine, core: dict[str, Any]) -> None:
    """The events reach PostgreSQL as one JSON document: quotes, backslashes, line breaks, non-ASCII text, JSON
    look-alikes and microseconds come back exactly, so the stored events still hash to the chain."""
    texts = ['say "yes"\\no', "line one\nline two\ttab", "Müller µg/L ≥ 5 😀", "null", '{"a": [1]}', " "]
    moment = datetime(2026, 3, 2, 23, 59, 59, 999_999, tzinfo=UTC)
    with audited_transaction(engine) as conn:
        append_items(conn, [ItemChange("comment", None, value) for value in texts], action="record.create",
                     occurred_at=moment, reason="ré-saisie \\ «urgent»")
    with engine.connect() as conn:
        rows = conn.execute(select(AuditEvent.new_value, AuditEvent.occurred_at, AuditEvent.reason)
                            .order_by(AuditEvent.id)).all()
        result = verify(conn)
    assert [row.new_value for row in rows] == [value_text(value) for value in texts]
    assert {row.occurred_at for row in rows} == {moment} and {row.reason for row in rows} == {"ré-saisie \\ «urgent»"}
    assert result.ok and result.checked == len(texts)
