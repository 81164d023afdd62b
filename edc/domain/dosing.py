"""The CAR-T infusion record checked against the subject's assigned dose level.

The form's own checks cannot see the study design, so these findings are
added by the records service to every `cart_infusion` record:

- `dose_level_assigned` (error): the level recorded is the one enrolment assigned;
- `dose_planned_per_level` (warning): the planned number of cells is the
  level's dose, times the weight at infusion for a per-kg level (within 1 %,
  the form keeps two decimals of 10^6 cells);
- `dose_within_level_tolerance` (warning): where the level sets a tolerance
  (IC19: 30 %), the cells infused lie within it around the level's planned dose.

Pure: no I/O. Doses are compared in 10^6 cells, the form's unit.
"""

from __future__ import annotations

from collections.abc import Mapping
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


def _number(value: object) -> float | None:
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return float(value)
    return None
