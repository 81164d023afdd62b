"""The checks of one loaded SDTM spec against the study definition and the other specs.

Names and labels within SDTM's limits, item references that exist and fit
the variable's type and length, derivations that exist and get the
arguments they need, row blocks whose forms the study has, SUPP-- qualifiers
whose parent is specified, RELREC relationships between specified domains
(`edc.definitions.sdtm.relationships`). Every problem goes to the `Problems` collector
with the file and line it was written at.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from edc.definitions.catalog import StudyDefinition
from edc.definitions.coding import CODED_VARIABLES, DICTIONARIES, LEVELS, coded_items
from edc.definitions.model import Form, Item
from edc.definitions.problems import Problems
from edc.definitions.sdtm.derivations import (
    ALL_RECORDS,
    DATE_OF,
    DERIVATIONS,
    ITEM_ARGS,
    NEEDS_REFERENCE_START,
    PER_RECORD,
    ROW_KIND,
    TOXICITY,
    VARIABLE_ARGS,
)
from edc.definitions.sdtm.model import (
    MAX_LABEL,
    MAX_NAME,
    DomainSpec,
    QualifierSpec,
    RowBlock,
    Source,
    SpecFile,
    VariableSpec,
    findings_items,
)
from edc.definitions.sdtm.relationships import check_relationships
from edc.definitions.sdtm.terminology import TERMINOLOGY_FILE, Terminology
from edc.definitions.sdtm.toxicity import GRADING_FILE
from edc.definitions.sources import Located, report

# Which item types a variable of each type may take its value from.
COMPATIBLE: Mapping[str, frozenset[str]] = MappingProxyType({
    "text": frozenset({"text", "choice"}),
    "integer": frozenset({"integer"}),
    "float": frozenset({"integer", "decimal"}),
    "date": frozenset({"date", "partial_date"}),
    "datetime": frozenset({"date", "partial_date", "datetime"}),
    # QVAL is text whatever the item held: SUPP-- stores every qualifier as text
    "qval": frozenset({"text", "choice", "integer", "decimal", "date", "partial_date", "datetime", "boolean"}),
})


def check_spec(domain: DomainSpec, where: Located, study: StudyDefinition,
                loaded: Mapping[str, tuple[DomainSpec, Located]], terminology: Terminology,
                problems: Problems) -> None:
    spec = domain.spec
    _check_name(spec.dataset.name, spec.dataset.label, where.child("dataset"), problems)
    if spec.qualifiers:
        _check_block_form(domain.blocks[0], where.child("dataset"), study, problems)
        _check_supp(spec, where, study, loaded, problems)
        return
    if spec.relationships:
        check_relationships(spec, where, loaded, problems)
        return
    _check_variables(spec, where, problems)
    for block, at in _located_blocks(domain, where):
        _check_block_form(block, at, study, problems)
        form = study.forms.get(block.form or "")
        if block.findings and form is not None:
            _check_tests(spec.dataset.name, form, at, terminology, problems)
        for name in block.overrides:
            if domain.variable(name) is None:
                report(problems, at, f"'set' names '{name}', which is not a variable of this spec", "set", name)
        for index, variable in enumerate(spec.variables):
            source = domain.source(variable, block)
            place = at.child("set", variable.name) if source is not variable else where.child("variables", index)
            _check_source(source, variable.type, variable.length, place, study, block.form,
                          _plain(spec, variable), problems)
            _check_row_kind(source, block, place, problems)
            if source.derive in TOXICITY:
                _check_toxicity(domain, source, variable, block, (at, place), study, terminology, problems)
            if source.derive in NEEDS_REFERENCE_START and not _dm_defines_rfstdtc(loaded):
                report(problems, place, f"derivation '{source.derive}' needs RFSTDTC from a DM spec", "derive")
    _check_keys(spec, where, problems)


def _located_blocks(domain: DomainSpec, where: Located) -> list[tuple[RowBlock, Located]]:
    """Each block with where it was written: its entry in `rows`, or the dataset for an implicit block."""
    declared = domain.spec.dataset.rows
    if not declared:
        return [(block, where.child("dataset")) for block in domain.blocks]
    return [(block, where.child("dataset", "rows", declared.index(block))) for block in domain.blocks]


def _check_variables(spec: SpecFile, where: Located, problems: Problems) -> None:
    seen: dict[str, int] = {}
    for index, variable in enumerate(spec.variables):
        at = where.child("variables", index)
        _check_name(variable.name, variable.label, at, problems)
        if variable.name in seen:
            report(problems, at, f"variable '{variable.name}' is declared twice "
                   f"(first as variable {seen[variable.name] + 1})", "name")
        seen.setdefault(variable.name, index)
        if variable.type == "text" and variable.length is None:
            report(problems, at, f"text variable '{variable.name}' needs a length", "name")


def _check_block_form(block: RowBlock, at: Located, study: StudyDefinition, problems: Problems) -> None:
    if block.form is None:
        return
    form = study.forms.get(block.form)
    if form is None:
        report(problems, at, f"unknown form '{block.form}' in study {study.id}", "form")
        return
    for index, item in enumerate(block.sort):
        if form.item(item) is None:
            report(problems, at, f"sort item '{item}' is not an item of form '{form.id}'", "sort", index)


def _check_tests(dataset: str, form: Form, at: Located, terminology: Terminology, problems: Problems) -> None:
    """Every test the form collects for this dataset needs a name in the terminology file."""
    tests = findings_items(form, dataset)
    if not tests:
        report(problems, at, f"form '{form.id}' collects no test for {dataset} (items with sdtm testcd)", "form")
    for item in tests:
        assert item.sdtm is not None and item.sdtm.testcd is not None
        if terminology.term(dataset, item.sdtm.testcd) is None:
            report(problems, at, f"test code {item.sdtm.testcd} ({form.id}.{item.name}) has no name under {dataset} "
                   f"in exports/{TERMINOLOGY_FILE}", "form")


def _check_row_kind(source: Source, block: RowBlock, at: Located, problems: Problems) -> None:
    if source.derive in PER_RECORD and block.kind == "subject":
        report(problems, at, f"derivation '{source.derive}' needs rows of a form ('form' in the dataset)", "derive")
    needed = ROW_KIND.get(source.derive or "")
    if needed is not None and block.kind != needed:
        report(problems, at, f"derivation '{source.derive}' needs rows of a {needed} block, not {block.kind}",
               "derive")


def _plain(spec: SpecFile, variable: VariableSpec) -> dict[str, str]:
    """Variables an `of` argument may name: any other variable not itself derived from one.

    The mapping computes these first, so a variable may come before the one it is derived
    from (EPOCH before AESTDTC, as SDTM orders them).
    """
    return {v.name: v.type for v in spec.variables if v is not variable and "of" not in v.args}


def _check_name(name: str, label: str, at: Located, problems: Problems) -> None:
    if len(name) > MAX_NAME:
        report(problems, at, f"name '{name}' has {len(name)} characters; SDTM allows at most {MAX_NAME}", "name")
    elif not (name.isascii() and name.isupper() and name[0].isalpha() and name.isalnum()):
        report(problems, at, f"name '{name}' must be upper-case letters and digits, starting with a letter", "name")
    if len(label) > MAX_LABEL:
        report(problems, at, f"label of '{name}' has {len(label)} characters; SDTM allows at most {MAX_LABEL}", "label")


def _check_keys(spec: SpecFile, where: Located, problems: Problems) -> None:
    keys = sorted(v.key for v in spec.variables if v.key is not None)
    if keys != list(range(1, len(keys) + 1)):
        report(problems, where, f"variable keys must run 1, 2, ... without gaps or repeats, not {keys}", "variables")


def _dm_defines_rfstdtc(loaded: Mapping[str, tuple[DomainSpec, Located]]) -> bool:
    dm = loaded.get("DM")
    return dm is not None and dm[0].variable("RFSTDTC") is not None


def _check_source(source: Source, var_type: str, length: int | None, at: Located, study: StudyDefinition,
                  row_form: str | None, plain: Mapping[str, str], problems: Problems,
                  extra_forms: frozenset[str] = frozenset()) -> None:
    """An item, a constant or a derivation, checked against the study and the spec's other variables."""
    if source.item is not None:
        item = _resolve_item(source.item, at.child("item"), study, row_form, problems, extra_forms)
        if item is not None:
            _check_item_fits(source, item, var_type, length, at, study, problems)
    elif source.codelist is not None:
        report(problems, at, "'codelist' maps an item's codes; this value does not come from an item", "codelist")
    if source.derive is not None:
        _check_derivation(source, at, study, row_form, plain, problems, extra_forms)
        if source.derive == "coded":
            _check_coded(source, var_type, at, study, problems)
    elif source.args:
        report(problems, at, "'args' belong to a derivation", "args")


