"""Checks of one form within its study: item keys that fit the type, codelists, units, scores and CEL rules."""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping

from edc.definitions import units
from edc.definitions.cel_check import BOOL, check_expression
from edc.definitions.celenv import CHECK_CONTEXT, check_env, check_rule, expected_calc_type, form_fields, type_name
from edc.definitions.check_units import check_other_units, check_same_units
from edc.definitions.functions import BVAS_SYSTEMS, CEL_FUNCTIONS, SCORES, SLEDAI_DESCRIPTORS, ScoreSig
from edc.definitions.model import Check, Codelist, Form, Item, ScoreCalc
from edc.definitions.problems import Problems
from edc.definitions.sources import Located, report

# Columns every form table has besides its items, and the names of the check context: an item may not
# take them.
RESERVED_ITEM_NAMES = frozenset({"record_id", "id", "seq", "version", "status", *CHECK_CONTEXT})
NUMERIC = frozenset({"integer", "decimal"})


def check_form(form: Form, where: Located, codelists: Mapping[str, Codelist], problems: Problems) -> None:
    _check_unique(form, where, problems)
    for i, item in enumerate(form.items):
        at = where.child("items", i)
        _check_item_keys(item, at, codelists, problems)
        check_other_units(form, item, at, problems)
        _check_references(form, item, at, problems)
        _check_sdtm(form, item, at, problems)
        if isinstance(item.calc, ScoreCalc):
            _check_score(form, item, item.calc, at, codelists, problems)
    _check_rules(form, where, codelists, problems)


def _check_unique(form: Form, where: Located, problems: Problems) -> None:
    seen: set[str] = set()
    for i, item in enumerate(form.items):
        if item.name in seen:
            report(problems, where, f"duplicate item name '{item.name}' in form '{form.id}'", "items", i, "name")
        elif item.name in RESERVED_ITEM_NAMES:
            report(problems, where, f"item name '{item.name}' is reserved", "items", i, "name")
        seen.add(item.name)
    ids: set[str] = set()
    for j, check in enumerate(form.checks):
        if check.id in ids:
            report(problems, where, f"duplicate check id '{check.id}' in form '{form.id}'", "checks", j, "id")
        ids.add(check.id)


def _check_item_keys(item: Item, at: Located, codelists: Mapping[str, Codelist], problems: Problems) -> None:
    """Each type takes its own keys: precision for decimals, max_length for text, codelist for choices."""
    needs = {"decimal": "precision", "text": "max_length", "choice": "codelist", "multichoice": "codelist"}
    need = needs.get(item.type)
    if need is not None and getattr(item, need) is None:
        report(problems, at, f"item '{item.name}' of type {item.type} needs '{need}'", "type")
    for key, allowed in (("precision", {"decimal"}), ("max_length", {"text"}),
                         ("codelist", {"choice", "multichoice"}), ("unit", NUMERIC), ("range", NUMERIC)):
        if getattr(item, key) is not None and item.type not in allowed:
            report(problems, at, f"'{key}' does not apply to item '{item.name}' of type {item.type}", key)
    if item.codelist is not None and item.codelist not in codelists:
        report(problems, at, f"item '{item.name}' names unknown codelist '{item.codelist}'", "codelist")
    elif item.type == "multichoice" and item.codelist is not None:
        # ODM holds a multichoice value as its codes separated by spaces: a code with one could not be read back
        for code in (c for c in codelists[item.codelist].codes() if any(ch.isspace() for ch in c)):
            report(problems, at, f"item '{item.name}' is a multichoice, whose codes are space separated in ODM: "
                   f"code '{code}' of codelist '{item.codelist}' contains a space", "codelist")
    if item.unit is not None and not units.is_known(item.unit):
        report(problems, at, f"item '{item.name}' has unknown unit '{item.unit}'", "unit")
    if item.identifying is not None and item.type != "partial_date":
        report(problems, at, f"item '{item.name}' of type {item.type} cannot keep an identifier coarser: "
               "'identifying' needs a partial_date", "identifying")
    if item.entered_by is not None and item.is_calculated:
        report(problems, at, f"item '{item.name}' is calculated by the server: no role enters it", "entered_by")


def _check_references(form: Form, item: Item, at: Located, problems: Problems) -> None:
    for key in ("uln", "lln"):
        name = getattr(item, key)
        if name is None:
            continue
        limit = form.item(name)
        if limit is None:
            report(problems, at, f"{key} of '{item.name}' names unknown item '{name}'", key)
        elif limit.type not in NUMERIC or item.type not in NUMERIC:
            report(problems, at, f"{key} of '{item.name}' must link two numeric items", key)
        elif limit.unit != item.unit:
            report(problems, at, f"unit mismatch: '{item.name}' is in {item.unit}, "
                   f"its {key} '{name}' in {limit.unit}", key)
        else:
            check_same_units(item, limit, at, key, problems)


