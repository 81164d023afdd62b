"""Type rules of CEL calls: the comprehension macros, has(), CEL's standard functions and the clinical ones."""

from __future__ import annotations

import difflib

from edc.definitions.cel_parse import Call, Ident, Node, Select
from edc.definitions.cel_types import (
    BOOL,
    DOUBLE,
    DURATION,
    DYN,
    INT,
    STRING,
    TIMESTAMP,
    CelType,
    Checker,
    compatible,
    describe,
    list_of,
)

MACROS = frozenset({"exists", "all", "exists_one", "filter", "map"})
STRING_METHODS = frozenset({"startsWith", "endsWith", "contains", "matches"})
TIMESTAMP_METHODS = frozenset({"getFullYear", "getMonth", "getDate", "getDayOfMonth", "getDayOfYear",
                               "getDayOfWeek", "getHours", "getMinutes"})
CONVERSIONS = {"int": INT, "double": DOUBLE, "string": STRING, "timestamp": TIMESTAMP, "duration": DURATION,
               "dyn": DYN, "bool": BOOL}


def check_call(checker: Checker, node: Call) -> CelType:
    if node.target is not None and node.function in MACROS:
        return _macro(checker, node, node.target)
    if node.target is None and node.function == "has":
        return _has(checker, node)
    if node.function == "size":
        return _size(checker, node)
    if node.target is not None:
        return _method(checker, node, node.target)
    if node.function in CONVERSIONS:
        _visit_all(checker, node.args, expected=1, node=node)
        return CONVERSIONS[node.function]
    return _custom(checker, node)


def _visit_all(checker: Checker, args: tuple[Node, ...], *, expected: int, node: Call) -> list[CelType]:
    types = [checker.visit(a) for a in args]
    if len(args) != expected:
        checker.issue(node, f"{node.function}() takes {expected} argument(s), got {len(args)}")
    return types


def _macro(checker: Checker, node: Call, target: Node) -> CelType:
    collection = checker.visit(target)
    if len(node.args) != 2 or not isinstance(node.args[0], Ident):
        return checker.issue(node, f"{node.function}() needs a variable name and an expression")
    if collection.kind == "list":
        elem = collection.elem or DYN
    elif collection.kind == "map":
        elem = STRING
    elif collection.kind == "dyn":
        elem = DYN
    else:
        return checker.issue(node, f"{node.function}() needs a list or map, got {describe(collection)}")
    checker.scopes.append({node.args[0].name: elem})
    try:
        body = checker.visit(node.args[1])
    finally:
        checker.scopes.pop()
    if node.function == "map":
        return list_of(body)
    if not compatible(body, BOOL):
        checker.issue(node.args[1], f"the predicate of {node.function}() must be a bool, got {describe(body)}")
    return list_of(elem) if node.function == "filter" else BOOL


def _has(checker: Checker, node: Call) -> CelType:
    if len(node.args) != 1 or not isinstance(node.args[0], Select):
        return checker.issue(node, "has() needs a field selection, e.g. has(form.item)")
    checker.visit(node.args[0])
    return BOOL


def _size(checker: Checker, node: Call) -> CelType:
    args = node.args if node.target is None else (node.target, *node.args)
    types = [checker.visit(a) for a in args]
    if len(types) != 1:
        return checker.issue(node, f"size() takes one argument, got {len(types)}")
    if types[0].kind not in ("string", "list", "map", "dyn"):
        return checker.issue(node, f"size() needs a string, list or map, got {describe(types[0])}")
    return INT


def _method(checker: Checker, node: Call, target: Node) -> CelType:
    receiver = checker.visit(target)
    args = [checker.visit(a) for a in node.args]
    if node.function in STRING_METHODS and compatible(receiver, STRING):
        if len(args) != 1 or not compatible(args[0], STRING):
            return checker.issue(node, f"{node.function}() takes one string")
        return BOOL
    if node.function in TIMESTAMP_METHODS and compatible(receiver, TIMESTAMP):
        return INT
    sig = checker.functions.get(node.function)
    if sig is not None and sig.receiver is not None and compatible(receiver, sig.receiver):
        return _match(checker, node, args, sig.params, sig.result)
    return checker.issue(node, f"{describe(receiver)} has no method {node.function}()")


def _custom(checker: Checker, node: Call) -> CelType:
    args = [checker.visit(a) for a in node.args]
    sig = checker.functions.get(node.function)
    if sig is None or sig.receiver is not None:
        close = difflib.get_close_matches(node.function, list(checker.functions), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return checker.issue(node, f"unknown function '{node.function}'{hint}")
    return _match(checker, node, args, sig.params, sig.result)


def _match(checker: Checker, node: Call, args: list[CelType], params: tuple[CelType, ...],
           result: CelType) -> CelType:
    if len(args) != len(params):
        return checker.issue(node, f"{node.function}() takes {len(params)} argument(s), got {len(args)}")
    for position, (arg, param) in enumerate(zip(args, params, strict=True), start=1):
        # The clinical functions are Python: an int is accepted where a double is declared.
        widened = arg.kind == "int" and param.kind == "double"
        if not (widened or compatible(arg, param)):
            checker.issue(node.args[position - 1], f"argument {position} of {node.function}() must be "
                                                   f"{describe(param)}, got {describe(arg)}")
    return result
