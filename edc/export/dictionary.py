"""A study's data dictionary: its forms, items, codelists and rules as plain tables, for a reviewer to read.

Pure metadata, built from the typed definitions only (no stored data): every
item of every form with its label, type, unit (and the other units a site may
enter it in), range, codelist, skip logic (`when`), calculation, edit checks
and SDTM target, both as the item declares it and as the study's SDTM specs
map it. The tables are written as CSV and as an XLSX workbook by
`edc.export.dictionary_files`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from edc.definitions.catalog import StudyDefinition
from edc.definitions.model import Form, Item, ScoreCalc
from edc.definitions.sdtm.derivations import ITEM_ARGS
from edc.definitions.sdtm.model import Source, SpecSet

Cell = str | int | float | bool | None


@dataclass(frozen=True)
class Table:
    """One sheet of the dictionary: a name, its column headers and its rows (a cell per column)."""

    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


FORM_COLUMNS = ("study", "form", "title", "domain", "repeating", "key", "entered_by", "items", "checks",
                "collected_at")
ITEM_COLUMNS = (
    "study", "form", "form_title", "order", "item", "label", "type", "required", "unit", "other_units", "precision",
    "max_length", "range_min", "range_max", "codelist", "skip_logic", "calculation", "uln", "lln", "edit_checks",
    "sdtm_domain", "sdtm_variable", "sdtm_testcd", "sdtm_unit", "sdtm_cat", "sdtm_mapped", "entered_by",
    "identifying", "refers_to", "help",
)
CODELIST_COLUMNS = ("study", "codelist", "name", "nci_code", "order", "code", "decode", "submission_value")
RULE_COLUMNS = ("study", "kind", "form", "rule", "item", "severity", "expression", "message")
TABLES = ("items", "forms", "codelists", "rules")
"""The dictionary's tables, in the workbook's sheet order; `items` is the dictionary proper."""


def dictionary(study: StudyDefinition) -> tuple[Table, ...]:
    """Every table of the study's dictionary, in `TABLES` order."""
    return (items_table(study), forms_table(study), codelists_table(study), rules_table(study))


def table(study: StudyDefinition, name: str) -> Table:
    """The table `name` (one of `TABLES`) of the study's dictionary; KeyError for another name."""
    builders = {"items": items_table, "forms": forms_table, "codelists": codelists_table, "rules": rules_table}
    return builders[name](study)


def forms_table(study: StudyDefinition) -> Table:
    """One row per form: its domain, who enters it, and the visits (with their cohorts) that collect it."""
    rows = tuple(
        (study.id, form.id, form.title, form.domain, form.repeating, form.key, _joined(form.entered_by),
         len(form.items), len(form.checks), collected_at(study, form.id))
        for form in _forms(study))
    return Table("forms", FORM_COLUMNS, rows)


def items_table(study: StudyDefinition) -> Table:
    """One row per item of every form, in form then item order."""
    mapped = sdtm_mapping(study.sdtm) if study.sdtm is not None else {}
    rows = tuple(_item_row(study, form, order, item, mapped.get((form.id, item.name), ()))
                 for form in _forms(study) for order, item in enumerate(form.items, start=1))
    return Table("items", ITEM_COLUMNS, rows)


def _item_row(study: StudyDefinition, form: Form, order: int, item: Item,
              mapped: Sequence[str]) -> tuple[Cell, ...]:
    target = item.sdtm
    checks = [c.id for c in form.checks if c.item == item.name]
    return (
        study.id, form.id, form.title, order, item.name, item.label, item.type, item.required, item.unit,
        other_units(item), item.precision, item.max_length,
        item.range.min if item.range else None, item.range.max if item.range else None,
        item.codelist, item.when, calculation(item), item.uln, item.lln, _joined(checks),
        (target.domain or form.domain) if target else None, target.variable if target else None,
        target.testcd if target else None, target.unit if target else None, target.cat if target else None,
        _joined(mapped), _joined(item.entered_by), item.identifying.precision if item.identifying else None,
        item.refers_to, item.help,
    )


