"""The CEL checker: syntax errors with columns, names and items, operator types, units, calls and macros.

The property test at the end checks the checker against the engine that runs
the rules: an expression the checker accepts evaluates to a value of the
type it inferred, and one it refuses for mixing int and double fails there too.
"""

from __future__ import annotations

import cel
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edc.definitions.cel_check import (
    BOOL,
    DOUBLE,
    INT,
    STRING,
    TIMESTAMP,
    CelType,
    CheckResult,
    FunctionSig,
    check_expression,
    list_of,
    quantity,
    record,
)
from edc.definitions.cel_parse import CelSyntaxError, parse
from edc.definitions.functions import CEL_FUNCTIONS

VITALS = record("vital_signs", {"sysbp": quantity("int", "mmHg"), "diabp": quantity("int", "mmHg"),
                                "oxysat": quantity("double", "%"), "weight": quantity("double", "kg"),
                                "vsdat": TIMESTAMP})
ENV = {
    "vital_signs": VITALS,
    "sex": CelType("string", codes=frozenset({"M", "F"})),
    "age": quantity("int", "years"),
    "creat": quantity("double", "umol/L"),
    "creat_uln": quantity("double", "umol/L"),
    "bili_uln": quantity("double", "mg/dL"),
    "present": BOOL,
    "codes": list_of(STRING),
    "labs": list_of(record("haematology", {"plat": quantity("double", "10^9/L")})),
}


def check(source: str, expect: object = None) -> CheckResult:
    return check_expression(source, ENV, CEL_FUNCTIONS, expect)  # type: ignore[arg-type]


def messages(source: str, expect: object = None) -> list[str]:
    return [i.message for i in check(source, expect).issues]


@pytest.mark.parametrize(("source", "column", "fragment"), [
    ("sysbp >", 8, "unexpected end of expression"),
    ("(age > 1", 9, "expected ')'"),
    ("age # 2", 5, "unexpected character '#'"),
    ("f(1,, 2)", 5, "unexpected ','"),
])
def test_syntax_errors_name_the_column(source: str, column: int, fragment: str) -> None:
    with pytest.raises(CelSyntaxError) as caught:
        parse(source)
    assert caught.value.column == column
    assert fragment in caught.value.message


@pytest.mark.parametrize(("source", "fragment"), [
    ("agee > 18", "unknown name 'agee'; did you mean 'age'?"),
    ("vital_signs.oxysatt > 90.0", "form 'vital_signs' has no item 'oxysatt'; did you mean 'oxysat'?"),
    ("age.years > 1", "cannot select 'years' from int [years]"),
    ("nothing(1)", "unknown function 'nothing'"),
])
def test_unknown_names_items_and_functions(source: str, fragment: str) -> None:
    assert any(fragment in m for m in messages(source)), messages(source)


@pytest.mark.parametrize(("source", "kind"), [
    ("age >= 18 && age <= 70", "bool"),
    ("vital_signs.oxysat >= 92", "bool"),        # int literal against a double item: the engine allows it
    ("creat <= 1.5 * creat_uln", "bool"),
    ("creat / creat_uln", "double"),
    ("sex == 'F' ? 1 : 0", "int"),
    ("'Y' in codes", "bool"),
    ("size(codes) > 1", "bool"),
    ("labs.exists(l, l.plat < 50.0)", "bool"),
    ("labs.filter(l, l.plat < 50.0)", "list"),
    ("has(vital_signs.weight)", "bool"),
    ("sex.startsWith('F')", "bool"),
    ("vital_signs.vsdat != null", "bool"),
    ("days_between(vital_signs.vsdat, vital_signs.vsdat) <= 28", "bool"),
    ("crcl_cockcroft_gault(sex, age, vital_signs.weight, creatinine_mg_dl(creat, 'umol/L')) >= 40.0", "bool"),
    ("-age", "int"),
    ("[1, 2, 3]", "list"),
])
def test_well_typed_rules(source: str, kind: str) -> None:
    result = check(source)
    assert result.issues == (), result.issues
    assert result.type is not None and result.type.kind == kind