def _check_item_fits(source: Source, item: Item, var_type: str, length: int | None, at: Located,
                     study: StudyDefinition, problems: Problems) -> None:
    if item.type not in COMPATIBLE[var_type]:
        report(problems, at, f"item '{source.item}' is {item.type}; a variable of type {var_type} cannot hold it",
               "item")
    if item.codelist is not None and source.codelist is None:
        report(problems, at, f"item '{source.item}' is coded (codelist '{item.codelist}'): name the codelist whose "
               "submission values the variable takes", "item")
    if source.codelist is not None and source.codelist not in study.codelists:
        report(problems, at, f"unknown codelist '{source.codelist}'", "codelist")
    elif source.codelist is not None and source.codelist != item.codelist:
        report(problems, at, f"item '{source.item}' has codelist '{item.codelist}', not '{source.codelist}'",
               "codelist")
    elif source.codelist is not None and length is not None:
        longest = max(len(v.submitted) for v in study.codelists[source.codelist].values)
        if longest > length:
            report(problems, at, f"length {length} is shorter than codelist '{source.codelist}' values ({longest})",
                   "length")
    if var_type == "text" and item.type == "text" and length is not None and (item.max_length or 0) > length:
        report(problems, at, f"length {length} is shorter than item '{source.item}' ({item.max_length})", "length")


