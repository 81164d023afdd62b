"""CEL parser and checker against the rules of the definition language, each accepted and refused.

Complements test_cel_rules.py (which runs the clinical functions and choice
codes): here the parser's lexical rules are held to the engine's own
(`compiles_at_runtime`), and two property tests hold the checker to the engine:
a well-typed expression gets the type the engine's value has, and nothing the
engine refuses for its types gets past the checker.
"""

from __future__ import annotations

import cel
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from edc.definitions.cel_check import (
    BOOL,
    DOUBLE,
    DURATION,
    DYN,
    INT,
    STRING,
    TIMESTAMP,
    CelType,
    CheckResult,
    FunctionSig,
    check_expression,
    compiles_at_runtime,
    list_of,
    quantity,
    record,
)
from edc.definitions.cel_parse import (
    Binary,
    Call,
    CelSyntaxError,
    Cond,
    Ident,
    Index,
    Lit,
    Node,
    Select,
    Unary,
    parse,
)

VITALS = record("vital_signs", {"sysbp": quantity("int", "mmHg"), "oxysat": quantity("double", "%"),
                                "vsdat": TIMESTAMP})
ENV: dict[str, CelType] = {
    "vital_signs": VITALS, "sysbp": quantity("int", "mmHg"), "age": INT, "sex": STRING, "present": BOOL,
    "creat": quantity("double", "umol/L"), "creat_uln": quantity("double", "mg/dL"),
    "creat_lln": quantity("double", "umol/L"), "weight": DOUBLE, "start": TIMESTAMP, "stop": TIMESTAMP,
    "window": DURATION, "meds": list_of(STRING), "doses": list_of(DOUBLE), "extra": DYN,
    "limits": CelType("map", elem=INT), "visits": list_of(VITALS),
}
FUNCTIONS = {
    "uln_multiple": FunctionSig("uln_multiple", (DOUBLE, DOUBLE), DOUBLE),
    "days_between": FunctionSig("days_between", (TIMESTAMP, TIMESTAMP), INT),
    "years": FunctionSig("years", (), INT, receiver=TIMESTAMP),
}


def check(source: str, expect: CelType | None = None) -> CheckResult:
    return check_expression(source, ENV, FUNCTIONS, expect)


def accepted(source: str) -> CelType:
    result = check(source)
    assert result.issues == (), result.issues
    assert result.type is not None
    return result.type


def refused(source: str, fragment: str) -> None:
    result = check(source)
    assert result.type is None
    assert any(fragment in issue.message for issue in result.issues), result.issues


# --- parser ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("source", "column", "fragment"), [
    ("sysbp >", 8, "unexpected end of expression"),
    ("(age > 1", 9, "expected ')', found end of expression"),
    ("age # 2", 5, "unexpected character '#'"),
    ("sex == 'F", 8, "unterminated string"),
    ("f(1,)", 5, "unexpected ')'"),              # calls take no trailing comma (lists and maps do)
    ("if > 1", 1, "'if' is a reserved word"),
    ("vital_signs.null", 13, "expected a name, found 'null'"),
    ("sex == 'a\\qb'", 10, "invalid escape sequence '\\\\q'"),
    ("age > 9223372036854775808", 7, "out of the 64-bit range"),
    ("-!present", 2, "unexpected '!'"),           # CEL's grammar: '!'s or '-'s, not both
    ("present ? 1", 12, "expected ':'"),
    ("a..b", 3, "expected a name, found '.'"),
])
def test_syntax_errors_name_the_column_and_the_engine_refuses_them_too(source: str, column: int,
                                                                       fragment: str) -> None:
    with pytest.raises(CelSyntaxError) as caught:
        parse(source)
    assert (caught.value.column, fragment in caught.value.message) == (column, True), caught.value
    assert compiles_at_runtime(source) is not None
    result = check(source)
    assert result.type is None and result.issues[0].column == column


def test_unsigned_literals_are_refused_though_the_engine_has_them() -> None:
    with pytest.raises(CelSyntaxError, match="unsigned integers such as 1u"):
        parse("age > 1u")


@pytest.mark.parametrize("source", [
    "1", "-7", "1.5", "1e8", "2.5e-3", ".5", "0x1F", "-9223372036854775808", "true", "null",
    "'it\\'s'", '"tab\\there"', "'\\x41\\u00e9\\U0001F600\\101\\a\\?'", "r'\\d+'", "'''a 'quoted' b'''",
    '"""two\nlines"""', "[1, 2,]", "{'a': 1,}",
])
def test_literals_mean_what_the_engine_says(source: str) -> None:
    node = parse(source)
    expected = cel.compile(source).execute({})
    if isinstance(node, Lit):
        assert node.value == expected and type(node.value) is type(expected)


