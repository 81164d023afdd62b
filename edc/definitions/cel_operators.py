"""Type rules of CEL's binary operators, with the units of quantities.

Mirrors the Rust engine: comparisons may mix int and double, arithmetic may
not. Two quantities in different units may be neither compared nor added; a
unitless literal takes the unit of the other side; a product or quotient is
unitless (the author states what it means by what it is compared with).
"""

from __future__ import annotations

from edc.definitions.cel_parse import Binary, ListLit, Lit, Node, dotted_path
from edc.definitions.cel_types import (
    BOOL,
    DURATION,
    DYN,
    NUMERIC,
    STRING,
    TIMESTAMP,
    CelType,
    Checker,
    compatible,
    describe,
    list_of,
)

ORDERED = frozenset({"string", "timestamp", "duration"})


def check_binary(checker: Checker, node: Binary, left: CelType, right: CelType) -> CelType:
    if node.op in ("&&", "||"):
        for side, t in ((node.left, left), (node.right, right)):
            if not compatible(t, BOOL):
                checker.issue(side, f"'{node.op}' needs bool operands, got {describe(t)}")
        return BOOL
    if node.op in ("==", "!="):
        return _equality(checker, node, left, right)
    if node.op in ("<", "<=", ">", ">="):
        return _ordering(checker, node, left, right)
    if node.op == "in":
        return _membership(checker, node, left, right)
    if node.op in ("+", "-"):
        return _additive(checker, node, left, right)
    return _multiplicative(checker, node, left, right)


def _dyn(*types: CelType) -> bool:
    return any(t.kind == "dyn" for t in types)


def _units_agree(checker: Checker, node: Binary, left: CelType, right: CelType) -> None:
    if left.unit and right.unit and left.unit != right.unit:
        checker.issue(node, f"unit mismatch: {_name(node.left)} is in {left.unit}, "
                            f"{_name(node.right)} in {right.unit}")


def _name(node: Node) -> str:
    path = dotted_path(node)
    return f"'{path}'" if path else "the other side"


def _equality(checker: Checker, node: Binary, left: CelType, right: CelType) -> CelType:
    both_numeric = left.kind in NUMERIC and right.kind in NUMERIC
    if not (both_numeric or compatible(left, right) or compatible(right, left)):
        checker.issue(node, f"cannot compare {describe(left)} with {describe(right)} using '{node.op}'")
    if both_numeric:
        _units_agree(checker, node, left, right)
    _codes_known(checker, node.left, left, node.right)
    _codes_known(checker, node.right, right, node.left)
    return BOOL


def _codes_known(checker: Checker, item: Node, item_type: CelType, other: Node) -> None:
    """A choice item compared with a literal that is not one of its codes can never match."""
    if item_type.codes is None:
        return
    literals = other.items if isinstance(other, ListLit) else (other,)
    for literal in literals:
        if isinstance(literal, Lit) and literal.kind == "string" and literal.value not in item_type.codes:
            allowed = ", ".join(sorted(item_type.codes))
            checker.issue(literal, f"'{literal.value}' is not a code of {_name(item)} (codes: {allowed})")


def _ordering(checker: Checker, node: Binary, left: CelType, right: CelType) -> CelType:
    both_numeric = left.kind in NUMERIC and right.kind in NUMERIC
    same_ordered = left.kind == right.kind and left.kind in ORDERED
    if _dyn(left, right) or same_ordered:
        return BOOL
    if not both_numeric:
        checker.issue(node, f"cannot order {describe(left)} and {describe(right)} with '{node.op}'")
        return BOOL
    _units_agree(checker, node, left, right)
    return BOOL


def _membership(checker: Checker, node: Binary, left: CelType, right: CelType) -> CelType:
    if right.kind == "list":
        _codes_known(checker, node.left, left, node.right)
        elem = right.elem or DYN
        numeric = left.kind in NUMERIC and elem.kind in NUMERIC
        if not (numeric or compatible(left, elem) or compatible(elem, left)):
            checker.issue(node, f"'in' looks for {describe(left)} in {describe(right)}")
    elif right.kind == "map":
        if not compatible(left, STRING):
            checker.issue(node, f"'in' looks for {describe(left)} among string keys")
    elif right.kind != "dyn":
        checker.issue(node, f"'in' needs a list or map on its right, got {describe(right)}")
    return BOOL


def _additive(checker: Checker, node: Binary, left: CelType, right: CelType) -> CelType:
    if _dyn(left, right):
        return right if left.kind == "dyn" else left
    if left.kind in NUMERIC and right.kind in NUMERIC:
        return _arithmetic(checker, node, left, right, keep_unit=True)
    kinds = (left.kind, right.kind)
    if node.op == "+" and kinds in (("string", "string"), ("list", "list")):
        return left if kinds[0] == "string" else list_of(left.elem or DYN)
    temporal = {
        ("-", "timestamp", "timestamp"): DURATION, ("+", "timestamp", "duration"): TIMESTAMP,
        ("-", "timestamp", "duration"): TIMESTAMP, ("+", "duration", "timestamp"): TIMESTAMP,
        ("+", "duration", "duration"): DURATION, ("-", "duration", "duration"): DURATION,
    }
    result = temporal.get((node.op, *kinds))
    if result is not None:
        return result
    return checker.issue(node, f"'{node.op}' is not defined for {describe(left)} and {describe(right)}")


def _multiplicative(checker: Checker, node: Binary, left: CelType, right: CelType) -> CelType:
    if _dyn(left, right):
        return right if left.kind == "dyn" else left
    if left.kind in NUMERIC and right.kind in NUMERIC:
        if node.op == "%" and "double" in (left.kind, right.kind):
            return checker.issue(node, "'%' is defined for integers only")
        return _arithmetic(checker, node, left, right, keep_unit=False)
    return checker.issue(node, f"'{node.op}' is not defined for {describe(left)} and {describe(right)}")


def _arithmetic(checker: Checker, node: Binary, left: CelType, right: CelType, *, keep_unit: bool) -> CelType:
    if left.kind != right.kind:
        return checker.issue(node, f"CEL does not mix int and double in '{node.op}' ({describe(left)} and "
                                   f"{describe(right)}): write a decimal literal such as 2.0, or use double()")
    if not keep_unit:
        return CelType(left.kind)
    _units_agree(checker, node, left, right)
    return CelType(left.kind, unit=left.unit or right.unit)
