"""DLT by improvement time: whether an event improved (or returned to baseline) within a rule's limits.

Limits count days from the date the worst grade was first reached (the start
date when it is missing, which can only make a duration longer). Dates carry
no time: 72 hours is 3 days. A limit of N days is met when the milestone date
is at most clock start + N. "Lasting" (max_duration_days) is measured to the
improvement to <= grade 2: the AE form records no earlier step down from the
worst grade. An ended event has improved and returned to baseline by its end
date at the latest. Facts dated after `as_of` are not known yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from types import MappingProxyType

from edc.domain.dlt.adverse_event import AdverseEvent
from edc.domain.dlt.outcomes import DataValue, DltVerdict

IMPROVEMENT = "days_to_improvement"
BASELINE = "days_to_baseline"
MILESTONE_OF_LIMIT = MappingProxyType({
    "max_days_to_improve": IMPROVEMENT, "max_duration_days": IMPROVEMENT, "max_days_to_baseline": BASELINE,
})
"""Each time limit a rule can set, and the milestone it is measured to."""


def judge_time_limits(event: AdverseEvent, limits: Mapping[str, int], as_of: date,
                      data: dict[str, DataValue]) -> tuple[DltVerdict, date | None]:
    """DLT when a limit is exceeded, PENDING while one is open, NOT_DLT when all are met; records what it read.

    `limits` maps limit names (max_days_to_improve, max_duration_days,
    max_days_to_baseline) to days. The date returned with PENDING is the first
    day on which the event is a DLT unless its milestone is recorded.
    """
    clock_start = event.worst_grade_date or event.start_date
    milestones = _milestones(event, as_of)
    data.update(clock_start=clock_start.isoformat(), as_of=as_of.isoformat(),
                days_elapsed=(as_of - clock_start).days)
    exceeded = False
    open_deadlines: list[date] = []
    for name, max_days in limits.items():
        milestone_name = MILESTONE_OF_LIMIT[name]
        milestone = milestones[milestone_name]
        deadline = clock_start + timedelta(days=max_days)
        data[name] = max_days
        data[milestone_name] = None if milestone is None else (milestone - clock_start).days
        if milestone is not None:
            exceeded = exceeded or milestone > deadline
        elif as_of > deadline:
            exceeded = True  # the limit has passed without the milestone: whatever is recorded later is too late
        else:
            open_deadlines.append(deadline)
    if exceeded:
        return DltVerdict.DLT, None
    if open_deadlines:
        return DltVerdict.PENDING, min(open_deadlines) + timedelta(days=1)
    return DltVerdict.NOT_DLT, None


def _first_known(as_of: date, *dates: date | None) -> date | None:
    """The earliest of `dates` known on `as_of`; a later date is not known yet on that day."""
    known = [value for value in dates if value is not None and value <= as_of]
    return min(known, default=None)


def _milestones(event: AdverseEvent, as_of: date) -> dict[str, date | None]:
    """The dates improved to <= grade 2 and back to baseline known on `as_of` (the end date standing in)."""
    return {IMPROVEMENT: _first_known(as_of, event.improved_date, event.end_date),
            BASELINE: _first_known(as_of, event.baseline_date, event.end_date)}
