"""What every request body shares: the strict base struct and the audited reason."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct

Reason = Annotated[str, Meta(min_length=1, max_length=2000, description="Why the change is made (audit trail).")]


class Strict(Struct, forbid_unknown_fields=True, kw_only=True):
    """A request body: unknown or server-owned fields are refused, never ignored."""
