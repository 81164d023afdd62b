"""The CEL view of definitions: the type of each item, of a form record, the context edit checks read,
and rule checking with located errors."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from types import MappingProxyType

from edc.definitions.cel_check import (
    BOOL,
    DOUBLE,
    INT,
    PARTIAL_DATE,
    STRING,
    TIMESTAMP,
    CelType,
    check_expression,
    compiles_at_runtime,
    list_of,
    quantity,
    record,
)
from edc.definitions.functions import CEL_FUNCTIONS
from edc.definitions.model import Codelist, Form, Item
from edc.definitions.problems import Problems
from edc.definitions.sources import Located, report

_SCALAR = {
    "text": STRING, "choice": STRING, "time": STRING, "boolean": BOOL,
    "date": TIMESTAMP, "partial_date": PARTIAL_DATE, "datetime": TIMESTAMP,
}

SUBJECT_FIELDS: Mapping[str, CelType] = MappingProxyType({
    "consent_date": TIMESTAMP,          # informed_consent.icdat (DM.RFICDTC)
    "screened_on": TIMESTAMP,           # the date the subject was screened (registered)
    "enrolled_on": TIMESTAMP,           # the enrolment date (null before enrolment)
    "leukapheresis_date": TIMESTAMP,    # the first leukapheresis.lkdat
    "lymphodepletion_start": TIMESTAMP,  # the first lymphodepletion.exdat
    "lymphodepletion_end": TIMESTAMP,   # the last lymphodepletion.exdat
    "infusion_date": TIMESTAMP,         # cart_infusion.exdat (DM.RFXSTDTC)
    "last_visit_date": TIMESTAMP,       # the latest date of a visit that took place
})
VISIT_FIELDS: Mapping[str, CelType] = MappingProxyType({
    "code": STRING,                     # the visit code (SCR, D28, UNS, LOGS)
    "date": TIMESTAMP,                  # the date the visit took place
    "planned_date": TIMESTAMP,          # planned from the infusion date (scheduled visits)
    "window_start": TIMESTAMP,          # planned_date - window.before
    "window_end": TIMESTAMP,            # planned_date + window.after
})
CHECK_CONTEXT: Mapping[str, CelType] = MappingProxyType({
    "subject": record("subject", SUBJECT_FIELDS, label="context"),
    "visit": record("visit", VISIT_FIELDS, label="context"),
    "today": TIMESTAMP,
})
"""What an edit check reads besides its form's items; a value not known yet is null (the check is undecidable)."""


def item_type(item: Item, codelists: Mapping[str, Codelist] | None = None) -> CelType:
    """The CEL type of an item's value; a choice item knows its codes when `codelists` are given."""
    if item.type == "choice" and codelists is not None and item.codelist is not None \
            and item.codelist in codelists:
        return CelType("string", codes=frozenset(codelists[item.codelist].codes()))
    if item.type == "integer":
        return quantity("int", item.unit) if item.unit else INT
    if item.type == "decimal":
        return quantity("double", item.unit) if item.unit else DOUBLE
    if item.type == "multichoice":
        return list_of(STRING)
    return _SCALAR[item.type]


class RuleEnv(Mapping[str, CelType]):
    """The names a form's rules may read, with their types; immutable, one object per form and codelists.

    A definition never changes once loaded, so what depends only on a rule and its environment (the paths
    it reads, `edc.rules.runtime.references`) is worked out once per process and kept here, in `paths`,
    instead of parsing and type-checking the rule on every request. Equal environments are the same
    object (identity hash): the memo is only ever shared by rules read in the very same environment.
    """

    __slots__ = ("_types", "calc_order", "paths")

    def __init__(self, types: Mapping[str, CelType]) -> None:
        self._types = dict(types)
        self.paths: dict[str, tuple[str, ...]] = {}
        self.calc_order: tuple[Item, ...] | None = None  # the form's calculations in dependency order

    def __getitem__(self, name: str) -> CelType:
        return self._types[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._types)

    def __len__(self) -> int:
        return len(self._types)

    __hash__ = object.__hash__


_ENV_LIMIT = 512
"""Environments kept: far more than the forms of every loaded study; a per-request copy of a form (a role's
entry form) only ever displaces the least recently used."""
_ENVS: dict[tuple[str, int, int], tuple[Form, object, RuleEnv]] = {}
_ENVS_LOCK = threading.Lock()


def form_fields(form: Form, codelists: Mapping[str, Codelist] | None = None) -> RuleEnv:
    """What a form's skip logic and calculations may read: its items, typed."""
    return _env("fields", form, codelists)


def check_env(form: Form, codelists: Mapping[str, Codelist] | None = None) -> RuleEnv:
    """What an edit check of `form` may read: its items and the check context (`CHECK_CONTEXT`)."""
    return _env("checks", form, codelists)


def _env(kind: str, form: Form, codelists: Mapping[str, Codelist] | None) -> RuleEnv:
    """The cached environment of `kind` for this form object and codelists object (kept alive beside it, so
    their ids cannot be reused while the entry stands)."""
    key = (kind, id(form), id(codelists))
    with _ENVS_LOCK:
        hit = _ENVS.pop(key, None)
        if hit is not None:
            _ENVS[key] = hit  # most recently used last
            return hit[2]
    types = {item.name: item_type(item, codelists) for item in form.items}
    env = RuleEnv({**types, **CHECK_CONTEXT} if kind == "checks" else types)
    with _ENVS_LOCK:
        _ENVS[key] = (form, codelists, env)
        while len(_ENVS) > _ENV_LIMIT:
            del _ENVS[next(iter(_ENVS))]
    return env


def form_record(form: Form, codelists: Mapping[str, Codelist] | None = None) -> CelType:
    """A form's record as one CEL value (a repeating form is a list of them)."""
    rec = record(form.id, form_fields(form, codelists))
    return list_of(rec) if form.repeating else rec


def check_rule(
    source: str,
    env: Mapping[str, CelType],
    expect: CelType | None,
    where: Located,
    what: str,
    problems: Problems,
    *path: str | int,
) -> CelType | None:
    """Type-check one CEL rule; report each issue at the rule's line. Returns its type."""
    runtime_error = compiles_at_runtime(source)
    if runtime_error is not None:
        first_line = runtime_error.strip().splitlines()[0]
        report(problems, where, f"{what} does not compile: {first_line}", *path)
        return None
    result = check_expression(source, env, CEL_FUNCTIONS, expect)
    for issue in result.issues:
        report(problems, where, f"{what}: {issue.message} (column {issue.column})", *path)
    return None if result.issues else result.type


def type_name(t: CelType) -> str:
    if t.kind == "list" and t.elem is not None:
        return f"list({type_name(t.elem)})"
    return t.kind + (f" [{t.unit}]" if t.unit else "")


def expected_calc_type(item: Item) -> CelType:
    """What a CEL `calc` must produce for `item` (units left to the author)."""
    base = item_type(item)
    if base.kind in ("int", "double"):
        return INT if base.kind == "int" else DOUBLE
    return base