def _resolve_item(ref: object, at: Located, study: StudyDefinition, row_form: str | None,
                  problems: Problems, extra_forms: frozenset[str] = frozenset()) -> Item | None:
    """The item `form.item` names; a repeating form's items only on rows of that form (or a joined one)."""
    form_id, _, name = str(ref).partition(".")
    form = study.forms.get(form_id)
    if form is None:
        report(problems, at, f"unknown form '{form_id}' in study {study.id} (write form.item)")
        return None
    item = form.item(name)
    if item is None:
        report(problems, at, f"form '{form_id}' has no item '{name}'")
        return None
    if form.repeating and form_id != row_form and form_id not in extra_forms:
        report(problems, at, f"'{ref}' is on a repeating form; only rows of that form can read it")
    return item


def _check_derivation(source: Source, at: Located, study: StudyDefinition, row_form: str | None,
                      plain: Mapping[str, str], problems: Problems, extra_forms: frozenset[str]) -> None:
    assert source.derive is not None
    known = DERIVATIONS.get(source.derive)
    if known is None:
        report(problems, at, f"unknown derivation '{source.derive}' (known: {', '.join(sorted(DERIVATIONS))})",
               "derive")
        return
    required, optional = known
    for missing in sorted(required - set(source.args)):
        report(problems, at, f"derivation '{source.derive}' needs argument '{missing}'", "derive")
    for name, value in source.args.items():
        if name not in required | optional:
            report(problems, at, f"derivation '{source.derive}' takes no argument '{name}'", "args", name)
        elif name in ITEM_ARGS:
            refs = value if isinstance(value, tuple) else (value,)
            every = frozenset(str(r).partition(".")[0] for r in refs) if source.derive in ALL_RECORDS else frozenset()
            for ref in refs:
                _resolve_item(ref, at.child("args", name), study, row_form, problems, extra_forms | every)
        elif (name == "of" or name in VARIABLE_ARGS) and value not in plain:
            report(problems, at, f"'{name}: {value}' names no other variable of this spec that is not itself "
                   "derived with 'of'", "args", name)
        elif name == "of" and source.derive in DATE_OF and plain[value] not in ("date", "datetime"):
            report(problems, at, f"'{source.derive}' needs a date or datetime variable; {value} is {plain[value]}",
                   "args", name)


