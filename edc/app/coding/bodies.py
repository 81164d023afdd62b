"""Request and response bodies of the coding routes (msgspec structs; requests strict, unknown fields refused)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import Meta, Struct

from edc.app.kernel.wire import Reason, Strict

Level = str | int | None


class StudyReleaseOut(Struct, kw_only=True):
    dictionary: Annotated[str, Meta(description="meddra or whodrug.")]
    version: str
    set_at: datetime
    set_by: Annotated[str | None, Meta(description="The data manager who set it; null for an operator's command.")]


class LoadedReleaseOut(Struct, kw_only=True):
    dictionary: str
    version: str
    terms: Annotated[int, Meta(description="LLTs (MedDRA) or drug names (WHODrug) in the release.")]
    loaded_at: datetime


class DictionariesOut(Struct, kw_only=True):
    study: Annotated[list[StudyReleaseOut], Meta(description="The release of each dictionary the study codes with.")]
    loaded: Annotated[list[LoadedReleaseOut], Meta(description="Every release loaded, to choose from.")]


class StudyReleaseRequest(Strict):
    version: Annotated[str, Meta(min_length=1, max_length=40, description="A loaded release, e.g. 27.1.")]


class CodingDecisionOut(Struct, kw_only=True):
    version: Annotated[str, Meta(description="The dictionary release coded with.")]
    code: Annotated[str, Meta(description="The LLT code (MedDRA) or the drug code (WHODrug).")]
    name: str | None
    atc_code: Annotated[str | None, Meta(description="The ATC class chosen for a drug.")]
    method: Annotated[str, Meta(description="auto (an exact match) or manual.")]
    decided_by: Annotated[str | None, Meta(description="Who coded it; null when the system did.")]
    decided_at: datetime | None
    levels: Annotated[dict[str, Level], Meta(
        description="What the export fills: MedDRA llt, pt, hlt, hlgt, soc (names) and their *_code; WHODrug "
                    "drug (the preferred name), drug_code, atc, atc_code.")]


class TermOut(Struct, kw_only=True):
    id: int
    site: str
    subject_number: str
    visit_code: str
    occurrence: int
    form: str
    seq: int
    item: str
    dictionary: str
    verbatim: str
    status: Annotated[str, Meta(description="uncoded (in the queue) or coded.")]
    version: Annotated[int, Meta(description="Changes with every decision; also the ETag.")]
    decision: CodingDecisionOut | None


class TermList(Struct, kw_only=True):
    items: list[TermOut]
    next: str | None = msgspec.field(default=None)


class CodingDecisionRequest(Strict):
    code: Annotated[str, Meta(min_length=1, max_length=11, pattern=r"^[0-9]+$",
                              description="An LLT code of the study's MedDRA release, or a drug code of its "
                                          "WHODrug release.")]
    atc_code: Annotated[str, Meta(
        min_length=1, max_length=7, pattern=r"^[A-Z0-9]+$",
        description="For a drug with several ATC classes: the one that applies.")] | None = None
    reason: Reason | None = None


class TermQueryRequest(Strict):
    text: Reason


class AtcOut(Struct, kw_only=True):
    code: str
    text: str


class EntryOut(Struct, kw_only=True):
    code: str
    name: str
    codable: Annotated[bool, Meta(description="False for a MedDRA LLT that is not current: not to be coded to.")]
    levels: dict[str, Level]
    atc: list[AtcOut]
