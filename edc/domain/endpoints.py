"""Endpoints derived from the captured data: overall survival (Kaplan-Meier) and the glucocorticoid-free proportion.

Overall survival runs from the first CAR-T infusion to death from any cause.
A subject alive is censored at the last contact (the latest date the subject
was seen: a visit that took place, the end-of-study date), and everyone at
the horizon (e.g. day 365): a death or contact after it is not counted. The
survival curve is the Kaplan-Meier product-limit estimate; a subject censored
on a day of deaths is still at risk on that day.

The glucocorticoid status is taken on the date of the timepoint visit, from
the medication log (`edc.domain.lupus_course.glucocorticoid_dose`): free when
no glucocorticoid may be running that day, at a low dose when the daily
prednisone-equivalent dose is at most the study's limit. The log proves
nothing until the site has confirmed it complete through that date
(`medication_review`), so the status is then unconfirmed, never assumed free.
A subject who died or left the study before the visit did not achieve it
(non-responder); one whose visit has not taken place is not counted yet.

Pure: the caller reads the records and passes `as_of`; nothing after it is seen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import Enum

from edc.domain.lupus_course import glucocorticoid_dose

Values = Mapping[str, object]
_PLACES = 9


@dataclass(frozen=True)
class FollowUp:
    """What overall survival reads of one infused subject."""

    subject_number: str
    infusion_date: date
    death_date: date | None
    last_contact: date | None


@dataclass(frozen=True)
class SurvivalTime:
    """Days from the infusion to death (`death`) or to censoring."""

    subject_number: str
    days: int
    death: bool


@dataclass(frozen=True)
class KaplanMeierStep:
    """The estimate after one day with deaths or censoring."""

    day: int
    at_risk: int
    deaths: int
    censored: int
    survival: float


@dataclass(frozen=True)
class Survival:
    """Every subject's time, the curve, the estimate at the horizon and the median (None: not reached)."""

    horizon_days: int
    times: tuple[SurvivalTime, ...]
    curve: tuple[KaplanMeierStep, ...]
    at_horizon: float
    median_days: int | None


def survival_time(subject: FollowUp, horizon_days: int, as_of: date) -> SurvivalTime:
    """The subject's survival time up to the horizon, with nothing after `as_of` seen."""
    end = min(subject.infusion_date + timedelta(days=horizon_days), as_of)
    if subject.death_date is not None and subject.death_date <= end:
        return SurvivalTime(subject.subject_number, (subject.death_date - subject.infusion_date).days, True)
    seen = subject.last_contact if subject.last_contact is not None else subject.infusion_date
    censored = max(min(seen, end), subject.infusion_date)
    return SurvivalTime(subject.subject_number, (censored - subject.infusion_date).days, False)


def overall_survival(subjects: Sequence[FollowUp], horizon_days: int, as_of: date) -> Survival:
    """Overall survival of the infused subjects (see the module docstring)."""
    if horizon_days < 1:
        raise ValueError(f"horizon_days must be at least 1, got {horizon_days}")
    times = tuple(survival_time(s, horizon_days, as_of) for s in subjects)
    curve = kaplan_meier(times)
    median = next((step.day for step in curve if step.survival <= 0.5), None)
    return Survival(horizon_days, times, curve, survival_at(curve, horizon_days), median)


def kaplan_meier(times: Sequence[SurvivalTime]) -> tuple[KaplanMeierStep, ...]:
    """The product-limit estimate: one step per day with a death or a censoring, in day order."""
    steps: list[KaplanMeierStep] = []
    survival = 1.0
    for day in sorted({t.days for t in times}):
        at_risk = sum(1 for t in times if t.days >= day)
        deaths = sum(1 for t in times if t.days == day and t.death)
        survival = round(survival * (1 - deaths / at_risk), _PLACES)
        steps.append(KaplanMeierStep(day, at_risk, deaths, sum(1 for t in times if t.days == day) - deaths, survival))
    return tuple(steps)


def survival_at(curve: Sequence[KaplanMeierStep], day: int) -> float:
    """The estimated probability of surviving past `day` (1.0 before the first death)."""
    return next((step.survival for step in reversed(curve) if step.day <= day), 1.0)


