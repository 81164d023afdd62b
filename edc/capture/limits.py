"""What a form table's column can hold exactly, on SQLite and on PostgreSQL alike.

A decimal item's column is `Numeric(18, precision)` (`edc.db.formtables`).
PostgreSQL keeps all 18 digits, but SQLite has no decimal type: SQLAlchemy
binds a Decimal as a float and the column's NUMERIC affinity keeps it as a
REAL (an IEEE double) or, when integral, an INTEGER, and reads it back through
`%.{precision}f`. A double holds any 15 significant decimal digits exactly
(DBL_DIG), not 16: 999999999999999.999 comes back from SQLite as
1000000000000000.000. So a decimal is bounded to `EXACT_DIGITS` digits in all,
`precision` of them after the point: what is stored, audited and returned is
then the same value on both databases (and in JSON, where a decimal goes out
as a float). An integer item's column is `Integer`, 32 bits on PostgreSQL.

`column_value` is the last gate before a value is written: a calculated
value (a float from CEL) is rounded to its item's precision here and refused
when its column cannot hold it.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

from edc.definitions.model import Item

EXACT_DIGITS = 15
"""Significant digits a decimal item keeps exactly on every backend (a double's DBL_DIG)."""
INTEGER_MIN = -(2**31)
INTEGER_MAX = 2**31 - 1
"""The range of an integer item: PostgreSQL's INTEGER (SQLite's holds more)."""


class OutOfBounds(ValueError):
    """A value its column cannot hold; the message names the limit and is shown to site staff."""


def whole_digits(item: Item, precision: int | None = None) -> int:
    """Digits a decimal item may have before the point (at `precision` places, default the item's)."""
    return EXACT_DIGITS - ((item.precision or 0) if precision is None else precision)


def largest_decimal(item: Item, precision: int | None = None) -> Decimal:
    """The largest value a decimal item holds, e.g. 999999999999.999 at precision 3."""
    places = (item.precision or 0) if precision is None else precision
    whole = whole_digits(item, places)
    return (Decimal(10) ** whole - Decimal(1).scaleb(-places)).quantize(Decimal(1).scaleb(-places))


def check_decimal(item: Item, value: Decimal, precision: int | None = None) -> None:
    """Refuse a decimal that is not finite or has more whole digits than its column keeps exactly.

    `precision` is the column's scale when it is not the item's (the column keeping a value as entered).
    """
    if not value.is_finite():
        raise OutOfBounds("must be a finite number")
    whole = whole_digits(item, precision)
    if value and value.adjusted() >= whole:  # adjusted(): the exponent of the leading digit
        largest = largest_decimal(item, precision)
        raise OutOfBounds(f"too large: at most {whole} digit(s) before the decimal point "
                          f"(from -{largest} to {largest})")


def check_integer(value: int) -> None:
    if not INTEGER_MIN <= value <= INTEGER_MAX:
        raise OutOfBounds(f"too large: a whole number from {INTEGER_MIN} to {INTEGER_MAX}")


def column_value(item: Item, value: object) -> object:
    """`value` as `item`'s column keeps it: decimals rounded half up to the precision, integers as int.

    Raises OutOfBounds when the column cannot hold it exactly (a calculated value too large or not finite).
    """
    if isinstance(value, bool) or value is None:
        return value
    if item.type == "decimal" and isinstance(value, int | float | Decimal):
        if isinstance(value, float) and not math.isfinite(value):
            raise OutOfBounds("must be a finite number")
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        check_decimal(item, number)  # before quantize, which fails beyond the context's 28 digits
        places = Decimal(1).scaleb(-(item.precision or 0))
        rounded = number.quantize(places, ROUND_HALF_UP)
        check_decimal(item, rounded)  # 999999999999.9996 rounds up to 13 digits
        return rounded if rounded else abs(rounded)  # -0.000 is 0.000: neither database keeps the sign of 0
    if item.type == "integer" and isinstance(value, int | float | Decimal):
        if not (math.isfinite(value) if isinstance(value, float) else Decimal(value).is_finite()):
            raise OutOfBounds("must be a finite number")
        whole = int(value)
        check_integer(whole)
        return whole
    return value
