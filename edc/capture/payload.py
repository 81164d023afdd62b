"""Turning a submitted form payload (JSON values) into typed item values, with every item error at once.

What the API receives is checked against the form's definition: unknown
items and server-owned (calculated) items are refused, never ignored; each
value must have its item's type, format, length, precision, range and
codelist; a required item must be present when its skip logic asks for it,
and an item must be empty when its skip logic does not. The result is either
the typed values or the complete list of `ItemError`s, so a client can fix
everything in one round. An item with other units is given as a number in
its unit or as `{"value": ..., "unit": ...}`; its values are the standard
one and the two kept as entered (`edc.capture.measured`).

Whatever a client sends, the result is one of the two, never an exception,
and a value accepted is one its column stores and gives back unchanged:
numbers within what the column holds exactly (`edc.capture.limits`), digits
ASCII only (Python's `int`, `Decimal` and `\\d` also take "２０２６"), dates
within the plausible range (`edc.config.plausible_dates`), partial dates
checked part by part, and no control character in any text (PostgreSQL
refuses NUL).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from edc.capture.limits import OutOfBounds, check_decimal, check_integer
from edc.capture.measured import parse_measurement, stored_columns
from edc.capture.numbers import Invalid, check_range, number_of, places, shown, shown_number
from edc.config import plausible_dates
from edc.definitions.conversions import is_converted, owner
from edc.definitions.model import Codelist, Form, Item

# Every pattern spells its digits [0-9] and is ASCII-only: `\d` also matches "２" and other scripts' digits.
_PARTIAL_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?", re.ASCII)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_TIME = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]", re.ASCII)
_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.][0-9]{1,6})?)?"
                       r"(Z|[+-][0-9]{2}:[0-9]{2})?", re.ASCII)
# C0 controls but tab, line feed and carriage return, DEL, C1 controls, and lone surrogates (not UTF-8).
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


@dataclass(frozen=True)
class ItemError:
    """One problem with one item of a submission (RFC 9457 `errors` entry)."""

    item: str
    message: str
    value: object = None


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
        try:
            value = None if raw is None else parse_value(item, codelists, raw)
        except Invalid as exc:
            errors.append(ItemError(item.name, str(exc), raw))
            continue
        values.update(stored_columns(item, value))
    return ParsedPayload(values, tuple(errors))


def _refused(form: Form, name: str) -> bool:
    item = form.item(name)
    return item is None or item.is_calculated


def _unknown_or_owned(form: Form, name: str) -> str:
    kept_for = owner(form, name) if isinstance(name, str) else name
    if kept_for != name:
        return f"kept by the server as '{kept_for}' was entered; send '{kept_for}' with its unit instead"
    if form.item(name) is None:
        quoted = f"'{name}'" if isinstance(name, str) and _CONTROL.search(name) is None else shown(name)
        return f"form '{form.id}' has no item {quoted}"
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
    """One JSON value as the typed value of `item`; raises Invalid with a readable reason.

    An item entered in one of several units gives a `Measurement` (the standard value and what was entered).
    """
    try:
        if is_converted(item):
            return parse_measurement(item, raw)
        value = _PARSERS[item.type](item, codelists, raw)
    except OutOfBounds as exc:
        raise Invalid(str(exc)) from None
    check_range(item, value)
    return value


def _integer(item: Item, _: Mapping[str, Codelist], raw: object) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise Invalid(f"must be a whole number, got {shown(raw)}")
    check_integer(raw)
    return raw


def _decimal(item: Item, _: Mapping[str, Codelist], raw: object) -> Decimal:
    value = number_of(raw)
    most = item.precision or 0
    if places(value) > most:
        raise Invalid(f"at most {most} decimal place(s), got {shown_number(raw)}")
    check_decimal(item, value)
    return value


def _text(item: Item, _: Mapping[str, Codelist], raw: object) -> str:
    if not isinstance(raw, str):
        raise Invalid(f"must be text, got {shown(raw)}")
    if item.max_length is not None and len(raw) > item.max_length:
        raise Invalid(f"at most {item.max_length} characters, got {len(raw)}")
    _refuse_control(raw, _CONTROL_IN_TEXT, " (tabs and line breaks are allowed)")
    return raw


def _refuse_control(raw: str, pattern: re.Pattern[str], hint: str = "") -> None:
    found = pattern.search(raw)
    if found is not None:
        character = f"U+{ord(found.group()):04X}"
        raise Invalid(f"contains a control or invalid character ({character}) at position {found.start() + 1}; "
                      f"remove it{hint}")


def _date(item: Item, _: Mapping[str, Codelist], raw: object) -> date:
    if not isinstance(raw, str) or _DATE.fullmatch(raw) is None:
        raise Invalid(f"must be a date as YYYY-MM-DD, got {shown(raw)}")
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise Invalid(f"{raw} is not a calendar date") from None
    _check_plausible(raw, value, value)
    return value


def _partial_date(item: Item, _: Mapping[str, Codelist], raw: object) -> str:
    match = _PARTIAL_DATE.fullmatch(raw) if isinstance(raw, str) else None
    if not isinstance(raw, str) or match is None:
        raise Invalid(f"must be a date as YYYY, YYYY-MM or YYYY-MM-DD, got {shown(raw)}")
    year_text, month_text, day_text = match.groups()
    year = int(year_text)
    if year < 1:
        raise Invalid(f"{raw} is not a calendar date: there is no year 0000")
    month = int(month_text) if month_text is not None else None
    if month is not None and not 1 <= month <= 12:
        raise Invalid(f"{raw} is not a calendar date: the month is 01 to 12")
    days = calendar.monthrange(year, month)[1] if month is not None else 31
    day = int(day_text) if day_text is not None else None
    if day is not None and not 1 <= day <= days:
        raise Invalid(f"{raw} is not a calendar date: the day is 01 to {days}")
    first = date(year, month or 1, day or 1)
    last = date(year, month or 12, day or days)
    _check_plausible(raw, first, last)
    _check_identifying(item, raw, month is not None, day is not None)
    return raw


def _check_identifying(item: Item, raw: str, has_month: bool, has_day: bool) -> None:
    """An identifying date (a date of birth) is refused finer than its declared precision, never truncated:
    the site must decide what it records, and nothing finer may reach the audit trail."""
    if item.identifying is None:
        return
    finest = item.identifying.precision
    if has_day or (finest == "year" and has_month):
        kept = "YYYY-MM" if finest == "month" else "YYYY"
        raise Invalid(f"{raw} is too precise for an identifier: record no more than {kept}")


def _check_plausible(raw: str, first: date, last: date) -> None:
    """Refuse a date (or a partial date spanning first..last) wholly outside the plausible range."""
    low, high = plausible_dates()
    if last < low or first > high:
        raise Invalid(f"{raw} is not a plausible date: dates from {low.isoformat()} to {high.isoformat()} "
                      "are accepted")


def _datetime(item: Item, _: Mapping[str, Codelist], raw: object) -> datetime:
    match = _DATETIME.fullmatch(raw) if isinstance(raw, str) else None
    if not isinstance(raw, str) or match is None:
        raise Invalid(f"must be a UTC date and time such as 2025-03-31T14:05:00Z, got {shown(raw)}")
    if match.group(1) is None:
        raise Invalid("needs a time zone: send UTC with a Z")
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid(f"{raw} is not a calendar date and time") from None
    _check_plausible(raw, value.date(), value.date())  # first, so that converting to UTC cannot overflow
    moment = value.astimezone(UTC)
    _check_plausible(f"{raw} (in UTC {moment.date().isoformat()})", moment.date(), moment.date())
    return moment


def _time(item: Item, _: Mapping[str, Codelist], raw: object) -> str:
    if not isinstance(raw, str) or not _TIME.fullmatch(raw):
        raise Invalid(f"must be a time as HH:MM (24 h), got {shown(raw)}")
    return raw


def _boolean(item: Item, _: Mapping[str, Codelist], raw: object) -> bool:
    if not isinstance(raw, bool):
        raise Invalid(f"must be true or false, got {shown(raw)}")
    return raw


def _choice(item: Item, codelists: Mapping[str, Codelist], raw: object) -> str:
    codes = codelists[item.codelist or ""].codes()
    if isinstance(raw, str):
        _refuse_control(raw, _CONTROL)
    if not isinstance(raw, str) or raw not in codes:
        raise Invalid(f"must be one of {', '.join(codes)}, got {shown(raw)}")
    return raw


def _multichoice(item: Item, codelists: Mapping[str, Codelist], raw: object) -> list[str]:
    if not isinstance(raw, list):
        raise Invalid(f"must be a list of codes, got {shown(raw)}")
    chosen = [_choice(item, codelists, code) for code in raw]
    if len(set(chosen)) != len(chosen):
        raise Invalid("lists a code twice")
    return chosen


_PARSERS: dict[str, Callable[[Item, Mapping[str, Codelist], object], object]] = {
    "integer": _integer, "decimal": _decimal, "text": _text, "date": _date, "partial_date": _partial_date,
    "datetime": _datetime, "time": _time, "boolean": _boolean, "choice": _choice, "multichoice": _multichoice,
}