class SteroidStatus(Enum):
    """A subject's glucocorticoid status at the timepoint."""

    FREE = "free"
    LOW_DOSE = "low_dose"
    ABOVE_LOW_DOSE = "above_low_dose"
    DOSE_UNKNOWN = "dose_unknown"  # on glucocorticoids, one without a daily dose (pulse, weekly): not free
    UNCONFIRMED = "unconfirmed"  # the log is not confirmed complete through the timepoint: undecidable
    DIED = "died"  # before the timepoint: not achieved
    DISCONTINUED = "discontinued"  # left the study before the timepoint: not achieved
    NOT_REACHED = "not_reached"  # the timepoint visit has not taken place yet


@dataclass(frozen=True)
class SteroidCourse:
    """What the glucocorticoid status reads of one infused subject."""

    subject_number: str
    timepoint: date | None  # the date the timepoint visit took place
    died_on: date | None
    discontinued_on: date | None  # end of study other than completion
    medications: Mapping[int, Values] = field(default_factory=dict)  # medication log line -> values
    complete_through: date | None = None  # the latest date the site confirmed the log complete up to


@dataclass(frozen=True)
class SteroidOutcome:
    """One subject's status, the date it was taken on and the dose then (None: none taken or unknown)."""

    subject_number: str
    status: SteroidStatus
    on: date | None
    mg_day: float | None


def steroid_outcome(course: SteroidCourse, low_dose_max_mg_day: float, as_of: date) -> SteroidOutcome:
    """The subject's glucocorticoid status at the timepoint (see the module docstring)."""
    number = course.subject_number
    if course.timepoint is None or course.timepoint > as_of:
        for status, ended in ((SteroidStatus.DIED, course.died_on),
                              (SteroidStatus.DISCONTINUED, course.discontinued_on)):
            if ended is not None and ended <= as_of:
                return SteroidOutcome(number, status, ended, None)
        return SteroidOutcome(number, SteroidStatus.NOT_REACHED, None, None)
    on = course.timepoint
    dose = glucocorticoid_dose(course.medications, on, course.complete_through)
    if dose.unconfirmed:
        return SteroidOutcome(number, SteroidStatus.UNCONFIRMED, on, None)
    if dose.unknown:
        return SteroidOutcome(number, SteroidStatus.DOSE_UNKNOWN, on, None)
    if not dose.counted:
        return SteroidOutcome(number, SteroidStatus.FREE, on, 0.0)
    assert dose.mg_day is not None
    low = round(dose.mg_day - low_dose_max_mg_day, _PLACES) <= 0
    return SteroidOutcome(number, SteroidStatus.LOW_DOSE if low else SteroidStatus.ABOVE_LOW_DOSE, on, dose.mg_day)


@dataclass(frozen=True)
class Proportion:
    """`achieved` of `evaluated` subjects; `value` None while none is evaluated."""

    achieved: int
    evaluated: int

    @property
    def value(self) -> float | None:
        """The proportion achieved among those evaluated, or None when nobody could be evaluated."""
        return None if self.evaluated == 0 else round(self.achieved / self.evaluated, _PLACES)


_NOT_ACHIEVED = (SteroidStatus.ABOVE_LOW_DOSE, SteroidStatus.DIED, SteroidStatus.DISCONTINUED)


def glucocorticoid_free(outcomes: Sequence[SteroidOutcome]) -> Proportion:
    """Subjects free of glucocorticoids at the timepoint, of those whose status is known (non-responders
    included, unconfirmed logs and visits not yet done left out)."""
    counts = _counts(outcomes)
    evaluated = sum(counts[s] for s in (SteroidStatus.FREE, SteroidStatus.LOW_DOSE, SteroidStatus.DOSE_UNKNOWN,
                                        *_NOT_ACHIEVED))
    return Proportion(counts[SteroidStatus.FREE], evaluated)


def at_most_low_dose(outcomes: Sequence[SteroidOutcome]) -> Proportion:
    """Subjects free of glucocorticoids or at a low dose at the timepoint; an unknown dose is left out."""
    counts = _counts(outcomes)
    achieved = counts[SteroidStatus.FREE] + counts[SteroidStatus.LOW_DOSE]
    return Proportion(achieved, achieved + sum(counts[s] for s in _NOT_ACHIEVED))


def _counts(outcomes: Sequence[SteroidOutcome]) -> dict[SteroidStatus, int]:
    return {status: sum(1 for o in outcomes if o.status is status) for status in SteroidStatus}
