"""Response bodies of the endpoints route (msgspec structs)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from msgspec import Meta, Struct


class SurvivalTimeOut(Struct, kw_only=True):
    subject_number: str
    cohort: str | None
    days: Annotated[int, Meta(description="Days from the first infusion to death, or to censoring.")]
    death: Annotated[bool, Meta(description="True: died on that day; false: censored (alive at last contact, or "
                                            "at the horizon).")]


class KaplanMeierStepOut(Struct, kw_only=True):
    day: int
    at_risk: int
    deaths: int
    censored: int
    survival: Annotated[float, Meta(description="Kaplan-Meier estimate of surviving past this day.")]


class OverallSurvivalOut(Struct, kw_only=True):
    horizon_days: int
    subjects: int
    deaths: int
    survival_at_horizon: float
    median_days: Annotated[int | None, Meta(description="Median overall survival; null while not reached.")]
    curve: list[KaplanMeierStepOut]
    times: list[SurvivalTimeOut]
    reference: str | None


class ProportionOut(Struct, kw_only=True):
    achieved: int
    evaluated: int
    proportion: Annotated[float | None, Meta(description="achieved / evaluated; null while none is evaluated.")]


class SteroidSubjectOut(Struct, kw_only=True):
    subject_number: str
    cohort: str | None
    status: Annotated[str, Meta(description=(
        "free, low_dose, above_low_dose, dose_unknown (a glucocorticoid running without a daily dose), "
        "unconfirmed (the medication log is not confirmed complete through the visit date: not counted), died "
        "or discontinued (before the visit: not achieved), not_reached (the visit has not taken place)."))]
    on: Annotated[date | None, Meta(description="The timepoint visit's date, or the date of death or discontinuation.")]
    mg_day: Annotated[float | None, Meta(description="The prednisone-equivalent daily dose on that date.")]


class SteroidGroupOut(Struct, kw_only=True):
    free: ProportionOut
    at_most_low_dose: ProportionOut


class GlucocorticoidFreeOut(Struct, kw_only=True):
    visit: str
    low_dose_max_mg_day: float
    free: Annotated[ProportionOut, Meta(description="Off glucocorticoids at the visit.")]
    at_most_low_dose: Annotated[ProportionOut, Meta(description="Off glucocorticoids or at most the low dose.")]
    by_cohort: dict[str, SteroidGroupOut]
    subjects: list[SteroidSubjectOut]
    reference: str | None


class EndpointsOut(Struct, kw_only=True):
    study_id: str
    as_of: date
    infused: Annotated[int, Meta(description="Infused subjects at the sites the caller sees.")]
    overall_survival: OverallSurvivalOut | None
    glucocorticoid_free: GlucocorticoidFreeOut | None
