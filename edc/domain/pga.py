"""Physician Global Assessment (PGA): a 0-3 visual analogue scale recorded with one decimal.

0 none, 1 mild, 2 moderate, 3 severe disease activity.
"""

from __future__ import annotations

import math

PGA_MIN = 0.0
PGA_MAX = 3.0
_DECIMAL_SLACK = 1e-9


def pga_is_valid(value: object) -> bool:
    """True when `value` is a number in 0.0-3.0 with at most one decimal (2.3 yes, 2.35 no).

    Booleans, non-numbers, NaN and infinities are not valid. The one-decimal
    test allows for binary floating point (0.1 * 3 is accepted as 0.3).
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if not math.isfinite(value) or not PGA_MIN <= value <= PGA_MAX:
        return False
    tenths = value * 10
    return abs(tenths - round(tenths)) < _DECIMAL_SLACK
