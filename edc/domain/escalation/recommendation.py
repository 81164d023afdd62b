"""What the 3+3 engine recommends: the next action, the level it concerns, the options the design allows."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Action(Enum):
    """What the trial should do next."""

    ENROL = "enrol"
    """Keep filling the cohort at `level` (or start escalation at the start level)."""
    WAIT = "wait"
    """The cohort is complete; wait for its DLT windows to close before deciding."""
    ESCALATE = "escalate"
    """Open the next level up and treat a cohort there."""
    EXPAND_COHORT = "expand_cohort"
    """Add subjects at `level` up to the expanded cohort."""
    STEP_BACK = "step_back"
    """A higher level exceeded the MTD: treat (more) subjects at this lower level."""
    DECLARE_MTD = "declare_mtd"
    """`level` is the MTD; no more DLT-evaluable subjects."""
    OPEN_EXPANSION = "open_expansion"
    """`level` is the MTD and expansion subjects may be enrolled at it."""
    STOP_FOR_REVIEW = "stop_for_review"
    """`level` exceeded the MTD: escalation stops, the safety review committee decides."""
    STOP = "stop"
    """No more subjects: no tolerated level, or the enrolment cap is reached."""
    CONSIDER_INTERMEDIATE_DOSE = "consider_intermediate_dose"
    """Option: a dose between an exceeded level and the level below it."""
    EXPLORE_HIGHER = "explore_higher"
    """Option: doses above the highest planned level, which was tolerated."""

    @property
    def enrols(self) -> bool:
        """True for the actions that assign new subjects."""
        return self in _ENROLLING


_ENROLLING = frozenset({Action.ENROL, Action.ESCALATE, Action.EXPAND_COHORT, Action.STEP_BACK,
                        Action.OPEN_EXPANSION})


@dataclass(frozen=True)
class Alternative:
    """An option the configuration allows besides the recommended action; `level` None when not defined."""

    action: Action
    level: str | None
    reason: str


@dataclass(frozen=True)
class Recommendation:
    """The next step of the escalation.

    `level` is the dose level the action concerns. `open_level` is the one
    level open now: where the next DLT-evaluable subject goes or whose cohort
    is in DLT evaluation, or the MTD while expansion is open; None once
    escalation is over. `slots` is how many subjects may be assigned at
    `level` now (None: no limit set), 0 for actions that assign nobody. `mtd`
    is set once the MTD is known. `capped` says the enrolment cap stopped the
    trial. `reason` quotes the rule applied.
    """

    action: Action
    level: str | None
    open_level: str | None
    reason: str
    slots: int | None = 0
    mtd: str | None = None
    capped: bool = False
    options: tuple[Alternative, ...] = ()
