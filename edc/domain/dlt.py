"""Dose-limiting toxicity (DLT): screen adverse events against a trial's DLT definition, and a subject's DLT window.

The engine proposes; the investigator and, where the protocol has one, the
safety review committee decide (form dlt_assessment). Every trial-specific
rule is data in a `DltDefinition` (built from the study YAML), never code.

Conventions
- Day counting: the day of infusion is day 0. "Within N days of an infusion"
  means onset on day 0..N, i.e. onset <= infusion + N days; day N + 1 is
  outside. With repeat infusions ("any infusion") an event is timed from the
  latest infusion on or before its onset.
- Onset is the AE start date (aestdat): an event that starts inside the window
  and worsens after it is still in the window.
- Time limits ("improves to <= grade 2 within 7 days", "back to baseline
  within 28 days", "lasting no more than 28 days") run from the date the worst
  grade was first reached (aewrsdat; the start date when it is missing, which
  can only make a duration longer). Dates carry no time: 72 hours is 3 days.
  A limit of N days is met when the milestone date is at most clock start + N.
- "Lasting" (max_duration_days) is measured to the date the event improved to
  <= grade 2, because the AE form records no earlier step down from the worst
  grade; for a grade 4 event this counts its grade 3 days too (conservative).
- An event that has ended (end date) has improved and returned to baseline by
  its end date at the latest; that date stands in for a missing improvement or
  baseline date.
- Facts dated after `as_of` are not known yet, so a proposal is what could be
  said on that day. An undecided limit gives PENDING with `decided_by`, the
  first date on which the event becomes a DLT unless the milestone is recorded.

Precedence: exactly one rule decides each event; the first that applies wins.
1. before_infusion: onset before the first infusion -> NOT_CANDIDATE.
2. not_related: relatedness not among the definition's related codes -> NOT_CANDIDATE.
3. Onset outside the window: late_onset_referral for the configured grades
   (IC19: grade 3-4) -> REFER_TO_COMMITTEE, otherwise outside_window -> NOT_CANDIDATE.
4. below_dlt_grade: grade below every DLT criterion -> NOT_CANDIDATE.
5. An exception for the event class and grade (its own id). Without time limits
   -> NOT_DLT; with limits -> NOT_DLT when all are met, DLT when any is exceeded,
   PENDING while any is still open. An exception's limits replace the general
   persistence rule for its class and grade: grade 3 CRS not back to <= 2 within
   72 h is a DLT although the general limit is 7 days.
6. always_dlt: grade >= always_dlt_min_grade -> DLT (so grade 4 or 5 is a DLT
   unless step 5 covered that grade, e.g. grade 4 neutropenia <= 28 days).
7. A persistence rule for the grade (its own id), a class-specific one before a
   general one (IC19: seizure 3 days before every event 7 days): DLT when the
   event has not improved to <= grade 2 within the limit, NOT_DLT when it has,
   PENDING meanwhile.
8. no_dlt_criterion: no criterion covers the grade -> NOT_CANDIDATE.

The subject's window state (`window_state`) takes per-event outcomes rather
than proposals, so the caller passes the adjudicated decisions where they
exist and the proposals elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Any

MIN_GRADE = 1
MAX_GRADE = 5

RELATEDNESS_CODES = ("NOT_RELATED", "UNLIKELY", "POSSIBLY", "PROBABLY", "DEFINITELY")
"""Codes of the `relatedness` codelist (item aerel), least to most related."""

# Ids of the rules that are not configured one by one; configured rules carry their own ids.
BEFORE_INFUSION = "before_infusion"
NOT_RELATED = "not_related"
OUTSIDE_WINDOW = "outside_window"
LATE_ONSET_REFERRAL = "late_onset_referral"
BELOW_DLT_GRADE = "below_dlt_grade"
ALWAYS_DLT = "always_dlt"
NO_DLT_CRITERION = "no_dlt_criterion"
FIXED_RULE_IDS = (BEFORE_INFUSION, NOT_RELATED, OUTSIDE_WINDOW, LATE_ONSET_REFERRAL, BELOW_DLT_GRADE,
                  ALWAYS_DLT, NO_DLT_CRITERION)

DataValue = int | str | None
"""A value read to reach a proposal; dates are ISO 8601 strings so the data can be stored or exported as is."""


class EventClass(StrEnum):
    """The DLT event class of an adverse event: the coded item the AE form will carry next to aecat.

    CRS and ICANS are the ASTCT 2019 syndromes; every other class is a CTCAE v5.0 term or group.
    """

    CRS = "CRS"  # cytokine release syndrome
    ICANS = "ICANS"  # immune effector cell-associated neurotoxicity syndrome
    SEIZURE = "SEIZURE"  # seizure recorded as its own event (CTCAE "Seizure")
    NEUTROPENIA = "NEUTROPENIA"  # neutrophil count decreased
    LEUKOPENIA = "LEUKOPENIA"  # white blood cell decreased
    LYMPHOPENIA = "LYMPHOPENIA"  # lymphocyte count decreased
    ANAEMIA = "ANAEMIA"
    THROMBOCYTOPENIA = "THROMBOCYTOPENIA"  # platelet count decreased
    OTHER_CYTOPENIA = "OTHER_CYTOPENIA"  # any other blood cell decrease
    TRANSAMINASE_INCREASED = "TRANSAMINASE_INCREASED"  # ALT and/or AST increased
    BILIRUBIN_INCREASED = "BILIRUBIN_INCREASED"  # blood bilirubin increased
    HLH = "HLH"  # haemophagocytic lymphohistiocytosis (incl. IEC-associated HLH-like syndrome)
    CHILLS = "CHILLS"
    HYPOTENSION_ISOLATED = "HYPOTENSION_ISOLATED"  # hypotension without other signs of CRS
    LAB_NOT_CLINICALLY_SIGNIFICANT = "LAB_NOT_CLINICALLY_SIGNIFICANT"  # abnormal value judged not significant
    OTHER = "OTHER"  # every other adverse event


class DltVerdict(StrEnum):
    """What the screening proposes for one adverse event; DLT, NOT_DLT and PENDING share the dlt_decision codes."""

    DLT = "DLT"
    NOT_DLT = "NOT_DLT"
    PENDING = "PENDING"  # cannot be told yet: see DltProposal.decided_by
    REFER_TO_COMMITTEE = "REFER_TO_COMMITTEE"  # the protocol leaves it to the safety review committee
    NOT_CANDIDATE = "NOT_CANDIDATE"  # not related, before infusion, outside the window or below the DLT grades


class WindowState(StrEnum):
    """A subject's DLT window on a given day."""

    OPEN = "OPEN"  # window still running, no DLT so far
    DLT = "DLT"  # at least one DLT: decided, even while the window is open
    CLOSED_NO_DLT = "CLOSED_NO_DLT"  # window over, every event decided, none a DLT
    AWAITING_DECISION = "AWAITING_DECISION"  # window over, an event still pending or with the committee
    NOT_EVALUABLE = "NOT_EVALUABLE"  # the subject does not count for DLT (e.g. an expansion subject)


