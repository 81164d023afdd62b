"""Request and response bodies of the signatures routes (msgspec structs; requests strict, unknown fields refused)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from msgspec import Meta, Struct

from edc.app.kernel.wire import Strict


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
