"""Stored timestamps as aware UTC: the one conversion every feature reads them through."""

from __future__ import annotations

from datetime import UTC, datetime


def stored_utc(moment: datetime) -> datetime:
    """A stored timestamp as aware UTC: SQLite returns naive datetimes (every stored one is UTC), PostgreSQL
    aware ones in the session's time zone."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
