"""Numbers as a client sends them: read exactly, counted in decimal places, checked against hard ranges.

Shared by the payload parser (`edc.capture.payload`) and the parser of values entered in one of several
units (`edc.capture.measured`); `Invalid` carries the message site staff are shown.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

from edc.definitions.model import Item

# Every pattern spells its digits [0-9] and is ASCII-only: `\d` also matches "２" and other scripts' digits.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:[.][0-9]*)?|[.][0-9]+)(?:[eE][+-]?[0-9]{1,3})?", re.ASCII)
_NOT_FINITE = frozenset({"nan", "snan", "inf", "infinity"})
_LONGEST_NUMBER = 40  # characters of a number sent as text; 15 digits, sign, point and leading zeros fit


class Invalid(ValueError):
    """A value that does not fit its item; the message is shown to site staff."""


def number_of(raw: object) -> Decimal:
    """A JSON number, or a number as text in ASCII digits, as the exact Decimal it spells."""
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise Invalid(f"must be a number, got {shown(raw)}")
    if isinstance(raw, int):
        return Decimal(raw)  # exact for any size; str() of a huge int would raise
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise Invalid("must be a finite number")
        return Decimal(repr(raw))  # the shortest text of the float: 0.1 is 0.1
    if raw.strip().lstrip("+-").lower() in _NOT_FINITE:
        raise Invalid("must be a finite number")
    if len(raw) > _LONGEST_NUMBER or _NUMBER.fullmatch(raw) is None:
        raise Invalid(f"must be a number, got {shown(raw)}")
    try:
        return Decimal(raw)
    except InvalidOperation:  # pragma: no cover - _NUMBER only lets through what Decimal reads
        raise Invalid(f"must be a number, got {shown(raw)}") from None


def places(value: Decimal) -> int:
    """Decimal places that carry a digit: 61.50 has one, like 61.5; 1E+2 none (no context arithmetic)."""
    if not value:
        return 0
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite
    trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -(exponent + trailing_zeros))


def check_range(item: Item, value: object, entered: str = "") -> None:
    """Refuse a number outside the item's hard range (in its unit); `entered` says how it was given."""
    if item.range is None or not isinstance(value, (int, Decimal)):
        return
    low, high = item.range.min, item.range.max
    unit = f" {item.unit}" if item.unit else ""
    if low is not None and value < Decimal(str(low)):
        raise Invalid(f"below the lowest possible value {_number(low)}{unit}{entered}")
    if high is not None and value > Decimal(str(high)):
        raise Invalid(f"above the highest possible value {_number(high)}{unit}{entered}")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def shown(raw: object) -> str:
    """A client's value as a message may quote it: short, and never a huge number spelled out."""
    if isinstance(raw, dict | list):
        return type(raw).__name__
    if isinstance(raw, int) and not isinstance(raw, bool) and abs(raw) >= 10**40:
        return "a number of more than 40 digits"  # repr() of a huge int raises; this is no use to show
    text = repr(raw)
    return text if len(text) <= 60 else f"{text[:57]}..."


def shown_number(raw: object) -> str:
    return str(raw) if isinstance(raw, str) else shown(raw)
