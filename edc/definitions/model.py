"""The typed, frozen objects a study definition is made of.

These pydantic models are both the schema the YAML is validated against
(unknown keys and wrong types are errors) and the objects everything
downstream reads. They hold no behaviour beyond local consistency; checks that
need more than one object (references, CEL, units) live in the validators.
"""

from __future__ import annotations

from string import Formatter
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator

# DltExceptionRule, DltPersistence, Strict, SnakeId and Text are imported from here by other modules too
from edc.definitions.dlt_model import DltExceptionRule as DltExceptionRule
from edc.definitions.dlt_model import DltOutcomeRule as DltOutcomeRule
from edc.definitions.dlt_model import DltPersistence as DltPersistence
from edc.definitions.dlt_model import DltRules as DltRules
from edc.definitions.endpoint_model import Endpoints
from edc.definitions.form_lists import CohortForms as CohortForms
from edc.definitions.form_lists import FormList as FormList
from edc.definitions.model_base import Code, Domain, FormId, SdtmName, StudyId, UpperId
from edc.definitions.model_base import SnakeId as SnakeId
from edc.definitions.model_base import Strict as Strict
from edc.definitions.model_base import Text as Text
from edc.definitions.vocabulary import EntryRole

ItemType = Literal[
    "integer", "decimal", "text", "date", "partial_date", "datetime", "time",
    "boolean", "choice", "multichoice",
]
Epoch = Literal["SCREENING", "TREATMENT", "FOLLOW-UP", "LONG-TERM FOLLOW-UP"]
Phase = Literal[
    "EARLY PHASE 1", "PHASE I TRIAL", "PHASE I/II TRIAL", "PHASE II TRIAL", "NOT APPLICABLE",
]
DoseUnit = Literal["cells", "10^6 cells", "cells/kg", "10^6 cells/kg"]
PER_KG_UNITS = frozenset({"cells/kg", "10^6 cells/kg"})


# --- codelists -------------------------------------------------------------

class CodelistValue(Strict):
    code: Code
    decode: Text
    # What SDTM receives when it differs from the code; CDISC terms can be longer than a code.
    submission_value: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None

    @property
    def submitted(self) -> str:
        """What SDTM receives for this term: its submission value, else its code."""
        return self.submission_value or self.code


class Codelist(Strict):
    id: SnakeId
    name: Text
    nci_code: str | None = None
    values: tuple[CodelistValue, ...] = Field(min_length=1)

    def codes(self) -> tuple[str, ...]:
        return tuple(v.code for v in self.values)


class CodelistFile(Strict):
    codelists: tuple[Codelist, ...]


# --- forms -----------------------------------------------------------------

class Range(Strict):
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"range min {self.min} is above max {self.max}")
        return self


class SdtmTarget(Strict):
    domain: Domain | None = None
    variable: SdtmName | None = None
    testcd: SdtmName | None = None
    unit: str | None = None
    cat: str | None = None

    @model_validator(mode="after")
    def _one_target(self) -> SdtmTarget:
        if (self.variable is None) == (self.testcd is None):
            raise ValueError("sdtm needs exactly one of 'variable' or 'testcd'")
        return self


class ScoreCalc(Strict):
    score: SnakeId
    params: dict[str, Any] = Field(default_factory=dict)


class Identifying(Strict):
    """An item that identifies a person, kept no finer than `precision` (a date of birth: the month)."""

    precision: Literal["year", "month"]


class OtherUnit(Strict):
    """A unit sites may also report an item in: `1 unit = factor x the item's unit`, entered at `precision`."""

    unit: str
    factor: float = Field(gt=0)
    precision: int = Field(ge=0, le=6)
    source: Text
    """Where the factor comes from (a molar mass, a published conversion), for whoever checks it."""


class Item(Strict):
    name: SnakeId
    label: Text
    type: ItemType
    required: bool = False
    unit: str | None = None
    precision: int | None = Field(default=None, ge=0, le=6)
    max_length: int | None = Field(default=None, ge=1, le=2000)
    codelist: SnakeId | None = None
    range: Range | None = None
    when: Text | None = None
    calc: Text | ScoreCalc | None = None
    uln: SnakeId | None = None
    lln: SnakeId | None = None
    sdtm: SdtmTarget | None = None
    help: Text | None = None
    entered_by: tuple[EntryRole, ...] | None = Field(default=None, min_length=1)
    """The roles that may enter or correct this item (None: whoever may enter the form)."""
    identifying: Identifying | None = None
    """A personal identifier: captured no finer than its precision (partial dates only)."""
    refers_to: FormId | None = None
    """A reference: the value is the key of a record of that form of the same subject (check_links)."""
    other_units: tuple[OtherUnit, ...] = ()
    """Units besides `unit` a value may be entered in; it is stored converted to `unit`, the original kept
    beside it (`edc.definitions.conversions`)."""

    @property
    def is_calculated(self) -> bool:
        return self.calc is not None


class Check(Strict):
    id: SnakeId
    expr: Text
    message: Text
    """Shown to site staff; `{path}` names a value the check reads, replaced by it in the finding (`{{` is `{`)."""
    severity: Literal["error", "warning"] = "error"
    item: SnakeId | None = None

    def message_fields(self) -> tuple[str, ...]:
        """The paths the message names; ValueError for an unmatched brace or a field with a format or conversion."""
        fields = []
        for _, name, spec, conversion in Formatter().parse(self.message):
            if name is None:
                continue
            if spec or conversion or not name:
                raise ValueError(f"'{{{name}...}}' is not a plain {{path}}")
            fields.append(name)
        return tuple(fields)


