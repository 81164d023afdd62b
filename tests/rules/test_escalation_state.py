"""The escalation state assembled from records: which verdict counts, unconfirmed proposals, late referrals."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from edc.definitions.catalog import StudyDefinition
from edc.definitions.loader import load_catalog
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
            evaluable: bool = True) -> TreatedSubject:
    return TreatedSubject(number, 1, "DL1", evaluable, infused, events, investigator or {}, committee or {})


def state(*subjects: TreatedSubject, as_of: int = 40) -> Any:
    study = ic19()
    return escalation_state(study.spec.dose_levels, study.spec.escalation, subjects, day(as_of))


@pytest.mark.parametrize(("investigator", "committee", "outcome", "dlts", "pending"), [
    (None, None, "PENDING", 0, 1),  # a proposed DLT counts once confirmed
    ({"1": "DLT"}, None, "DLT", 1, 0),
    ({"1": "NOT_DLT"}, None, "NOT_DLT", 0, 0),
    ({"1": "DLT"}, {"1": "NOT_DLT"}, "NOT_DLT", 0, 0),  # the committee's verdict wins
    (None, {"1": "DLT"}, "DLT", 1, 0),
])
def test_the_verdict_that_counts(investigator: dict[str, str] | None, committee: dict[str, str] | None,
                                 outcome: str, dlts: int, pending: int) -> None:
    found = state(subject("01-001", [ae(improved=20)], investigator=investigator, committee=committee),
                  subject("01-002", []), subject("01-003", []))
    [level_one] = [s for s in found.levels if s.level.id == "DL1"]
    assert level_one.subjects[0].events[0].proposal.verdict.value == "DLT"
    assert level_one.subjects[0].events[0].outcome.value == outcome
    assert (level_one.cohort.evaluable, level_one.cohort.dlts, level_one.cohort.pending) == (3, dlts, pending)


def test_a_late_event_referred_to_the_committee_does_not_hold_the_cohort() -> None:
    late = ae(onset=35, grade="3")
    found = state(subject("01-001", [late]), subject("01-002", []), subject("01-003", []), as_of=40)
    event = found.levels[0].subjects[0].events[0]
    assert event.outcome.value == "REFER_TO_COMMITTEE"
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
