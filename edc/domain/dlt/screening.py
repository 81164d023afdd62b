"""DLT screening of an adverse event: the one rule of the trial's DLT definition that decides it.

Precedence (see the package docstring): before the first infusion, not
related, onset outside the DLT window (late-onset referral for the configured
grades), below every DLT grade; then the event's exception, the grades always
a DLT, its persistence rule, and no criterion for the grade.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from types import MappingProxyType

from edc.definitions.model import DltRules
from edc.domain.dlt.adverse_event import AdverseEvent
from edc.domain.dlt.definition import exception_for, persistence_rule_for
from edc.domain.dlt.outcomes import (
    ALWAYS_DLT,
    BEFORE_INFUSION,
    BELOW_DLT_GRADE,
    LATE_ONSET_REFERRAL,
    NO_DLT_CRITERION,
    NOT_RELATED,
    OUTSIDE_WINDOW,
    DataValue,
    DltProposal,
    DltVerdict,
)
from edc.domain.dlt.time_limits import judge_time_limits


def screen_adverse_event(event: AdverseEvent, definition: DltRules, window_days: int, infusions: Sequence[date],
                         as_of: date) -> DltProposal:
    """Screen one adverse event against the DLT definition and its window on day `as_of`, given the infusion dates.

    The definition is taken as checked (`check_definition`). ValueError when
    there is no infusion or the event starts after `as_of`.
    """
    if not infusions:
        raise ValueError("a DLT screening needs at least one infusion date")
    if event.start_date > as_of:
        raise ValueError(f"AE {event.aespid} starts on {event.start_date}, after as_of {as_of}")
    data: dict[str, DataValue] = {
        "event_class": event.event_class.value, "grade": event.grade, "relatedness": event.relatedness,
        "start_date": event.start_date.isoformat(),
    }
    return _screen_candidacy(event, definition, window_days, sorted(infusions), as_of, data)


def screen_adverse_events(events: Iterable[AdverseEvent], definition: DltRules, window_days: int,
                          infusions: Sequence[date], as_of: date) -> tuple[DltProposal, ...]:
    """Screen every adverse event of one subject; ValueError when two events share an AE number."""
    events = tuple(events)
    numbers = [event.aespid for event in events]
    duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
    if duplicates:
        raise ValueError(f"AE numbers must be unique: {', '.join(duplicates)}")
    return tuple(screen_adverse_event(event, definition, window_days, infusions, as_of) for event in events)


def _screen_candidacy(event: AdverseEvent, definition: DltRules, window_days: int, infusions: list[date],
                      as_of: date, data: dict[str, DataValue]) -> DltProposal:
    """Rules 1-4: is the event a DLT candidate at all (infused, related, in the window, grade high enough)?"""
    infusion = _latest_infusion(infusions, event.start_date)
    if infusion is None:
        return _propose(event, data, DltVerdict.NOT_CANDIDATE, BEFORE_INFUSION, "onset before the first infusion")
    onset_day = (event.start_date - infusion).days
    data.update(infusion_date=infusion.isoformat(), onset_day=onset_day, window_days=window_days)
    scope = definition.scope_reference
    if event.relatedness not in definition.related:
        return _propose(event, data, DltVerdict.NOT_CANDIDATE, NOT_RELATED, scope)
    if onset_day > window_days:
        if event.grade in definition.late_referral_grades:
            return _propose(event, data, DltVerdict.REFER_TO_COMMITTEE, LATE_ONSET_REFERRAL,
                            definition.late_referral_reference)
        return _propose(event, data, DltVerdict.NOT_CANDIDATE, OUTSIDE_WINDOW, scope)
    if event.grade < definition.lowest_dlt_grade:
        return _propose(event, data, DltVerdict.NOT_CANDIDATE, BELOW_DLT_GRADE, scope)
    return _screen_candidate(event, definition, as_of, data)


def _screen_candidate(event: AdverseEvent, definition: DltRules, as_of: date,
                      data: dict[str, DataValue]) -> DltProposal:
    """Rules 5-8 for a candidate: its exception, else the grade always a DLT, else its persistence rule."""
    exception = exception_for(definition, event)
    if exception is not None:
        if not exception.has_time_limit:
            return _propose(event, data, DltVerdict.NOT_DLT, exception.id, exception.reference)
        verdict, decided_by = judge_time_limits(event, exception.limits, as_of, data)
        return _propose(event, data, verdict, exception.id, exception.reference, decided_by)
    if event.grade >= definition.always_dlt_min_grade:
        return _propose(event, data, DltVerdict.DLT, ALWAYS_DLT, definition.always_dlt_reference)
    rule = persistence_rule_for(definition, event)
    if rule is None:
        return _propose(event, data, DltVerdict.NOT_CANDIDATE, NO_DLT_CRITERION, definition.scope_reference)
    verdict, decided_by = judge_time_limits(event, rule.limits, as_of, data)
    return _propose(event, data, verdict, rule.id, rule.reference, decided_by)


def _propose(event: AdverseEvent, data: dict[str, DataValue], verdict: DltVerdict, rule_id: str,
             reference: str | None, decided_by: date | None = None) -> DltProposal:
    """The proposal with a copy of what was read; a rule without a protocol quote shows none ("")."""
    return DltProposal(event.aespid, verdict, rule_id, reference or "", MappingProxyType(dict(data)), decided_by)


def _latest_infusion(infusions: list[date], onset: date) -> date | None:
    """The infusion the event is timed from: the latest on or before its onset (the window restarts at each)."""
    before = [infusion for infusion in infusions if infusion <= onset]
    return before[-1] if before else None