def _grades(values: Iterable[int], owner: str) -> tuple[int, ...]:
    grades = tuple(values)
    if not grades:
        raise ValueError(f"{owner}: grades must not be empty")
    for grade in grades:
        _check_grade(grade, owner)
    return grades


def _check_grade(grade: object, owner: str) -> None:
    if isinstance(grade, bool) or not isinstance(grade, int) or not MIN_GRADE <= grade <= MAX_GRADE:
        raise ValueError(f"{owner}: grade must be an integer in {MIN_GRADE}-{MAX_GRADE}, got {grade!r}")


def _check_days(days: object, name: str, owner: str) -> None:
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise ValueError(f"{owner}: {name} must be a whole number of days >= 0, got {days!r}")


@dataclass(frozen=True)
class DltException:
    """An expected event that is not a DLT, for one event class and the listed grades.

    Without time limits the event is never a DLT at those grades. Each limit
    given must hold, counted in days from the worst-grade date:
    `max_days_to_improve` to the date improved to <= grade 2,
    `max_days_to_baseline` to the date back to baseline, `max_duration_days`
    to the end of the severe phase (again the improvement date: the form
    records no other). An exceeded limit makes the event a DLT.
    `reference` quotes the protocol.
    """

    id: str
    event_class: EventClass
    grades: tuple[int, ...]
    max_days_to_improve: int | None = None
    max_days_to_baseline: int | None = None
    max_duration_days: int | None = None
    reference: str = ""

    def __post_init__(self) -> None:
        # Accept the plain values of a YAML mapping: a code for the class, a list for the grades.
        object.__setattr__(self, "event_class", EventClass(self.event_class))
        object.__setattr__(self, "grades", _grades(self.grades, f"exception {self.id}"))
        for name in ("max_days_to_improve", "max_days_to_baseline", "max_duration_days"):
            value = getattr(self, name)
            if value is not None:
                _check_days(value, name, f"exception {self.id}")

    @property
    def has_time_limit(self) -> bool:
        """True when the exception depends on how fast the event improves."""
        return any(limit is not None for limit in
                   (self.max_days_to_improve, self.max_days_to_baseline, self.max_duration_days))


