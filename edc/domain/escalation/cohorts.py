"""The 3+3 rule at one dose level: the DLT-evaluable subjects treated there, and where the level stands.

A level is untreated, filling its cohort, awaiting its DLT windows, in need of expansion (1 DLT in the
first cohort), cleared (no DLT), tolerated (at most 1 DLT in the expanded cohort) or exceeding the
maximum tolerated dose (2 or more DLT, whatever the pending subjects show).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from edc.definitions.model import DoseLevel, Escalation

DLTS_EXCEEDING_MTD = 2
"""DLTs that put a level above the MTD, in a cohort or an expanded cohort (>= 2 of 3, >= 2 of 6)."""
DLTS_TOLERATED = 1
"""Most DLTs a level may show and still escalate (after expansion) or be the MTD (at most 1 of 6)."""


class DltStatus(Enum):
    """Where one DLT-evaluable subject stands: a DLT seen, the window closed without one, or still open."""

    DLT = "dlt"
    NO_DLT = "no_dlt"
    PENDING = "pending"


@dataclass(frozen=True)
class LevelCohort:
    """The DLT-evaluable subjects treated so far at one dose level.

    `evaluable` counts every DLT-evaluable subject treated at the level:
    `dlts` of them had a DLT, `pending` are still in their DLT window without
    one, and the rest completed the window without a DLT. A DLT counts as soon
    as it is seen, even inside the window. Expansion subjects, who are not
    DLT-evaluable, are not counted here (only in the total enrolled).
    """

    level_id: str
    evaluable: int
    dlts: int = 0
    pending: int = 0

    def __post_init__(self) -> None:
        for name in ("evaluable", "dlts", "pending"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
        if self.dlts + self.pending > self.evaluable:
            raise ValueError(
                f"{self.level_id}: {self.dlts} DLT + {self.pending} pending is more than "
                f"{self.evaluable} evaluable subjects")

    @classmethod
    def of(cls, level_id: str, statuses: Iterable[DltStatus]) -> LevelCohort:
        """The cohort made of these subjects' DLT statuses."""
        counted = list(statuses)
        return cls(level_id, len(counted), counted.count(DltStatus.DLT), counted.count(DltStatus.PENDING))

    @property
    def closed(self) -> bool:
        """True when every subject's DLT window has closed (or the subject had a DLT)."""
        return self.pending == 0


class Stage(Enum):
    """Where one dose level stands under the 3+3 rule."""

    UNTREATED = "untreated"
    FILLING = "filling"  # fewer subjects than the cohort it is filling
    AWAITING = "awaiting"  # cohort complete, DLT windows still open
    NEEDS_EXPANSION = "needs expansion"  # 1 DLT in the first cohort
    CLEARED = "cleared"  # no DLT in the first cohort: may escalate, too few to be the MTD
    TOLERATED = "tolerated"  # at most 1 DLT in the expanded cohort: may escalate or be the MTD
    EXCEEDED = "exceeded"  # 2 or more DLT, whatever the pending subjects show


@dataclass(frozen=True)
class AssessedLevel:
    """A dose level with its cohort, its stage and the cohort size it is filling or would fill next."""

    dose: DoseLevel
    cohort: LevelCohort
    stage: Stage
    target: int  # the cohort size the level is filling or would be filled to next

    @property
    def id(self) -> str:
        """The dose level's id."""
        return self.dose.id

    @property
    def needed(self) -> int:
        """Subjects still to treat before the level's next decision."""
        return max(self.target - self.cohort.evaluable, 0)

    def observed(self) -> str:
        """'1 of 3 with DLT', with the windows still open when there are any."""
        text = f"{self.cohort.dlts} of {self.cohort.evaluable} with DLT"
        if self.cohort.pending:
            text += f", {self.cohort.pending} still in the DLT window"
        return text


def assess(dose: DoseLevel, cohort: LevelCohort, escalation: Escalation) -> AssessedLevel:
    """Judge one dose level's cohort under the 3+3 rule of `escalation`."""
    stage, target = _stage(cohort, escalation.cohort_size, escalation.expanded_cohort_size)
    return AssessedLevel(dose, cohort, stage, target)


def _stage(cohort: LevelCohort, size: int, expanded: int) -> tuple[Stage, int]:
    """Where the level stands under the 3+3 rule, and the cohort size it is filling or would fill next."""
    n = cohort.evaluable
    if cohort.dlts >= DLTS_EXCEEDING_MTD:
        return Stage.EXCEEDED, n
    if n == 0:
        return Stage.UNTREATED, size
    if n < size:
        return Stage.FILLING, size
    if size < n < expanded:
        return Stage.FILLING, expanded
    if not cohort.closed:
        return Stage.AWAITING, n
    if n >= expanded:
        return Stage.TOLERATED, n
    if cohort.dlts == 0:
        return Stage.CLEARED, expanded
    return Stage.NEEDS_EXPANSION, expanded


MAY_ESCALATE = frozenset({Stage.CLEARED, Stage.TOLERATED})
