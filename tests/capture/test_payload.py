"""Submitted payloads are checked item by item against the real library forms; every error comes back at once."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edc.capture.payload import Invalid, parse_payload, parse_value
from edc.definitions.catalog import Catalog, StudyDefinition
from edc.definitions.model import Form, Item


@pytest.fixture(scope="module")
def ic19(catalog: Catalog) -> StudyDefinition:
    return catalog.study("ic19")


def item(study: StudyDefinition, form_id: str, name: str) -> Item:
    found = study.forms[form_id].item(name)
    assert found is not None, (form_id, name)
    return found


def form(study: StudyDefinition, form_id: str) -> Form:
    return study.forms[form_id]


VITALS = {"vsdat": "2025-04-02", "sysbp": 124, "diabp": 78, "pulse": 72, "temp": 36.8, "oxysat": 97,
          "weight": "61.5", "height": 162.0}


def vitals_payload(study: StudyDefinition, **changes: object) -> dict[str, object]:
    items = {i.name for i in form(study, "vital_signs").items if not i.is_calculated}
    payload = {k: v for k, v in VITALS.items() if k in items}
    payload.update(changes)
    return payload


def test_a_valid_vital_signs_record(ic19: StudyDefinition) -> None:
    parsed = parse_payload(form(ic19, "vital_signs"), ic19.codelists, vitals_payload(ic19))
    assert parsed.errors == ()
    assert parsed.values["vsdat"] == date(2025, 4, 2)
    assert parsed.values["sysbp"] == 124
    assert parsed.values["weight"] == Decimal("61.5")


def test_every_error_is_reported_at_once(ic19: StudyDefinition) -> None:
    payload = vitals_payload(ic19, sysbp="high", vsdat="02/04/2025", weight=61.55, heart_rate=70, bmi=22.9)
    payload.pop("diabp")
    parsed = parse_payload(form(ic19, "vital_signs"), ic19.codelists, payload)
    by_item = {e.item: e.message for e in parsed.errors}
    assert by_item["sysbp"] == "must be a whole number, got 'high'"
    assert by_item["vsdat"] == "must be a date as YYYY-MM-DD, got '02/04/2025'"
    assert by_item["weight"] == "at most 1 decimal place(s), got 61.55"
    assert by_item["heart_rate"] == "form 'vital_signs' has no item 'heart_rate'"
    assert by_item["bmi"] == "calculated by the server; do not send it"
    if item(ic19, "vital_signs", "diabp").required:
        assert by_item["diabp"] == "required"
    assert not parsed.ok


@pytest.mark.parametrize(("form_id", "name", "raw", "expected"), [
    ("vital_signs", "sysbp", 120, 120),
    ("vital_signs", "weight", 70, Decimal("70")),
    ("vital_signs", "weight", "70.50", Decimal("70.50")),
    ("demographics", "sex", "F", "F"),
    ("concomitant_medications", "cmstdat", "2025-04", "2025-04"),
    ("concomitant_medications", "cmstdat", "2025", "2025"),
    ("concomitant_medications", "cmstdat", "2024-02-29", "2024-02-29"),
])
def test_values_that_fit(ic19: StudyDefinition, form_id: str, name: str, raw: object, expected: object) -> None:
    assert parse_value(item(ic19, form_id, name), ic19.codelists, raw) == expected


@pytest.mark.parametrize(("form_id", "name", "raw", "message"), [
    ("vital_signs", "sysbp", True, "must be a whole number"),
    ("vital_signs", "sysbp", 12.5, "must be a whole number"),
    ("vital_signs", "sysbp", 900, "above the highest possible value"),
    ("vital_signs", "sysbp", 5, "below the lowest possible value"),
    ("vital_signs", "weight", "NaN", "must be a finite number"),
    ("vital_signs", "weight", "sixty", "must be a number"),
    ("vital_signs", "vsdat", "2025-02-30", "is not a calendar date"),
    ("demographics", "sex", "female", "must be one of"),
    ("concomitant_medications", "cmstdat", "2025-13", "is not a calendar date"),
    ("concomitant_medications", "cmstdat", "25-04", "YYYY, YYYY-MM or YYYY-MM-DD"),
    ("adverse_events", "aeterm", 42, "must be text"),
    ("adverse_events", "aeterm", "x" * 2001, "at most"),
])
def test_values_that_do_not_fit(ic19: StudyDefinition, form_id: str, name: str, raw: object, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        parse_value(item(ic19, form_id, name), ic19.codelists, raw)


def test_datetimes_need_a_zone_and_are_kept_in_utc() -> None:
    moment = Item(name="exstdtc", label="Start", type="datetime")
    assert parse_value(moment, {}, "2025-04-02T08:30:00Z") == datetime(2025, 4, 2, 8, 30, tzinfo=UTC)
    assert parse_value(moment, {}, "2025-04-02T16:30:00+08:00") == datetime(2025, 4, 2, 8, 30, tzinfo=UTC)
    with pytest.raises(Invalid, match="send UTC with a Z"):
        parse_value(moment, {}, "2025-04-02T08:30:00")


def test_times_and_booleans() -> None:
    clock = Item(name="extim", label="Time", type="time")
    flag = Item(name="flag", label="Flag", type="boolean")
    assert parse_value(clock, {}, "23:59") == "23:59"
    for bad in ("24:00", "8:30", "08:60"):
        with pytest.raises(Invalid):
            parse_value(clock, {}, bad)
    assert parse_value(flag, {}, False) is False
    with pytest.raises(Invalid, match="true or false"):
        parse_value(flag, {}, "yes")


def test_multichoice_codes(ic19: StudyDefinition) -> None:
    criteria = item(ic19, "sle_history", "sle_criteria")
    codes = list(ic19.codelists[criteria.codelist or ""].codes())
    assert parse_value(criteria, ic19.codelists, codes[:2]) == codes[:2]
    with pytest.raises(Invalid, match="twice"):
        parse_value(criteria, ic19.codelists, [codes[0], codes[0]])
    with pytest.raises(Invalid, match="must be one of"):
        parse_value(criteria, ic19.codelists, ["NOPE"])
    with pytest.raises(Invalid, match="list of codes"):
        parse_value(criteria, ic19.codelists, codes[0])


def test_skip_logic_verdicts(ic19: StudyDefinition) -> None:
    vs = form(ic19, "vital_signs")
    payload = vitals_payload(ic19)
    parsed = parse_payload(vs, ic19.codelists, payload, applicable={"sysbp": False})
    assert [(e.item, e.message.split(" (")[0]) for e in parsed.errors] == [("sysbp", "not asked here")]
    required = next(i.name for i in vs.items if i.required and not i.is_calculated)
    payload.pop(required)
    assert parse_payload(vs, ic19.codelists, payload, applicable={required: None}).ok  # undecided: not required
    assert not parse_payload(vs, ic19.codelists, payload).ok


def test_an_empty_string_is_no_answer(ic19: StudyDefinition) -> None:
    vs = form(ic19, "vital_signs")
    optional = next(i.name for i in vs.items if not i.required and not i.is_calculated and i.when is None)
    parsed = parse_payload(vs, ic19.codelists, vitals_payload(ic19, **{optional: ""}))
    assert parsed.ok and parsed.values[optional] is None
    required = next(i.name for i in vs.items if i.required and not i.is_calculated)
    parsed = parse_payload(vs, ic19.codelists, vitals_payload(ic19, **{required: ""}))
    assert [(e.item, e.message) for e in parsed.errors] == [(required, "required")]


@given(st.integers(min_value=-(10**6), max_value=10**6), st.integers(min_value=0, max_value=4))
def test_decimals_within_precision_round_trip(units: int, scale: int) -> None:
    value = Decimal(units).scaleb(-scale)
    field = Item(name="x", label="X", type="decimal", precision=4)
    assert parse_value(field, {}, str(value)) == value
    assert parse_value(field, {}, float(value)) == value