@dataclass(frozen=True)
class PersistenceRule:
    """`grade` is a DLT unless the event improves to <= grade 2 within `max_days_to_improve` days.

    `event_class` None makes it the general rule for every class without a
    rule of its own (IC19: grade 3, 7 days; seizure: grade 3, 3 days).
    """

    id: str
    grade: int
    max_days_to_improve: int
    event_class: EventClass | None = None
    reference: str = ""

    def __post_init__(self) -> None:
        if self.event_class is not None:
            object.__setattr__(self, "event_class", EventClass(self.event_class))
        _check_grade(self.grade, f"persistence rule {self.id}")
        _check_days(self.max_days_to_improve, "max_days_to_improve", f"persistence rule {self.id}")


@dataclass(frozen=True)
class DltDefinition:
    """A trial's DLT definition as data.

    - `window_days`: onset on day 0..window_days after an infusion is in the window.
    - `related`: relatedness codes that count as related to the product.
    - `always_dlt_min_grade`: a related in-window event of this grade or worse
      is a DLT unless an exception covers its class and grade.
    - `persistence`: grades below that which are DLTs when they do not improve in time.
    - `exceptions`: expected events that are not DLTs (see DltException).
    - `late_referral_grades`: related events of these grades starting after
      the window go to the safety review committee.
    The *_reference fields quote the protocol for the fixed rules.
    """

    window_days: int
    related: tuple[str, ...]
    always_dlt_min_grade: int
    persistence: tuple[PersistenceRule, ...] = ()
    exceptions: tuple[DltException, ...] = ()
    late_referral_grades: tuple[int, ...] = ()
    scope_reference: str = ""
    always_dlt_reference: str = ""
    late_referral_reference: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.window_days, bool) or not isinstance(self.window_days, int) or self.window_days < 1:
            raise ValueError(f"window_days must be an integer >= 1, got {self.window_days!r}")
        object.__setattr__(self, "related", tuple(self.related))
        unknown = [code for code in self.related if code not in RELATEDNESS_CODES]
        if not self.related or unknown:
            raise ValueError(f"related must list codes of {', '.join(RELATEDNESS_CODES)}; got {self.related!r}")
        _check_grade(self.always_dlt_min_grade, "always_dlt_min_grade")
        object.__setattr__(self, "persistence", tuple(self.persistence))
        object.__setattr__(self, "exceptions", tuple(self.exceptions))
        grades = tuple(self.late_referral_grades)
        object.__setattr__(self, "late_referral_grades", _grades(grades, "late_referral_grades") if grades else ())
        self._check_rules()

    def _check_rules(self) -> None:
        ids = [rule.id for rule in self.persistence] + [rule.id for rule in self.exceptions]
        clashes = sorted({i for i in ids if ids.count(i) > 1 or i in FIXED_RULE_IDS})
        if clashes:
            raise ValueError(f"rule ids must be unique and differ from the fixed rules: {', '.join(clashes)}")
        seen: set[tuple[EventClass | None, int]] = set()
        for rule in self.persistence:
            if rule.grade >= self.always_dlt_min_grade:
                raise ValueError(f"persistence rule {rule.id}: grade {rule.grade} is always a DLT already")
            if (rule.event_class, rule.grade) in seen:
                raise ValueError(f"persistence rule {rule.id}: a second rule for the same class and grade")
            seen.add((rule.event_class, rule.grade))
        # One exception per class and grade, so that exactly one rule decides.
        covered: set[tuple[EventClass | None, int]] = set()
        for exception in self.exceptions:
            for grade in exception.grades:
                if (exception.event_class, grade) in covered:
                    raise ValueError(f"exception {exception.id}: {exception.event_class} grade {grade} "
                                     "is covered by another exception")
                covered.add((exception.event_class, grade))

    @property
    def lowest_dlt_grade(self) -> int:
        """The lowest grade any DLT criterion can catch."""
        return min([self.always_dlt_min_grade, *(rule.grade for rule in self.persistence)])

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> DltDefinition:
        """Build a definition from a plain mapping (the shape of a study YAML `dlt` section)."""
        values = dict(data)
        values["persistence"] = tuple(PersistenceRule(**rule) for rule in values.get("persistence", ()))
        values["exceptions"] = tuple(DltException(**rule) for rule in values.get("exceptions", ()))
        return cls(**values)


