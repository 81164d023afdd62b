"""Stored timestamps as aware UTC, the one conversion every feature reads them through; and what "today" is."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from edc.app.kernel.errors import ValidationFailed
from edc.capture.payload import ItemError


def stored_utc(moment: datetime) -> datetime:
    """A stored timestamp as aware UTC: SQLite returns naive datetimes (every stored one is UTC), PostgreSQL
    aware ones in the session's time zone."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


#: The easternmost time zone in use (Kiribati, UTC+14): no calendar date anywhere is later than its date.
_EASTERNMOST = timedelta(hours=14)


def latest_calendar_date(now: datetime) -> date:
    """The latest calendar date anywhere on Earth at `now`: what "today" means when a site's time zone is not
    known. A date after it is in the future for every site; a site east of the server (UTC+8 in Beijing)
    entering its own today before the server's midnight is not."""
    return (stored_utc(now) + _EASTERNMOST).date()


def refuse_future(name: str, day: date, now: datetime) -> None:
    """ValidationFailed naming `name` when `day` is later than every site's today: a screening or a visit
    that has not happened yet cannot be dated (a planned date is not a visit date)."""
    latest = latest_calendar_date(now)
    if day > latest:
        raise ValidationFailed([ItemError(name, f"is in the future: no site has reached {day.isoformat()} yet "
                                                f"(today is {latest.isoformat()} at the latest)", day.isoformat())])
