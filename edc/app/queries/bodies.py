"""Request and response bodies of the queries routes (msgspec structs; requests strict, unknown fields refused)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import Meta, Struct

from edc.app.kernel.wire import Reason, Strict


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