def test_the_tree_keeps_columns() -> None:
    tree = parse("vital_signs.vsdat.years() + meds[0].size()")
    assert isinstance(tree, Binary) and (tree.op, tree.col) == ("+", 27)
    assert isinstance(tree.left, Call) and tree.left.function == "years" and tree.left.col == 18
    assert isinstance(tree.left.target, Select) and tree.left.target.col == 12
    assert isinstance(tree.right, Call) and isinstance(tree.right.target, Index)
    assert tree.right.target.operand == Ident(29, "meds")


def shape(node: Node) -> str:
    """The tree without columns, fully parenthesised."""
    if isinstance(node, Lit | Ident):
        return repr(node.value) if isinstance(node, Lit) else node.name
    if isinstance(node, Binary):
        return f"({shape(node.left)} {node.op} {shape(node.right)})"
    if isinstance(node, Unary):
        return f"({node.op}{shape(node.operand)})"
    assert isinstance(node, Cond), node
    return f"({shape(node.cond)} ? {shape(node.then)} : {shape(node.other)})"


@pytest.mark.parametrize(("source", "tree"), [
    ("1 + 2 * 3 == 7 && !a || b", "((((1 + (2 * 3)) == 7) && (!a)) || b)"),
    ("a - b - c / d % e", "((a - b) - ((c / d) % e))"),
    ("a ? b : c ? d : e", "(a ? b : (c ? d : e))"),
    ("a || b ? c && d : -e", "((a || b) ? (c && d) : (-e))"),
    ("x in y == z", "((x in y) == z)"),
    ("- -2 + !!a", "(2 + (!(!a)))"),
])
def test_precedence_and_associativity(source: str, tree: str) -> None:
    assert shape(parse(source)) == tree


def test_compiles_at_runtime_reports_the_engine_message() -> None:
    assert compiles_at_runtime("age > 1 && sex == 'F'") is None
    assert "1:7" in (compiles_at_runtime("age > ") or "")


# --- names, items, functions -------------------------------------------------------------------

def test_unknown_names_items_and_functions() -> None:
    refused("sysbpp > 90", "unknown name 'sysbpp'; did you mean 'sysbp'?")
    refused("zzz > 1", "unknown name 'zzz'")
    assert "did you mean" not in check("zzz > 1").issues[0].message
    refused("vital_signs.oxysatt > 90.0", "form 'vital_signs' has no item 'oxysatt'; did you mean 'oxysat'?")
    refused("uln_multple(creat, 1.0)", "unknown function 'uln_multple'; did you mean 'uln_multiple'?")
    refused("uln_multiple(creat)", "uln_multiple() takes 2 argument(s), got 1")
    refused("uln_multiple(sex, 1.0)", "argument 1 of uln_multiple() must be double, got string")
    refused("age.years()", "int has no method years()")
    assert accepted("days_between(start, stop) + vital_signs.vsdat.years()") == INT
    assert accepted("uln_multiple(creat, 2)") == DOUBLE  # the Python functions take an int for a double


def test_every_issue_is_reported_at_its_column() -> None:
    issues = check("agee > 1 && vital_signs.oxysatt > 90.0 && sex == 1").issues
    assert [i.column for i in issues] == [1, 24, 47], issues


# --- operators ---------------------------------------------------------------------------------

def test_the_engine_compares_int_with_double_but_does_not_add_them() -> None:
    assert cel.compile("1 < 2.5").execute({}) is True and cel.compile("1 == 1.0").execute({}) is True
    with pytest.raises(TypeError):
        cel.compile("1 + 2.5").execute({})
    assert accepted("age < 70.5 && age == 40.0 && weight != age && weight >= 1") == BOOL
    refused("age + 1.5", "CEL does not mix int and double in '+'")
    refused("weight * 2", "CEL does not mix int and double in '*'")
    refused("weight % 2.0", "'%' is defined for integers only")
    assert accepted("age % 7 + age / 2 - -age") == INT and accepted("weight / 2.0") == DOUBLE


def test_booleans_are_needed_where_cel_wants_them() -> None:
    assert accepted("!present && (present || age > 1)") == BOOL
    refused("present && age", "'&&' needs bool operands, got int")
    refused("age || present", "'||' needs bool operands, got int")
    refused("!sex", "'!' needs a bool, got string")
    refused("age ? 1 : 2", "the condition of '?:' must be a bool, got int")
    refused("null ? 1 : 2", "the condition of '?:' must be a bool, got null")  # null fits elsewhere, not here
    refused("!null", "'!' needs a bool, got null")
    refused("present && null", "'&&' needs bool operands, got null")


def test_ternary_branches_agree_null_fits_either() -> None:
    assert accepted("present ? 'a' : sex") == STRING
    assert accepted("present ? null : age") == INT and accepted("present ? weight : null") == DOUBLE
    assert accepted("present ? extra : 1") == DYN
    refused("present ? 1 : 'one'", "the branches of '?:' differ: int and string")


