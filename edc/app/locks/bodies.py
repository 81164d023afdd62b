"""Request and response bodies of the locks routes (msgspec structs; requests strict, unknown fields refused)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from msgspec import Meta, Struct

from edc.app.kernel.wire import Reason, Strict


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
