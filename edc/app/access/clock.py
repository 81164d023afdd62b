"""Access's timestamps: the caller's `now` as aware UTC (stored ones go through `kernel.clock.stored_utc`)."""

from __future__ import annotations

from datetime import UTC, datetime


def aware(now: datetime) -> datetime:
    """`now` in UTC; ValueError for a naive one."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC)")
    return now.astimezone(UTC)

