"""Appending to and verifying the audit trail on each backend: same transaction, append-only, tamper-evident."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from audit_helpers import NOW, race, tamper
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from edc.audit import GENESIS_HASH, ItemChange, append, append_items, verify
from edc.audit.chain import HASHED_FIELDS, event_hash
from edc.db.trail import AuditChainHead, AuditEvent


def write_events(engine: Engine, core: dict[str, Any], count: int = 5) -> None:
    """`count` events, one transaction each: a login, a create, then corrections."""
    who = {"user_id": core["user_id"], "role": "investigator", "site_id": core["site_id"]}
    with engine.begin() as conn:
        append(conn, action="login", occurred_at=NOW, **who)
    for n in range(1, count):
        with engine.begin() as conn:
            append(conn, action="record.correct" if n > 1 else "record.create",
                   occurred_at=NOW + timedelta(minutes=n), study_id=core["study_id"],
                   subject_id=core["subject_id"], form_id="vital_signs", item="sysbp",
                   old_value=None if n == 1 else 120 + n - 1, new_value=120 + n,
                   reason=None if n == 1 else "transcription error", **who)


def test_appended_events_form_a_valid_chain(engine: Engine, core: dict[str, Any]) -> None:
    write_events(engine, core, count=3)
    with Session(engine) as session, session.begin():  # a Session works as well as a Connection
        event = append(session, action="subject.status", occurred_at=datetime.now(UTC), study_id="mini",
                       subject_id=core["subject_id"], item="status", old_value="screened",
                       new_value="enrolled", reason="eligibility confirmed", user_id=core["user_id"],
                       role="investigator", site_id=core["site_id"])
        append(session, action="record.create", occurred_at=NOW, item="vsdat", old_value=None,
               new_value=date(2026, 1, 5))
        append(session, action="record.create", occurred_at=NOW, item="weight", new_value=Decimal("61.50"))
    with engine.connect() as conn:
        rows = conn.execute(select(AuditEvent.__table__).order_by(AuditEvent.id)).mappings().all()
        result = verify(conn)
    assert result.ok and result.checked == 6 and result.first_broken_id is None
    assert [r["id"] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert rows[0]["prev_hash"] == GENESIS_HASH
    assert all(later["prev_hash"] == earlier["hash"] for earlier, later in itertools.pairwise(rows))
    assert (rows[3]["hash"], rows[3]["old_value"], rows[3]["new_value"]) == (event.hash, '"screened"', '"enrolled"')
    assert [rows[4]["new_value"], rows[5]["new_value"]] == ['"2026-01-05"', "61.50"]
    assert (rows[2]["old_value"], rows[2]["new_value"], rows[2]["reason"]) == ("121", "122", "transcription error")


def test_item_changes_are_chained_in_order_sharing_who_when_and_why(engine: Engine, core: dict[str, Any]) -> None:
    write_events(engine, core, count=2)
    changes = [ItemChange("sysbp", 121, 118), ItemChange("diabp", None, 76), ItemChange("vsdat", date(2026, 1, 5))]
    with engine.begin() as conn:
        events = append_items(conn, changes, action="record.correct", occurred_at=NOW, user_id=core["user_id"],
                              role="investigator", site_id=core["site_id"], study_id=core["study_id"],
                              subject_id=core["subject_id"], form_id="vital_signs", reason="transcription error")
        assert append_items(conn, [], action="record.correct", occurred_at=NOW) == []  # nothing, not an error
    with engine.connect() as conn:
        rows = conn.execute(select(AuditEvent.__table__).where(AuditEvent.id > 2)
                            .order_by(AuditEvent.id)).mappings().all()
        head = conn.execute(select(AuditChainHead.last_id, AuditChainHead.last_hash)).one()
        result = verify(conn)
    assert result.ok and result.checked == 5
    assert [(r["id"], r["item"], r["old_value"], r["new_value"]) for r in rows] == [
        (3, "sysbp", "121", "118"), (4, "diabp", None, "76"), (5, "vsdat", '"2026-01-05"', None)]
    assert {(r["reason"], r["user_id"], r["form_id"]) for r in rows} == {
        ("transcription error", core["user_id"], "vital_signs")}
    assert [r["hash"] for r in rows] == [e.hash for e in events]
    assert (head.last_id, head.last_hash) == (5, events[-1].hash)


def test_an_event_rolls_back_with_its_change(engine: Engine, core: dict[str, Any]) -> None:
    write_events(engine, core, count=2)
    with engine.connect() as conn:
        append(conn, action="record.create", occurred_at=NOW, new_value=1)
        conn.rollback()  # the change failed: its event goes with it, the head too
    write_events(engine, core, count=2)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(AuditEvent.__table__)).scalar_one() == 4
        assert conn.execute(select(AuditChainHead.last_id)).scalar_one() == 4
        assert verify(conn).ok


def test_an_empty_trail_is_intact(engine: Engine) -> None:
    with engine.connect() as conn:
        assert verify(conn).ok and verify(conn).checked == 0


def test_a_naive_timestamp_is_refused(engine: Engine) -> None:
    with engine.begin() as conn, pytest.raises(ValueError, match="timezone"):
        append(conn, action="login", occurred_at=datetime(2026, 1, 5, 9, 30))


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET new_value = '999' WHERE id = 2",
    "DELETE FROM audit_events WHERE id = 2",
    "DELETE FROM audit_events",
])
def test_the_database_refuses_updates_and_deletes(engine: Engine, core: dict[str, Any], statement: str) -> None:
    assert_refused(engine, core, statement)


def test_postgresql_refuses_truncate(engine: Engine, core: dict[str, Any]) -> None:
    # SQLite has no TRUNCATE (its DELETE without WHERE is refused above); PostgreSQL needs its own trigger.
    if engine.dialect.name == "postgresql":
        assert_refused(engine, core, "TRUNCATE audit_events")
    else:
        with pytest.raises(DBAPIError, match="syntax error"), engine.begin() as conn:
            conn.execute(text("TRUNCATE audit_events"))


def assert_refused(engine: Engine, core: dict[str, Any], statement: str) -> None:
    write_events(engine, core, count=3)
    with engine.connect() as conn:
        before = conn.execute(select(AuditEvent.__table__).order_by(AuditEvent.id)).all()
    with pytest.raises(DBAPIError, match="audit_events is append-only"), engine.begin() as conn:
        conn.execute(text(statement))
    with engine.connect() as conn:
        assert conn.execute(select(AuditEvent.__table__).order_by(AuditEvent.id)).all() == before
        assert verify(conn).ok


def test_a_changed_value_names_that_event(engine: Engine, core: dict[str, Any]) -> None:
    write_events(engine, core)
    with engine.begin() as conn:
        tamper(conn, "UPDATE audit_events SET new_value = '125' WHERE id = 3")
    with engine.connect() as conn:
        result = verify(conn)
    assert (result.ok, result.first_broken_id, result.checked) == (False, 3, 2)
    assert result.reason is not None and "altered" in result.reason


def test_a_rehashed_event_breaks_the_next_link(engine: Engine, core: dict[str, Any]) -> None:
    write_events(engine, core)
    with engine.begin() as conn:
        tamper(conn, "UPDATE audit_events SET reason = 'typo', hash = :fake WHERE id = 3", fake="f" * 64)
    with engine.connect() as conn:
        result = verify(conn)
    assert (result.ok, result.first_broken_id) == (False, 3)
    with engine.begin() as conn:  # an attacker who also recomputes the hash is caught at the next link
        row = conn.execute(select(AuditEvent.__table__).where(AuditEvent.id == 3)).mappings().one()
        rehashed = event_hash(row["prev_hash"], {name: row[name] for name in HASHED_FIELDS})
        tamper(conn, "UPDATE audit_events SET hash = :h WHERE id = 3", h=rehashed)
    with engine.connect() as conn:
        result = verify(conn)
    assert (result.ok, result.first_broken_id) == (False, 4)
    assert result.reason is not None and "prev_hash" in result.reason


def test_a_deleted_middle_event_is_found(engine: Engine, core: dict[str, Any]) -> None:
    write_events(engine, core)
    with engine.begin() as conn:
        tamper(conn, "DELETE FROM audit_events WHERE id = 3")
    with engine.connect() as conn:
        result = verify(conn)
    assert (result.ok, result.first_broken_id, result.reason) == (False, 4, "event 3 missing before it")


def test_a_deleted_last_event_is_found(engine: Engine, core: dict[str, Any]) -> None:
    write_events(engine, core)
    with engine.begin() as conn:
        tamper(conn, "DELETE FROM audit_events WHERE id = 5")
    with engine.connect() as conn:
        result = verify(conn)
    assert (result.ok, result.first_broken_id, result.checked) == (False, 5, 4)
    assert result.reason is not None and "missing" in result.reason


def test_concurrent_appends_keep_one_linear_chain(engine: Engine) -> None:
    """4 threads x 25 appends, each in a transaction of its own connection, racing for the head."""
    threads_n, per_thread = 4, 25

    def transaction(n: int, i: int) -> None:
        with engine.begin() as conn:
            append(conn, action="login", occurred_at=datetime.now(UTC), new_value=f"t{n}-{i}")

    race(threads_n, per_thread, transaction)
    with engine.connect() as conn:
        result = verify(conn)
        prev_hashes = conn.execute(select(AuditEvent.prev_hash)).scalars().all()
    assert result.ok and result.checked == threads_n * per_thread, result
    assert len(set(prev_hashes)) == len(prev_hashes)  # no two events share a predecessor: no fork
