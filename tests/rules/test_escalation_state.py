"""The escalation state assembled from records: which verdict counts, unconfirmed proposals, late referrals."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from edc.definitions.catalog import StudyDefinition
from edc.definitions.loader import load_catalog
from edc.definitions.model import DltOutcomeRule
from edc.domain.dlt import EventClass
from edc.domain.escalation import Action
from edc.domain.escalation_state import TreatedSubject, escalation_state, event_class

FORMS = Path(__file__).resolve().parents[2] / "forms"
INFUSION = date(2026, 3, 1)


@cache
def ic19() -> StudyDefinition:
    return load_catalog(FORMS).study("ic19")


def day(n: int) -> date:
    return INFUSION + timedelta(days=n)


def ae(aespid: str = "1", grade: str = "3", onset: int = 3, improved: int | None = None, **more: Any) -> dict[str, Any]:
    return {"aespid": aespid, "aecat": "OTHER", "aedltcls": "OTHER", "aetoxgr": grade, "aerel": "PROBABLY",
            "aestdat": day(onset), "aewrsdat": day(onset), "aeimpdat": None if improved is None else day(improved),
            **more}


def subject(number: str, events: list[dict[str, Any]], *, investigator: dict[str, str] | None = None,
            committee: dict[str, str] | None = None, infused: date | None = INFUSION,
            evaluable: bool = True, signed: frozenset[str] = frozenset()) -> TreatedSubject:
    return TreatedSubject(number, 1, "DL1", evaluable, infused, events, investigator or {}, committee or {}, signed)


def state(*subjects: TreatedSubject, as_of: int = 40, rule: DltOutcomeRule | None = None) -> Any:
    study = ic19()
    escalation = study.spec.escalation
    if rule is not None:
        escalation = escalation.model_copy(update={"dlt_outcome": rule})
    return escalation_state(study.spec.dose_levels, escalation, subjects, day(as_of))


COMMITTEE = DltOutcomeRule(decided_by="committee", committee="SRC")  # IC19's own
SIGNED = DltOutcomeRule(decided_by="investigator", signed=True)
UNSIGNED = DltOutcomeRule(decided_by="investigator")


@pytest.mark.parametrize(("rule", "investigator", "committee", "signed", "outcome", "awaiting", "dlts", "pending"), [
    (COMMITTEE, None, None, False, "PENDING", "committee verdict", 0, 1),
    (COMMITTEE, {"1": "DLT"}, None, True, "PENDING", "committee verdict", 0, 1),  # the investigator informs
    (COMMITTEE, {"1": "NOT_DLT"}, None, True, "PENDING", "committee verdict", 0, 1),
    (COMMITTEE, {"1": "DLT"}, {"1": "NOT_DLT"}, False, "NOT_DLT", None, 0, 0),  # the committee's verdict wins
    (COMMITTEE, None, {"1": "DLT"}, False, "DLT", None, 1, 0),
    (SIGNED, None, None, False, "PENDING", "investigator's signed assessment", 0, 1),
    (SIGNED, {"1": "DLT"}, None, False, "PENDING", "investigator's signature", 0, 1),
    (SIGNED, {"1": "DLT"}, None, True, "DLT", None, 1, 0),
    (SIGNED, {"1": "NOT_DLT"}, None, True, "NOT_DLT", None, 0, 0),
    (SIGNED, None, {"1": "NOT_DLT"}, False, "NOT_DLT", None, 0, 0),  # a committee verdict counts under any rule
    (UNSIGNED, None, None, False, "PENDING", "investigator's assessment", 0, 1),
    (UNSIGNED, {"1": "DLT"}, None, False, "DLT", None, 1, 0),
    (UNSIGNED, {"1": "NOT_DLT"}, None, False, "NOT_DLT", None, 0, 0),
])
def test_the_verdict_that_counts(rule: DltOutcomeRule, investigator: dict[str, str] | None,
                                 committee: dict[str, str] | None, signed: bool, outcome: str, awaiting: str | None,
                                 dlts: int, pending: int) -> None:
    found = state(subject("01-001", [ae(improved=20)], investigator=investigator, committee=committee,
                          signed=frozenset({"1"}) if signed else frozenset()),
                  subject("01-002", []), subject("01-003", []), rule=rule)
    [level_one] = [s for s in found.levels if s.level.id == "DL1"]
    event = level_one.subjects[0].events[0]
    assert event.proposal.verdict.value == "DLT"
    assert (event.outcome.value, event.awaiting) == (outcome, awaiting)
    assert (level_one.cohort.evaluable, level_one.cohort.dlts, level_one.cohort.pending) == (3, dlts, pending)
    if pending:  # the window is over: the subject awaits the decision, and the 3+3 waits
        assert level_one.subjects[0].window.state.value == "AWAITING_DECISION"
        assert found.recommendation.action is Action.WAIT


@pytest.mark.parametrize("rule", [COMMITTEE, SIGNED, UNSIGNED])
def test_a_proposed_not_dlt_counts_only_once_decided(rule: DltOutcomeRule) -> None:
    crs = ae(aedltcls=None, aecat="CRS", improved=5)  # grade 3 CRS back to grade 2 within 72 h: the exception
    found = state(subject("01-001", [crs]), rule=rule)
    event = found.levels[0].subjects[0].events[0]
    assert (event.proposal.verdict.value, event.outcome.value) == ("NOT_DLT", "PENDING")
    assert event.awaiting_from == ("SRC" if rule is COMMITTEE else "investigator")
    assert found.levels[0].cohort.pending == 1


def test_events_needing_no_decision_await_nothing() -> None:
    unrelated = ae(aerel="NOT_RELATED")
    found = state(subject("01-001", [unrelated]), subject("01-002", []), subject("01-003", []), rule=COMMITTEE)
    event = found.levels[0].subjects[0].events[0]
    assert (event.outcome.value, event.awaiting) == ("NOT_CANDIDATE", None)
    assert found.recommendation.action is Action.ESCALATE


def test_an_event_without_the_investigators_causality_is_never_read_as_unrelated() -> None:
    logged = ae(grade="1", aerel=None)  # a coordinator logged it; grade 1 would be no DLT candidate once assessed
    found = state(subject("01-001", [logged]), subject("01-002", []), subject("01-003", []), rule=COMMITTEE)
    event = found.levels[0].subjects[0].events[0]
    assert (event.proposal.verdict.value, event.proposal.rule_id) == ("PENDING", "causality_not_assessed")
    assert event.outcome.value == "PENDING" and "causality" in event.proposal.reference
    assert found.recommendation.action is not Action.ESCALATE  # the cohort waits for the assessment
    assessed = state(subject("01-001", [ae(grade="1", aerel="NOT_RELATED")]), subject("01-002", []),
                     subject("01-003", []), rule=COMMITTEE)
    assert assessed.recommendation.action is Action.ESCALATE


def test_a_late_event_referred_to_the_committee_does_not_hold_the_cohort() -> None:
    late = ae(onset=35, grade="3")
    found = state(subject("01-001", [late]), subject("01-002", []), subject("01-003", []), as_of=40)
    event = found.levels[0].subjects[0].events[0]
    assert (event.outcome.value, event.awaiting, event.awaiting_from) == (
        "REFER_TO_COMMITTEE", "committee verdict", "Safety Review Committee (SRC)")
    assert found.recommendation.action is Action.ESCALATE


def test_subjects_not_infused_or_not_evaluable() -> None:
    found = state(subject("01-001", [], infused=None), subject("01-002", [], infused=day(50)),
                  subject("01-003", [ae(grade="4")], evaluable=False))
    dl1 = found.levels[0]
    assert [s.window for s in dl1.subjects[:2]] == [None, None]  # not infused on the day asked
    assert dl1.subjects[2].status is None and dl1.subjects[2].window is not None
    assert (dl1.cohort.evaluable, dl1.cohort.pending) == (2, 2) and found.enrolled == 3


def test_events_after_the_day_asked_are_not_seen() -> None:
    found = state(subject("01-001", [ae(onset=10)]), as_of=5)
    assert found.levels[0].subjects[0].events == ()


@pytest.mark.parametrize(("record", "expected"), [
    ({"aecat": "CRS"}, EventClass.CRS), ({"aecat": "ICANS"}, EventClass.ICANS),
    ({"aecat": "OTHER", "aedltcls": "HLH"}, EventClass.HLH), ({"aecat": "OTHER"}, EventClass.OTHER),
])
def test_event_class_from_the_record(record: dict[str, str], expected: EventClass) -> None:
    assert event_class(record) is expected
