"""Edit checks of one form: each check's rule must hold, else a finding is raised.

Calculated items are computed first (checks may read them) and skip logic
applied (a skipped item is null). A check whose data are missing is
undecidable and raises no finding: a required-item check, not an edit check,
reports missing values.
"""

from __future__ import annotations

from collections.abc import Mapping

from edc.definitions.cel_check import CelType
from edc.definitions.celenv import form_fields
from edc.definitions.model import Check, Codelist, Form
from edc.domain.findings import Finding
from edc.rules.calculate import applicable, calculate, rule_record
from edc.rules.runtime import Undecidable, evaluate, lookup, references


def complete_values(form: Form, values: Mapping[str, object],
                    codelists: Mapping[str, Codelist] | None = None) -> dict[str, object]:
    """The record rules see for `values`: with its calculated items, skipped items null, missing left out."""
    merged = {**values, **calculate(form, codelists, values)}
    return rule_record(form, merged, applicable(form, merged, codelists))


def run_checks(form: Form, values: Mapping[str, object],
               codelists: Mapping[str, Codelist] | None = None) -> list[Finding]:
    """The findings of `form`'s edit checks on `values`, in the order the checks are defined."""
    record = complete_values(form, values, codelists)
    env = form_fields(form, codelists)
    findings = []
    for check in form.checks:
        finding = _run(check, record, env)
        if finding is not None:
            findings.append(finding)
    return findings


def _run(check: Check, record: Mapping[str, object], env: Mapping[str, CelType]) -> Finding | None:
    paths = references(check.expr, env)
    result = evaluate(check.expr, record, paths)
    if isinstance(result, Undecidable) or result is True:
        return None
    if result is not False:
        raise TypeError(f"check {check.id} gave {result!r}, not a bool")
    item = check.item or (paths[0].split(".")[0] if paths else None)
    used = {path: lookup(path, record)[1] for path in paths}
    return Finding(check.id, check.severity, check.message, item, used)
