"""Request and response bodies of the access routes (msgspec structs; requests strict, unknown fields refused)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from msgspec import Meta, Struct

from edc.app.kernel.wire import Strict


class LoginRequest(Strict):
    username: Annotated[str, Meta(min_length=1, max_length=64)]
    password: Annotated[str, Meta(min_length=1, max_length=1024)]


class TokenOut(Struct, kw_only=True):
    token: str
    token_type: str = "Bearer"
    expires_at: datetime


class GrantOut(Struct, kw_only=True):
    role: str
    study_id: str | None
    site_id: int | None


class MeOut(Struct, kw_only=True):
    user_id: int
    username: str
    full_name: str
    grants: list[GrantOut]
