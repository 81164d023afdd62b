"""Access's timestamps: the caller's `now` as aware UTC, stored ones as aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def aware(now: datetime) -> datetime:
    """`now` in UTC; ValueError for a naive one."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC)")
    return now.astimezone(UTC)


def utc(moment: datetime) -> datetime:
    """A stored timestamp as aware UTC (SQLite returns naive ones, which are UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
