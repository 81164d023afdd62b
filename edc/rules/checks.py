"""Edit checks of one form: each check's rule must hold, else a finding is raised.

Calculated items are computed first (checks may read them) and skip logic
applied (a skipped item is null). A check whose data are missing is
undecidable and raises no finding: a required-item check, not an edit check,
reports missing values. Besides the form's items a check reads the check
context (`edc.definitions.celenv.CHECK_CONTEXT`: `subject`, `visit`,
`today`), which the caller fills; a context value not known yet is null, and
without a context at all every check reading it is undecidable. A message
may name values the check reads (`{aetoxgr}`): the finding shows them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from string import Formatter
from typing import Any

from edc.definitions.cel_check import CelType
from edc.definitions.celenv import CHECK_CONTEXT, check_env
from edc.definitions.model import Check, Codelist, Form
from edc.domain.findings import Finding
from edc.rules.calculate import applicable, calculate, rule_record
from edc.rules.runtime import Undecidable, bound, evaluate, lookup, references, to_cel


def complete_values(form: Form, values: Mapping[str, object], codelists: Mapping[str, Codelist] | None = None,
                    calculated: Mapping[str, object] | None = None) -> dict[str, object]:
    """The record rules see for `values`: with its calculated items, skipped items null, missing left out.

    `calculated` is `calculate(form, codelists, values)` when the caller has it already (a calculation never
    reads a calculated item from its input, so it is the same whether or not `values` hold them)."""
    merged = {**values, **(calculate(form, codelists, values) if calculated is None else calculated)}
    return rule_record(form, merged, applicable(form, merged, codelists))


def run_checks(form: Form, values: Mapping[str, object], codelists: Mapping[str, Codelist] | None = None,
               context: Mapping[str, object] | None = None,
               calculated: Mapping[str, object] | None = None) -> list[Finding]:
    """The findings of `form`'s edit checks on `values` and `context`, in the order the checks are defined
    (`calculated` as in `complete_values`)."""
    record = {**complete_values(form, values, codelists, calculated),
              **{k: to_cel(v) for k, v in (context or {}).items()}}
    env = check_env(form, codelists)
    bound_record = bound(record)
    findings = []
    for check in form.checks:
        finding = _run(check, record, env, bound_record)
        if finding is not None:
            findings.append(finding)
    return findings


def reads_context(form: Form, codelists: Mapping[str, Codelist] | None = None) -> bool:
    """Whether any check of `form` reads the check context (so the caller need not fetch it otherwise)."""
    env = check_env(form, codelists)
    return any(path.split(".")[0] in CHECK_CONTEXT for check in form.checks for path in references(check.expr, env))


def _run(check: Check, record: Mapping[str, object], env: Mapping[str, CelType], bound_record: Any) -> Finding | None:
    paths = references(check.expr, env)
    result = evaluate(check.expr, record, paths, bound_record)
    if isinstance(result, Undecidable) or result is True:
        return None
    if result is not False:
        raise TypeError(f"check {check.id} gave {result!r}, not a bool")
    # the finding names the first item the check reads, never a context value
    item = check.item or next((root for root in (p.split(".")[0] for p in paths) if root not in CHECK_CONTEXT), None)
    used = {path: lookup(path, record)[1] for path in paths}
    return Finding(check.id, check.severity, finding_message(check.message, used), item, used)


def finding_message(message: str, used: Mapping[str, object]) -> str:
    """`message` with each `{path}` replaced by the value the check read (the loader allows only those)."""
    parts = []
    for literal, name, _, _ in Formatter().parse(message):
        parts.append(literal)
        if name is not None:
            parts.append(_shown(used.get(name)))
    return "".join(parts)


def _shown(value: object) -> str:
    """A value read by a check as site staff read it: dates as dates, 38.0 as 38.0, lists joined."""
    if value is None:
        return "missing"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        midnight = (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0)
        return value.date().isoformat() if midnight else value.isoformat()
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value)
    return str(value)
