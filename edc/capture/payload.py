"""Turning a submitted form payload (JSON values) into typed item values, with every item error at once.

What the API receives is checked against the form's definition: unknown
items and server-owned (calculated) items are refused, never ignored; each
value must have its item's type, format, length, precision, range and
codelist; a required item must be present when its skip logic asks for it,
and an item must be empty when its skip logic does not. The result is either
the typed values or the complete list of `ItemError`s, so a client can fix
everything in one round.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from edc.definitions.model import Codelist, Form, Item

_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class ItemError:
    """One problem with one item of a submission (RFC 9457 `errors` entry)."""

    item: str
    message: str
    value: object = None


class Invalid(ValueError):
    """A value that does not fit its item; the message is shown to site staff."""


@dataclass(frozen=True)
class ParsedPayload:
    values: dict[str, object]
    errors: tuple[ItemError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_payload(
    form: Form,
    codelists: Mapping[str, Codelist],
    payload: Mapping[str, object],
    applicable: Mapping[str, bool | None] | None = None,
) -> ParsedPayload:
    """Validate `payload` against `form`. `applicable` holds each item's skip-logic verdict (None: unknown)."""
    errors = [ItemError(name, _unknown_or_owned(form, name), value)
              for name, value in payload.items() if _refused(form, name)]
    values: dict[str, object] = {}
    for item in form.items:
        if item.is_calculated:
            continue
        raw = _blank_to_none(payload.get(item.name))
        asked = (applicable or {}).get(item.name, True)
        problem = _presence_problem(item, raw, asked)
        if problem is not None:
            errors.append(ItemError(item.name, problem, raw))
            continue
        if raw is None:
            values[item.name] = None
            continue
        try:
            values[item.name] = parse_value(item, codelists, raw)
        except Invalid as exc:
            errors.append(ItemError(item.name, str(exc), raw))
    return ParsedPayload(values, tuple(errors))


def _refused(form: Form, name: str) -> bool:
    item = form.item(name)
    return item is None or item.is_calculated


def _unknown_or_owned(form: Form, name: str) -> str:
    if form.item(name) is None:
        return f"form '{form.id}' has no item '{name}'"
    return "calculated by the server; do not send it"


def _blank_to_none(value: object) -> object:
    return None if value == "" else value


def _presence_problem(item: Item, raw: object, asked: bool | None) -> str | None:
    if asked is False and raw is not None:
        return f"not asked here (skip logic: {item.when}); leave it empty"
    if asked is True and raw is None and item.required:
        return "required"
    return None


def parse_value(item: Item, codelists: Mapping[str, Codelist], raw: object) -> object:
    """One JSON value as the typed value of `item`; raises Invalid with a readable reason."""
    parser = _PARSERS[item.type]
    value = parser(item, codelists, raw)
    _check_range(item, value)
    return value


def _integer(item: Item, _: Mapping[str, Codelist], raw: object) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise Invalid(f"must be a whole number, got {_shown(raw)}")
    return raw


def _decimal(item: Item, _: Mapping[str, Codelist], raw: object) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise Invalid(f"must be a number, got {_shown(raw)}")
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise Invalid(f"must be a number, got {_shown(raw)}") from None
    if not value.is_finite():
        raise Invalid("must be a finite number")
    exponent = value.normalize().as_tuple().exponent  # 61.50 has one decimal place, like 61.5
    places = max(0, -exponent) if isinstance(exponent, int) else 0
    if places > (item.precision or 0):
        raise Invalid(f"at most {item.precision or 0} decimal place(s), got {raw}")
    return value


def _text(item: Item, _: Mapping[str, Codelist], raw: object) -> str:
    if not isinstance(raw, str):
        raise Invalid(f"must be text, got {_shown(raw)}")
    if item.max_length is not None and len(raw) > item.max_length:
        raise Invalid(f"at most {item.max_length} characters, got {len(raw)}")
    return raw


def _date(item: Item, _: Mapping[str, Codelist], raw: object) -> date:
    if not isinstance(raw, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        raise Invalid(f"must be a date as YYYY-MM-DD, got {_shown(raw)}")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid(f"{raw} is not a calendar date") from None


def _partial_date(item: Item, _: Mapping[str, Codelist], raw: object) -> str:
    match = _PARTIAL_DATE.fullmatch(raw) if isinstance(raw, str) else None
    if match is None:
        raise Invalid(f"must be a date as YYYY, YYYY-MM or YYYY-MM-DD, got {_shown(raw)}")
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        date(year or 1, month or 1, day or 1)
    except ValueError:
        raise Invalid(f"{raw} is not a calendar date") from None
    return str(raw)


def _datetime(item: Item, _: Mapping[str, Codelist], raw: object) -> datetime:
    if not isinstance(raw, str):
        raise Invalid(f"must be a UTC date and time such as 2025-03-31T14:05:00Z, got {_shown(raw)}")
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid(f"must be a UTC date and time such as 2025-03-31T14:05:00Z, got {_shown(raw)}") from None
    if value.tzinfo is None:
        raise Invalid("needs a time zone: send UTC with a Z")
    return value.astimezone(UTC)


def _time(item: Item, _: Mapping[str, Codelist], raw: object) -> str:
    if not isinstance(raw, str) or not _TIME.fullmatch(raw):
        raise Invalid(f"must be a time as HH:MM (24 h), got {_shown(raw)}")
    return raw


def _boolean(item: Item, _: Mapping[str, Codelist], raw: object) -> bool:
    if not isinstance(raw, bool):
        raise Invalid(f"must be true or false, got {_shown(raw)}")
    return raw


def _choice(item: Item, codelists: Mapping[str, Codelist], raw: object) -> str:
    codes = codelists[item.codelist or ""].codes()
    if not isinstance(raw, str) or raw not in codes:
        raise Invalid(f"must be one of {', '.join(codes)}, got {_shown(raw)}")
    return raw


def _multichoice(item: Item, codelists: Mapping[str, Codelist], raw: object) -> list[str]:
    if not isinstance(raw, list):
        raise Invalid(f"must be a list of codes, got {_shown(raw)}")
    chosen = [_choice(item, codelists, code) for code in raw]
    if len(set(chosen)) != len(chosen):
        raise Invalid("lists a code twice")
    return chosen


def _check_range(item: Item, value: object) -> None:
    if item.range is None or not isinstance(value, (int, Decimal)):
        return
    low, high = item.range.min, item.range.max
    unit = f" {item.unit}" if item.unit else ""
    if low is not None and value < Decimal(str(low)):
        raise Invalid(f"below the lowest possible value {_number(low)}{unit}")
    if high is not None and value > Decimal(str(high)):
        raise Invalid(f"above the highest possible value {_number(high)}{unit}")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _shown(raw: object) -> str:
    return repr(raw) if not isinstance(raw, (dict, list)) else type(raw).__name__


_PARSERS: dict[str, Callable[[Item, Mapping[str, Codelist], object], object]] = {
    "integer": _integer, "decimal": _decimal, "text": _text, "date": _date, "partial_date": _partial_date,
    "datetime": _datetime, "time": _time, "boolean": _boolean, "choice": _choice, "multichoice": _multichoice,
}
