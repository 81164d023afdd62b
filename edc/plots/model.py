"""What the plots draw: frozen dataclasses the application fills from its services, the renderers read.

Days count from the subject's (first) CAR-T infusion, day 0, as the protocols' visit days do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

EventKind = Literal["AE", "CRS", "ICANS"]
"""An adverse event, or one of the ASTCT 2019 syndromes (cytokine release syndrome, neurotoxicity)."""


@dataclass(frozen=True)
class SwimmerEvent:
    """One adverse event on a subject's lane: its onset day, its kind and its worst grade (1-5)."""

    day: int
    kind: EventKind
    grade: int


@dataclass(frozen=True)
class SwimmerLane:
    """One treated subject: the lane runs from the infusion to the last day observed.

    `infusion_day` is None while the subject is enrolled but not yet infused (an empty lane, no events);
    `observed_days` is how far the lane reaches (today, or the day of the last event, whichever is later).
    """

    subject: str
    site: str
    dose_level: str
    infusion_day: int | None
    dlt_window_days: int
    observed_days: int
    events: tuple[SwimmerEvent, ...] = ()


@dataclass(frozen=True)
class TrajectoryPoint:
    """One disease-activity assessment: the visit, its day, the SLEDAI-2K score and the physician's global
    assessment (PGA, 0-3)."""

    visit: str
    day: int
    sledai: int
    pga: float


@dataclass(frozen=True)
class ResponseStatus:
    """The responses at one follow-up visit: True met, False not met, None not decidable (yet)."""

    visit: str
    sri4: bool | None
    lldas: bool | None
    doris: bool | None


@dataclass(frozen=True)
class Trajectory:
    """A subject's SLEDAI-2K and PGA over time, with the SRI-4 / LLDAS / DORIS status of each follow-up visit."""

    subject: str
    site: str
    points: tuple[TrajectoryPoint, ...] = ()
    statuses: tuple[ResponseStatus, ...] = ()
    day_zero: str = "CAR-T infusion"  # what day 0 is: the first assessment for a subject not yet infused
