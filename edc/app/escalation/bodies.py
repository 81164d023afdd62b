"""Request and response bodies of the escalation routes (msgspec structs; requests strict, unknown fields refused)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import msgspec
from msgspec import Meta, Struct

from edc.app.kernel.wire import Reason, Strict
from edc.definitions.model import DoseUnit


class ProposalOut(Struct, kw_only=True):
    verdict: Annotated[str, Meta(description="DLT, NOT_DLT, PENDING, REFER_TO_COMMITTEE or NOT_CANDIDATE.")]
    rule: str
    reference: str
    data: Annotated[dict[str, Any], Meta(description=(
        "What the rule read: dates, the limits by their YAML key (max_days_to_improve, max_hours_to_improve...), "
        "days_to_improvement or hours_to_improvement (null while not known), and for a limit in hours that "
        "missing times of day leave open its bounds (hours_to_improvement_at_least/_at_most) and `undecidable`, "
        "saying which time to record."))]
    decided_by: Annotated[date | None, Meta(description=(
        "PENDING: the day it becomes a DLT without improvement; null when only a missing time of day keeps it "
        "undecided (see data.undecidable)."))]


class EventOut(Struct, kw_only=True):
    aespid: str
    proposal: ProposalOut
    investigator: str | None
    committee: str | None
    signed: Annotated[bool, Meta(description="A valid signature covers the investigator's assessment.")]
    outcome: Annotated[str, Meta(description="What the escalation counts: the committee's verdict, else the "
                                             "decision the trial declares (escalation.dlt_outcome); PENDING until "
                                             "it exists, NOT_CANDIDATE for an event that needs none.")]
    awaiting: Annotated[str | None, Meta(description="What the outcome still awaits: 'committee verdict', "
                                                     "\"investigator's assessment\", \"investigator's signed "
                                                     "assessment\" or \"investigator's signature\"; null once "
                                                     "decided.")]
    awaiting_from: Annotated[str | None, Meta(description="From whom: 'investigator' or the committee's name.")]


class TreatedSubjectOut(Struct, kw_only=True):
    subject_number: str
    dlt_evaluable: bool
    infusion_date: date | None
    window_state: Annotated[str | None, Meta(description="OPEN, DLT, CLOSED_NO_DLT, AWAITING_DECISION or "
                                                         "NOT_EVALUABLE; null before the infusion.")]
    window_end: date | None
    events: list[EventOut]


class CohortOut(Struct, kw_only=True):
    evaluable: int
    dlts: int
    pending: int


class DoseOut(Struct, kw_only=True):
    value: float
    unit: Annotated[str, Meta(description="cells, 10^6 cells, cells/kg or 10^6 cells/kg, as the level states it.")]


class LevelOut(Struct, kw_only=True):
    id: str
    label: str
    role: Annotated[str, Meta(description="start, escalation, backup, higher or intermediate (declared, or opened "
                                          "by the committee: POST .../escalation/intermediate-levels).")]
    dose: DoseOut
    cohort: CohortOut
    subjects: Annotated[list[TreatedSubjectOut], Meta(description="The subjects at sites the caller sees.")]


class OptionOut(Struct, kw_only=True):
    action: str
    level: str | None
    reason: str


class RecommendationOut(Struct, kw_only=True):
    action: str
    level: str | None
    reason: str
    mtd: str | None
    capped: bool
    options: list[OptionOut]


class CommitteeDecisionOut(Struct, kw_only=True):
    action: str
    level: str | None
    recommended_action: str
    recommended_level: str | None
    overrides: bool
    reason: str
    decided_by: str
    decided_at: datetime


class IndicationOut(Struct, kw_only=True):
    cohort: str
    enrolled: Annotated[int, Meta(description="Subjects of the cohort assigned a dose level, at every site.")]
    max_subjects: Annotated[int | None, Meta(description=(
        "The most the cohort enrols (cohorts[].max_subjects); an enrolment past it is refused (409). Null: only "
        "the study's cap."))]


class EscalationOut(Struct, kw_only=True):
    study_id: str
    as_of: date
    enrolled: int
    max_subjects: int | None
    open_level: Annotated[str | None, Meta(description="The level the next enrolment is assigned to; null: none.")]
    slots: Annotated[int | None, Meta(description="Places left at the open level (null: no limit).")]
    expansion: bool
    steered_by_committee: bool
    recommendation: RecommendationOut
    decision: CommitteeDecisionOut | None
    levels: list[LevelOut]
    indications: Annotated[list[IndicationOut], Meta(description="Enrolment per cohort (indication).")] = (
        msgspec.field(default_factory=list))


class EscalationDecisionRequest(Strict):
    action: Annotated[str, Meta(description="An action of the 3+3 engine, e.g. escalate, expand_cohort, "
                                            "step_back, declare_mtd, stop_for_review, stop.")]
    reason: Reason
    level: Annotated[str, Meta(max_length=8)] | None = None


class AdjudicationRequest(Strict):
    verdict: Annotated[str, Meta(pattern="^(DLT|NOT_DLT)$")]
    reason: Reason


class DoseIn(Strict):
    value: Annotated[float, Meta(gt=0, le=1e15, description="The dose, in `unit`.")]
    unit: Annotated[DoseUnit, Meta(
        description="The unit the study's dose levels state their dose in (RD06-04: cells/kg).")]


class IntermediateLevelRequest(Strict):
    dose: Annotated[DoseIn, Meta(description="Strictly between the doses of two adjacent declared levels.")]
    reason: Reason


class IntermediateLevelOut(Struct, kw_only=True):
    id: Annotated[str, Meta(description="The new level's id: the lower level's with a letter (DL1 -> DL1A).")]
    label: str
    role: str
    dose: DoseOut
    lower_level: str
    upper_level: str
    decision: Annotated[CommitteeDecisionOut, Meta(description=(
        "The committee decision that opened it: escalate to it (above the highest level treated) or step_back "
        "to it (below); it steers enrolment to the new level."))]
