"""An intermediate dose level, opened by the committee between two adjacent declared levels.

Where the design allows it (`escalation.allow_intermediate_dose`; RD06-04:
"an intermediate dose between the top two may be chosen") the committee
states a dose, in the unit the declared levels use, strictly between the
doses of two levels adjacent in the design's order. The opened level:

- is named after the lower level with a letter, DL1 -> DL1A (B, C... when a
  declared level has that id): level ids are upper-case letters and digits
  (the YAML's `id`, the SDTM ARMCD), as relmacel's DL3A names its
  alternative top level; "DL1.5" would not be an id and would suggest a
  midpoint dose;
- has role `intermediate` and sits between its two neighbours in the order,
  where the 3+3 engine judges it like any level once a subject is treated
  at it (`configuration.in_use`);
- carries its neighbours' dose tolerance when they share one;
- is one per interval: the committee opens at most one level between the
  same two declared levels (`occupied` names the one already there).

Pure: the stored openings come in as `OpenedLevel`s; `with_opened` gives the
levels the escalation, the dose checks and the export work with.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from string import ascii_uppercase

from edc.definitions.model import Dose, DoseLevel

MAX_ID = 8
"""A level id's length (the YAML's ids, the subject's dose level column, DM.ARMCD)."""


@dataclass(frozen=True)
class OpenedLevel:
    """An intermediate level the committee opened, with the two declared levels it lies between."""

    level: DoseLevel
    lower: str
    upper: str


class DoseNotBetween(ValueError):
    """The stated dose does not fit the design: `item` is 'dose.unit' or 'dose.value'."""

    def __init__(self, item: str, message: str) -> None:
        super().__init__(message)
        self.item = item


def dose_text(dose: Dose) -> str:
    """A dose as the levels' labels write it: '2.5 x 10^5 cells/kg', '37.5 x 10^6 cells'."""
    if dose.unit.startswith("10^"):
        return f"{dose.value:g} x {dose.unit}"
    exponent = math.floor(math.log10(dose.value))
    return f"{round(dose.value / 10 ** exponent, 6):g} x 10^{exponent} {dose.unit}"


def interval_of(declared: Sequence[DoseLevel], dose: Dose) -> tuple[DoseLevel, DoseLevel]:
    """The two adjacent declared levels (by order) whose doses lie either side of `dose`; DoseNotBetween else."""
    ordered = sorted(declared, key=lambda level: level.order)
    units = sorted({level.dose.unit for level in ordered})
    if dose.unit not in units:
        raise DoseNotBetween("dose.unit", f"the dose levels state their dose in {' or '.join(units)}, "
                                          f"not {dose.unit}")
    for lower, upper in pairwise(ordered):
        if lower.dose.unit == upper.dose.unit == dose.unit and lower.dose.value < dose.value < upper.dose.value:
            return lower, upper
    intervals = ", ".join(f"{lower.id}-{upper.id} ({dose_text(lower.dose)} to {dose_text(upper.dose)})"
                          for lower, upper in pairwise(ordered) if lower.dose.value < upper.dose.value)
    raise DoseNotBetween("dose.value", f"{dose_text(dose)} is not strictly between the doses of two adjacent "
                                       f"dose levels ({intervals or 'none'})")


def occupied(opened: Sequence[OpenedLevel], lower: DoseLevel) -> OpenedLevel | None:
    """The level already opened above `lower` (between it and the next declared level), None when free."""
    return next((o for o in opened if o.lower == lower.id), None)


def intermediate_level(lower: DoseLevel, upper: DoseLevel, dose: Dose, taken: Sequence[str]) -> OpenedLevel:
    """The new level between `lower` and `upper` at `dose`, named with the first letter no level in `taken` has."""
    stem = lower.id[:MAX_ID - 1]
    level_id = next(f"{stem}{letter}" for letter in ascii_uppercase if f"{stem}{letter}" not in taken)
    label = f"{dose_text(dose)} (intermediate, between {lower.id} and {upper.id})"
    return opened_level(level_id, label, dose, lower, upper)


def opened_level(level_id: str, label: str, dose: Dose, lower: DoseLevel, upper: DoseLevel) -> OpenedLevel:
    """An opened level as stored, between its declared neighbours (its order is set by `with_opened`)."""
    tolerance = lower.tolerance_pct if lower.tolerance_pct == upper.tolerance_pct else None
    level = DoseLevel(id=level_id, label=label, dose=dose, tolerance_pct=tolerance, role="intermediate",
                      order=lower.order)
    return OpenedLevel(level, lower.id, upper.id)


def with_opened(declared: Sequence[DoseLevel], opened: Sequence[OpenedLevel]) -> tuple[DoseLevel, ...]:
    """The declared levels with each opened one after its lower neighbour, numbered 1, 2... in that order.

    Without openings the declared levels come back as the YAML gives them. An opening whose lower level
    the definition no longer declares is left out.
    """
    if not opened:
        return tuple(declared)
    above = {o.lower: o.level for o in opened}
    ordered: list[DoseLevel] = []
    for level in sorted(declared, key=lambda d: d.order):
        ordered += [level, above[level.id]] if level.id in above else [level]
    return tuple(level.model_copy(update={"order": order}) for order, level in enumerate(ordered, start=1))
