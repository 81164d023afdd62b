"""The CAR-T infusion record checked against the subject's assigned dose level.

The form's own checks cannot see the study design, so these findings are
added by the records service to every `cart_infusion` record:

- `dose_level_assigned` (error): the level recorded is the one enrolment assigned;
- `dose_planned_per_level` (warning): the planned number of cells is the
  level's dose, times the weight at infusion for a per-kg level (within 1 %,
  the form keeps two decimals of 10^6 cells);
- `dose_within_level_tolerance` (warning): where the level sets a tolerance
  (IC19: 30 %), the cells infused lie within it around the level's planned dose.

The first infusions of a dose level are staggered where the design says so
(`escalation.min_days_between_first_infusions`; IC19: "at least 14 days
between the infusions of the first two subjects"): `too_close` tells whether
an infusion date would put the level's first two infusions closer than that.

Pure: no I/O. Doses are compared in 10^6 cells, the form's unit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from edc.definitions.model import PER_KG_UNITS, DoseLevel
from edc.domain.derived import dose_within_tolerance, weight_based_dose
from edc.domain.findings import Finding

PLANNED_SLACK = 0.01
_MILLIONS = {"cells": 1e-6, "cells/kg": 1e-6, "10^6 cells": 1.0, "10^6 cells/kg": 1.0}


def planned_million_cells(level: DoseLevel, weight_kg: float | None) -> float | None:
    """The level's planned dose in 10^6 cells; None for a per-kg level without a weight."""
    per_unit = level.dose.value * _MILLIONS[level.dose.unit]
    if level.dose.unit not in PER_KG_UNITS:
        return per_unit
    return None if weight_kg is None else weight_based_dose(per_unit, weight_kg)


def infusion_findings(levels: Mapping[str, DoseLevel], assigned: str | None,
                      values: Mapping[str, object]) -> list[Finding]:
    """The design checks of one infusion record (see the module docstring)."""
    recorded = values.get("dose_level")
    if assigned is None or recorded != assigned:
        message = (f"The subject is assigned to dose level {assigned}, not {recorded}" if assigned is not None
                   else "The subject has no dose level assigned: enrol the subject before the infusion")
        return [Finding("dose_level_assigned", "error", message, "dose_level",
                        {"dose_level": recorded, "assigned": assigned})]
    level = levels[assigned]
    planned = planned_million_cells(level, _number(values.get("weight_kg")))
    if planned is None:
        return []
    findings = []
    entered = _number(values.get("dose_planned"))
    # rounded so that binary floating point never turns the 1 % bound itself into a deviation
    if entered is not None and round(abs(entered - planned), 9) > round(PLANNED_SLACK * planned, 9):
        findings.append(Finding(
            "dose_planned_per_level", "warning",
            f"The planned dose {entered:g} x 10^6 cells differs from {level.id}'s {planned:.2f} x 10^6 cells "
            f"({level.label}{', at the weight recorded' if level.dose.unit in PER_KG_UNITS else ''})",
            "dose_planned", {"dose_planned": entered, "level_dose": round(planned, 6)}))
    infused = _number(values.get("cells_infused"))
    tolerance = level.tolerance_pct
    if tolerance is not None and infused is not None and not dose_within_tolerance(infused, planned, tolerance):
        findings.append(Finding(
            "dose_within_level_tolerance", "warning",
            f"{infused:g} x 10^6 cells infused is outside {level.id}'s tolerance of +/-{tolerance:g}% "
            f"around {planned:.2f} x 10^6 cells",
            "cells_infused", {"cells_infused": infused, "level_dose": round(planned, 6), "tolerance_pct": tolerance}))
    return findings


@dataclass(frozen=True)
class TooClose:
    """The other first infusion an infusion date is too close to: whose, on which day, how many days apart."""

    subject_number: str
    infused_on: date
    days: int


def too_close(minimum: int | None, others: Sequence[tuple[str, date]], on: date) -> TooClose | None:
    """Whether a first infusion on `on` makes the level's first two first infusions less than `minimum` days apart.

    `others` are the other subjects' first infusions at the level (number, date). Only the first two
    are staggered: an infusion after the first two is never too close, however near it lies to another.
    """
    if not minimum:
        return None
    first_two = sorted(others, key=lambda other: other[1])[:2]
    before = [other for other in first_two if other[1] <= on]
    if len(before) == 2:  # a third subject or later
        return None
    # the second subject is measured from the first; a new first subject from the one it moves to second
    pair = before[0] if before else (first_two[0] if first_two else None)
    if pair is None or abs((on - pair[1]).days) >= minimum:
        return None
    return TooClose(pair[0], pair[1], abs((on - pair[1]).days))


def _number(value: object) -> float | None:
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return float(value)
    return None