def test_null_compares_with_anything() -> None:
    assert accepted("vital_signs.vsdat != null && null == sex && meds != null && null == null") == BOOL
    refused("sex == 1", "cannot compare string with int using '=='")
    refused("start < 1", "cannot order timestamp and int with '<'")


def test_membership_and_size() -> None:
    assert accepted("'PRED' in meds && 'a' in limits && 1.5 in doses && 2 in doses") == BOOL
    refused("1 in meds", "'in' looks for int in list(string)")
    refused("'x' in sex", "'in' needs a list or map on its right, got string")
    assert accepted("size(sex) + size(meds) + limits.size() + sex.size()") == INT
    refused("size(age) > 0", "size() needs a string, list or map, got int")


def test_string_methods() -> None:
    assert accepted("sex.startsWith('F') && sex.endsWith('M') && sex.contains('x') && sex.matches('^[MF]$')")
    refused("sex.endsWith(1)", "endsWith() takes one string")
    refused("sex.contains('a', 'b')", "contains() takes one string")
    refused("age.startsWith('1')", "int has no method startsWith()")


def test_timestamps_and_durations() -> None:
    assert accepted("stop - start") == DURATION
    assert accepted("stop - start <= window && start < stop && start + window > stop") == BOOL
    assert accepted("stop - window") == TIMESTAMP
    refused("start + stop", "'+' is not defined for timestamp and timestamp")
    refused("start - 1", "'-' is not defined for timestamp and int")


def test_dyn_goes_with_everything() -> None:
    assert accepted("extra + 1") == INT and accepted("extra.anything.at_all") == DYN
    assert accepted("extra && present") == BOOL and accepted("extra < start") == BOOL


# --- units -------------------------------------------------------------------------------------

def test_units_must_agree() -> None:
    refused("creat > creat_uln", "unit mismatch: 'creat' is in umol/L, 'creat_uln' in mg/dL")
    refused("creat - creat_uln > 0.0", "unit mismatch")
    refused("creat + 1.0 > creat_uln", "unit mismatch: the other side is in umol/L, 'creat_uln' in mg/dL")
    assert check("creat > creat_uln").issues[0].column == 7


def test_literals_take_the_other_unit_products_have_none() -> None:
    assert accepted("creat > creat_lln && creat - creat_lln > 10.0 && 90 < sysbp") == BOOL
    assert accepted("creat + 1.0") == quantity("double", "umol/L")
    assert accepted("creat / creat_uln") == DOUBLE
    assert accepted("creat * 2.0 > creat_uln") == BOOL


# --- macros and has() --------------------------------------------------------------------------

@pytest.mark.parametrize(("source", "result"), [
    ("doses.exists(d, d > 100.0)", BOOL), ("doses.all(d, d < 1000.0)", BOOL),
    ("meds.exists_one(m, m == 'PRED')", BOOL), ("doses.filter(d, d > 1.0)", list_of(DOUBLE)),
    ("doses.map(d, d * 2.0)", list_of(DOUBLE)), ("visits.map(v, v.sysbp)", list_of(quantity("int", "mmHg"))),
    ("limits.all(k, k.startsWith('x'))", BOOL),
])
def test_comprehensions_bind_the_element_type(source: str, result: CelType) -> None:
    assert accepted(source) == result


def test_comprehension_mistakes() -> None:
    assert accepted("doses.exists(d, d > 100)") == BOOL  # a double against an int literal is fine
    refused("doses.map(d, d + 1)", "CEL does not mix int and double in '+'")
    refused("visits.exists(v, v.sysbpp > 1)", "form 'vital_signs' has no item 'sysbpp'")
    refused("doses.all(d, d)", "the predicate of all() must be a bool, got double")
    refused("doses.exists(d, d > 1.0) && d > 1.0", "unknown name 'd'")
    refused("doses.exists(1, true)", "exists() needs a variable name and an expression")
    refused("age.exists(a, a > 1)", "exists() needs a list or map, got int")


def test_has_needs_a_field_selection() -> None:
    assert accepted("has(vital_signs.sysbp)") == BOOL
    refused("has(sysbp)", "has() needs a field selection")
    refused("has(vital_signs.sysbpp)", "has no item 'sysbpp'")


# --- expected type and references -------------------------------------------------------------

def test_expected_type() -> None:
    result = check("weight * 2.0", expect=BOOL)
    assert [i.message for i in result.issues] == ["must be a bool expression, got double"]
    assert result.type is None
    assert check("weight > 2.0", expect=BOOL).type == BOOL
    assert check("extra", expect=BOOL).issues == ()


