"""SDTM mapping specs: YAML files in `exports/`, loaded and checked against a study definition.

A spec declares one dataset (name, label, class, structure, the form it maps
and the order of its --SEQ) and, for each variable, its metadata and where
its value comes from: a form item (`item: adverse_events.aeterm`), a
constant (`value: AE`) or one of a fixed set of named derivations
(`derive: study_day`) implemented in `edc.export.mapping`. A SUPP-- spec
declares qualifiers (QNAM, QLABEL, QORIG, QEVAL) instead of variables.

`exports/<domain>.yaml` applies to every trial; `exports/<study>/<domain>.yaml`
replaces it for one trial. Every problem (unknown forms, items or
derivations, type mismatches, names over 8 characters, labels over 40...)
is reported at once as `file:line: message`, as the forms are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator

from edc.definitions.catalog import StudyDefinition
from edc.definitions.model import Form, Item, SnakeId, Strict, Text
from edc.definitions.problems import DefinitionErrors, Problem, Problems
from edc.definitions.sources import DocLocator, Located, report, validate
from edc.definitions.yamlsrc import read_yaml
from edc.export.terminology import EMPTY, TERMINOLOGY_FILE, Terminology, load_terminology

MAX_NAME = 8
MAX_LABEL = 40
VarType = Literal["text", "integer", "float", "date", "datetime"]
RoleName = Literal[
    "Identifier", "Topic", "Timing", "Grouping Qualifier", "Result Qualifier", "Synonym Qualifier",
    "Record Qualifier", "Variable Qualifier", "Rule",
]
OriginName = Literal["Collected", "Derived", "Assigned", "Protocol", "Not Available"]
SourceName = Literal["Subject", "Investigator", "Vendor", "Sponsor"]
ClassName = Literal[
    "SPECIAL PURPOSE", "INTERVENTIONS", "EVENTS", "FINDINGS", "FINDINGS ABOUT", "TRIAL DESIGN",
    "STUDY REFERENCE", "RELATIONSHIP",
]
"""`edc.export.metadata.DatasetClass` values, as Define-XML spells them."""

# Derivation name -> (required args, optional args). The implementations live in edc.export.mapping,
# which checks at import that it implements exactly these. Args named in ITEM_ARGS hold form item
# references ("form.item"); "of" names another variable of the same spec.
DERIVATIONS: Mapping[str, tuple[frozenset[str], frozenset[str]]] = MappingProxyType({
    "studyid": (frozenset(), frozenset()),
    "usubjid": (frozenset(), frozenset()),
    "subjid": (frozenset(), frozenset()),
    "siteid": (frozenset(), frozenset()),
    "country": (frozenset(), frozenset()),
    "seq": (frozenset(), frozenset()),
    "iso8601": (frozenset({"date"}), frozenset({"time"})),
    "year": (frozenset({"item"}), frozenset()),
    "latest_date": (frozenset({"items"}), frozenset({"last_contact"})),
    "first_of": (frozenset({"items"}), frozenset()),
    "flag": (frozenset({"of"}), frozenset()),
    "study_day": (frozenset({"of"}), frozenset()),
    "epoch": (frozenset({"of"}), frozenset()),
    "visitnum": (frozenset(), frozenset()),
    "dose_level_arm": (frozenset({"part"}), frozenset({"item"})),
    "ongoing_rtpt": (frozenset({"item"}), frozenset()),
    "ongoing_tpt": (frozenset({"item"}), frozenset()),
    "not_coded": (frozenset(), frozenset()),
    "toxicity_scale": (frozenset({"item"}), frozenset()),
    "committee_dlt": (frozenset(), frozenset({"item"})),
    "collected": (frozenset({"variable"}), frozenset()),
    "unit": (frozenset({"item"}), frozenset()),
    "product": (frozenset(), frozenset()),
    "visit": (frozenset(), frozenset()),
    "visit_date": (frozenset(), frozenset()),
    "test_code": (frozenset(), frozenset()),
    "test_name": (frozenset(), frozenset()),
    "test_category": (frozenset(), frozenset({"default"})),
    "result": (frozenset(), frozenset()),
    "result_number": (frozenset(), frozenset()),
    "result_unit": (frozenset(), frozenset()),
    "range_low": (frozenset(), frozenset()),
    "range_high": (frozenset(), frozenset()),
    "derived_flag": (frozenset(), frozenset()),
    "last_before_reference": (frozenset({"of", "by"}), frozenset({"result"})),
    "criterion_id": (frozenset(), frozenset()),
    "criterion_text": (frozenset(), frozenset()),
    "criterion_category": (frozenset(), frozenset()),
    "criterion_result": (frozenset(), frozenset()),
    "eligibility_date": (frozenset(), frozenset()),
})
ITEM_ARGS = frozenset({"item", "date", "time", "items"})
NEEDS_REFERENCE_START = frozenset({"study_day", "epoch", "last_before_reference"})
"""Derivations that read the subject's RFSTDTC, which only the DM spec defines."""
DATE_OF = NEEDS_REFERENCE_START
"""Derivations whose `of` variable must hold a date."""
PER_RECORD = frozenset({"seq", "visitnum", "visit"})
"""Derivations that number or place rows: meaningless on a one-row-per-subject dataset."""
ROW_KIND: Mapping[str, str] = MappingProxyType({
    **dict.fromkeys(("test_code", "test_name", "test_category", "result", "result_number", "result_unit",
                     "range_low", "range_high", "derived_flag"), "findings"),
    "visit_date": "visits",
    **dict.fromkeys(("criterion_id", "criterion_text", "criterion_category", "criterion_result"), "criteria"),
})
"""Derivations that only rows of one kind of block can compute (a findings block, visits, criteria)."""
GROUP_DERIVATIONS = frozenset({"last_before_reference"})
"""Derivations computed once all of a subject's rows exist, because they compare rows with each other."""

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


