"""The typed, frozen objects a study definition is made of.

These pydantic models are both the schema the YAML is validated against
(unknown keys and wrong types are errors) and the objects everything
downstream reads. They hold no behaviour beyond local consistency; checks that
need more than one object (references, CEL, units) live in the validators.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from edc.definitions.vocabulary import EntryRole, EventClass

SnakeId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=30)]
FormId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=24)]
StudyId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=12)]
UpperId = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]*$", max_length=8)]
Domain = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
SdtmName = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]{0,7}$")]
Text = Annotated[str, StringConstraints(min_length=1)]
Code = Annotated[str, StringConstraints(min_length=1, max_length=40)]

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


class Strict(BaseModel):
    """Base of every definition object: frozen, strictly typed, no unknown keys."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    assumption: Text | None = None


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

    @property
    def is_calculated(self) -> bool:
        return self.calc is not None


class Check(Strict):
    id: SnakeId
    expr: Text
    message: Text
    severity: Literal["error", "warning"] = "error"
    item: SnakeId | None = None


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


class StudySite(Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[0-9]{2,4}$")]
    name: Text
    city: Text
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


class Cohort(Strict):
    id: UpperId
    name: Text
    description: Text | None = None


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


# The DLT definition, read as it is by the DLT screening (edc.domain.dlt); its window is
# Escalation.dlt_window_days. Event classes and relatedness codes are checked against the codelists
# dlt_event_class and relatedness (check_study); an event class the engine knows is held as its EventClass.

Grade = Annotated[int, Field(ge=1, le=5)]
Days = Annotated[int, Field(ge=0)]
Reference = Text
"""A quote of the protocol (or an assumption's wording) a DLT proposal shows as its reason."""


def _event_class(code: str) -> str:
    """The engine's EventClass for a code it knows, any other code as written (check_study reports it)."""
    return EventClass(code) if code in _EVENT_CLASSES else code


_EVENT_CLASSES = frozenset(EventClass)
EventClassCode = Annotated[Code, AfterValidator(_event_class)]

TIME_LIMITS = ("max_days_to_improve", "max_duration_days", "max_days_to_baseline")
"""The time limits a DLT rule can set, in the order the screening reads them."""


class DltPersistence(Strict):
    """`grade` is a DLT unless the event improves to <= grade 2 within `max_days_to_improve` days.

    Without `event_class` it is the general rule for every class without a rule of its own.
    """

    id: SnakeId
    grade: Grade
    max_days_to_improve: Days
    event_class: EventClassCode | None = None
    reference: Reference | None = None

    @property
    def limits(self) -> dict[str, int]:
        """The rule's one time limit by name."""
        return {"max_days_to_improve": self.max_days_to_improve}


class DltExceptionRule(Strict):
    """An expected event of `event_class` that is not a DLT at `grades`, within the time limits given.

    Limits count days from the date the worst grade was reached: to the improvement to <= grade 2
    (`max_days_to_improve`, and `max_duration_days`: the form records no other end of the severe
    phase), to the return to baseline (`max_days_to_baseline`). No limit: never a DLT at those grades.
    """

    id: SnakeId
    event_class: EventClassCode
    grades: tuple[Grade, ...] = Field(min_length=1)
    max_days_to_improve: Days | None = None
    max_days_to_baseline: Days | None = None
    max_duration_days: Days | None = None
    reference: Reference | None = None

    @property
    def limits(self) -> dict[str, int]:
        """The time limits given, by name, in `TIME_LIMITS` order."""
        given = {name: getattr(self, name) for name in TIME_LIMITS}
        return {name: days for name, days in given.items() if days is not None}

    @property
    def has_time_limit(self) -> bool:
        """True when the exception depends on how fast the event improves."""
        return bool(self.limits)


class DltRules(Strict):
    """A trial's DLT definition (`escalation.dlt`); see edc.domain.dlt for how each field is applied.

    - `related`: codes of the relatedness codelist that count as related to the product.
    - `always_dlt_min_grade`: a related in-window event of this grade or worse is a DLT unless an
      exception covers its class and grade.
    - `persistence`: lower grades that are DLTs when they do not improve in time.
    - `exceptions`: expected events that are not DLTs.
    - `late_referral_grades`: related events of these grades starting after the window go to the
      safety review committee.
    """

    related: tuple[Code, ...] = Field(min_length=1)
    always_dlt_min_grade: Grade
    persistence: tuple[DltPersistence, ...] = ()
    exceptions: tuple[DltExceptionRule, ...] = ()
    late_referral_grades: tuple[Grade, ...] = ()
    scope_reference: Reference | None = None
    always_dlt_reference: Reference | None = None
    late_referral_reference: Reference | None = None

    @property
    def lowest_dlt_grade(self) -> int:
        """The lowest grade any DLT criterion can catch."""
        return min([self.always_dlt_min_grade, *(rule.grade for rule in self.persistence)])


class DltOutcomeRule(Strict):
    """Whose decision makes an adverse event's DLT outcome count for the 3+3 (YAML `escalation.dlt_outcome`).

    `decided_by: committee`: the safety review committee's verdict (`committee` names it as the protocol
    does); `decided_by: investigator`: the investigator's `dlt_assessment`, only once signed when `signed`.
    A committee verdict, where one is given, counts under either.
    """

    decided_by: Literal["investigator", "committee"] = "investigator"
    signed: bool = False
    committee: Text = "safety review committee"


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


class ScheduledVisit(Strict):
    id: UpperId
    name: Text
    visitnum: float = Field(gt=0)
    epoch: Epoch
    day: int
    window: Window = Window()
    forms: tuple[FormId, ...] = Field(min_length=1)


class FormList(Strict):
    forms: tuple[FormId, ...] = Field(min_length=1)


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