def test_references_are_the_dotted_paths_read() -> None:
    assert check("vital_signs.oxysat >= 92.0 && sex == 'F'").references == {"vital_signs.oxysat", "sex"}
    assert check("vital_signs != null && vital_signs.sysbp > 1").references == {"vital_signs", "vital_signs.sysbp"}
    assert check("visits.exists(v, v.sysbp > 1) && uln_multiple(creat, 1.0) > 1.0").references == {"visits", "creat"}
    assert check("sysbpp > 1").references == frozenset()


# --- the checker agrees with the engine --------------------------------------------------------

SAMPLES = {"i": (INT, 3), "j": (INT, -2), "x": (DOUBLE, 2.5), "y": (DOUBLE, -0.5), "p": (BOOL, True),
           "q": (BOOL, False)}
NUMERIC_ENV = {name: t for name, (t, _) in SAMPLES.items()}
VALUES = {name: v for name, (_, v) in SAMPLES.items()}
PYTHON_TYPE = {"int": int, "double": float, "bool": bool}


def typed(kind: str, depth: int) -> st.SearchStrategy[str]:
    """Well-typed expressions of `kind` over the sample items; int division only by non-zero literals."""
    leaves = {"int": ["i", "j", "1", "7"], "double": ["x", "y", "1.5", "2e-1"], "bool": ["p", "q", "true"]}[kind]
    leaf = st.sampled_from(leaves)
    if depth == 0:
        return leaf
    sub = typed(kind, depth - 1)
    cond = typed("bool", depth - 1)
    ternary = st.tuples(cond, sub, sub).map(lambda t: f"({t[0]} ? {t[1]} : {t[2]})")
    if kind == "bool":
        number = st.sampled_from(["int", "double"]).flatmap(lambda k: typed(k, depth - 1))
        compare = st.tuples(number, st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), number)
        logic = st.tuples(sub, st.sampled_from(["&&", "||"]), sub)
        return st.one_of(leaf, compare.map(" ".join), logic.map(lambda t: f"({' '.join(t)})"),
                         sub.map(lambda e: f"!({e})"), ternary)
    ops = ["+", "-", "*"] + (["/"] if kind == "double" else [])
    arith = st.tuples(sub, st.sampled_from(ops), sub).map(lambda t: f"({' '.join(t)})")
    by_literal = st.tuples(sub, st.sampled_from(["/ 3", "% 4"])).map(lambda t: f"({t[0]} {t[1]})")
    return st.one_of(leaf, arith, sub.map(lambda e: f"-({e})"), ternary,
                     *([by_literal] if kind == "int" else []))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["int", "double", "bool"]).flatmap(lambda k: st.tuples(st.just(k), typed(k, 3))))
def test_well_typed_expressions_get_the_type_of_their_value(case: tuple[str, str]) -> None:
    kind, source = case
    result = check_expression(source, NUMERIC_ENV)
    assert result.issues == () and result.type is not None and result.type.kind == kind, (source, result)
    value = cel.compile(source).execute(VALUES)
    assert type(value) is PYTHON_TYPE[kind], (source, value)


@st.composite
def anything(draw: st.DrawFn, depth: int = 3) -> str:
    """Expressions with no regard to types: many are ill-typed.

    `null` appears only compared with `==`/`!=`: elsewhere it stands for a missing
    value, which the checker lets through as any type (as it does a missing item).
    """
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from([*SAMPLES, "1", "2.5", "true", "'s'"]))
    shape = draw(st.sampled_from(["binary", "binary", "unary", "ternary"]))
    if shape == "unary":
        return f"{draw(st.sampled_from(['!', '-']))}({draw(anything(depth - 1))})"
    if shape == "ternary":
        return f"({draw(anything(depth - 1))} ? {draw(anything(depth - 1))} : {draw(anything(depth - 1))})"
    op = draw(st.sampled_from(["+", "-", "*", "/", "%", "<", "<=", ">", ">=", "==", "!=", "&&", "||"]))
    right = "null" if op in ("==", "!=") and draw(st.booleans()) else draw(anything(depth - 1))
    return f"({draw(anything(depth - 1))} {op} {right})"


@settings(max_examples=500, deadline=None)
@given(anything())
def test_nothing_the_engine_refuses_for_its_types_passes_the_checker(source: str) -> None:
    result = check_expression(source, NUMERIC_ENV)
    try:
        value = cel.compile(source).execute(VALUES)
    except (ZeroDivisionError, OverflowError):
        assume(False)
        return
    except TypeError:
        assert result.issues, f"the engine refused {source!r} but the checker accepted it as {result.type}"
        return
    if result.type is not None and result.type.kind in PYTHON_TYPE:
        assert type(value) is PYTHON_TYPE[result.type.kind] or value is None, (source, value, result.type)