class Source(Strict):
    """Where a value comes from: exactly one of an item, a constant or a named derivation."""

    item: Text | None = None
    value: str | None = None
    derive: Text | None = None
    args: dict[str, Any] = Field(default_factory=dict)
    codelist: SnakeId | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Source:
        given = [key for key in ("item", "value", "derive") if key in self.model_fields_set]
        if len(given) != 1:
            raise ValueError("give exactly one of 'item', 'value' or 'derive'")
        return self


class VariableSpec(Source):
    name: Text
    label: Text
    type: VarType
    length: int | None = Field(default=None, ge=1, le=200)
    role: RoleName
    origin: OriginName
    source: SourceName | None = None
    description: Text | None = None
    mandatory: bool = False
    key: int | None = Field(default=None, ge=1)


class Join(Strict):
    """Match a record of another form to the parent record: `item` (theirs) equals `parent` (ours)."""

    item: Text
    parent: Text


class QualifierSpec(Source):
    qnam: Text
    qlabel: Text
    qorig: Literal["CRF", "Assigned", "Derived", "Protocol"]
    qeval: Text | None = None
    join: Join | None = None


class RowBlock(Strict):
    """One source of a dataset's rows: a form's records, the subject's visits, or the criteria not met.

    `findings` turns each record into one row per test the form collects for
    this dataset (items annotated `sdtm: {testcd}` whose domain is the
    dataset's). `set` replaces variables' sources for these rows only (EXCAT
    LYMPHODEPLETION on the lymphodepletion rows). `optional` skips a form the
    study does not collect instead of reporting it.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, populate_by_name=True)

    form: SnakeId | None = None
    visits: bool = False
    criteria: Literal["not_met"] | None = None
    findings: bool = False
    optional: bool = False
    sort: tuple[SnakeId, ...] = ()
    overrides: dict[str, Source] = Field(default_factory=dict, alias="set")

    @model_validator(mode="after")
    def _one_kind(self) -> RowBlock:
        kinds = [self.form is not None, self.visits, self.criteria is not None]
        if sum(kinds) != 1:
            raise ValueError("a row block takes exactly one of 'form', 'visits: true' or 'criteria: not_met'")
        if self.findings and self.form is None:
            raise ValueError("'findings' expands the records of a form: name the form")
        return self

    @property
    def kind(self) -> str:
        if self.findings:
            return "findings"
        if self.form is not None:
            return "records"
        return "visits" if self.visits else "criteria" if self.criteria else "subject"


SUBJECT_ROWS = RowBlock.model_construct()
"""The implicit block of a dataset without a form: one row per subject (DM)."""


class DatasetSpec(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, populate_by_name=True)

    name: Text
    label: Text
    dataset_class: ClassName = Field(alias="class")
    structure: Text
    form: SnakeId | None = None
    sort: tuple[SnakeId, ...] = ()
    parent: Text | None = None
    rows: tuple[RowBlock, ...] = ()

    @model_validator(mode="after")
    def _form_or_rows(self) -> DatasetSpec:
        if self.rows and (self.form is not None or self.sort):
            raise ValueError("give either 'form' (and 'sort') or 'rows', not both")
        return self


class SpecFile(Strict):
    dataset: DatasetSpec
    variables: tuple[VariableSpec, ...] = ()
    qualifiers: tuple[QualifierSpec, ...] = ()

    @model_validator(mode="after")
    def _variables_or_qualifiers(self) -> SpecFile:
        if bool(self.variables) == bool(self.qualifiers):
            raise ValueError("a spec declares either 'variables' (a domain) or 'qualifiers' (a SUPP-- dataset)")
        return self


@dataclass(frozen=True)
class DomainSpec:
    """One loaded spec, the file it came from, and the row blocks that apply to the study it was loaded for."""

    file: str
    spec: SpecFile
    blocks: tuple[RowBlock, ...] = ()

    def source(self, variable: VariableSpec, block: RowBlock) -> Source:
        """Where `variable` comes from on the rows of `block`: the block's override, else the variable's own."""
        return block.overrides.get(variable.name, variable)

    @property
    def name(self) -> str:
        return self.spec.dataset.name

    def variable(self, name: str) -> VariableSpec | None:
        return next((v for v in self.spec.variables if v.name == name), None)

    @property
    def forms(self) -> frozenset[str]:
        """The forms this spec's rows and sources name (not those of the datasets it depends on)."""
        spec = self.spec
        forms = {block.form for block in self.blocks if block.form}
        for source in (*spec.variables, *spec.qualifiers,
                       *(o for block in self.blocks for o in block.overrides.values())):
            forms |= _source_forms(source)
        for qualifier in spec.qualifiers:
            if qualifier.join is not None:
                forms.add(qualifier.join.item.partition(".")[0])
        return frozenset(forms)