def codelists_table(study: StudyDefinition) -> Table:
    """One row per term of every codelist the study uses."""
    rows = tuple((study.id, cl.id, cl.name, cl.nci_code, order, term.code, term.decode, term.submission_value)
                 for _, cl in sorted(study.codelists.items())
                 for order, term in enumerate(cl.values, start=1))
    return Table("codelists", CODELIST_COLUMNS, rows)


def rules_table(study: StudyDefinition) -> Table:
    """The edit checks of every form, then the eligibility criteria (a CEL rule or the investigator's say)."""
    checks: list[tuple[Cell, ...]] = [
        (study.id, "edit_check", form.id, c.id, c.item, c.severity, c.expr, c.message)
        for form in _forms(study) for c in form.checks]
    criteria: list[tuple[Cell, ...]] = [
        (study.id, c.kind, None, c.id, None, None, c.rule if c.rule is not None else f"confirmed by the {c.confirm}",
         c.text + (f" (cohorts: {', '.join(c.cohorts)})" if c.cohorts else ""))
        for c in study.spec.eligibility.criteria]
    return Table("rules", RULE_COLUMNS, tuple(checks + criteria))


def collected_at(study: StudyDefinition, form_id: str) -> str:
    """The visit codes that collect the form, a cohort-restricted one followed by its cohorts: `SCR; D28 [SLE]`."""
    return "; ".join(code if cohorts is None else f"{code} [{', '.join(cohorts)}]"
                     for code, cohorts in study.collected_for(form_id).items())


def other_units(item: Item) -> str | None:
    """The other units an item may be entered in and their factor to its unit: `umol/L = 0.0113 mg/dL (p2)`."""
    if not item.other_units:
        return None
    return "; ".join(f"1 {o.unit} = {o.factor:g} {item.unit} (precision {o.precision}; {o.source})"
                     for o in item.other_units)


def calculation(item: Item) -> str | None:
    """An item's calculation: its CEL expression, or the named score and its parameters."""
    if isinstance(item.calc, ScoreCalc):
        params = ", ".join(f"{k}={v}" for k, v in sorted(item.calc.params.items()))
        return f"score {item.calc.score}" + (f" ({params})" if params else "")
    return item.calc


def sdtm_mapping(specs: SpecSet) -> dict[tuple[str, str], tuple[str, ...]]:
    """(form, item) -> the SDTM variables the study's specs fill from it (`AE.AETERM`, `SUPPAE.AESPID`); a findings
    item's test code is its own `sdtm` target."""
    found: dict[tuple[str, str], list[str]] = {}
    for name, domain in sorted(specs.domains.items()):
        sources: list[tuple[str, Source]] = [(v.name, v) for v in domain.spec.variables]
        sources += [(q.qnam, q) for q in domain.spec.qualifiers]
        sources += [(var, src) for block in domain.blocks for var, src in block.overrides.items()]
        for variable, source in sources:
            for ref in _item_refs(source):
                form_id, _, item_name = ref.partition(".")
                _add(found, (form_id, item_name), f"{name}.{variable}")
    return {key: tuple(targets) for key, targets in found.items()}


def _item_refs(source: Source) -> list[str]:
    """The `form.item` references a source reads: its item, or the item arguments of its derivation."""
    refs: list[object] = [source.item] if source.item else []
    for arg, value in source.args.items():
        if arg in ITEM_ARGS:
            refs += list(value) if isinstance(value, (list, tuple)) else [value]
    return [str(ref) for ref in refs if "." in str(ref)]


def _add(found: dict[tuple[str, str], list[str]], key: tuple[str, str], target: str) -> None:
    if target not in found.setdefault(key, []):
        found[key].append(target)


def _forms(study: StudyDefinition) -> list[Form]:
    return [form for _, form in sorted(study.forms.items())]


def _joined(values: Sequence[str] | None) -> str | None:
    return "; ".join(values) if values else None
