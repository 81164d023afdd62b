"""Request and response bodies of the subjects routes (msgspec structs; requests strict, unknown fields refused)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import msgspec
from msgspec import Meta, Struct

from edc.app.kernel.wire import Strict


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


class SiteOut(Struct, kw_only=True):
    code: str
    name: str


class VisitDefOut(Struct, kw_only=True):
    code: str
    name: str
    day: int
    window_before: int
    window_after: int
    forms: Annotated[list[str], Meta(description="Every form the visit collects, for one cohort or all.")]
    form_cohorts: Annotated[dict[str, list[str]], Meta(
        description="The forms collected for some cohorts only, with those cohorts; entering one for a subject of "
                    "another cohort is refused (409 form-not-for-cohort).")] = msgspec.field(default_factory=dict)


class StudyOut(Struct, kw_only=True):
    id: str
    title: str
    version: str
    sites: list[SiteOut]
    cohorts: list[str]
    visits: list[VisitDefOut]
    forms: list[str]
