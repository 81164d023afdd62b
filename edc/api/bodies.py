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
    dose_level: Annotated[str | None, Meta(
        description="The dose level the site expects; refused (409) unless it is the level open now.")] = None


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


class ProposalOut(Struct, kw_only=True):
    verdict: Annotated[str, Meta(description="DLT, NOT_DLT, PENDING, REFER_TO_COMMITTEE or NOT_CANDIDATE.")]
    rule: str
    reference: str
    data: dict[str, Any]
    decided_by: Annotated[date | None, Meta(description="PENDING: the day it becomes a DLT without improvement.")]


class EventOut(Struct, kw_only=True):
    aespid: str
    proposal: ProposalOut
    investigator: str | None
    committee: str | None
    outcome: Annotated[str, Meta(description="What the escalation counts: the committee's verdict, else the "
                                             "investigator's, else the proposal (an unconfirmed DLT is PENDING).")]


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


class LevelOut(Struct, kw_only=True):
    id: str
    label: str
    role: str
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


class EscalationDecisionRequest(Strict):
    action: Annotated[str, Meta(description="An action of the 3+3 engine, e.g. escalate, expand_cohort, "
                                            "step_back, declare_mtd, stop_for_review, stop.")]
    reason: Reason
    level: Annotated[str, Meta(max_length=8)] | None = None


class AdjudicationRequest(Strict):
    verdict: Annotated[str, Meta(pattern="^(DLT|NOT_DLT)$")]
    reason: Reason


class QueryMessageOut(Struct, kw_only=True):
    kind: Annotated[str, Meta(description="open, answer, close, reopen or resolved (closed by a correction).")]
    status: str
    text: str
    user: Annotated[str | None, Meta(description="Who wrote it; null for the system.")]
    created_at: datetime


class QueryOut(Struct, kw_only=True):
    id: int
    site: str
    subject_number: str
    visit_code: str | None
    occurrence: int | None
    form: str | None
    seq: int | None
    item: str | None
    origin: Annotated[str, Meta(description="edit_check (opened by a finding) or manual.")]
    check_id: str | None
    status: Annotated[str, Meta(description="open, answered or closed.")]
    text: str
    opened_by: str | None
    opened_at: datetime
    closed_at: datetime | None
    messages: Annotated[list[QueryMessageOut], Meta(description="The thread; empty in lists.")]


class QueryList(Struct, kw_only=True):
    items: list[QueryOut]
    next: str | None = msgspec.field(default=None)


class QueryRequest(Strict):
    subject: Annotated[str, Meta(min_length=1, max_length=20)]
    visit: Annotated[str, Meta(min_length=1, max_length=8)]
    text: Reason
    occurrence: Annotated[int, Meta(ge=1)] = 1
    form: Annotated[str, Meta(max_length=24)] | None = None
    seq: Annotated[int, Meta(ge=1)] = 1
    item: Annotated[str, Meta(max_length=30)] | None = None


class QueryStepRequest(Strict):
    text: Reason


class LockRequest(Strict):
    scope: Annotated[str, Meta(pattern="^(study|subject|visit|record)$")]
    state: Annotated[str, Meta(pattern="^(frozen|locked)$")]
    subject: Annotated[str, Meta(max_length=20)] | None = None
    visit: Annotated[str, Meta(max_length=8)] | None = None
    occurrence: Annotated[int, Meta(ge=1)] = 1
    form: Annotated[str, Meta(max_length=24)] | None = None
    seq: Annotated[int, Meta(ge=1)] = 1


class LockOut(Struct, kw_only=True):
    id: int
    scope: str
    state: Annotated[str, Meta(description="frozen (no data changes) or locked (no query steps either).")]
    subject_number: str | None
    visit_code: str | None
    occurrence: int | None
    form: str | None
    seq: int | None
    created_by: str
    created_at: datetime


class ReleaseRequest(Strict):
    reason: Reason


