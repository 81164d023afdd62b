"""SDTM mapping specs as loaded: the YAML model of `exports/<domain>.yaml` and the per-study `SpecSet`.

A spec declares one dataset (name, label, class, structure, the form it maps
and the order of its --SEQ) and, for each variable, its metadata and where
its value comes from: a form item (`item: adverse_events.aeterm`), a
constant (`value: AE`) or one of a fixed set of named derivations
(`derive: study_day`, declared in `edc.definitions.sdtm.derivations`). A
SUPP-- spec declares qualifiers (QNAM, QLABEL, QORIG, QEVAL) instead of
variables, a RELREC spec the relationships between the records of two
datasets. Loading and checking: `edc.definitions.sdtm.loader`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator

from edc.definitions.model import Form, Item, SnakeId, Strict, Text
from edc.definitions.sdtm.derivations import ITEM_ARGS, NEEDS_REFERENCE_START
from edc.definitions.sdtm.terminology import EMPTY, Terminology

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
"""`edc.export.formats.metadata.DatasetClass` values, as Define-XML spells them."""


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


class RelatedRecords(Strict):
    """One side of a relationship: the records of `domain` named by `idvar` (IDVAR), matched on `key`."""

    domain: Text
    idvar: Text
    key: Text


class RelationshipSpec(Strict):
    """RELREC records relating each record of `one` to the records of `many` whose key equals its key.

    Per subject and `one` record with related records: a RELREC record for it (IDVAR `one.idvar`) and one per
    distinct `many.idvar` value of the related records (one for the whole group when that is their key),
    all with RELID `<relid>-<the one record's IDVARVAL>`.
    """

    relid: Text = Field(max_length=20, pattern=r"^[A-Z][A-Z0-9]*$")
    one: RelatedRecords
    many: RelatedRecords


class RowBlock(Strict):
    """One source of a dataset's rows: a form's records, the subject's visits, or the criteria not met.

    `findings` turns each record into one row per test the form collects for
    this dataset (items annotated `sdtm: {testcd}` whose domain is the
    dataset's). `set` replaces variables' sources for these rows only (EXCAT
    LYMPHODEPLETION on the lymphodepletion rows). `optional` skips a form the
    study does not collect instead of reporting it. `first_record` takes only
    the subject's first record in `sort` order (the body surface area every
    lymphodepletion dose repeats is one measurement, not one per dose).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, populate_by_name=True)

    form: SnakeId | None = None
    visits: bool = False
    criteria: Literal["not_met"] | None = None
    findings: bool = False
    optional: bool = False
    first_record: bool = False
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
    relationships: tuple[RelationshipSpec, ...] = ()

    @model_validator(mode="after")
    def _variables_or_qualifiers(self) -> SpecFile:
        if sum(map(bool, (self.variables, self.qualifiers, self.relationships))) != 1:
            raise ValueError("a spec declares one of 'variables' (a domain), 'qualifiers' (a SUPP-- dataset) or "
                             "'relationships' (RELREC)")
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
        for relationship in domain.spec.relationships:
            for side in (relationship.one, relationship.many):
                forms |= self.forms_of(side.domain) if side.domain in self.domains else set()
        if domain.spec.dataset.parent:
            forms |= self.forms_of(domain.spec.dataset.parent)
        if derives(domain, NEEDS_REFERENCE_START) and "DM" in self.domains:
            rfstdtc = self.domains["DM"].variable("RFSTDTC")
            forms |= _source_forms(rfstdtc) if rfstdtc is not None else set()
        return frozenset(forms)


def derives(domain: DomainSpec, names: frozenset[str]) -> bool:
    """Whether any variable of `domain`, by its own source or a block's override, uses one of `names`."""
    return any(domain.source(v, b).derive in names for v in domain.spec.variables for b in domain.blocks)


def findings_items(form: Form, dataset: str) -> list[Item]:
    """The items of `form` that are tests of `dataset`: annotated with a test code, in that domain."""
    return [i for i in form.items if i.sdtm is not None and i.sdtm.testcd is not None
            and (i.sdtm.domain or form.domain) == dataset]
