"""The adverse event a DLT screening reads: one record of the AE log, checked for range and date order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

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
    `end_date` (aeendat; None = ongoing). ValueError for values out of range
    or dates out of order.
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

    def __post_init__(self) -> None:
        object.__setattr__(self, "event_class", EventClass(self.event_class))
        check_grade(self.grade, f"AE {self.aespid}")
        if self.relatedness not in RELATEDNESS_CODES:
            raise ValueError(f"AE {self.aespid}: unknown relatedness {self.relatedness!r}")
        self._check_date_order()

    def _check_date_order(self) -> None:
        start = self.start_date
        worst = self.worst_grade_date or start
        for name, value, earliest in (("worst_grade_date", self.worst_grade_date, start),
                                      ("improved_date", self.improved_date, worst),
                                      ("baseline_date", self.baseline_date, start),
                                      ("end_date", self.end_date, start)):
            if value is not None and value < earliest:
                raise ValueError(f"AE {self.aespid}: {name} {value} is before {earliest}")