@dataclass(frozen=True)
class AdverseEvent:
    """One adverse event as recorded on the AE log (item names in brackets).

    `grade` is the worst grade 1-5 (aetoxgr), `relatedness` a code of the
    relatedness codelist (aerel, product relatedness), `start_date` (aestdat),
    `worst_grade_date` the date the worst grade was first reached (aewrsdat),
    `improved_date` the date improved to <= grade 2 (aeimpdat; None = not yet),
    `baseline_date` the date back to baseline (aebasdat; None = not yet),
    `end_date` (aeendat; None = ongoing). ValueError for values out of range
    or dates out of order.
    """

    aespid: str
    event_class: EventClass
    grade: int
    relatedness: str
    start_date: date
    worst_grade_date: date | None = None
    improved_date: date | None = None
    baseline_date: date | None = None
    end_date: date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "event_class", EventClass(self.event_class))
        _check_grade(self.grade, f"AE {self.aespid}")
        if self.relatedness not in RELATEDNESS_CODES:
            raise ValueError(f"AE {self.aespid}: unknown relatedness {self.relatedness!r}")
        self._check_date_order()

    def _check_date_order(self) -> None:
        start = self.start_date
        worst = self.worst_grade_date or start
        for name, value, earliest in (("worst_grade_date", self.worst_grade_date, start),
                                      ("improved_date", self.improved_date, worst),
                                      ("baseline_date", self.baseline_date, start),
                                      ("end_date", self.end_date, start)):
            if value is not None and value < earliest:
                raise ValueError(f"AE {self.aespid}: {name} {value} is before {earliest}")


@dataclass(frozen=True)
class DltProposal:
    """The screening result for one adverse event: the verdict, the one rule that decided it and what it read.

    `decided_by` (PENDING only) is the first date on which the event becomes a
    DLT unless the awaited improvement is recorded.
    """

    aespid: str
    verdict: DltVerdict
    rule_id: str
    reference: str
    data: Mapping[str, DataValue] = field(hash=False)
    decided_by: date | None = None


@dataclass(frozen=True)
class DltWindow:
    """A subject's DLT window: its state, its last day (infusion + window days) and the events still undecided."""

    state: WindowState
    window_end: date
    undecided: int = 0


# --- screening ---------------------------------------------------------------------------------

# The time limits a rule can set, and the milestone each is measured to. "Lasting" is measured to the
# improvement too: the form records no earlier step down from the worst grade.
_IMPROVEMENT = "days_to_improvement"
_BASELINE = "days_to_baseline"
_MILESTONE_OF_LIMIT = MappingProxyType({
    "max_days_to_improve": _IMPROVEMENT, "max_duration_days": _IMPROVEMENT, "max_days_to_baseline": _BASELINE,
})


def screen_adverse_event(event: AdverseEvent, definition: DltDefinition, infusions: Sequence[date],
                         as_of: date) -> DltProposal:
    """Screen one adverse event against `definition` on day `as_of`, given the subject's infusion dates.

    ValueError when there is no infusion or the event starts after `as_of`.
    See the module docstring for the day counting and the rule precedence.
    """
    if not infusions:
        raise ValueError("a DLT screening needs at least one infusion date")
    if event.start_date > as_of:
        raise ValueError(f"AE {event.aespid} starts on {event.start_date}, after as_of {as_of}")
    data: dict[str, DataValue] = {
        "event_class": event.event_class.value, "grade": event.grade, "relatedness": event.relatedness,
        "start_date": event.start_date.isoformat(),
    }
    return _decide(event, definition, sorted(infusions), as_of, data)