def _source_forms(source: Source) -> set[str]:
    """The forms an item reference or a derivation's item arguments name."""
    refs: list[object] = [source.item] if source.item else []
    for name, value in source.args.items():
        if name in ITEM_ARGS:
            refs += list(value) if isinstance(value, (list, tuple)) else [value]
    return {str(ref).partition(".")[0] for ref in refs}


@dataclass(frozen=True)
class SpecSet:
    """Every dataset spec that applies to one study, by dataset name."""

    study_id: str
    domains: Mapping[str, DomainSpec]
    terminology: Terminology = EMPTY

    def __getitem__(self, name: str) -> DomainSpec:
        return self.domains[name]

    def forms_of(self, name: str) -> frozenset[str]:
        """The forms whose records mapping dataset `name` reads: its own, those its sources name, and, for a
        dataset with study days or epochs, the forms DM's RFSTDTC reads; a SUPP-- dataset adds its parent's."""
        domain = self.domains[name]
        forms = set(domain.forms)
        if domain.spec.dataset.parent:
            forms |= self.forms_of(domain.spec.dataset.parent)
        if _derives(domain, NEEDS_REFERENCE_START) and "DM" in self.domains:
            rfstdtc = self.domains["DM"].variable("RFSTDTC")
            forms |= _source_forms(rfstdtc) if rfstdtc is not None else set()
        return frozenset(forms)


