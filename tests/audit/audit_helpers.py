"""Helpers for the audit trail tests (a module of its own, so the name never clashes with tests/conftest.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, text

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
