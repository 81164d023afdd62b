"""Request and response bodies of the responses routes (msgspec structs; requests strict, unknown fields refused)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from msgspec import Meta, Struct


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
