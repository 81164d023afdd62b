"""Static type checking of CEL rules against the items they read.

Run when definitions load, so a misspelt item, a comparison of a date with a
number, int/double arithmetic (which the Rust engine refuses at run time) or
two quantities in different units are definition errors, not surprises on a
subject's data. The rules follow what the engine does: numeric comparisons
may mix int and double, arithmetic may not; `null` compares with anything.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field

from edc.definitions.cel_functions import check_call
from edc.definitions.cel_operators import check_binary
from edc.definitions.cel_parse import (
    Binary,
    Call,
    CelSyntaxError,
    Cond,
    Ident,
    Index,
    ListLit,
    Lit,
    MapLit,
    Node,
    Select,
    Unary,
    dotted_path,
    parse,
)
from edc.definitions.cel_types import (
    BOOL,
    DOUBLE,
    DURATION,
    DYN,
    INT,
    NULL,
    NUMERIC,
    PARTIAL_DATE,
    STRING,
    TIMESTAMP,
    CelIssue,
    CelType,
    CheckResult,
    FunctionSig,
    compatible,
    describe,
    list_of,
    quantity,
    record,
)


def compiles_at_runtime(source: str) -> str | None:
    """The evaluating engine's own compile error for `source`, or None."""
    import cel

    try:
        cel.compile(source)
    except (ValueError, RuntimeError) as exc:
        return str(exc)
    return None


def check_expression(source: str, env: Mapping[str, CelType],
                     functions: Mapping[str, FunctionSig] | None = None,
                     expect: CelType | None = None) -> CheckResult:
    try:
        tree = parse(source)
    except CelSyntaxError as exc:
        return CheckResult(None, (CelIssue(exc.message, exc.column),), frozenset())
    checker = _Checker(env, functions or {})
    result = checker.visit(tree)
    if expect is not None and not compatible(result, expect):
        checker.issues.append(CelIssue(f"must be a {describe(expect)} expression, got {describe(result)}", 1))
    typed = None if checker.issues else result
    return CheckResult(typed, tuple(checker.issues), frozenset(checker.references))


@dataclass
class _Checker:
    env: Mapping[str, CelType]
    functions: Mapping[str, FunctionSig]
    scopes: list[dict[str, CelType]] = field(default_factory=list)
    issues: list[CelIssue] = field(default_factory=list)
    references: set[str] = field(default_factory=set)

    def issue(self, node: Node, message: str) -> CelType:
        self.issues.append(CelIssue(message, node.col))
        return DYN

    def visit(self, node: Node) -> CelType:
        method = getattr(self, f"visit_{type(node).__name__}")
        result: CelType = method(node)
        return result

    def visit_Lit(self, node: Lit) -> CelType:
        return CelType(node.kind)

    def visit_Ident(self, node: Ident) -> CelType:
        for scope in reversed(self.scopes):
            if node.name in scope:
                return scope[node.name]
        if node.name in self.env:
            self.references.add(node.name)
            return self.env[node.name]
        return self.issue(node, f"unknown name '{node.name}'" + _suggest(node.name, self.known_names()))

    def known_names(self) -> list[str]:
        return [*self.env, *(n for scope in self.scopes for n in scope)]

    def visit_Select(self, node: Select) -> CelType:
        read_before = set(self.references)
        operand = self.visit(node.operand)
        if operand.kind == "record":
            fields = operand.fields or {}
            if node.field not in fields:
                noun = "item" if operand.label == "form" else "field"
                return self.issue(node, f"{describe(operand)} has no {noun} '{node.field}'"
                                  + _suggest(node.field, list(fields)))
            base = dotted_path(node.operand)
            if base is not None and base in self.references:
                if base not in read_before:  # the record was read only to reach this item
                    self.references.discard(base)
                self.references.add(f"{base}.{node.field}")
            return fields[node.field]
        if operand.kind in ("map", "dyn"):
            return operand.elem or DYN
        return self.issue(node, f"cannot select '{node.field}' from {describe(operand)}")

    def visit_Index(self, node: Index) -> CelType:
        operand, index = self.visit(node.operand), self.visit(node.index)
        if operand.kind == "list":
            if not compatible(index, INT):
                self.issue(node.index, f"a list index must be an int, got {describe(index)}")
            return operand.elem or DYN
        if operand.kind in ("map", "dyn"):
            return operand.elem or DYN
        return self.issue(node, f"cannot index {describe(operand)}")

    def visit_Unary(self, node: Unary) -> CelType:
        operand = self.visit(node.operand)
        if node.op == "!":
            return BOOL if _is_bool(operand) else self.issue(node, f"'!' needs a bool, got {describe(operand)}")
        if operand.kind in NUMERIC | {"dyn", "duration"}:
            return operand
        return self.issue(node, f"'-' needs a number, got {describe(operand)}")

    def visit_Cond(self, node: Cond) -> CelType:
        cond = self.visit(node.cond)
        if not _is_bool(cond):
            self.issue(node.cond, f"the condition of '?:' must be a bool, got {describe(cond)}")
        then, other = self.visit(node.then), self.visit(node.other)
        if compatible(then, other) or compatible(other, then):
            return other if then.kind == "null" else then
        return self.issue(node, f"the branches of '?:' differ: {describe(then)} and {describe(other)}")

    def visit_ListLit(self, node: ListLit) -> CelType:
        kinds = [self.visit(item) for item in node.items]
        first = next((k for k in kinds if k.kind != "null"), DYN)
        same = all(compatible(k, first) for k in kinds)
        return list_of(first if same else DYN)

    def visit_MapLit(self, node: MapLit) -> CelType:
        values = [self.visit(v) for k, v in node.entries if self.visit(k)]
        first = values[0] if values and all(compatible(v, values[0]) for v in values) else DYN
        return CelType("map", elem=first)

    def visit_Binary(self, node: Binary) -> CelType:
        left, right = self.visit(node.left), self.visit(node.right)
        if node.op in ("&&", "||"):  # null stands for any value elsewhere; the engine's logic refuses it
            for side, t in ((node.left, left), (node.right, right)):
                if t.kind == "null":
                    self.issue(side, f"'{node.op}' needs bool operands, got null")
        return check_binary(self, node, left, right)

    def visit_Call(self, node: Call) -> CelType:
        return check_call(self, node)


def _is_bool(t: CelType) -> bool:
    """Where CEL needs a truth value: a bool, or dyn; null, which fits other places, does not."""
    return t.kind in ("bool", "dyn")


def _suggest(name: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(name, candidates, n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


__all__ = [
    "BOOL", "DOUBLE", "DURATION", "DYN", "INT", "NULL", "PARTIAL_DATE", "STRING", "TIMESTAMP", "CelIssue", "CelType",
    "CheckResult", "FunctionSig", "check_expression", "compatible", "compiles_at_runtime", "describe",
    "list_of", "quantity", "record",
]
