"""Request and response bodies of the eligibility routes (msgspec structs; requests strict, unknown fields refused)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from msgspec import Meta, Struct

from edc.app.kernel.wire import Reason, Strict


class CriterionOut(Struct, kw_only=True):
    id: str
    kind: str
    text: str
    status: Annotated[str, Meta(description=(
        "met, not_met or undecidable (data missing), from the subject's side: met means satisfied for "
        "eligibility, so an exclusion is met when its excluding condition is absent."))]
    excluding_condition: Annotated[str | None, Meta(description=(
        "Exclusions only (null for an inclusion): present (the rule is true, the subject is excluded), "
        "absent, or unknown (data missing)."))] = None
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
