"""Derived values: creatinine clearance, creatinine units, QTc, ULN multiples, day counts, partial-date bounds,
steroid and cell doses.

Every function validates its inputs and raises ValueError with a message
naming the offending argument; none reads the clock.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, date, datetime
from types import MappingProxyType

from edc.domain._common import earliest_day, latest_day, non_negative, positive

CREATININE_UMOL_PER_MG_DL = 88.4
"""1 mg/dL of creatinine = 88.4 umol/L."""
CREATININE_UNITS: tuple[str, ...] = ("mg/dL", "umol/L")
COCKCROFT_GAULT_FEMALE_FACTOR = 0.85

PREDNISONE_EQUIVALENT_MG: Mapping[str, float] = MappingProxyType({
    "prednisone": 5.0,
    "prednisolone": 5.0,
    "methylprednisolone": 4.0,
    "triamcinolone": 4.0,
    "dexamethasone": 0.75,
    "betamethasone": 0.6,
    "hydrocortisone": 20.0,
    "cortisone": 25.0,
    "deflazacort": 6.0,
})
"""Dose of each glucocorticoid (mg) equivalent in anti-inflammatory effect to 5 mg prednisone.

The factor a dose is multiplied by is 5 / this value: methylprednisolone and
triamcinolone 1.25, dexamethasone 6.67, betamethasone 8.33, hydrocortisone
0.25, cortisone 0.2, deflazacort 0.83. Kept as equivalent doses so that
0.75 mg dexamethasone is exactly 5 mg prednisone.
"""
_PREDNISONE_REFERENCE_MG = 5.0


def crcl_cockcroft_gault(sex: str, age: int, weight_kg: float, creatinine_mg_dl: float) -> float:
    """Creatinine clearance (mL/min), Cockcroft-Gault: (140 - age) x weight / (72 x creatinine), x 0.85 if 'F'.

    `sex` is 'M' or 'F', `age` in whole years (0-139), `weight_kg` > 0,
    `creatinine_mg_dl` > 0 (convert umol/L with `creatinine_mg_dl`).
    """
    if sex not in ("M", "F"):
        raise ValueError(f"sex must be 'M' or 'F', got {sex!r}")
    if isinstance(age, bool) or not isinstance(age, int) or not 0 <= age < 140:
        raise ValueError(f"age must be a whole number of years in 0-139, got {age!r}")
    weight = positive(weight_kg, "weight_kg")
    creatinine = positive(creatinine_mg_dl, "creatinine_mg_dl")
    clearance = (140 - age) * weight / (72 * creatinine)
    return clearance * COCKCROFT_GAULT_FEMALE_FACTOR if sex == "F" else clearance


def creatinine_mg_dl(value: float, unit: str) -> float:
    """Serum creatinine in mg/dL from a value in 'mg/dL' or 'umol/L' (divided by 88.4); value > 0."""
    amount = positive(value, "creatinine value")
    if unit == "mg/dL":
        return amount
    if unit == "umol/L":
        return amount / CREATININE_UMOL_PER_MG_DL
    raise ValueError(f"creatinine unit must be 'mg/dL' or 'umol/L', got {unit!r}")


def qtc_bazett(qt_ms: float, heart_rate: float) -> float:
    """QTc (ms), Bazett: QT / sqrt(RR), RR in seconds = 60 / heart rate (beats/min); both > 0."""
    qt = positive(qt_ms, "qt_ms")
    rate = positive(heart_rate, "heart_rate")
    return qt / math.sqrt(60.0 / rate)


def uln_multiple(value: float, uln: float) -> float:
    """`value` as a multiple of the upper limit of normal (ALT 120 with ULN 40 -> 3.0); uln > 0, value >= 0."""
    amount = non_negative(value, "value")
    limit = positive(uln, "uln")
    return amount / limit


def days_between(d1: date, d2: date) -> int:
    """Calendar days from `d1` to `d2`: d2 - d1, negative when `d2` is earlier.

    Accepts dates and datetimes. A timezone-aware datetime is first converted
    to UTC (the EDC stores timestamps in UTC), then only its calendar date
    counts: 2024-01-01T23:00Z to 2024-01-02T01:00Z is 1 day.
    """
    return (_calendar_date(d2, "d2") - _calendar_date(d1, "d1")).days


def _calendar_date(value: date, name: str) -> date:
    if isinstance(value, datetime):
        return value.astimezone(UTC).date() if value.tzinfo is not None else value.date()
    if isinstance(value, date):
        return value
    raise ValueError(f"{name} must be a date or datetime, got {value!r}")


def earliest_date(partial: str | None) -> datetime | None:
    """The first day a partial date ('2024', '2024-03', '2024-03-05') allows, as a UTC timestamp.

    None (a skipped item, which rules see as null) gives None: the rule comparing it stays undecidable.
    """
    return _midnight_utc(earliest_day(partial))


def latest_date(partial: str | None) -> datetime | None:
    """The last day a partial date allows ('2024-02' -> 2024-02-29), as a UTC timestamp; None for None."""
    return _midnight_utc(latest_day(partial))


def _midnight_utc(day: date | None) -> datetime | None:
    return None if day is None else datetime(day.year, day.month, day.day, tzinfo=UTC)


def prednisone_equivalent(drug: str, dose_mg: float) -> float:
    """Prednisone-equivalent dose (mg) of `dose_mg` of `drug`, a lower-case code such as 'methylprednisolone'.

    Uses PREDNISONE_EQUIVALENT_MG; ValueError for an unknown drug or a negative dose.
    """
    equivalent = PREDNISONE_EQUIVALENT_MG.get(drug)
    if equivalent is None:
        known = ", ".join(sorted(PREDNISONE_EQUIVALENT_MG))
        raise ValueError(f"unknown glucocorticoid {drug!r}; expected one of {known}")
    return non_negative(dose_mg, "dose_mg") * _PREDNISONE_REFERENCE_MG / equivalent


def weight_based_dose(dose_per_kg: float, weight_kg: float) -> float:
    """Total dose for a weight-based dose level: dose per kg x body weight (kg) on the day of infusion; both > 0."""
    return positive(dose_per_kg, "dose_per_kg") * positive(weight_kg, "weight_kg")


def dose_within_tolerance(actual: float, planned: float, tolerance_pct: float) -> bool:
    """True when `actual` lies within `planned` +/- `tolerance_pct` %, bounds included.

    With planned 1e8 and 30 %, 7e7 and 1.3e8 are within, 6.9e7 is not. The
    bounds are compared with a relative slack of 1e-9 so that binary floating
    point never turns an exact boundary value into a deviation.
    """
    amount = non_negative(actual, "actual")
    target = positive(planned, "planned")
    tolerance = non_negative(tolerance_pct, "tolerance_pct")
    deviation_pct = abs(amount - target) / target * 100.0
    return deviation_pct <= tolerance or math.isclose(deviation_pct, tolerance, rel_tol=1e-9)
