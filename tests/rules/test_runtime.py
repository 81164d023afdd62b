"""The CEL runtime: bindings of the declared functions, value conversion, caching and tri-state results."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from edc.definitions.cel_check import DOUBLE, INT, PARTIAL_DATE, STRING, TIMESTAMP, list_of, record
from edc.definitions.functions import CEL_FUNCTIONS, SCORES
from edc.domain import derived
from edc.rules import runtime
from edc.rules.calculate import SCORE_FUNCTIONS
from edc.rules.runtime import FUNCTIONS, RuleError, Undecidable, evaluate, references, to_cel

CALLS = {
    "crcl_cockcroft_gault": ("crcl_cockcroft_gault('F', 40, 60.0, 1.0)",
                             derived.crcl_cockcroft_gault("F", 40, 60.0, 1.0)),
    "creatinine_mg_dl": ("creatinine_mg_dl(88.4, 'umol/L')", derived.creatinine_mg_dl(88.4, "umol/L")),
    "qtc_bazett": ("qtc_bazett(400.0, 60.0)", derived.qtc_bazett(400.0, 60.0)),
    "uln_multiple": ("uln_multiple(80.0, 40.0)", derived.uln_multiple(80.0, 40.0)),
    "days_between": ("days_between(a, b)", 3),
    "earliest_date": ("earliest_date('2024-02')", datetime(2024, 2, 1, tzinfo=UTC)),
    "latest_date": ("latest_date('2024-02')", datetime(2024, 2, 29, tzinfo=UTC)),
    "prednisone_equivalent": ("prednisone_equivalent('methylprednisolone', 8.0)",
                              derived.prednisone_equivalent("methylprednisolone", 8.0)),
    "weight_based_dose": ("weight_based_dose(0.5, 70.0)", 35.0),
    "dose_within_tolerance": ("dose_within_tolerance(130.0, 100.0, 30.0)", True),
    "sledai_activity_band": ("sledai_activity_band(10, [0, 5, 10, 15], ['NONE', 'MILD', 'MODERATE', 'SEVERE'])",
                             "MODERATE"),
}


def test_bindings_match_the_declared_functions() -> None:
    assert set(FUNCTIONS) == set(CEL_FUNCTIONS) == set(CALLS)
    assert set(SCORE_FUNCTIONS) == set(SCORES)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_each_binding_works_through_the_engine(name: str) -> None:
    source, expected = CALLS[name]
    variables = {"a": date(2024, 1, 1), "b": date(2024, 1, 4)}
    result = evaluate(source, variables, ())
    assert result == (expected if isinstance(expected, datetime) else pytest.approx(expected))


def test_conversions() -> None:
    assert to_cel(date(2024, 2, 3)) == datetime(2024, 2, 3, tzinfo=UTC)
    assert to_cel(datetime(2024, 2, 3, 12)) == datetime(2024, 2, 3, 12, tzinfo=UTC)
    plus_two = datetime(2024, 2, 3, 1, tzinfo=timezone(timedelta(hours=2)))
    assert to_cel(plus_two) == datetime(2024, 2, 2, 23, tzinfo=UTC)
    assert to_cel(Decimal("1.5")) == 1.5 and isinstance(to_cel(Decimal("1.5")), float)
    assert to_cel(("a", "b")) == ["a", "b"]
    assert to_cel({"x": (Decimal("2"),)}) == {"x": [2.0]}
    assert to_cel(True) is True and to_cel(None) is None


def test_partial_dates_are_their_text_and_rules_read_their_bounds() -> None:
    assert runtime.partial_date_value("2020") == "2020"
    assert runtime.partial_date_value("2020-03") == "2020-03"
    assert runtime.partial_date_value(date(2020, 3, 9)) == "2020-03-09"
    with pytest.raises(ValueError):
        runtime.partial_date_value("March 2020")
    # only what is known is compared: 2020-03 is surely before 2020-04-01, perhaps after 2020-03-15
    source = "latest_date(p) < a && !(earliest_date(p) > b)"
    paths = references(source, {"p": PARTIAL_DATE, "a": TIMESTAMP, "b": TIMESTAMP})
    assert evaluate(source, {"p": "2020-03", "a": date(2020, 4, 1), "b": date(2020, 3, 15)}, paths) is True
    assert evaluate(source, {"p": "2020-03", "a": date(2020, 3, 31), "b": date(2020, 3, 15)}, paths) is False


def test_programs_are_cached_by_source() -> None:
    assert runtime.program("1 + 2") is runtime.program("1 + 2")


def test_references_in_source_order() -> None:
    env = {"lab": record("lab", {"b": DOUBLE, "a": DOUBLE}), "n": INT}
    assert references("lab.b > 1.0 && n > 2 || lab.a > 0.0", env) == ("lab.b", "n", "lab.a")


def test_missing_value_is_undecidable_unless_short_circuited() -> None:
    paths = ("r.flag", "r.dose")
    assert evaluate("r.flag == 'N' || r.dose <= 30.0", {"r": {"flag": "N"}}, paths) is True
    assert evaluate("r.flag == 'Y' && r.dose <= 30.0", {"r": {"flag": "Y"}}, paths) == Undecidable(("r.dose",))
    assert evaluate("r.flag == 'Y' && r.dose <= 30.0", {"r": {"flag": "Y", "dose": None}}, paths) \
        == Undecidable(("r.dose",))
    assert evaluate("r.flag == 'Y'", {}, ("r.flag",)) == Undecidable(("r.flag",))


def test_missing_function_input_is_undecidable() -> None:
    source = "qtc_bazett(e.qt, e.hr) > 450.0"
    assert evaluate(source, {"e": {"qt": 400.0, "hr": None}}, ("e.qt", "e.hr")) == Undecidable(("e.hr",))


def test_error_on_complete_data_is_raised() -> None:
    with pytest.raises(RuleError):
        evaluate("r.a / r.b > 1", {"r": {"a": 1, "b": 0}}, ("r.a", "r.b"))
    with pytest.raises(RuleError):
        evaluate("prednisone_equivalent(r.drug, 5.0) > 1.0", {"r": {"drug": "aspirin"}}, ("r.drug",))


def test_compile_error_is_not_undecidable() -> None:
    with pytest.raises((ValueError, RuntimeError)):
        evaluate("r.a >", {}, ("r.a",))


def test_lists_and_timestamps() -> None:
    env = {"r": record("r", {"codes": list_of(STRING), "d": TIMESTAMP})}
    source = "'X' in r.codes && r.d > timestamp('2020-01-01T00:00:00Z')"
    variables = {"r": {"codes": ("X",), "d": date(2021, 5, 1)}}
    assert evaluate(source, variables, references(source, env)) is True
