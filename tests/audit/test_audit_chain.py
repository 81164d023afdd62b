"""The pure hash chain: canonical serialisation, the event hash and the canonical text of values."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from edc.audit.chain import GENESIS_HASH, HASHED_FIELDS, canonical_json, event_hash, utc_iso, value_text

FIELDS: dict[str, Any] = dict.fromkeys(HASHED_FIELDS) | {
    "id": 1, "occurred_at": datetime(2026, 1, 5, 9, 30, tzinfo=UTC), "action": "record.create",
    "user_id": 7, "item": "sysbp", "new_value": "128",
}


def test_genesis_is_64_zeros() -> None:
    assert GENESIS_HASH == "0" * 64


def test_canonical_json_sorts_keys_and_writes_utc_with_z() -> None:
    text = canonical_json({"b": None, "a": datetime(2026, 1, 5, 10, 30, tzinfo=timezone(timedelta(hours=1)))})
    assert text == '{"a":"2026-01-05T09:30:00.000000Z","b":null}'


def test_a_naive_timestamp_is_read_as_utc() -> None:
    assert utc_iso(datetime(2026, 1, 5, 9, 30)) == utc_iso(datetime(2026, 1, 5, 9, 30, tzinfo=UTC))


def test_event_hash_is_sha256_of_the_fields_and_previous_hash() -> None:
    expected = hashlib.sha256(canonical_json({**FIELDS, "prev_hash": GENESIS_HASH}).encode()).hexdigest()
    assert event_hash(GENESIS_HASH, FIELDS) == expected
    assert len(expected) == 64


@pytest.mark.parametrize("name", [*HASHED_FIELDS, "prev_hash"])
def test_every_field_and_the_link_change_the_hash(name: str) -> None:
    before = event_hash(GENESIS_HASH, FIELDS)
    if name == "prev_hash":
        assert event_hash("1" * 64, FIELDS) != before
    else:
        assert event_hash(GENESIS_HASH, {**FIELDS, name: "changed"}) != before


def test_missing_or_extra_fields_are_refused() -> None:
    with pytest.raises(ValueError, match="missing"):
        event_hash(GENESIS_HASH, {k: v for k, v in FIELDS.items() if k != "reason"})
    with pytest.raises(ValueError, match="extra"):
        event_hash(GENESIS_HASH, {**FIELDS, "hash": "x"})


@pytest.mark.parametrize(("value", "text"), [
    (None, None),
    (128, "128"),
    (Decimal("61.50"), "61.50"),
    (True, "true"),
    ("Pyrexia", '"Pyrexia"'),
    ("naïve", '"naïve"'),
    (date(2026, 1, 5), '"2026-01-05"'),
    (datetime(2026, 1, 5, 9, 30, tzinfo=UTC), '"2026-01-05T09:30:00.000000Z"'),
    (["a", "b"], '["a","b"]'),
])
def test_value_text_is_the_json_of_the_value(value: object, text: str | None) -> None:
    assert value_text(value) == text
    if text is not None:
        json.loads(text)


def test_value_text_refuses_what_it_cannot_represent() -> None:
    with pytest.raises(ValueError):
        value_text(float("nan"))
    with pytest.raises(TypeError):
        value_text(object())