@pytest.mark.parametrize(("source", "fragment"), [
    ("age + 1.5", "CEL does not mix int and double in '+'"),
    ("vital_signs.weight * 2", "CEL does not mix int and double in '*'"),
    ("age > 'adult'", "cannot order int [years] and string"),
    ("sex == 1", "cannot compare string with int"),
    ("present && age", "'&&' needs bool operands, got int [years]"),
    ("!age", "'!' needs a bool"),
    ("present ? 1 : 'one'", "the branches of '?:' differ"),
    ("age ? 1 : 2", "the condition of '?:' must be a bool"),
    ("1 in age", "'in' needs a list or map"),
    ("1 in codes", "'in' looks for int in list(string)"),
    ("size(age) > 0", "size() needs a string, list or map"),
    ("creat % 2.0", "'%' is defined for integers only"),
    ("labs.exists(l, l.plat)", "the predicate of exists() must be a bool"),
    ("has(age)", "has() needs a field selection"),
    ("uln_multiple(creat)", "uln_multiple() takes 2 argument(s), got 1"),
    ("qtc_bazett('long', 60.0)", "argument 1 of qtc_bazett() must be double, got string"),
    ("vital_signs.vsdat + 1", "'+' is not defined for timestamp and int"),
])
def test_type_errors(source: str, fragment: str) -> None:
    assert any(fragment in m for m in messages(source)), messages(source)


@pytest.mark.parametrize(("source", "fragment"), [
    ("creat > bili_uln", "unit mismatch: 'creat' is in umol/L, 'bili_uln' in mg/dL"),
    ("creat - bili_uln", "unit mismatch"),
    ("vital_signs.sysbp > age", "unit mismatch: 'vital_signs.sysbp' is in mmHg, 'age' in years"),
])
def test_unit_mismatches(source: str, fragment: str) -> None:
    assert any(fragment in m for m in messages(source)), messages(source)


@pytest.mark.parametrize(("source", "bad"), [
    ("sex == 'FEMALE'", "FEMALE"), ("'W' == sex", "W"), ("sex in ['F', 'X']", "X"), ("sex != 'f'", "f"),
])
def test_codes_a_choice_item_cannot_hold(source: str, bad: str) -> None:
    assert messages(source) == [f"'{bad}' is not a code of 'sex' (codes: F, M)"]


def test_known_codes_pass() -> None:
    assert check("sex == 'F' || sex in ['M']").issues == ()


def test_same_units_and_unitless_literals_are_fine() -> None:
    assert check("creat > creat_uln && creat - creat_uln > 10.0 && vital_signs.sysbp > 90").issues == ()


def test_expected_type() -> None:
    assert messages("age + 1", BOOL) == ["must be a bool expression, got int [years]"]
    assert check("age > 1", BOOL).issues == ()


def test_every_issue_is_reported() -> None:
    found = messages("agee > 1 && vital_signs.oxysatt > 90.0 && sex == 1")
    assert len(found) == 3, found


def test_references_are_the_items_read() -> None:
    result = check("vital_signs.oxysat >= 92.0 && age >= 18 && labs.exists(l, l.plat > 1.0)")
    assert result.references == {"vital_signs.oxysat", "age", "labs"}


def test_receiver_functions_need_a_declared_receiver() -> None:
    sigs = {"years": FunctionSig("years", (), INT, receiver=TIMESTAMP)}
    assert check_expression("vital_signs.vsdat.years()", ENV, sigs).issues == ()
    assert check_expression("age.years()", ENV, sigs).issues != ()


# --- the checker agrees with the engine --------------------------------------------------------

ITEMS = {"i": (INT, 3), "j": (INT, -2), "x": (DOUBLE, 2.5), "y": (DOUBLE, -0.5)}
LITERALS = {"int": ["1", "7"], "double": ["1.5", "0.25"]}


@st.composite
def arithmetic(draw: st.DrawFn, depth: int = 2) -> str:
    if depth == 0 or draw(st.booleans()):
        return draw(st.sampled_from([*ITEMS, *LITERALS["int"], *LITERALS["double"]]))
    op = draw(st.sampled_from(["+", "-", "*"]))
    return f"({draw(arithmetic(depth - 1))} {op} {draw(arithmetic(depth - 1))})"


@st.composite
def comparisons(draw: st.DrawFn) -> str:
    op = draw(st.sampled_from(["<", "<=", ">", ">=", "==", "!="]))
    return f"{draw(arithmetic())} {op} {draw(arithmetic())}"


@settings(max_examples=200, deadline=None)
@given(st.one_of(arithmetic(), comparisons()))
def test_the_checker_agrees_with_the_engine(source: str) -> None:
    env = {name: t for name, (t, _) in ITEMS.items()}
    values = {name: v for name, (_, v) in ITEMS.items()}
    result = check_expression(source, env)
    try:
        value = cel.compile(source).execute(values)
    except TypeError:
        assert result.issues, f"the engine refused {source!r} but the checker accepted it"
        return
    assert not result.issues, f"the checker refused {source!r}: {result.issues}; the engine gave {value!r}"
    assert result.type is not None
    expected = {"int": int, "double": float, "bool": bool}[result.type.kind]
    assert type(value) is expected, (source, value, result.type)
