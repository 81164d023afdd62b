"""DLT by improvement time: whether an event improved (or returned to baseline) within a rule's limits.

Limits run from the moment the worst grade was first reached (the start when it
is missing, which can only make a duration longer), each in the unit its key
declares (`edc.definitions.dlt_limits`):
- Days count calendar dates: a limit of N days is met when the milestone date
  is at most clock start + N; times of day are not read.
- Hours count from date and time: a limit of H hours is met when the milestone
  is at most H hours after the clock start. A missing time of day stands for
  any minute of its date, so the elapsed hours are only known between bounds:
  the limit is met when even the longest reading is within H, exceeded when
  even the shortest is over H, and otherwise undecidable -> PENDING with no
  `decided_by` and the reason in the data (`undecidable`): the proposal never
  guesses a time in the event's favour or against it. For 72 hours with dates
  only, an improvement 2 days later is met, 4 days later exceeded, 3 days later
  undecidable until the times are recorded.
"Lasting" (max_duration_*) is measured to the improvement to <= grade 2: the
AE form records no earlier step down from the worst grade. An ended event has
improved and returned to baseline by its end at the latest. Facts dated after
`as_of` are not known yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from edc.definitions.dlt_limits import LIMIT_KINDS, LimitKind, LimitUnit, Milestone
from edc.domain.dlt.adverse_event import AdverseEvent
from edc.domain.dlt.outcomes import DataValue, DltVerdict

_LAST_MINUTE = time.max.replace(second=0, microsecond=0)  # 23:59: times are recorded to the minute
_MILESTONE_TIMES = {Milestone.IMPROVEMENT: "the time of the improvement to <= grade 2",
                    Milestone.BASELINE: "the time of the return to baseline"}


@dataclass(frozen=True)
class _Moment:
    """A recorded moment: a date and, when known, its time of day; as bounds when the time is missing."""

    earliest: datetime
    latest: datetime

    @classmethod
    def of(cls, day: date, clock: time | None) -> _Moment:
        """The moment at `clock` on `day`, or the whole day (00:00-23:59) when the time was not recorded."""
        return cls(datetime.combine(day, clock or time.min), datetime.combine(day, clock or _LAST_MINUTE))

    @property
    def day(self) -> date:
        """The calendar date (what a limit in days counts)."""
        return self.earliest.date()

    @property
    def exact(self) -> bool:
        """True when the time of day is known."""
        return self.earliest == self.latest

    def shown(self) -> str:
        """ISO 8601 with the time when known (YYYY-MM-DDThh:mm), else the date."""
        return self.earliest.isoformat(timespec="minutes") if self.exact else self.day.isoformat()


@dataclass(frozen=True)
class _Judged:
    """One limit's result: exceeded, or still open until `deadline` (a date), or `undecidable` (why)."""

    exceeded: bool = False
    deadline: date | None = None
    undecidable: str | None = None


def judge_time_limits(event: AdverseEvent, limits: Mapping[str, int], as_of: date,
                      data: dict[str, DataValue]) -> tuple[DltVerdict, date | None]:
    """DLT when a limit is exceeded, PENDING while one is open or undecidable, NOT_DLT when all are met.

    `limits` maps limit keys of `LIMIT_KINDS` to days or hours. The date returned
    with PENDING is the first day on which the event is a DLT unless its milestone
    is recorded (None when only missing times of day keep the limit undecided).
    Records what it read in `data`.
    """
    clock_start = _Moment.of(*event.clock_start)
    milestones = _milestones(event, as_of)
    data.update(clock_start=clock_start.shown(), as_of=as_of.isoformat(), days_elapsed=(as_of - clock_start.day).days)
    judged = []
    for name, amount in limits.items():
        kind = LIMIT_KINDS[name]
        data[name] = amount
        judge = _judge_days if kind.unit is LimitUnit.DAYS else _judge_hours
        judged.append(judge(name, kind, amount, clock_start, milestones[kind.milestone], as_of, data))
    if any(result.exceeded for result in judged):
        return DltVerdict.DLT, None
    undecidable = [result.undecidable for result in judged if result.undecidable]
    if undecidable:
        data["undecidable"] = "; ".join(undecidable)
    deadlines = [result.deadline for result in judged if result.deadline is not None]
    if deadlines:
        return DltVerdict.PENDING, min(deadlines) + timedelta(days=1)
    return (DltVerdict.PENDING, None) if undecidable else (DltVerdict.NOT_DLT, None)


def _judge_days(name: str, kind: LimitKind, days: int, clock_start: _Moment, milestone: _Moment | None,
                as_of: date, data: dict[str, DataValue]) -> _Judged:
    """A limit in days: calendar dates, times of day not read."""
    deadline = clock_start.day + timedelta(days=days)
    data[kind.data_key] = None if milestone is None else (milestone.day - clock_start.day).days
    if milestone is not None:
        return _Judged(exceeded=milestone.day > deadline)
    if as_of > deadline:
        return _Judged(exceeded=True)  # passed without the milestone: whatever is recorded later is too late
    return _Judged(deadline=deadline)


def _judge_hours(name: str, kind: LimitKind, hours: int, clock_start: _Moment, milestone: _Moment | None,
                 as_of: date, data: dict[str, DataValue]) -> _Judged:
    """A limit in hours: decided when the shortest and longest readings of the elapsed time agree."""
    limit = timedelta(hours=hours)
    if milestone is None:
        data[kind.data_key] = None
        deadline = (clock_start.latest + limit).date()  # the latest the limit can end, given what is known
        return _Judged(exceeded=True) if as_of > deadline else _Judged(deadline=deadline)
    shortest, longest = milestone.earliest - clock_start.latest, milestone.latest - clock_start.earliest
    data[kind.data_key] = _hours(shortest) if shortest == longest else None
    if shortest > limit:
        return _Judged(exceeded=True)
    if longest <= limit:
        return _Judged()
    data[f"{kind.data_key}_at_least"], data[f"{kind.data_key}_at_most"] = _hours(shortest), _hours(longest)
    missing = [what for what, moment in (("the time the worst grade was reached", clock_start),
                                         (_MILESTONE_TIMES[kind.milestone], milestone)) if not moment.exact]
    return _Judged(undecidable=f"{name} {hours}: from the dates alone {_hours(shortest)}-{_hours(longest)} hours; "
                               f"record {' and '.join(missing)}")


def _hours(elapsed: timedelta) -> float:
    """Elapsed time in hours, to the hundredth (times are to the minute)."""
    return round(elapsed.total_seconds() / 3600, 2)


def _first_known(as_of: date, *moments: tuple[date | None, time | None]) -> _Moment | None:
    """The earliest of the moments known on `as_of` (a later date is not known yet on that day)."""
    known = [_Moment.of(day, clock) for day, clock in moments if day is not None and day <= as_of]
    if not known:
        return None
    return _Moment(min(m.earliest for m in known), min(m.latest for m in known))


def _milestones(event: AdverseEvent, as_of: date) -> dict[Milestone, _Moment | None]:
    """Improved to <= grade 2 and back to baseline as known on `as_of` (the end standing in for both)."""
    end = (event.end_date, event.end_time)
    return {Milestone.IMPROVEMENT: _first_known(as_of, (event.improved_date, event.improved_time), end),
            Milestone.BASELINE: _first_known(as_of, (event.baseline_date, event.baseline_time), end)}
