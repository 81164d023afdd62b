"""Request and response bodies of the sdv routes (msgspec structs; requests strict, unknown fields refused)."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct

from edc.app.kernel.wire import Strict


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
