"""The adverse event a DLT screening reads: one record of the AE log, checked for range and date/time order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from edc.definitions.vocabulary import RELATEDNESS_CODES, EventClass
from edc.domain.dlt.outcomes import check_grade


@dataclass(frozen=True)
class AdverseEvent:
    """One adverse event as recorded on the AE log (item names in brackets).

    `grade` is the worst grade 1-5 (aetoxgr), `relatedness` a code of the
    relatedness codelist (aerel, product relatedness), `start_date` (aestdat),
    `worst_grade_date` the date the worst grade was first reached (aewrsdat),
    `improved_date` the date improved to <= grade 2 (aeimpdat; None = not yet),
    `baseline_date` the date back to baseline (aebasdat; None = not yet),
    `end_date` (aeendat; None = ongoing). Each date may carry its time of day
    (aesttim, aewrstim, aeimptim, aebastim, aeentim; CDASH keeps date and time
    apart), which limits in hours read. ValueError for values out of range or
    dates (times, on the same day) out of order.
    """

    aespid: str
    event_class: EventClass
    grade: int
    relatedness: str
    start_date: date
    worst_grade_date: date | None = None
    improved_date: date | None = None
    baseline_date: date | None = None
    end_date: date | None = None
    start_time: time | None = None
    worst_grade_time: time | None = None
    improved_time: time | None = None
    baseline_time: time | None = None
    end_time: time | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "event_class", EventClass(self.event_class))
        check_grade(self.grade, f"AE {self.aespid}")
        if self.relatedness not in RELATEDNESS_CODES:
            raise ValueError(f"AE {self.aespid}: unknown relatedness {self.relatedness!r}")
        self._check_date_order()

    @property
    def clock_start(self) -> tuple[date, time | None]:
        """When time limits start: the worst grade first reached, else the start (a longer duration, never shorter)."""
        if self.worst_grade_date is not None:
            return self.worst_grade_date, self.worst_grade_time
        return self.start_date, self.start_time

    def _check_date_order(self) -> None:
        start = (self.start_date, self.start_time)
        for name, day, clock, earliest in (
                ("worst_grade_date", self.worst_grade_date, self.worst_grade_time, start),
                ("improved_date", self.improved_date, self.improved_time, self.clock_start),
                ("baseline_date", self.baseline_date, self.baseline_time, start),
                ("end_date", self.end_date, self.end_time, start)):
            if day is None:
                continue
            first_day, first_clock = earliest
            if day < first_day or (day == first_day and None not in (clock, first_clock)
                                   and clock < first_clock):  # type: ignore[operator]
                shown = first_day.isoformat() + (f" {first_clock:%H:%M}" if first_clock and day == first_day else "")
                raise ValueError(f"AE {self.aespid}: {name} {day}{f' {clock:%H:%M}' if clock else ''} "
                                 f"is before {shown}")
