"""The types CEL rules are checked with: CEL's own kinds, plus records (form records) and units."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from edc.definitions.cel_parse import Node


@dataclass(frozen=True)
class CelType:
    kind: str  # int, double, bool, string, timestamp, duration, null, list, map, record, dyn
    elem: CelType | None = None
    fields: Mapping[str, CelType] | None = None
    unit: str | None = None
    name: str | None = None
    codes: frozenset[str] | None = None  # a choice item's codelist: the only strings it can hold
    label: str = "form"  # what a record is, in messages: a form's record or the check context (subject, visit)


INT, DOUBLE, BOOL, STRING = CelType("int"), CelType("double"), CelType("bool"), CelType("string")
TIMESTAMP, DURATION, NULL, DYN = CelType("timestamp"), CelType("duration"), CelType("null"), CelType("dyn")
# A partial date (YYYY, YYYY-MM, YYYY-MM-DD) is not a timestamp: it is compared with `!= null` only, or read
# through earliest_date() / latest_date(), so a rule never pretends to know a day that was not captured.
PARTIAL_DATE = CelType("partial_date")
NUMERIC = frozenset({"int", "double"})


def list_of(elem: CelType) -> CelType:
    return CelType("list", elem=elem)


def record(name: str, fields: Mapping[str, CelType], label: str = "form") -> CelType:
    return CelType("record", fields=dict(fields), name=name, label=label)


def quantity(kind: str, unit: str | None) -> CelType:
    return CelType(kind, unit=unit)


@dataclass(frozen=True)
class FunctionSig:
    name: str
    params: tuple[CelType, ...]
    result: CelType
    receiver: CelType | None = None


@dataclass(frozen=True)
class CelIssue:
    message: str
    column: int


@dataclass(frozen=True)
class CheckResult:
    type: CelType | None
    issues: tuple[CelIssue, ...]
    references: frozenset[str]


def describe(t: CelType) -> str:
    if t.kind == "list":
        return f"list({describe(t.elem or DYN)})"
    if t.kind == "record":
        return f"{t.label} '{t.name}'"
    if t.kind == "partial_date":
        return "partial date"
    return t.kind + (f" [{t.unit}]" if t.unit else "")


def compatible(actual: CelType, wanted: CelType) -> bool:
    """Whether a value of type `actual` may stand where `wanted` is expected."""
    if "dyn" in (actual.kind, wanted.kind) or actual.kind == "null":
        return True
    if actual.kind == "list" and wanted.kind == "list":
        return compatible(actual.elem or DYN, wanted.elem or DYN)
    return actual.kind == wanted.kind


class Checker(Protocol):
    """What operator and function rules need from the checker walking the tree."""

    functions: Mapping[str, FunctionSig]
    scopes: list[dict[str, CelType]]

    def visit(self, node: Node) -> CelType: ...

    def issue(self, node: Node, message: str) -> CelType: ...
