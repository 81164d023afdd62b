"""The attacker's reproductions: each was a 500 or a silently different stored value, each is now an item error."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from edc.capture.limits import EXACT_DIGITS, INTEGER_MAX, INTEGER_MIN, OutOfBounds, column_value, largest_decimal
from edc.capture.payload import Invalid, parse_payload, parse_value
from edc.config import plausible_dates
from edc.db.formtables import NUMERIC_DIGITS, column_type
from edc.definitions.catalog import Catalog, StudyDefinition
from edc.definitions.model import Item


@pytest.fixture(scope="module")
def ic19(catalog: Catalog) -> StudyDefinition:
    return catalog.study("ic19")


def _item(study: StudyDefinition, form_id: str, name: str) -> Item:
    found = study.forms[form_id].item(name)
    assert found is not None
    return found


def _refused(item: Item, raw: object, codelists: object = None) -> str:
    with pytest.raises(Invalid) as refused:
        parse_value(item, codelists or {}, raw)  # type: ignore[arg-type]
    return str(refused.value)


DOSE = Item(name="cmdose", label="Dose", type="decimal", precision=3)
COUNT = Item(name="n", label="N", type="integer")
ONSET = Item(name="cmstdat", label="Start", type="partial_date")
DAY = Item(name="vsdat", label="Date", type="date")
MOMENT = Item(name="exstdtc", label="Start", type="datetime")
CLOCK = Item(name="extim", label="Time", type="time")
NOTE = Item(name="cmtrt", label="Medication", type="text", max_length=200)


def test_the_bound_fits_the_column() -> None:
    assert EXACT_DIGITS <= NUMERIC_DIGITS
    assert largest_decimal(DOSE) == Decimal("999999999999.999")
    assert largest_decimal(Item(name="x", label="X", type="decimal")) == Decimal("999999999999999")
    assert column_type(DOSE).compile() == f"NUMERIC({NUMERIC_DIGITS}, 3)"


def test_a_dose_of_1e24_is_an_item_error_naming_the_limit(ic19: StudyDefinition) -> None:
    cmdose = _item(ic19, "concomitant_medications", "cmdose")
    for raw in (1e24, "1e24", 10**24, "1000000000000", 1e15):
        message = _refused(cmdose, raw)
        assert message.startswith("too large: at most 12 digit(s) before the decimal point")
        assert "999999999999.999" in message
    assert parse_value(cmdose, {}, "999999999999.999") == Decimal("999999999999.999")


def test_decimals_refuse_what_is_not_a_finite_ascii_number() -> None:
    for raw in (float("nan"), float("inf"), float("-inf"), "NaN", "-Infinity", "sNaN", "inf"):
        assert _refused(DOSE, raw) == "must be a finite number"
    for raw in ("１２", "١٢", " 12", "12 ", "1_000", "1,5", "0x10", "", "1e", "e3", "1e1000000", "1" * 41):
        assert _refused(DOSE, raw).startswith("must be a number"), raw
    assert _refused(DOSE, 10**5000).startswith("too large")  # str() of it would raise


def test_more_decimal_places_than_the_precision_stay_refused() -> None:
    assert _refused(DOSE, "1.0001") == "at most 3 decimal place(s), got 1.0001"
    assert _refused(DOSE, "1e-5000").startswith("must be a number")  # no context underflow to 0
    assert parse_value(DOSE, {}, "1.2500") == Decimal("1.25")
    assert parse_value(DOSE, {}, "1.5e2") == Decimal("150")


def test_integers_fit_postgresql_integer() -> None:
    assert parse_value(COUNT, {}, INTEGER_MAX) == INTEGER_MAX
    assert parse_value(COUNT, {}, INTEGER_MIN) == INTEGER_MIN
    for raw in (INTEGER_MAX + 1, INTEGER_MIN - 1, 10**30, 10**5000):
        assert _refused(COUNT, raw) == f"too large: a whole number from {INTEGER_MIN} to {INTEGER_MAX}"


@pytest.mark.parametrize(("raw", "message"), [
    ("2026-00", "2026-00 is not a calendar date: the month is 01 to 12"),
    ("2026-13", "2026-13 is not a calendar date: the month is 01 to 12"),
    ("0000", "0000 is not a calendar date: there is no year 0000"),
    ("0000-01-01", "0000-01-01 is not a calendar date: there is no year 0000"),
    ("2026-02-00", "2026-02-00 is not a calendar date: the day is 01 to 28"),
    ("2023-02-29", "2023-02-29 is not a calendar date: the day is 01 to 28"),
    ("2026-04-31", "2026-04-31 is not a calendar date: the day is 01 to 30"),
    ("２０２６", "must be a date as YYYY, YYYY-MM or YYYY-MM-DD, got '２０２６'"),
    ("2026-0١", "must be a date as YYYY, YYYY-MM or YYYY-MM-DD"),
    ("2026\n", "must be a date as YYYY, YYYY-MM or YYYY-MM-DD"),
    ("1899-12", "1899-12 is not a plausible date: dates from 1900-01-01 to 2100-12-31 are accepted"),
    ("2101", "2101 is not a plausible date"),
])
def test_partial_dates_are_checked_part_by_part(raw: str, message: str) -> None:
    assert _refused(ONSET, raw).startswith(message)


def test_partial_dates_that_fit() -> None:
    for raw in ("1900", "1900-01", "2024-02-29", "2100-12", "2100-12-31", "2026"):
        assert parse_value(ONSET, {}, raw) == raw


def test_dates_are_ascii_and_plausible() -> None:
    assert parse_value(DAY, {}, "1900-01-01") == date(1900, 1, 1)
    assert parse_value(DAY, {}, "2100-12-31") == date(2100, 12, 31)
    for raw in ("9999-12-31", "0001-01-01", "1899-12-31", "2101-01-01"):
        assert _refused(DAY, raw) == f"{raw} is not a plausible date: dates from 1900-01-01 to 2100-12-31 are accepted"
    for raw in ("２０２６-01-01", "2026-01-01\n", "2026-1-01", "20260101"):
        assert _refused(DAY, raw).startswith("must be a date as YYYY-MM-DD"), raw


def test_date_times_are_ascii_zoned_and_plausible() -> None:
    assert parse_value(MOMENT, {}, "2025-04-02T08:30Z") == datetime(2025, 4, 2, 8, 30, tzinfo=UTC)
    assert parse_value(MOMENT, {}, "2025-04-02T08:30:00.5+01:00") == datetime(2025, 4, 2, 7, 30, 0, 500000,
                                                                               tzinfo=UTC)
    assert _refused(MOMENT, "0001-01-01T00:00:00+01:00").endswith("are accepted")  # was an OverflowError
    assert _refused(MOMENT, "9999-12-31T23:59:59-01:00").endswith("are accepted")
    assert _refused(MOMENT, "2100-12-31T23:00:00-05:00").startswith(
        "2100-12-31T23:00:00-05:00 (in UTC 2101-01-01) is not a plausible date")
    assert _refused(MOMENT, "2025-04-02T08:30:00+24:00") == "2025-04-02T08:30:00+24:00 is not a calendar date and time"
    for raw in ("２０２５-04-02T08:30Z", "2025-W14-3T08:30Z", "20250402T083000Z", "2025-04-02 08:30Z",
                "2025-04-02T08:30:00.1234567Z", "2025-04-02T08:30z"):
        assert _refused(MOMENT, raw).startswith("must be a UTC date and time"), raw


def test_times_are_ascii() -> None:
    for raw in ("２3:59", "2３:59", "23:5٩", "23:59\n"):
        assert _refused(CLOCK, raw).startswith("must be a time as HH:MM"), raw


def test_control_characters_are_refused_in_text_but_tabs_and_line_breaks() -> None:
    assert parse_value(NOTE, {}, "line 1\r\nline\t2") == "line 1\r\nline\t2"
    assert _refused(NOTE, "Tocilizumab\x00") == (
        "contains a control or invalid character (U+0000) at position 12; remove it (tabs and line breaks are allowed)")
    for raw in ("\x01", "\x1b[31m", "\x7f", "\x85", "\ud800"):
        assert _refused(NOTE, raw).startswith("contains a control or invalid character"), repr(raw)


def test_control_characters_in_codes_and_item_names(ic19: StudyDefinition) -> None:
    sex = _item(ic19, "demographics", "sex")
    assert _refused(sex, "F\x00", ic19.codelists).startswith("contains a control or invalid character (U+0000)")
    assert _refused(sex, "F\t", ic19.codelists).startswith("contains a control or invalid character (U+0009)")
    parsed = parse_payload(ic19.forms["demographics"], ic19.codelists, {"sex\x00": "F"})
    assert ("sex\x00", "form 'demographics' has no item 'sex\\x00'") in [(e.item, e.message) for e in parsed.errors]


def test_plausible_dates_are_configured_in_one_place(monkeypatch: pytest.MonkeyPatch) -> None:
    assert plausible_dates() == (date(1900, 1, 1), date(2100, 12, 31))
    monkeypatch.setenv("EDC_PLAUSIBLE_DATES", "1950-01-01..2050-12-31")
    assert plausible_dates() == (date(1950, 1, 1), date(2050, 12, 31))
    assert _refused(DAY, "1949-12-31").endswith("dates from 1950-01-01 to 2050-12-31 are accepted")
    for wrong in ("1950-01-01", "2050-01-01..1950-01-01", "0001-01-01..9999-12-31", "1950-02-30..2050-01-01",
                  "１９５０-01-01..2050-01-01"):
        monkeypatch.setenv("EDC_PLAUSIBLE_DATES", wrong)
        with pytest.raises(ValueError, match="EDC_PLAUSIBLE_DATES"):
            plausible_dates()


def test_calculated_values_are_rounded_and_bounded_before_they_are_stored() -> None:
    total = Item(name="cm_pred_eq", label="Daily", type="decimal", precision=2, calc="cmdose * 4.0")
    assert column_value(total, 61.555) == Decimal("61.56")
    assert column_value(total, 9999999999999.99) == Decimal("9999999999999.99")
    for value in (9999999999999.996, 2.67e13, float("inf"), float("nan"), 10**40):
        with pytest.raises(OutOfBounds):
            column_value(total, value)
    score = Item(name="total", label="Total", type="integer", calc="a + b")
    assert column_value(score, 12.0) == 12
    for value in (float("inf"), float(2**31), Decimal("NaN")):
        with pytest.raises(OutOfBounds):
            column_value(score, value)


def test_minus_zero_is_stored_as_zero() -> None:
    """Neither database keeps the sign of a zero, so the audit trail must not record -0.000."""
    for raw in (-0.0, "-0", "-0.000"):
        assert str(column_value(DOSE, parse_value(DOSE, {}, raw))) == "0.000"
    assert str(column_value(DOSE, -0.0001)) == "0.000"
