"""A trial's DLT definition (YAML `escalation.dlt`): the typed rules the DLT screening (edc.domain.dlt) reads.

Its window is `Escalation.dlt_window_days`. Event classes and relatedness codes are checked against the
codelists dlt_event_class and relatedness (check_study); an event class the engine knows is held as its
EventClass. Time limits are given in days or hours as their keys say (`edc.definitions.dlt_limits`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, model_validator

from edc.definitions.dlt_limits import TIME_LIMITS, check_one_unit
from edc.definitions.model_base import Code, SnakeId, Strict, Text
from edc.definitions.vocabulary import EventClass

Grade = Annotated[int, Field(ge=1, le=5)]
Days = Annotated[int, Field(ge=0)]
Hours = Annotated[int, Field(ge=0)]
Reference = Text
"""A quote of the protocol (or an assumption's wording) a DLT proposal shows as its reason."""


def _event_class(code: str) -> str:
    """The engine's EventClass for a code it knows, any other code as written (check_study reports it)."""
    return EventClass(code) if code in _EVENT_CLASSES else code


_EVENT_CLASSES = frozenset(EventClass)
EventClassCode = Annotated[Code, AfterValidator(_event_class)]


class DltPersistence(Strict):
    """`grade` is a DLT unless the event improves to <= grade 2 within the limit, in days or in hours.

    Without `event_class` it is the general rule for every class without a rule of its own.
    """

    id: SnakeId
    grade: Grade
    max_days_to_improve: Days | None = None
    max_hours_to_improve: Hours | None = None
    event_class: EventClassCode | None = None
    reference: Reference | None = None

    @model_validator(mode="after")
    def _one_limit(self) -> DltPersistence:
        """Exactly one limit: in days or in hours, as the protocol states it."""
        if (self.max_days_to_improve is None) == (self.max_hours_to_improve is None):
            raise ValueError("give max_days_to_improve or max_hours_to_improve (one of them)")
        return self

    @property
    def limits(self) -> dict[str, int]:
        """The rule's one time limit by name."""
        return _given_limits(self)


class DltExceptionRule(Strict):
    """An expected event of `event_class` that is not a DLT at `grades`, within the time limits given.

    Limits run from the moment the worst grade was reached, each in days or hours as its key says
    (`edc.definitions.dlt_limits`): to the improvement to <= grade 2 (`max_days_to_improve`, and
    `max_duration_days`: the form records no other end of the severe phase), to the return to
    baseline (`max_days_to_baseline`). No limit: never a DLT at those grades.
    """

    id: SnakeId
    event_class: EventClassCode
    grades: tuple[Grade, ...] = Field(min_length=1)
    max_days_to_improve: Days | None = None
    max_days_to_baseline: Days | None = None
    max_duration_days: Days | None = None
    max_hours_to_improve: Hours | None = None
    max_hours_to_baseline: Hours | None = None
    max_duration_hours: Hours | None = None
    reference: Reference | None = None

    @model_validator(mode="after")
    def _one_unit(self) -> DltExceptionRule:
        """Each measure in one unit."""
        check_one_unit(self.limits)
        return self

    @property
    def limits(self) -> dict[str, int]:
        """The time limits given, by name, in `TIME_LIMITS` order."""
        return _given_limits(self)

    @property
    def has_time_limit(self) -> bool:
        """True when the exception depends on how fast the event improves."""
        return bool(self.limits)


def _given_limits(rule: BaseModel) -> dict[str, int]:
    """The rule's time limits that are set, by key, in `TIME_LIMITS` order."""
    given = {name: getattr(rule, name, None) for name in TIME_LIMITS}
    return {name: amount for name, amount in given.items() if amount is not None}


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