def screen_adverse_events(events: Iterable[AdverseEvent], definition: DltDefinition, infusions: Sequence[date],
                          as_of: date) -> tuple[DltProposal, ...]:
    """Screen every adverse event of one subject; ValueError when two events share an AE number."""
    events = tuple(events)
    numbers = [event.aespid for event in events]
    duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
    if duplicates:
        raise ValueError(f"AE numbers must be unique: {', '.join(duplicates)}")
    return tuple(screen_adverse_event(event, definition, infusions, as_of) for event in events)


def _decide(event: AdverseEvent, definition: DltDefinition, infusions: list[date], as_of: date,
            data: dict[str, DataValue]) -> DltProposal:
    """Rules 1-4: is the event a DLT candidate at all (infused, related, in the window, grade high enough)?"""
    infusion = _latest_infusion(infusions, event.start_date)
    if infusion is None:
        return _propose(event, data, DltVerdict.NOT_CANDIDATE, BEFORE_INFUSION, "onset before the first infusion")
    onset_day = (event.start_date - infusion).days
    data.update(infusion_date=infusion.isoformat(), onset_day=onset_day, window_days=definition.window_days)
    if event.relatedness not in definition.related:
        return _propose(event, data, DltVerdict.NOT_CANDIDATE, NOT_RELATED, definition.scope_reference)
    if onset_day > definition.window_days:
        if event.grade in definition.late_referral_grades:
            return _propose(event, data, DltVerdict.REFER_TO_COMMITTEE, LATE_ONSET_REFERRAL,
                            definition.late_referral_reference)
        return _propose(event, data, DltVerdict.NOT_CANDIDATE, OUTSIDE_WINDOW, definition.scope_reference)
    if event.grade < definition.lowest_dlt_grade:
        return _propose(event, data, DltVerdict.NOT_CANDIDATE, BELOW_DLT_GRADE, definition.scope_reference)
    return _decide_candidate(event, definition, as_of, data)


def _decide_candidate(event: AdverseEvent, definition: DltDefinition, as_of: date,
                      data: dict[str, DataValue]) -> DltProposal:
    """Rules 5-8 for a candidate: its exception, else the grade always a DLT, else its persistence rule."""
    exception = _exception_for(definition, event)
    if exception is not None:
        if not exception.has_time_limit:
            return _propose(event, data, DltVerdict.NOT_DLT, exception.id, exception.reference)
        limits = {name: getattr(exception, name) for name in _MILESTONE_OF_LIMIT}
        verdict, decided_by = _judge_limits(event, limits, as_of, data)
        return _propose(event, data, verdict, exception.id, exception.reference, decided_by)
    if event.grade >= definition.always_dlt_min_grade:
        return _propose(event, data, DltVerdict.DLT, ALWAYS_DLT, definition.always_dlt_reference)
    rule = _persistence_rule_for(definition, event)
    if rule is None:
        return _propose(event, data, DltVerdict.NOT_CANDIDATE, NO_DLT_CRITERION, definition.scope_reference)
    verdict, decided_by = _judge_limits(event, {"max_days_to_improve": rule.max_days_to_improve}, as_of, data)
    return _propose(event, data, verdict, rule.id, rule.reference, decided_by)


def _propose(event: AdverseEvent, data: dict[str, DataValue], verdict: DltVerdict, rule_id: str, reference: str,
             decided_by: date | None = None) -> DltProposal:
    return DltProposal(event.aespid, verdict, rule_id, reference, MappingProxyType(dict(data)), decided_by)


def _latest_infusion(infusions: list[date], onset: date) -> date | None:
    """The infusion the event is timed from: the latest on or before its onset (the window restarts at each)."""
    before = [infusion for infusion in infusions if infusion <= onset]
    return before[-1] if before else None


def _exception_for(definition: DltDefinition, event: AdverseEvent) -> DltException | None:
    for exception in definition.exceptions:
        if exception.event_class == event.event_class and event.grade in exception.grades:
            return exception
    return None


def _persistence_rule_for(definition: DltDefinition, event: AdverseEvent) -> PersistenceRule | None:
    # A rule for the event's own class (IC19: seizure, 3 days) beats the general one (7 days).
    rules = [rule for rule in definition.persistence if rule.grade == event.grade]
    for wanted in (event.event_class, None):
        for rule in rules:
            if rule.event_class == wanted:
                return rule
    return None


