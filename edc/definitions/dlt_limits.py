"""The time limits a DLT rule can set: what each is measured to and in which unit, as its YAML key says.

A protocol states each limit in days or in hours ("improve to <= grade 2 within 7 days", "recover to
<= grade 2 within <= 72 hours"); the study YAML keeps that unit in the key (`max_days_to_improve: 7`,
`max_hours_to_improve: 72`), so no rule is converted in code. A rule sets at most one unit per measure.
The DLT screening (`edc.domain.dlt.time_limits`) counts days from dates and hours from dates and times.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType


class Milestone(StrEnum):
    """What a limit is measured to, from the moment the worst grade was first reached."""

    IMPROVEMENT = "improvement"  # improved to <= grade 2 (also the end of "lasting no more than")
    BASELINE = "baseline"  # back to the grade before the event


class LimitUnit(StrEnum):
    DAYS = "days"
    HOURS = "hours"


@dataclass(frozen=True)
class LimitKind:
    """A limit key's milestone and unit; `data_key` names the measured value in a DLT proposal's data."""

    milestone: Milestone
    unit: LimitUnit

    @property
    def data_key(self) -> str:
        """E.g. hours_to_improvement."""
        return f"{self.unit.value}_to_{self.milestone.value}"


LIMIT_KINDS = MappingProxyType({
    "max_days_to_improve": LimitKind(Milestone.IMPROVEMENT, LimitUnit.DAYS),
    "max_hours_to_improve": LimitKind(Milestone.IMPROVEMENT, LimitUnit.HOURS),
    "max_duration_days": LimitKind(Milestone.IMPROVEMENT, LimitUnit.DAYS),
    "max_duration_hours": LimitKind(Milestone.IMPROVEMENT, LimitUnit.HOURS),
    "max_days_to_baseline": LimitKind(Milestone.BASELINE, LimitUnit.DAYS),
    "max_hours_to_baseline": LimitKind(Milestone.BASELINE, LimitUnit.HOURS),
})
"""Every time limit key a DLT rule can set, in the order the screening reads them."""

TIME_LIMITS = tuple(LIMIT_KINDS)

_SAME_MEASURE = (("max_days_to_improve", "max_hours_to_improve"), ("max_duration_days", "max_duration_hours"),
                 ("max_days_to_baseline", "max_hours_to_baseline"))


def check_one_unit(limits: Mapping[str, int | None]) -> None:
    """ValueError when a measure is given in both days and hours (the protocol states one)."""
    for days, hours in _SAME_MEASURE:
        if limits.get(days) is not None and limits.get(hours) is not None:
            raise ValueError(f"give {days} or {hours}, not both")
