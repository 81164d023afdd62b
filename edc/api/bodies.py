"""Request and response bodies of the API (msgspec structs: strict, unknown fields refused).

Form payloads are not here: they are checked against the form definition by
the capture layer, and their schemas come from `edc.api.form_schemas`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import msgspec
from msgspec import Meta, Struct

Reason = Annotated[str, Meta(min_length=1, max_length=2000, description="Why the change is made (audit trail).")]


class Strict(Struct, forbid_unknown_fields=True, kw_only=True):
    """A request body: unknown or server-owned fields are refused, never ignored."""


class LoginRequest(Strict):
    username: Annotated[str, Meta(min_length=1, max_length=64)]
    password: Annotated[str, Meta(min_length=1, max_length=1024)]


class TokenOut(Struct, kw_only=True):
    token: str
    token_type: str = "Bearer"
    expires_at: datetime


class GrantOut(Struct, kw_only=True):
    role: str
    study_id: str | None
    site_id: int | None


class MeOut(Struct, kw_only=True):
    user_id: int
    username: str
    full_name: str
    grants: list[GrantOut]


class ScreenRequest(Strict):
    site: Annotated[str, Meta(min_length=1, max_length=4, description="Site code from the study definition.")]
    screened_on: date
    cohort: Annotated[str, Meta(max_length=8, description="Cohort id, required when the study has cohorts.")] | None = (
        None)


class SubjectOut(Struct, kw_only=True):
    subject_number: str
    site: str
    cohort: str | None
    dose_level: str | None
    status: str
    screened_on: date
    enrolled_on: date | None = None


class SubjectList(Struct, kw_only=True):
    items: list[SubjectOut]
    next: str | None = msgspec.field(default=None)


class ScheduleRequest(Strict):
    infusion_date: date


class UnscheduledRequest(Strict):
    visit_date: date | None = None


class VisitDateRequest(Strict):
    visit_date: date
    reason: Reason | None = None


class MissedRequest(Strict):
    reason: Reason


class VisitOut(Struct, kw_only=True):
    visit_code: str
    occurrence: int
    status: str
    planned_date: date | None
    earliest: date | None
    latest: date | None
    visit_date: date | None
    out_of_window: bool
    forms: list[str]


class FindingOut(Struct, kw_only=True):
    check_id: str
    severity: str
    item: str | None
    message: str


class RecordOut(Struct, kw_only=True):
    study_id: str
    subject_number: str
    visit_code: str
    occurrence: int
    form_id: str
    seq: int
    version: int
    values: dict[str, Any]
    findings: list[FindingOut]


class CorrectionRequest(Strict):
    reason: Reason
    changes: dict[str, Any]


class SiteOut(Struct, kw_only=True):
    code: str
    name: str


class VisitDefOut(Struct, kw_only=True):
    code: str
    name: str
    day: int
    window_before: int
    window_after: int
    forms: list[str]


class StudyOut(Struct, kw_only=True):
    id: str
    title: str
    version: str
    sites: list[SiteOut]
    cohorts: list[str]
    visits: list[VisitDefOut]
    forms: list[str]


class CriterionOut(Struct, kw_only=True):
    id: str
    kind: str
    text: str
    status: Annotated[str, Meta(description="met, not_met or undecidable (data missing).")]
    values: Annotated[dict[str, Any], Meta(description="The values the criterion read (null: not entered).")]
    missing: list[str]


class DecisionOut(Struct, kw_only=True):
    decision: str
    computed_status: str
    reason: str
    decided_by: str
    decided_at: datetime


class EligibilityOut(Struct, kw_only=True):
    subject_number: str
    cohort: str | None
    subject_status: str
    status: Annotated[str, Meta(description="eligible, not_eligible or pending, computed from the data now.")]
    criteria: list[CriterionOut]
    decision: DecisionOut | None


class DecisionRequest(Strict):
    decision: Annotated[str, Meta(pattern="^(eligible|not_eligible)$")]
    reason: Reason


class EnrolRequest(Strict):
    enrolled_on: date


class AssessmentOut(Struct, kw_only=True):
    visit_code: str
    occurrence: int
    assessed_on: date | None
    sledai_2k: int
    clinical_sledai_2k: Annotated[int, Meta(description="SLEDAI-2K without low complement and anti-dsDNA (DORIS).")]
    pga: float
    bilag: dict[str, str] | None
    active_descriptors: list[str]
    prednisone_mg_day: Annotated[float | None, Meta(
        description="Daily prednisone-equivalent dose on the assessment date; null when unknown.")]
    glucocorticoid_lines: Annotated[list[int], Meta(description="Medication log lines summed.")]


class Sri4Out(Struct, kw_only=True):
    met: bool
    sledai_reduction: int
    sledai_met: bool
    new_bilag_a: list[str]
    new_bilag_b: list[str]
    bilag_met: bool
    pga_change: float
    pga_met: bool


class LldasOut(Struct, kw_only=True):
    met: bool
    sledai_met: bool
    no_major_organ_activity: bool
    no_new_activity: bool
    pga_met: bool
    prednisone_met: bool


class DorisOut(Struct, kw_only=True):
    met: bool
    clinical_sledai_met: bool
    pga_met: bool
    prednisone_met: bool


class VisitResponseOut(Struct, kw_only=True):
    assessment: AssessmentOut
    new_activity: list[str]
    sri4: Sri4Out | None
    lldas: LldasOut | None
    doris: DorisOut | None
    undecidable: Annotated[dict[str, str], Meta(description="Why a null response could not be decided.")]


class ResponsesOut(Struct, kw_only=True):
    subject_number: str
    baseline: Annotated[AssessmentOut | None, Meta(
        description="The last complete assessment before the infusion; null while there is none.")]
    visits: list[VisitResponseOut]