def _check_sdtm(form: Form, item: Item, at: Located, problems: Problems) -> None:
    target = item.sdtm
    if target is None:
        return
    if target.domain is None and form.domain is None:
        report(problems, at, f"sdtm target of '{item.name}' needs a domain (on the item or the form)", "sdtm")
    if target.unit is None:
        return
    if not units.is_known(target.unit):
        report(problems, at, f"sdtm unit '{target.unit}' of '{item.name}' is not a known unit", "sdtm", "unit")
    elif item.unit is None or not units.same_dimension(item.unit, target.unit):
        report(problems, at, f"unit mismatch: '{item.name}' is captured in {item.unit or 'no unit'} "
               f"but its SDTM unit {target.unit} measures something else", "sdtm", "unit")


def _check_score(form: Form, item: Item, calc: ScoreCalc, at: Located,
                 codelists: Mapping[str, Codelist], problems: Problems) -> None:
    sig = SCORES.get(calc.score)
    if sig is None:
        known = ", ".join(sorted(SCORES))
        report(problems, at, f"unknown score '{calc.score}' (known: {known})", "calc", "score")
        return
    if item.type != sig.result_type or item.codelist != sig.result_codelist:
        shape = sig.result_type + (f" over codelist {sig.result_codelist}" if sig.result_codelist else "")
        report(problems, at, f"score {calc.score} gives {shape}, item '{item.name}' is {item.type}"
               + (f" over codelist {item.codelist}" if item.codelist else ""), "type")
    for needed in sig.inputs:
        found = form.item(needed.name)
        if found is None or (found.type, found.codelist) != (needed.type, needed.codelist) or (
                needed.unit is not None and found.unit != needed.unit):
            shape = needed.type + (f" over codelist {needed.codelist}" if needed.codelist else "") + (
                f" in {needed.unit}" if needed.unit else "")
            report(problems, at, f"score {calc.score} needs item '{needed.name}' ({shape}) in form '{form.id}'",
                   "calc", "score")
    _check_score_params(sig, calc, at, problems)


def _check_score_params(sig: ScoreSig, calc: ScoreCalc, at: Located, problems: Problems) -> None:
    for key in calc.params:
        if key not in sig.params | sig.boundaries:
            report(problems, at, f"score {calc.score} takes no param '{key}'", "calc", "params", key)
    for key in sorted(sig.boundaries):
        value = calc.params.get(key)
        if value is None:
            report(problems, at, f"score {calc.score} needs param '{key}' (a published boundary)", "calc", "params")
        elif isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
            report(problems, at, f"param '{key}' of score {calc.score} must be a number greater than 0, "
                   f"got {value!r}", "calc", "params", key)
    excluded = calc.params.get("exclude", ())
    if not isinstance(excluded, (tuple, list)) or any(e not in SLEDAI_DESCRIPTORS for e in excluded):
        report(problems, at, f"exclude of {calc.score} must list SLEDAI descriptor names", "calc", "params")
    if "system" in sig.params and calc.params.get("system") not in BVAS_SYSTEMS:
        report(problems, at, f"system of {calc.score} must be one of {', '.join(BVAS_SYSTEMS)}", "calc", "params")


def _check_message(check: Check, reads: Collection[str], at: Located, problems: Problems) -> None:
    """A message names only values its check reads: those are what a finding shows."""
    try:
        fields = check.message_fields()
    except ValueError as exc:
        report(problems, at, f"message of check '{check.id}': {exc} (write {{{{ for a brace)", "message")
        return
    for name in fields:
        if name not in reads:
            report(problems, at, f"message of check '{check.id}' names '{{{name}}}', which the check does not "
                   f"read (it reads: {', '.join(sorted(reads))})", "message")


def _check_rules(form: Form, where: Located, codelists: Mapping[str, Codelist], problems: Problems) -> None:
    env = form_fields(form, codelists)
    for i, item in enumerate(form.items):
        at = where.child("items", i)
        if item.when is not None:
            check_rule(item.when, env, BOOL, at, f"skip logic of '{item.name}'", problems, "when")
        if isinstance(item.calc, str):
            expect = expected_calc_type(item)
            got = check_rule(item.calc, env, None, at, f"calc of '{item.name}'", problems, "calc")
            if got is not None and got.kind not in (expect.kind, "dyn", "null"):
                report(problems, at, f"calc of '{item.name}' gives {type_name(got)}, "
                       f"item is {item.type}", "calc")
    checked = check_env(form, codelists)
    for j, check in enumerate(form.checks):
        at = where.child("checks", j)
        if check_rule(check.expr, checked, BOOL, at, f"check '{check.id}'", problems, "expr") is not None:
            _check_message(check, check_expression(check.expr, checked, CEL_FUNCTIONS).references, at, problems)
        if check.item is not None and form.item(check.item) is None:
            report(problems, at, f"check '{check.id}' names unknown item '{check.item}'", "item")
