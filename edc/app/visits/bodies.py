"""Request and response bodies of the visits routes (msgspec structs; requests strict, unknown fields refused)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from msgspec import Meta, Struct

from edc.app.kernel.wire import Reason, Strict


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
    forms: Annotated[list[str], Meta(description="The forms the visit collects for the subject's cohort.")]
