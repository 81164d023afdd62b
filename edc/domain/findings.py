"""A finding: what a failed check reports, whether a CEL edit check or a design check in Python."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Finding:
    """A failed edit check: which check, how serious, on which item, and the values it read."""

    check_id: str
    severity: Literal["error", "warning"]
    message: str
    item: str | None
    values: Mapping[str, object]