class Form(Strict):
    id: FormId
    title: Text
    domain: Domain | None = None
    repeating: bool = False
    items: tuple[Item, ...] = Field(min_length=1)
    checks: tuple[Check, ...] = ()
    entered_by: tuple[EntryRole, ...] | None = Field(default=None, min_length=1)
    """The roles that may enter or correct this form, e.g. the investigator's own judgements (None: site staff)."""
    key: SnakeId | None = None
    """The item whose value is unique per subject among the form's records, e.g. the AE number (check_links)."""

    def item(self, name: str) -> Item | None:
        return next((i for i in self.items if i.name == name), None)


class FormFile(Strict):
    form: Form


# --- studies ---------------------------------------------------------------

class AgeRange(Strict):
    min: int = Field(ge=0, le=120)
    max: int = Field(ge=0, le=120)


class Product(Strict):
    name: Text
    type: Text


class TrialSummaryValue(Strict):
    """One more TS parameter value, as the protocol or registry states it (INTTYPE, PCLASS, OBJPRIM, ...).

    `value_code` and `reference` (with `version`) name the terminology of a coded value; `source` says where
    the value was read, for the reviewer.
    """

    code: Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]{0,7}$")]
    name: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    value: Text
    value_code: Annotated[str, StringConstraints(max_length=20)] | None = None
    reference: Annotated[str, StringConstraints(max_length=20)] | None = None
    version: Annotated[str, StringConstraints(max_length=20)] | None = None
    source: Text


class StudyMeta(Strict):
    id: StudyId
    version: Annotated[str, StringConstraints(pattern=r"^\d+\.\d+\.\d+$")]
    protocol_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,19}$")]
    registry: dict[str, str] = Field(default_factory=dict)
    title: Text
    short_title: Text | None = None
    phase: Phase
    study_type: Literal["INTERVENTIONAL"] = "INTERVENTIONAL"
    sponsor: Text
    planned_enrolment: int = Field(ge=1)
    indication: Text
    age: AgeRange
    product: Product
    trial_summary: tuple[TrialSummaryValue, ...] = ()
    """TS parameters beyond those derived from the fields above, each with its source."""


class StudySite(Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[0-9]{2,4}$")]
    name: Text
    city: Text
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


class Cohort(Strict):
    id: UpperId
    name: Text
    description: Text | None = None
    max_subjects: int | None = Field(default=None, ge=1)
    """The most subjects this indication enrols (None: only the study's cap applies)."""


class Dose(Strict):
    value: float = Field(gt=0)
    unit: DoseUnit


class DoseLevel(Strict):
    id: UpperId
    label: Text
    dose: Dose
    tolerance_pct: float | None = Field(default=None, ge=0, le=100)
    role: Literal["start", "escalation", "backup", "intermediate", "higher"]
    order: int


class Expansion(Strict):
    allowed: bool = False
    dlt_evaluable: bool = False
    opens: Literal["at_mtd", "after_sentinel"] | None = None
    """When expansion opens at the highest level: at the MTD (None, the default: the level seen in an expanded
    cohort), or after its sentinel cohort (`after_sentinel`: no DLT in the first cohort, or at most one in the
    expanded one), for a design that seeks no MTD."""

    @property
    def after_sentinel(self) -> bool:
        return self.allowed and self.opens == "after_sentinel"


class Escalation(Strict):
    design: Literal["three_plus_three"]
    start_level: UpperId
    cohort_size: int = Field(default=3, ge=1)
    expanded_cohort_size: int = Field(default=6, ge=1)
    dlt_window_days: int = Field(ge=1)
    min_days_between_first_infusions: int | None = Field(default=None, ge=0)
    on_mtd_exceeded: Literal["step_back", "stop_for_review"]
    max_subjects: int | None = Field(default=None, ge=1)
    allow_intermediate_dose: bool = False
    allow_higher_doses: bool = False
    expansion: Expansion = Expansion()
    dlt_outcome: DltOutcomeRule = DltOutcomeRule()
    dlt: DltRules


class Window(Strict):
    before: int = Field(default=0, ge=0)
    after: int = Field(default=0, ge=0)


class ScheduledVisit(FormList):
    id: UpperId
    name: Text
    visitnum: float = Field(gt=0)
    epoch: Epoch
    day: int
    window: Window = Window()


class Schedule(Strict):
    anchor: Literal["infusion"] = "infusion"
    visits: tuple[ScheduledVisit, ...] = Field(min_length=1)
    unscheduled: FormList | None = None
    logs: FormList | None = None


class Criterion(Strict):
    id: UpperId
    kind: Literal["inclusion", "exclusion"]
    text: Text
    rule: Text | None = None
    confirm: Literal["investigator"] | None = None
    cohorts: tuple[UpperId, ...] | None = None

    @model_validator(mode="after")
    def _rule_or_confirm(self) -> Criterion:
        if (self.rule is None) == (self.confirm is None):
            raise ValueError("a criterion needs exactly one of 'rule' or 'confirm: investigator'")
        return self


class Eligibility(Strict):
    visit: UpperId
    criteria: tuple[Criterion, ...] = Field(min_length=1)


class StudyFile(Strict):
    study: StudyMeta
    sites: tuple[StudySite, ...] = Field(min_length=1)
    cohorts: tuple[Cohort, ...] = ()
    dose_levels: tuple[DoseLevel, ...] = Field(min_length=1)
    escalation: Escalation
    schedule: Schedule
    eligibility: Eligibility
    endpoints: Endpoints | None = None
