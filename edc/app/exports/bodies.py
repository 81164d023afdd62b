"""Request and response bodies of the exports routes (msgspec structs; requests strict, unknown fields refused)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from msgspec import Meta, Struct

from edc.app.kernel.wire import Strict


class ExportRequest(Strict):
    formats: Annotated[list[Annotated[str, Meta(max_length=10)]], Meta(
        max_length=10, description="Any of xpt, json, csv (SDTM datasets; define.xml is always written with them) "
                                   "and odm (the study's ODM 1.3.2 file); xpt, json and csv when absent.",
    )] | None = None
    changed_since: Annotated[datetime | None, Meta(
        description="ODM only: the records created or corrected at or after this time (with its offset).")] = None
    changed_until: Annotated[datetime | None, Meta(
        description="ODM only: the records created or corrected before this time (with its offset).")] = None
    allow_uncoded: Annotated[bool, Meta(
        description="Export although verbatim terms (AETERM, MHTERM, CMTRT) are not coded yet: their dictionary "
                    "variables stay null. Without it such an export is refused (409 listing the terms).")] = False


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
    allow_uncoded: bool
    changed_since: datetime | None = None
    changed_until: datetime | None = None
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
