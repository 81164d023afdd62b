"""The audit trail's hash chain, as pure functions: canonical forms and the event hash.

An event's hash is the SHA-256 (hex) of the canonical JSON of its fields plus
the previous event's hash, so changing, removing or reordering any event breaks
every link after it. The canonical JSON has sorted keys, no whitespace, UTF-8
text, `null` for None and timestamps in UTC as `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
The first event's previous hash is `GENESIS_HASH`, 64 zeros.

Item values (old and new) are stored as text in one canonical form,
`value_text`: the JSON of the value, with dates and times as ISO strings and
decimals as exact JSON numbers; None stays None (SQL NULL).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

GENESIS_HASH = "0" * 64

HASHED_FIELDS = (
    "id", "occurred_at", "action", "user_id", "role", "site_id", "study_id", "subject_id",
    "record_id", "form_id", "item", "old_value", "new_value", "reason",
)


@dataclass(frozen=True)
class ChainedEvent:
    """One audit event as written to (or read from) `audit_events`."""

    id: int
    occurred_at: datetime
    action: str
    user_id: int | None
    role: str | None
    site_id: int | None
    study_id: str | None
    subject_id: int | None
    record_id: int | None
    form_id: str | None
    item: str | None
    old_value: str | None
    new_value: str | None
    reason: str | None
    prev_hash: str
    hash: str

    def fields(self) -> dict[str, Any]:
        """The hashed fields (everything but the two hashes)."""
        return {name: value for name, value in asdict(self).items() if name in HASHED_FIELDS}


def utc_iso(moment: datetime) -> str:
    """A timestamp in UTC with microseconds and a Z; a naive one is taken as UTC (SQLite returns those)."""
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(fields: Mapping[str, Any]) -> str:
    """Sorted-keys, compact JSON of `fields`, timestamps as UTC ISO strings."""
    return json.dumps(dict(fields), sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False, default=_json_default)


def event_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    """SHA-256 hex of the canonical JSON of `fields` together with `prev_hash`.

    `fields` must hold exactly `HASHED_FIELDS`, so a forgotten or extra column is an error, not a silent gap.
    """
    if set(fields) != set(HASHED_FIELDS):
        missing, extra = set(HASHED_FIELDS) - set(fields), set(fields) - set(HASHED_FIELDS)
        raise ValueError(f"event fields differ from the hashed fields: missing {sorted(missing)}, "
                         f"extra {sorted(extra)}")
    payload = canonical_json({**fields, "prev_hash": prev_hash})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def value_text(value: object) -> str | None:
    """The canonical text of an item value for `old_value`/`new_value`; None stays None."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot audit a non-finite decimal: {value}")
        return str(value)  # an exact JSON number: 61.50 keeps its scale
    return json.dumps(value, ensure_ascii=False, allow_nan=False, sort_keys=True,
                      separators=(",", ":"), default=_json_default)


def _json_default(value: object) -> object:
    if isinstance(value, datetime):
        return utc_iso(value)
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot audit a value of type {type(value).__name__}")
