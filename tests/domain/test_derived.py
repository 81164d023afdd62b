"""Derived values: Cockcroft-Gault, creatinine units, QTc Bazett, ULN multiples, days, steroid and cell doses."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edc.domain.derived import (
    crcl_cockcroft_gault,
    creatinine_mg_dl,
    days_between,
    dose_within_tolerance,
    earliest_date,
    latest_date,
    prednisone_equivalent,
    qtc_bazett,
    uln_multiple,
    weight_based_dose,
)


def test_function_names_match_the_cel_signatures() -> None:
    from edc.definitions import functions
    assert set(functions.CEL_FUNCTIONS) == {
        "crcl_cockcroft_gault", "creatinine_mg_dl", "qtc_bazett", "uln_multiple", "days_between",
        "prednisone_equivalent", "weight_based_dose", "dose_within_tolerance", "sledai_activity_band",
        "earliest_date", "latest_date",
    }


@pytest.mark.parametrize(("partial", "earliest", "latest"), [
    ("2024", date(2024, 1, 1), date(2024, 12, 31)),
    ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
    ("2023-02", date(2023, 2, 1), date(2023, 2, 28)),
    ("2024-02-10", date(2024, 2, 10), date(2024, 2, 10)),
])
def test_a_partial_date_spans_the_days_it_allows(partial: str, earliest: date, latest: date) -> None:
    assert earliest_date(partial) == datetime.combine(earliest, time(), UTC)
    assert latest_date(partial) == datetime.combine(latest, time(), UTC)


# --- Cockcroft-Gault --------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("sex", "age", "weight", "creatinine", "expected"),
    [
        # (140 - 40) x 70 / (72 x 1.0) = 7000 / 72 = 97.2222...
        ("M", 40, 70.0, 1.0, 97.2222222),
        # same woman: 7000 x 0.85 / 72 = 5950 / 72 = 82.6388...
        ("F", 40, 70.0, 1.0, 82.6388889),
        # (140 - 60) x 55 / (72 x 0.8) = 4400 / 57.6 = 76.3888..., x 0.85 = 3740 / 57.6 = 64.9305...
        ("F", 60, 55.0, 0.8, 64.9305556),
        # (140 - 50) x 80 / (72 x 2.5) = 7200 / 180 = 40.0 (the 2.5 mg/dL limit of Relma-cel)
        ("M", 50, 80.0, 2.5, 40.0),
        # (140 - 18) x 50 / (72 x 0.5) = 6100 / 36 = 169.444...
        ("M", 18, 50.0, 0.5, 169.4444444),
    ],
)
def test_crcl_worked_examples(sex: str, age: int, weight: float, creatinine: float, expected: float) -> None:
    assert crcl_cockcroft_gault(sex, age, weight, creatinine) == pytest.approx(expected, abs=1e-6)


def test_crcl_from_umol_per_litre() -> None:
    # 221 umol/L / 88.4 = 2.5 mg/dL, then as above: 40.0 mL/min
    assert crcl_cockcroft_gault("M", 50, 80.0, creatinine_mg_dl(221.0, "umol/L")) == pytest.approx(40.0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("X", 40, 70.0, 1.0), "sex"),
        (("m", 40, 70.0, 1.0), "sex"),
        (("M", -1, 70.0, 1.0), "age"),
        (("M", 140, 70.0, 1.0), "age"),
        (("M", 40.5, 70.0, 1.0), "age"),
        (("M", True, 70.0, 1.0), "age"),
        (("M", 40, 0.0, 1.0), "weight_kg"),
        (("M", 40, -70.0, 1.0), "weight_kg"),
        (("M", 40, math.nan, 1.0), "weight_kg"),
        (("M", 40, 70.0, 0.0), "creatinine_mg_dl"),
        (("M", 40, 70.0, -1.0), "creatinine_mg_dl"),
        (("M", 40, 70.0, math.inf), "creatinine_mg_dl"),
    ],
)
def test_crcl_validation(args: tuple[object, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        crcl_cockcroft_gault(*args)  # type: ignore[arg-type]


# --- creatinine -------------------------------------------------------------------------------

def test_creatinine_conversion() -> None:
    assert creatinine_mg_dl(2.5, "mg/dL") == 2.5
    assert creatinine_mg_dl(221.0, "umol/L") == pytest.approx(2.5, abs=0.005)
    assert creatinine_mg_dl(88.4, "umol/L") == pytest.approx(1.0)
    assert round(2.5 * 88.4) == 221


@pytest.mark.parametrize(("value", "unit"), [(1.0, "mmol/L"), (1.0, "mg/dl"), (0.0, "mg/dL"), (-5.0, "umol/L")])
def test_creatinine_validation(value: float, unit: str) -> None:
    with pytest.raises(ValueError, match="creatinine"):
        creatinine_mg_dl(value, unit)


# --- QTc --------------------------------------------------------------------------------------

@pytest.mark.parametrize("qt", [350.0, 400.0, 452.5])
def test_qtc_at_60_bpm_equals_qt(qt: float) -> None:
    assert qtc_bazett(qt, 60.0) == pytest.approx(qt)


@pytest.mark.parametrize(
    ("qt", "hr", "expected"),
    [
        (400.0, 75.0, 447.2136),  # RR 0.8 s, sqrt 0.894427
        (400.0, 100.0, 516.3978),  # RR 0.6 s, sqrt 0.774597
        (400.0, 50.0, 365.1484),  # RR 1.2 s, sqrt 1.095445
        (360.0, 120.0, 509.1169),  # RR 0.5 s, sqrt 0.707107
    ],
)
def test_qtc_worked_examples(qt: float, hr: float, expected: float) -> None:
    assert qtc_bazett(qt, hr) == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize(("qt", "hr", "message"), [(400.0, 0.0, "heart_rate"), (400.0, -60.0, "heart_rate"),
                                                   (0.0, 60.0, "qt_ms"), (math.nan, 60.0, "qt_ms")])
def test_qtc_validation(qt: float, hr: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        qtc_bazett(qt, hr)


# --- ULN multiple -----------------------------------------------------------------------------

def test_uln_multiple() -> None:
    assert uln_multiple(120.0, 40.0) == pytest.approx(3.0)
    assert uln_multiple(0.0, 40.0) == 0.0
    with pytest.raises(ValueError, match="uln"):
        uln_multiple(120.0, 0.0)
    with pytest.raises(ValueError, match="value"):
        uln_multiple(-1.0, 40.0)


# --- days -------------------------------------------------------------------------------------

def test_days_between_dates() -> None:
    assert days_between(date(2024, 1, 1), date(2024, 1, 29)) == 28
    assert days_between(date(2024, 2, 28), date(2024, 3, 1)) == 2  # leap year
    assert days_between(date(2024, 1, 29), date(2024, 1, 1)) == -28
    assert days_between(date(2024, 1, 1), date(2024, 1, 1)) == 0


def test_days_between_datetimes_count_calendar_days_in_utc() -> None:
    late = datetime(2024, 1, 1, 23, 0, tzinfo=UTC)
    early = datetime(2024, 1, 2, 1, 0, tzinfo=UTC)
    assert days_between(late, early) == 1
    # 2024-01-02 01:00 at UTC+8 is 2024-01-01 17:00 UTC
    beijing = datetime(2024, 1, 2, 1, 0, tzinfo=timezone(timedelta(hours=8)))
    assert days_between(date(2024, 1, 1), beijing) == 0
    assert days_between(datetime(2024, 1, 1, 8, 0), date(2024, 1, 15)) == 14


def test_days_between_rejects_other_types() -> None:
    with pytest.raises(ValueError, match="d1"):
        days_between("2024-01-01", date(2024, 1, 2))  # type: ignore[arg-type]


# --- prednisone equivalents -------------------------------------------------------------------

@pytest.mark.parametrize(
    ("drug", "dose", "expected", "factor"),
    [
        ("prednisone", 10.0, 10.0, 1.0),
        ("prednisolone", 10.0, 10.0, 1.0),
        ("methylprednisolone", 4.0, 5.0, 1.25),  # 4 mg ~ 5 mg prednisone
        ("methylprednisolone", 0.8, 1.0, 1.25),
        ("dexamethasone", 0.75, 5.0, 6.67),
        ("hydrocortisone", 20.0, 5.0, 0.25),
        ("cortisone", 25.0, 5.0, 0.2),
        ("triamcinolone", 4.0, 5.0, 1.25),
        ("betamethasone", 0.6, 5.0, 8.33),
        ("deflazacort", 6.0, 5.0, 0.83),
    ],
)
def test_prednisone_equivalents(drug: str, dose: float, expected: float, factor: float) -> None:
    assert prednisone_equivalent(drug, dose) == pytest.approx(expected)
    assert prednisone_equivalent(drug, 1.0) == pytest.approx(factor, abs=0.005)
    assert prednisone_equivalent(drug, 0.0) == 0.0


@pytest.mark.parametrize("drug", ["Prednisone", "PREDNISONE", "budesonide", "", "pred"])
def test_unknown_glucocorticoid(drug: str) -> None:
    with pytest.raises(ValueError, match="unknown glucocorticoid"):
        prednisone_equivalent(drug, 5.0)


def test_negative_steroid_dose() -> None:
    with pytest.raises(ValueError, match="dose_mg"):
        prednisone_equivalent("prednisone", -1.0)


# --- cell doses -------------------------------------------------------------------------------

def test_weight_based_dose() -> None:
    assert weight_based_dose(1.0e6, 60.0) == pytest.approx(6.0e7)
    assert weight_based_dose(2.0e6, 72.5) == pytest.approx(1.45e8)
    with pytest.raises(ValueError, match="weight_kg"):
        weight_based_dose(1.0e6, 0.0)
    with pytest.raises(ValueError, match="dose_per_kg"):
        weight_based_dose(-1.0, 60.0)


@pytest.mark.parametrize(
    ("actual", "expected"),
    [(1.0e8, True), (7.0e7, True), (1.3e8, True), (6.99e7, False), (1.3001e8, False), (0.0, False)],
)
def test_dose_tolerance_at_exactly_30_percent(actual: float, expected: bool) -> None:
    assert dose_within_tolerance(actual, 1.0e8, 30) is expected


def test_dose_tolerance_validation() -> None:
    with pytest.raises(ValueError, match="planned"):
        dose_within_tolerance(1.0, 0.0, 30)
    with pytest.raises(ValueError, match="tolerance_pct"):
        dose_within_tolerance(1.0, 1.0, -1)
    with pytest.raises(ValueError, match="actual"):
        dose_within_tolerance(-1.0, 1.0, 30)


@given(st.floats(min_value=1e3, max_value=1e10), st.integers(min_value=0, max_value=100))
def test_dose_tolerance_boundaries_are_inclusive(planned: float, tolerance: int) -> None:
    assert dose_within_tolerance(planned * (1 + tolerance / 100), planned, tolerance)
    assert dose_within_tolerance(planned * (1 - tolerance / 100), planned, tolerance)
    assert not dose_within_tolerance(planned * (1 + tolerance / 100) * 1.001, planned, tolerance)