def load_specs(root: Path, study: StudyDefinition) -> SpecSet:
    """The specs for `study`, or `DefinitionErrors` with every problem."""
    specs, problems = check_specs(root, study)
    if problems or specs is None:
        raise DefinitionErrors(problems)
    return specs


def check_specs(root: Path, study: StudyDefinition) -> tuple[SpecSet | None, list[Problem]]:
    """Load the shared specs and the study's overrides; check each against the study definition."""
    problems = Problems()
    files = {file.stem: file for file in sorted(root.glob("*.yaml"))}
    files.update({file.stem: file for file in sorted((root / study.id).glob("*.yaml"))})
    if not files:
        problems.add(root, 1, "no export spec found (expected <domain>.yaml files)")
    loaded: dict[str, tuple[DomainSpec, Located]] = {}
    for stem, file in sorted(files.items()):
        doc = read_yaml(file, problems)
        if doc is None:
            continue
        where = Located(DocLocator(doc), ())
        parsed = validate(SpecFile, doc.data, where.locator, problems)
        if parsed is None:
            continue
        if parsed.dataset.name.lower() != stem:
            report(problems, where, f"dataset '{parsed.dataset.name}' does not match its file name", "dataset", "name")
        loaded[parsed.dataset.name] = (DomainSpec(str(file), parsed, _blocks(parsed.dataset, study)), where)
    terminology = load_terminology(root, problems)
    for spec, where in loaded.values():
        _check_spec(spec, where, study, loaded, terminology, problems)
    if problems:
        return None, problems.sorted()
    domains = MappingProxyType({k: v[0] for k, v in sorted(loaded.items())})
    return SpecSet(study.id, domains, terminology), []


def _blocks(dataset: DatasetSpec, study: StudyDefinition) -> tuple[RowBlock, ...]:
    """The row blocks that apply to `study`: those declared (optional ones only for forms the study has),
    else one block of the dataset's form, else one subject-level block (one row per subject)."""
    if dataset.rows:
        return tuple(b for b in dataset.rows if not (b.optional and b.form is not None and b.form not in study.forms))
    if dataset.form is not None:
        return (RowBlock(form=dataset.form, sort=dataset.sort),)
    return (SUBJECT_ROWS,)


def _derives(domain: DomainSpec, names: frozenset[str]) -> bool:
    """Whether any variable of `domain`, by its own source or a block's override, uses one of `names`."""
    return any(domain.source(v, b).derive in names for v in domain.spec.variables for b in domain.blocks)


def _check_spec(domain: DomainSpec, where: Located, study: StudyDefinition,
                loaded: Mapping[str, tuple[DomainSpec, Located]], terminology: Terminology,
                problems: Problems) -> None:
    spec = domain.spec
    _check_name(spec.dataset.name, spec.dataset.label, where.child("dataset"), problems)
    if spec.qualifiers:
        _check_block_form(domain.blocks[0], where.child("dataset"), study, problems)
        _check_supp(spec, where, study, loaded, problems)
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


def findings_items(form: Form, dataset: str) -> list[Item]:
    """The items of `form` that are tests of `dataset`: annotated with a test code, in that domain."""
    return [i for i in form.items if i.sdtm is not None and i.sdtm.testcd is not None
            and (i.sdtm.domain or form.domain) == dataset]


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
            for ref in refs:
                _resolve_item(ref, at.child("args", name), study, row_form, problems, extra_forms)
        elif name == "of" and value not in plain:
            report(problems, at, f"'of: {value}' names no other variable of this spec that is not itself "
                   "derived with 'of'", "args", name)
        elif name == "of" and source.derive in DATE_OF and plain[value] not in ("date", "datetime"):
            report(problems, at, f"'{source.derive}' needs a date or datetime variable; {value} is {plain[value]}",
                   "args", name)



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