def _check_toxicity(domain: DomainSpec, source: Source, variable: VariableSpec, block: RowBlock,
                    places: tuple[Located, Located], study: StudyDefinition, terminology: Terminology,
                    problems: Problems) -> None:
    """A grade needs the domain's criteria; the term must fit its variable; every test of the block the
    criteria grade must be collected in the criterion's unit (its bounds' unit), unless the block's
    specimen, where it is a constant, is not the criterion's."""
    at, place = places
    criteria = terminology.grading.criteria.get(domain.name)
    if not criteria:
        report(problems, place, f"derivation '{source.derive}' needs criteria for {domain.name} in "
               f"exports/{GRADING_FILE}", "derive")
        return
    longest = max(len(c.term) for c in criteria.values())
    if source.derive == "toxicity_term" and variable.length is not None and variable.length < longest:
        report(problems, place, f"length {variable.length} is shorter than the longest term of "
               f"exports/{GRADING_FILE} ({longest})", "name")
    form = study.forms.get(block.form or "")
    if not block.findings or form is None:
        return
    specimen = domain.variable(str(source.args.get("specimen", "")))
    fixed = domain.source(specimen, block).value if specimen is not None else None
    for item in findings_items(form, domain.name):
        criterion = criteria.get(str(item.sdtm.testcd)) if item.sdtm is not None else None
        if criterion is None or (fixed is not None and fixed != criterion.specimen):
            continue
        unit = (item.sdtm.unit if item.sdtm is not None else None) or item.unit
        if unit != criterion.unit:
            report(problems, at, f"test {criterion.testcd} ({form.id}.{item.name}) is in {unit}; its criterion in "
                   f"exports/{GRADING_FILE} is in {criterion.unit}", "form")


def _check_coded(source: Source, var_type: str, at: Located, study: StudyDefinition, problems: Problems) -> None:
    """`coded` reads a level of the dictionary that codes its item, into a variable of that level's type."""
    form_id, _, name = str(source.args.get("item", "")).partition(".")
    form = study.forms.get(form_id)
    if form is None or form.item(name) is None:
        return  # reported with the item reference
    kind = coded_items(form).get(name)
    if kind is None:
        report(problems, at, f"'{form_id}.{name}' is not a verbatim term a dictionary codes (a text item annotated "
               f"{', '.join(CODED_VARIABLES)})", "args", "item")
        return
    level = str(source.args.get("level"))
    if level not in LEVELS[kind]:
        report(problems, at, f"{DICTIONARIES[kind]} has no level {level!r} (it has {', '.join(LEVELS[kind])})",
               "args", "level")
    elif LEVELS[kind][level] != var_type:
        report(problems, at, f"{DICTIONARIES[kind]} {level} is {LEVELS[kind][level]}; this variable is {var_type}",
               "type")
    elif "verbatim" in source.args and (source.args["verbatim"] is not True or var_type != "text"):
        report(problems, at, "'verbatim' takes true (the verbatim term while the term is not coded), on a text level",
               "args", "verbatim")


def _check_supp(spec: SpecFile, where: Located, study: StudyDefinition,
                loaded: Mapping[str, tuple[DomainSpec, Located]], problems: Problems) -> None:
    parent = loaded.get(spec.dataset.parent or "")
    if parent is None:
        report(problems, where, f"a SUPP-- spec needs 'parent', a dataset specified here (got {spec.dataset.parent!r})",
               "dataset")
        return
    parent_form = parent[0].spec.dataset.form
    seen: set[str] = set()
    for index, qualifier in enumerate(spec.qualifiers):
        at = where.child("qualifiers", index)
        _check_qualifier_name(qualifier, at, seen, problems)
        joined: frozenset[str] = frozenset()
        if qualifier.join is not None:
            _resolve_item(qualifier.join.parent, at.child("join", "parent"), study, parent_form, problems)
            joined = frozenset({qualifier.join.item.partition(".")[0]})
            _resolve_item(qualifier.join.item, at.child("join", "item"), study, None, problems, joined)
        _check_source(qualifier, "qval", 200, at, study, parent_form, {}, problems, joined)


def _check_qualifier_name(qualifier: QualifierSpec, at: Located, seen: set[str], problems: Problems) -> None:
    if len(qualifier.qnam) > MAX_NAME:
        report(problems, at, f"QNAM '{qualifier.qnam}' has {len(qualifier.qnam)} characters; at most {MAX_NAME}",
               "qnam")
    if len(qualifier.qlabel) > MAX_LABEL:
        report(problems, at, f"QLABEL of '{qualifier.qnam}' has {len(qualifier.qlabel)} characters; at most "
               f"{MAX_LABEL}", "qlabel")
    if qualifier.qnam in seen:
        report(problems, at, f"QNAM '{qualifier.qnam}' is declared twice", "qnam")
    seen.add(qualifier.qnam)