def _first_known(as_of: date, *dates: date | None) -> date | None:
    """The earliest of `dates` known on `as_of`; a later date is not known yet on that day."""
    known = [value for value in dates if value is not None and value <= as_of]
    return min(known, default=None)


def _milestones(event: AdverseEvent, as_of: date) -> dict[str, date | None]:
    """The dates improved to <= grade 2 and back to baseline known on `as_of`.

    An ended event has improved and returned to baseline by its end date at the latest.
    """
    return {_IMPROVEMENT: _first_known(as_of, event.improved_date, event.end_date),
            _BASELINE: _first_known(as_of, event.baseline_date, event.end_date)}


def _judge_limits(event: AdverseEvent, limits: Mapping[str, int | None], as_of: date,
                  data: dict[str, DataValue]) -> tuple[DltVerdict, date | None]:
    """DLT when a limit is exceeded, PENDING while one is open, NOT_DLT when all are met; records what it read.

    `limits` maps limit names (max_days_to_improve, max_duration_days,
    max_days_to_baseline) to days; None means no such limit.
    """
    clock_start = event.worst_grade_date or event.start_date
    milestones = _milestones(event, as_of)
    data.update(clock_start=clock_start.isoformat(), as_of=as_of.isoformat(),
                days_elapsed=(as_of - clock_start).days)
    exceeded = False
    open_deadlines: list[date] = []
    for name, max_days in limits.items():
        if max_days is None:
            continue
        milestone_name = _MILESTONE_OF_LIMIT[name]
        milestone = milestones[milestone_name]
        deadline = clock_start + timedelta(days=max_days)
        data[name] = max_days
        data[milestone_name] = None if milestone is None else (milestone - clock_start).days
        if milestone is not None:
            exceeded = exceeded or milestone > deadline
        elif as_of > deadline:
            exceeded = True  # the limit has passed without the milestone: whatever is recorded later is too late
        else:
            open_deadlines.append(deadline)
    if exceeded:
        return DltVerdict.DLT, None
    if open_deadlines:
        return DltVerdict.PENDING, min(open_deadlines) + timedelta(days=1)
    return DltVerdict.NOT_DLT, None


# --- the subject's DLT window -----------------------------------------------------------------------

_UNDECIDED = (DltVerdict.PENDING, DltVerdict.REFER_TO_COMMITTEE)


def window_state(infusion_date: date, as_of: date, dlt_window_days: int, evaluable: bool,
                 outcomes: Iterable[DltVerdict]) -> DltWindow:
    """The DLT window state of one infused subject on day `as_of`.

    `infusion_date` is the infusion the window runs from (with repeat
    infusions, the latest); the window's last day is infusion + window days.
    `outcomes` holds one final outcome per adverse event: the adjudicated
    decision (committee, else investigator) where there is one, the screening
    proposal's verdict otherwise; codes of the dlt_decision codelist convert
    with DltVerdict(code). PENDING and REFER_TO_COMMITTEE count as undecided.
    Precedence: NOT_EVALUABLE, then DLT (a DLT decides even while the window is
    open), then OPEN while as_of <= the window's last day, then
    AWAITING_DECISION when an event is undecided, else CLOSED_NO_DLT.
    ValueError when as_of is before the infusion or the window is shorter than a day.
    """
    if isinstance(dlt_window_days, bool) or not isinstance(dlt_window_days, int) or dlt_window_days < 1:
        raise ValueError(f"dlt_window_days must be an integer >= 1, got {dlt_window_days!r}")
    if as_of < infusion_date:
        raise ValueError(f"as_of {as_of} is before the infusion on {infusion_date}")
    verdicts = [DltVerdict(outcome) for outcome in outcomes]
    window_end = infusion_date + timedelta(days=dlt_window_days)
    undecided = sum(verdict in _UNDECIDED for verdict in verdicts)
    if not evaluable:
        return DltWindow(WindowState.NOT_EVALUABLE, window_end, undecided)
    if DltVerdict.DLT in verdicts:
        return DltWindow(WindowState.DLT, window_end, undecided)
    if as_of <= window_end:
        return DltWindow(WindowState.OPEN, window_end, undecided)
    if undecided:
        return DltWindow(WindowState.AWAITING_DECISION, window_end, undecided)
    return DltWindow(WindowState.CLOSED_NO_DLT, window_end)
