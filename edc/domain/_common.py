"""Small validation helpers shared by the domain modules (not part of the public API)."""

from __future__ import annotations

import calendar
import math
from collections.abc import Collection, Mapping
from datetime import date
from decimal import Decimal


def read_bool(record: Mapping[str, object], name: str) -> bool | None:
    """Return the boolean item `name` of `record`, None when missing; ValueError for a non-boolean."""
    value = record.get(name)
    if value is None or isinstance(value, bool):
        return value
    raise ValueError(f"{name}: expected a boolean, got {value!r}")


def read_code(record: Mapping[str, object], name: str, codes: Collection[str]) -> str | None:
    """Return the code of choice item `name`, None when missing; ValueError for a code not in `codes`."""
    value = record.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or value not in codes:
        raise ValueError(f"{name}: unknown code {value!r}; expected one of {', '.join(codes)}")
    return value


def read_decimal(record: Mapping[str, object], name: str) -> Decimal | None:
    """Return the number item `name` of `record` exactly, as a Decimal (a float by its shortest repr), None when
    missing; ValueError for a bool, a non-number or a value that is not finite.

    Stored decimals arrive as Decimal, parsed JSON as int or float: compared as Decimal, 37.9 never passes for 38.
    """
    value = record.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError(f"{name}: expected a number, got {value!r}")
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite():
        raise ValueError(f"{name} must be finite, got {value!r}")
    return number


def finite_number(value: float, name: str) -> float:
    """Return `value` as a float; ValueError when it is a bool, not a number, NaN or infinite."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return float(value)


def positive(value: float, name: str) -> float:
    """Return `value` as a float; ValueError unless it is a finite number > 0."""
    number = finite_number(value, name)
    if number <= 0:
        raise ValueError(f"{name} must be greater than 0, got {value!r}")
    return number


def non_negative(value: float, name: str) -> float:
    """Return `value` as a float; ValueError unless it is a finite number >= 0."""
    number = finite_number(value, name)
    if number < 0:
        raise ValueError(f"{name} must not be negative, got {value!r}")
    return number


def earliest_day(value: object) -> date | None:
    """The first day a date or partial date ('2024', '2024-03', '2024-03-05') allows."""
    if isinstance(value, date) or value is None:
        return value
    parts = [int(p) for p in str(value).split("-")]
    return date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


def latest_day(value: object) -> date | None:
    """The last day a date or partial date allows."""
    if isinstance(value, date) or value is None:
        return value
    parts = [int(p) for p in str(value).split("-")]
    if len(parts) == 1:
        return date(parts[0], 12, 31)
    if len(parts) == 2:
        return date(parts[0], parts[1], calendar.monthrange(parts[0], parts[1])[1])
    return date(parts[0], parts[1], parts[2])