class SignRequest(Strict):
    scope: Annotated[str, Meta(pattern="^(record|visit|casebook)$")]
    password: Annotated[str, Meta(min_length=1, max_length=1024, description="The signer's password, again.")]
    meaning: Annotated[str, Meta(min_length=1, max_length=500,
                                 description="What the signature means, e.g. 'I approve the data as accurate'.")]
    visit: Annotated[str, Meta(max_length=8)] | None = None
    occurrence: Annotated[int, Meta(ge=1)] = 1
    form: Annotated[str, Meta(max_length=24)] | None = None
    seq: Annotated[int, Meta(ge=1)] = 1


class SignatureOut(Struct, kw_only=True):
    id: int
    scope: str
    visit_code: str | None
    occurrence: int | None
    form: str | None
    seq: int | None
    signer: str
    signer_name: str
    meaning: str
    signed_at: Annotated[datetime, Meta(description="UTC.")]
    content_sha256: Annotated[str, Meta(description="SHA-256 of what was signed.")]
    valid: Annotated[bool, Meta(description="False once anything signed has changed: sign again.")]
    invalidated_at: datetime | None
    invalidated_reason: str | None


class SdvRequest(Strict):
    subject: Annotated[str, Meta(min_length=1, max_length=20)]
    visit: Annotated[str, Meta(min_length=1, max_length=8)]
    occurrence: Annotated[int, Meta(ge=1)] = 1
    form: Annotated[str, Meta(max_length=24)] | None = None
    seq: Annotated[int, Meta(ge=1)] = 1
    items: Annotated[list[str], Meta(min_length=1)] | None = None


class SdvResultOut(Struct, kw_only=True):
    marked: Annotated[int, Meta(description="Items newly marked verified (already verified ones are kept).")]


class SdvProgressOut(Struct, kw_only=True):
    site: str
    subject_number: str
    records: int
    records_verified: int
    items: int
    items_verified: int


class SiteStatusOut(Struct, kw_only=True):
    site: Annotated[str, Meta(description="The site code, or 'all' for the total over the sites listed.")]
    subjects: int
    expected: Annotated[int, Meta(description="Forms of the scheduled visits that are due (missed ones left out).")]
    entered: int
    verified: Annotated[int, Meta(description="Records whose every entered item is source-verified.")]
    signed: Annotated[int, Meta(description="Records covered by a valid signature.")]
    locked: Annotated[int, Meta(description="Records covered by an active freeze or lock.")]
    open_queries: Annotated[dict[str, int], Meta(description="Open queries by age in days: 0-7, 8-30, >30.")]
    answered_queries: int
    overdue_visits: Annotated[int, Meta(description="Scheduled visits not dated nor missed, past their window.")]


class ExportRequest(Strict):
    formats: Annotated[list[Annotated[str, Meta(max_length=10)]], Meta(
        max_length=10, description="Any of xpt, json, csv (define.xml is always written); all three when absent.",
    )] | None = None


class ExportProgressOut(Struct, kw_only=True):
    dataset: Annotated[str | None, Meta(description="The dataset being exported, e.g. AE.")]
    step: str | None
    done: Annotated[int, Meta(description="Datasets done.")]
    total: Annotated[int | None, Meta(description="Datasets to export; null until the export has begun.")]


class ExportFailureOut(Struct, kw_only=True):
    domain: str
    variable: str | None
    usubjid: str | None
    value: Any
    message: str
    row: Annotated[int | None, Meta(description="The record's 1-based position in its dataset.")]


class ExportFileOut(Struct, kw_only=True):
    name: str
    media_type: str
    url: str


class ExportJobOut(Struct, kw_only=True):
    id: int
    status: Annotated[str, Meta(description="queued, running, succeeded or failed.")]
    formats: list[str]
    requested_by: str
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    progress: ExportProgressOut
    rows: Annotated[dict[str, int] | None, Meta(description="Rows per dataset, once succeeded.")]
    files: Annotated[list[ExportFileOut], Meta(description="The files to download, once succeeded.")]
    failures: Annotated[list[ExportFailureOut], Meta(description="Why the data fail SDTM validation.")]
    error: str | None


class ExportJobList(Struct, kw_only=True):
    items: list[ExportJobOut]
    next: str | None = msgspec.field(default=None)
