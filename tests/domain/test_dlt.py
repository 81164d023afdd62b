"""DLT screening against the IC19 definition (clinical-rules.md, seed 004) and a standard one; the DLT window.

Day 0 is the infusion. Every IC19 exception with a time limit is tested just
inside the limit (NOT_DLT), just outside (DLT) and before the limit has passed
(PENDING).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from edc.definitions.model import DltExceptionRule, DltPersistence, DltRules
from edc.domain.dlt import (
    ALWAYS_DLT,
    BEFORE_INFUSION,
    BELOW_DLT_GRADE,
    LATE_ONSET_REFERRAL,
    NO_DLT_CRITERION,
    NOT_RELATED,
    OUTSIDE_WINDOW,
    RELATEDNESS_CODES,
    AdverseEvent,
    DltVerdict,
    EventClass,
    WindowState,
    check_definition,
    screen_adverse_event,
    screen_adverse_events,
    window_state,
)

FORMS = Path(__file__).resolve().parents[2] / "forms"
INFUSION = date(2025, 3, 3)

# The IC19 definition as a study YAML `dlt` section would hold it: plain values, quotes from the record (seed 004).
HAEM_G4 = "lasting no more than 28 days"
IC19_DLT: dict[str, Any] = {
    "window_days": 28,
    "related": ["POSSIBLY", "PROBABLY", "DEFINITELY"],
    "scope_reference": "Any of the following events related to the investigational drug (definitely related, "
                       "likely related, possibly related) that occur within 28 days after a subject receives any "
                       "IC19 CAR-T cell infusion",
    "always_dlt_min_grade": 4,
    "always_dlt_reference": "Any grade 4 or 5 adverse events related to IC19 CAR-T cells that occur after treatment, "
                            "excluding laboratory test indicators of no clinical significance",
    "persistence": [
        {"id": "grade3_not_improved_7d", "grade": 3, "max_days_to_improve": 7,
         "reference": "Any grade 3 adverse events related to IC19 CAR-T cells that occur after treatment and do not "
                      "improve to ≤ grade 2 within 7 days, excluding clinically insignificant laboratory test "
                      "indicators"},
        {"id": "seizure_grade3_not_improved_3d", "grade": 3, "max_days_to_improve": 3, "event_class": "SEIZURE",
         "reference": "Any grade 3 epileptic seizures that occur after treatment and cannot be relieved to ≤ grade 2 "
                      "within 3 days"},
    ],
    "exceptions": [
        {"id": "neutropenia_g3", "event_class": "NEUTROPENIA", "grades": [3],
         "reference": f"Grade 3 neutropenia or Grade 4 neutropenia {HAEM_G4}"},
        {"id": "neutropenia_g4", "event_class": "NEUTROPENIA", "grades": [4], "max_duration_days": 28,
         "reference": f"Grade 3 neutropenia or Grade 4 neutropenia {HAEM_G4}"},
        {"id": "leukopenia", "event_class": "LEUKOPENIA", "grades": [3, 4], "reference": "Grade 3 or 4 leukopenia"},
        {"id": "lymphopenia", "event_class": "LYMPHOPENIA", "grades": [3, 4],
         "reference": "Grade 3 or 4 lymphocyte reduction"},
        {"id": "anaemia_g3", "event_class": "ANAEMIA", "grades": [3],
         "reference": f"Grade 3 anemia or Grade 4 anemia {HAEM_G4}"},
        {"id": "anaemia_g4", "event_class": "ANAEMIA", "grades": [4], "max_duration_days": 28,
         "reference": f"Grade 3 anemia or Grade 4 anemia {HAEM_G4}"},
        {"id": "thrombocytopenia_g3", "event_class": "THROMBOCYTOPENIA", "grades": [3],
         "reference": f"Grade 3 thrombocytopenia or Grade 4 thrombocytopenia {HAEM_G4}"},
        {"id": "thrombocytopenia_g4", "event_class": "THROMBOCYTOPENIA", "grades": [4], "max_duration_days": 28,
         "reference": f"Grade 3 thrombocytopenia or Grade 4 thrombocytopenia {HAEM_G4}"},
        {"id": "other_cytopenia", "event_class": "OTHER_CYTOPENIA", "grades": [3, 4],
         "reference": "Other types of blood cell reduction besides those mentioned above"},
        {"id": "transaminase_g3", "event_class": "TRANSAMINASE_INCREASED", "grades": [3], "max_days_to_improve": 14,
         "reference": "Grade 3 transaminase and bilirubin elevation should be restored to ≤ Grade 2 within 2 weeks"},
        {"id": "bilirubin_g3", "event_class": "BILIRUBIN_INCREASED", "grades": [3], "max_days_to_improve": 14,
         "reference": "Grade 3 transaminase and bilirubin elevation should be restored to ≤ Grade 2 within 2 weeks"},
        {"id": "hlh_g3", "event_class": "HLH", "grades": [3], "max_days_to_improve": 14,
         "reference": "Grade 3 hemophagocytic syndrome recovers to ≤ Grade 2 within 2 weeks"},
        {"id": "chills_g3", "event_class": "CHILLS", "grades": [3], "max_hours_to_improve": 72,
         "reference": "Grade 3 chills, recover to ≤ Grade 2 within ≤ 72 hours"},
        {"id": "hypotension_g3", "event_class": "HYPOTENSION_ISOLATED", "grades": [3], "max_hours_to_improve": 72,
         "reference": "Grade 3 hypotension (without other CRS symptoms), requiring vasopressor support and "
                      "recovering to ≤ Grade 2 within ≤ 72 hours"},
        {"id": "crs_g3", "event_class": "CRS", "grades": [3], "max_hours_to_improve": 72,
         "reference": "Level 3 CRS, recover to ≤ Level 2 within ≤ 72 hours"},
        {"id": "icans_g3", "event_class": "ICANS", "grades": [3], "max_duration_days": 7, "max_days_to_improve": 7,
         "max_days_to_baseline": 28,
         "reference": "Grade 3 ICANS ≤ 7 days, with remission to ≤ Grade 2 within 1 week and remission to baseline "
                      "within ≤ 28 days"},
        {"id": "lab_not_significant", "event_class": "LAB_NOT_CLINICALLY_SIGNIFICANT", "grades": [3, 4],
         "reference": "excluding laboratory test indicators of no clinical significance"},
    ],
    "late_referral_grades": [3, 4],
    "late_referral_reference": "For grade 3 or 4 toxicity that occurs after 28 days of IC19 CAR-T cell "
                               "transfusion, SRC will discuss the specific situation.",
}


def dlt_definition(section: Mapping[str, Any]) -> DltRules:
    """The definition model from the plain values of a study YAML `dlt` section, checked as the screening checks it.

    The window (`window_days`, in a study `escalation.dlt_window_days`) is not part of the section: it is
    taken out and checked with it.
    """
    values = dict(section)
    window_days = values.pop("window_days")
    rules = DltRules.model_validate_json(json.dumps(values))
    check_definition(rules, window_days)
    return rules


IC19 = dlt_definition(IC19_DLT)
IC19_WINDOW = IC19_DLT["window_days"]


def standard(window_days: int = 28) -> DltRules:
    """The assumed definition of the trials whose records define no DLT: related grade >= 3 in the window."""
    rules = DltRules(
        related=("POSSIBLY", "PROBABLY", "DEFINITELY"), always_dlt_min_grade=3,
        scope_reference="assumed: adverse event at least possibly related, starting within the DLT window",
        always_dlt_reference="assumed: related grade >= 3 adverse event within the DLT window",
    )
    check_definition(rules, window_days)
    return rules


def day(n: int) -> date:
    return INFUSION + timedelta(days=n)


def ae(event_class: str = "OTHER", grade: int = 3, *, onset: int = 2, worst: int | None = None,
       improved: int | None = None, baseline: int | None = None, end: int | None = None,
       relatedness: str = "PROBABLY", aespid: str = "1") -> AdverseEvent:
    """An AE with dates given as study days; the worst grade is reached at onset unless said otherwise."""
    return AdverseEvent(
        aespid=aespid, event_class=EventClass(event_class), grade=grade, relatedness=relatedness,
        start_date=day(onset), worst_grade_date=day(onset if worst is None else worst),
        improved_date=None if improved is None else day(improved),
        baseline_date=None if baseline is None else day(baseline), end_date=None if end is None else day(end),
    )


def screen(event: AdverseEvent, as_of: int = 90, definition: DltRules = IC19,
           infusions: tuple[date, ...] = (INFUSION,), window_days: int = IC19_WINDOW) -> Any:
    return screen_adverse_event(event, definition, window_days, infusions, day(as_of))


# --- the definition as data --------------------------------------------------------------------

def test_ic19_builds_from_a_yaml_mapping() -> None:
    text = yaml.safe_dump({"dlt": IC19_DLT}, allow_unicode=True)
    assert dlt_definition(yaml.safe_load(text)["dlt"]) == IC19
    assert IC19.exceptions[0].event_class is EventClass.NEUTROPENIA
    assert IC19.late_referral_grades == (3, 4)
    assert IC19.lowest_dlt_grade == 3


def test_an_exception_takes_plain_yaml_values() -> None:
    exception = DltExceptionRule.model_validate_json(json.dumps(
        {"id": "crs", "event_class": "CRS", "grades": [3], "max_days_to_improve": 3}))
    assert (exception.event_class, exception.grades, exception.has_time_limit) == (EventClass.CRS, (3,), True)
    assert not DltExceptionRule(id="leuko", event_class=EventClass.LEUKOPENIA, grades=(3, 4)).has_time_limit


def test_relatedness_and_decision_codes_match_the_codelists() -> None:
    codelists = {c["id"]: [v["code"] for v in c["values"]]
                 for c in yaml.safe_load((FORMS / "library/codelists.yaml").read_text())["codelists"]}
    assert tuple(codelists["relatedness"]) == RELATEDNESS_CODES
    assert {DltVerdict(code) for code in codelists["dlt_decision"]} == {
        DltVerdict.DLT, DltVerdict.NOT_DLT, DltVerdict.PENDING}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"window_days": 0}, "window_days"),
        ({"related": ["RELATED"]}, "related"),
        ({"related": []}, "related"),
        ({"always_dlt_min_grade": 6}, "grade"),
        ({"late_referral_grades": [0]}, "grade"),
        ({"persistence": [{"id": "p", "grade": 4, "max_days_to_improve": 7}]}, "always a DLT"),
        ({"persistence": [{"id": "p", "grade": 3, "max_days_to_improve": 7},
                          {"id": "q", "grade": 3, "max_days_to_improve": 5}]}, "same class and grade"),
        ({"persistence": [{"id": "p", "grade": 3, "max_days_to_improve": -1}]}, "max_days_to_improve"),
        ({"exceptions": [{"id": "a", "event_class": "CRS", "grades": [3]},
                         {"id": "b", "event_class": "CRS", "grades": [3, 4]}]}, "another exception"),
        ({"exceptions": [{"id": "a", "event_class": "CRS", "grades": [3]},
                         {"id": "a", "event_class": "HLH", "grades": [3]}]}, "unique"),
        ({"exceptions": [{"id": "always_dlt", "event_class": "CRS", "grades": [3]}]}, "unique"),
        # The schema refuses empty grades before any check (its words; the YAML test reads the same message).
        ({"exceptions": [{"id": "a", "event_class": "CRS", "grades": []}]}, "at least 1 item"),
        ({"exceptions": [{"id": "a", "event_class": "FEVER", "grades": [3]}]}, "FEVER"),
        ({"exceptions": [{"id": "a", "event_class": "CRS", "grades": [3], "max_days_to_baseline": 1.5}]}, "days"),
    ],
    ids=["window", "unknown-relatedness", "no-relatedness", "grade-6", "referral-grade-0",
         "persistence-at-always-grade", "two-persistence-rules", "negative-days", "overlapping-exceptions",
         "duplicate-id", "fixed-rule-id", "no-grades", "unknown-class", "fractional-days"],
)
def test_inconsistent_definitions_are_refused(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        dlt_definition({**IC19_DLT, **change})


@pytest.mark.parametrize(
    ("change", "message"),
    [({"grade": 0}, "grade"), ({"grade": True}, "grade"), ({"relatedness": "RELATED"}, "relatedness"),
     ({"worst_grade_date": day(1)}, "worst_grade_date"), ({"improved_date": day(1)}, "improved_date"),
     ({"baseline_date": day(1)}, "baseline_date"), ({"end_date": day(1)}, "end_date")],
    ids=["grade-0", "grade-bool", "relatedness", "worst-before-start", "improved-before-worst",
         "baseline-before-start", "end-before-start"],
)
def test_inconsistent_adverse_events_are_refused(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        replace(ae(onset=2), **change)


def test_screening_needs_an_infusion_and_a_known_event() -> None:
    with pytest.raises(ValueError, match="infusion"):
        screen(ae(), infusions=())
    with pytest.raises(ValueError, match="after as_of"):
        screen(ae(onset=5), as_of=4)
    with pytest.raises(ValueError, match="unique"):
        screen_adverse_events([ae(aespid="7"), ae(aespid="7")], IC19, IC19_WINDOW, [INFUSION], day(40))


# --- IC19 exceptions with a time limit: inside, outside, pending ---------------------------------

# (class, grade, limit days, rule id); the limit runs from the date the worst grade was reached.
# The limits in hours (chills, hypotension, CRS: 72 h) are tested in test_dlt_hours.py.
IMPROVEMENT_LIMITS = [
    ("NEUTROPENIA", 4, 28, "neutropenia_g4"),
    ("ANAEMIA", 4, 28, "anaemia_g4"),
    ("THROMBOCYTOPENIA", 4, 28, "thrombocytopenia_g4"),
    ("TRANSAMINASE_INCREASED", 3, 14, "transaminase_g3"),
    ("BILIRUBIN_INCREASED", 3, 14, "bilirubin_g3"),
    ("HLH", 3, 14, "hlh_g3"),
    ("ICANS", 3, 7, "icans_g3"),
    ("SEIZURE", 3, 3, "seizure_grade3_not_improved_3d"),
    ("OTHER", 3, 7, "grade3_not_improved_7d"),
]
LIMIT_IDS = [f"{rule}-{days}d" for _, _, days, rule in IMPROVEMENT_LIMITS]
WORST = 4  # worst grade reached on day 4, two days after onset


@pytest.mark.parametrize(("event_class", "grade", "days", "rule"), IMPROVEMENT_LIMITS, ids=LIMIT_IDS)
def test_improved_just_inside_the_limit_is_not_dlt(event_class: str, grade: int, days: int, rule: str) -> None:
    proposal = screen(ae(event_class, grade, worst=WORST, improved=WORST + days, baseline=WORST + days))
    assert (proposal.verdict, proposal.rule_id) == (DltVerdict.NOT_DLT, rule)
    assert proposal.data["days_to_improvement"] == days
    assert proposal.reference


@pytest.mark.parametrize(("event_class", "grade", "days", "rule"), IMPROVEMENT_LIMITS, ids=LIMIT_IDS)
def test_improved_just_outside_the_limit_is_dlt(event_class: str, grade: int, days: int, rule: str) -> None:
    proposal = screen(ae(event_class, grade, worst=WORST, improved=WORST + days + 1, baseline=WORST + days + 1))
    assert (proposal.verdict, proposal.rule_id) == (DltVerdict.DLT, rule)
    assert proposal.decided_by is None


@pytest.mark.parametrize(("event_class", "grade", "days", "rule"), IMPROVEMENT_LIMITS, ids=LIMIT_IDS)
def test_not_improved_is_pending_until_the_limit_has_passed(event_class: str, grade: int, days: int,
                                                           rule: str) -> None:
    event = ae(event_class, grade, worst=WORST)
    on_last_day = screen(event, as_of=WORST + days)
    assert (on_last_day.verdict, on_last_day.rule_id) == (DltVerdict.PENDING, rule)
    assert on_last_day.decided_by == day(WORST + days + 1)
    assert on_last_day.data["days_to_improvement"] is None
    assert on_last_day.data["days_elapsed"] == days
    day_after = screen(event, as_of=WORST + days + 1)
    assert (day_after.verdict, day_after.rule_id) == (DltVerdict.DLT, rule)


def test_grade3_crs_started_two_days_ago_is_pending_then_dlt_after_72_hours() -> None:
    crs = ae("CRS", 3, onset=5)
    assert screen(crs, as_of=7).verdict is DltVerdict.PENDING
    assert screen(crs, as_of=8).verdict is DltVerdict.PENDING  # 72 h end on day 8: it may still improve today
    assert screen(crs, as_of=9).verdict is DltVerdict.DLT


def test_an_improvement_recorded_after_as_of_is_not_known_yet() -> None:
    crs = ae("CRS", 3, onset=5, improved=7)
    assert screen(crs, as_of=6).verdict is DltVerdict.PENDING
    assert screen(crs, as_of=7).verdict is DltVerdict.NOT_DLT


@pytest.mark.parametrize(
    ("improved", "baseline", "verdict"),
    [(11, 32, DltVerdict.NOT_DLT), (12, 32, DltVerdict.DLT), (11, 33, DltVerdict.DLT), (12, 33, DltVerdict.DLT)],
    ids=["improved-7d-baseline-28d", "improved-8d", "baseline-29d", "both-late"],
)
def test_icans_grade3_needs_improvement_within_a_week_and_baseline_within_28_days(
        improved: int, baseline: int, verdict: DltVerdict) -> None:
    proposal = screen(ae("ICANS", 3, onset=4, improved=improved, baseline=baseline))
    assert (proposal.verdict, proposal.rule_id) == (verdict, "icans_g3")
    assert proposal.data["days_to_baseline"] == baseline - 4


def test_icans_grade3_improved_in_time_is_pending_until_back_to_baseline() -> None:
    icans = ae("ICANS", 3, onset=4, improved=9)
    pending = screen(icans, as_of=32)  # day 28 after the worst grade
    assert (pending.verdict, pending.decided_by) == (DltVerdict.PENDING, day(33))
    assert pending.data["days_to_improvement"] == 5
    assert pending.data["days_to_baseline"] is None
    assert screen(icans, as_of=33).verdict is DltVerdict.DLT
    assert screen(replace(icans, baseline_date=day(20)), as_of=33).verdict is DltVerdict.NOT_DLT


def test_icans_pending_on_both_limits_is_decided_first_by_the_improvement_limit() -> None:
    assert screen(ae("ICANS", 3, onset=4), as_of=6).decided_by == day(12)


def test_the_end_date_stands_in_for_missing_improvement_and_baseline_dates() -> None:
    assert screen(ae("CRS", 3, onset=4, end=6)).verdict is DltVerdict.NOT_DLT
    assert screen(ae("CRS", 3, onset=4, end=8)).verdict is DltVerdict.DLT
    assert screen(ae("ICANS", 3, onset=4, improved=6, end=30)).verdict is DltVerdict.NOT_DLT


def test_the_clock_starts_at_the_worst_grade_not_at_onset() -> None:
    crs = ae("CRS", 3, onset=1, worst=3, improved=5)  # 4 days after onset, 2 days after reaching grade 3
    assert screen(crs).verdict is DltVerdict.NOT_DLT
    assert screen(replace(crs, worst_grade_date=None)).verdict is DltVerdict.DLT  # no worst date: from onset


# --- IC19 exceptions without a time limit; grades the exceptions leave out ---------------------------

@pytest.mark.parametrize(
    ("event_class", "grade", "rule"),
    [("NEUTROPENIA", 3, "neutropenia_g3"), ("ANAEMIA", 3, "anaemia_g3"),
     ("THROMBOCYTOPENIA", 3, "thrombocytopenia_g3"), ("LEUKOPENIA", 3, "leukopenia"), ("LEUKOPENIA", 4, "leukopenia"),
     ("LYMPHOPENIA", 3, "lymphopenia"), ("LYMPHOPENIA", 4, "lymphopenia"), ("OTHER_CYTOPENIA", 3, "other_cytopenia"),
     ("OTHER_CYTOPENIA", 4, "other_cytopenia"), ("LAB_NOT_CLINICALLY_SIGNIFICANT", 3, "lab_not_significant"),
     ("LAB_NOT_CLINICALLY_SIGNIFICANT", 4, "lab_not_significant")],
    ids=lambda value: str(value),
)
def test_expected_events_are_never_dlt_however_long_they_last(event_class: str, grade: int, rule: str) -> None:
    for event in (ae(event_class, grade), ae(event_class, grade, improved=80, baseline=85)):
        proposal = screen(event)
        assert (proposal.verdict, proposal.rule_id) == (DltVerdict.NOT_DLT, rule)


@pytest.mark.parametrize(
    ("event_class", "grade"),
    [("NEUTROPENIA", 5), ("TRANSAMINASE_INCREASED", 4), ("BILIRUBIN_INCREASED", 4), ("HLH", 4), ("CRS", 4),
     ("CRS", 5), ("ICANS", 4), ("SEIZURE", 4), ("HYPOTENSION_ISOLATED", 4), ("LAB_NOT_CLINICALLY_SIGNIFICANT", 5)],
    ids=lambda value: str(value),
)
def test_grades_no_exception_covers_are_always_dlt(event_class: str, grade: int) -> None:
    proposal = screen(ae(event_class, grade, improved=3, baseline=3), as_of=3)
    assert (proposal.verdict, proposal.rule_id) == (DltVerdict.DLT, ALWAYS_DLT)
    assert proposal.reference.startswith("Any grade 4 or 5")


@pytest.mark.parametrize(
    ("grade", "improved", "verdict", "rule"),
    [(1, None, DltVerdict.NOT_CANDIDATE, BELOW_DLT_GRADE), (2, None, DltVerdict.NOT_CANDIDATE, BELOW_DLT_GRADE),
     (3, 9, DltVerdict.NOT_DLT, "grade3_not_improved_7d"), (3, 10, DltVerdict.DLT, "grade3_not_improved_7d"),
     (3, None, DltVerdict.DLT, "grade3_not_improved_7d"), (4, 3, DltVerdict.DLT, ALWAYS_DLT),
     (5, None, DltVerdict.DLT, ALWAYS_DLT)],
    ids=["grade1", "grade2", "grade3-improved-7d", "grade3-improved-8d", "grade3-not-improved", "grade4", "grade5"],
)
def test_every_grade_of_an_unexcepted_event(grade: int, improved: int | None, verdict: DltVerdict,
                                            rule: str) -> None:
    proposal = screen(ae("OTHER", grade, improved=improved))
    assert (proposal.verdict, proposal.rule_id) == (verdict, rule)
    assert proposal.data["grade"] == grade


def test_seizure_rule_is_stricter_than_the_general_grade3_rule() -> None:
    assert screen(ae("SEIZURE", 3, improved=6)).verdict is DltVerdict.DLT  # 4 days: not DLT for any other event
    assert screen(ae("OTHER", 3, improved=6)).verdict is DltVerdict.NOT_DLT


# --- who and when: relatedness, infusion, window -------------------------------------------------------

@pytest.mark.parametrize(
    ("relatedness", "candidate"),
    [("NOT_RELATED", False), ("UNLIKELY", False), ("POSSIBLY", True), ("PROBABLY", True), ("DEFINITELY", True)],
    ids=lambda value: str(value),
)
def test_only_related_events_are_candidates(relatedness: str, candidate: bool) -> None:
    proposal = screen(ae("CRS", 5, relatedness=relatedness))
    assert proposal.verdict is (DltVerdict.DLT if candidate else DltVerdict.NOT_CANDIDATE)
    assert (proposal.rule_id == NOT_RELATED) is not candidate


@pytest.mark.parametrize(
    ("onset", "grade", "relatedness", "verdict", "rule"),
    [(0, 4, "PROBABLY", DltVerdict.DLT, ALWAYS_DLT),
     (28, 4, "PROBABLY", DltVerdict.DLT, ALWAYS_DLT),
     (29, 4, "PROBABLY", DltVerdict.REFER_TO_COMMITTEE, LATE_ONSET_REFERRAL),
     (28, 3, "PROBABLY", DltVerdict.PENDING, "grade3_not_improved_7d"),
     (29, 3, "PROBABLY", DltVerdict.REFER_TO_COMMITTEE, LATE_ONSET_REFERRAL),
     (29, 3, "NOT_RELATED", DltVerdict.NOT_CANDIDATE, NOT_RELATED),
     (29, 2, "PROBABLY", DltVerdict.NOT_CANDIDATE, OUTSIDE_WINDOW),
     (29, 5, "PROBABLY", DltVerdict.NOT_CANDIDATE, OUTSIDE_WINDOW),
     (-1, 5, "DEFINITELY", DltVerdict.NOT_CANDIDATE, BEFORE_INFUSION)],
    ids=["day0-in", "day28-in", "day29-grade4-to-src", "day28-grade3-in", "day29-grade3-to-src",
         "day29-unrelated", "day29-grade2", "day29-grade5-not-in-the-referral-text", "before-infusion"],
)
def test_onset_day_28_is_in_the_window_and_day_29_is_not(onset: int, grade: int, relatedness: str,
                                                          verdict: DltVerdict, rule: str) -> None:
    proposal = screen(ae("OTHER", grade, onset=onset, relatedness=relatedness), as_of=max(onset, 30))
    assert (proposal.verdict, proposal.rule_id) == (verdict, rule)
    if onset >= 0:
        assert proposal.data["onset_day"] == onset


def test_late_referral_applies_to_expected_events_too() -> None:
    assert screen(ae("LYMPHOPENIA", 4, onset=35)).verdict is DltVerdict.REFER_TO_COMMITTEE


def test_a_second_infusion_restarts_the_window() -> None:
    infusions = (INFUSION, day(40))
    late = ae("CRS", 4, onset=45)
    proposal = screen(late, infusions=infusions)
    assert proposal.verdict is DltVerdict.DLT
    assert (proposal.data["infusion_date"], proposal.data["onset_day"]) == (day(40).isoformat(), 5)
    assert screen(ae("CRS", 4, onset=35), infusions=infusions).verdict is DltVerdict.REFER_TO_COMMITTEE


def test_no_criterion_for_the_grade_is_not_a_candidate() -> None:
    seizure_only = DltRules(related=("DEFINITELY",), always_dlt_min_grade=4, persistence=(
        DltPersistence(id="seizure", grade=3, max_days_to_improve=3, event_class=EventClass.SEIZURE),))
    proposal = screen(ae("CRS", 3, relatedness="DEFINITELY"), definition=seizure_only)
    assert (proposal.verdict, proposal.rule_id) == (DltVerdict.NOT_CANDIDATE, NO_DLT_CRITERION)


def test_screen_adverse_events_keeps_the_order_and_the_ae_numbers() -> None:
    proposals = screen_adverse_events([ae("CRS", 4, aespid="2"), ae("OTHER", 1, aespid="1")], IC19, IC19_WINDOW,
                                      [INFUSION], day(30))
    assert [(p.aespid, p.verdict) for p in proposals] == [("2", DltVerdict.DLT), ("1", DltVerdict.NOT_CANDIDATE)]


# --- the standard definition (related grade >= 3 in the window) -------------------------------------------

@pytest.mark.parametrize(
    ("event", "window", "verdict", "rule"),
    [(ae("OTHER", 2), 28, DltVerdict.NOT_CANDIDATE, BELOW_DLT_GRADE),
     (ae("OTHER", 3, improved=3), 28, DltVerdict.DLT, ALWAYS_DLT),
     (ae("NEUTROPENIA", 3), 28, DltVerdict.DLT, ALWAYS_DLT),
     (ae("CRS", 4, relatedness="UNLIKELY"), 28, DltVerdict.NOT_CANDIDATE, NOT_RELATED),
     (ae("CRS", 4, onset=28), 28, DltVerdict.DLT, ALWAYS_DLT),
     (ae("CRS", 4, onset=29), 28, DltVerdict.NOT_CANDIDATE, OUTSIDE_WINDOW),
     (ae("CRS", 4, onset=90), 90, DltVerdict.DLT, ALWAYS_DLT),
     (ae("CRS", 4, onset=91), 90, DltVerdict.NOT_CANDIDATE, OUTSIDE_WINDOW)],
    ids=["grade2", "grade3-short", "no-exceptions", "unlikely", "day28", "day29", "relmacel-day90",
         "relmacel-day91"],
)
def test_standard_definition(event: AdverseEvent, window: int, verdict: DltVerdict, rule: str) -> None:
    proposal = screen(event, as_of=100, definition=standard(window), window_days=window)
    assert (proposal.verdict, proposal.rule_id) == (verdict, rule)


# --- the subject's DLT window ----------------------------------------------------------------------------------

def state(as_of: int, *outcomes: DltVerdict, evaluable: bool = True, window: int = 28) -> Any:
    return window_state(INFUSION, day(as_of), window, evaluable, outcomes)


@pytest.mark.parametrize(
    ("as_of", "outcomes", "expected"),
    [(0, (), WindowState.OPEN), (28, (), WindowState.OPEN), (29, (), WindowState.CLOSED_NO_DLT),
     (28, (DltVerdict.NOT_DLT, DltVerdict.NOT_CANDIDATE), WindowState.OPEN),
     (29, (DltVerdict.NOT_DLT, DltVerdict.NOT_CANDIDATE), WindowState.CLOSED_NO_DLT),
     (3, (DltVerdict.NOT_DLT, DltVerdict.DLT), WindowState.DLT), (60, (DltVerdict.DLT,), WindowState.DLT),
     (20, (DltVerdict.PENDING,), WindowState.OPEN), (29, (DltVerdict.PENDING,), WindowState.AWAITING_DECISION),
     (40, (DltVerdict.REFER_TO_COMMITTEE,), WindowState.AWAITING_DECISION)],
    ids=["day0-open", "day28-open", "day29-closed", "day28-events-open", "day29-events-closed", "early-dlt",
         "late-dlt", "pending-in-window", "pending-after-window", "with-the-committee"],
)
def test_window_state_transitions(as_of: int, outcomes: tuple[DltVerdict, ...], expected: WindowState) -> None:
    result = state(as_of, *outcomes)
    assert result.state is expected
    assert result.window_end == day(28)


def test_window_counts_undecided_events() -> None:
    assert state(29, DltVerdict.PENDING, DltVerdict.REFER_TO_COMMITTEE, DltVerdict.NOT_DLT).undecided == 2


def test_expansion_subjects_are_not_evaluable_whatever_happens() -> None:
    assert state(3, DltVerdict.DLT, evaluable=False).state is WindowState.NOT_EVALUABLE
    assert state(40, evaluable=False).state is WindowState.NOT_EVALUABLE


def test_window_takes_adjudicated_decision_codes() -> None:
    # The committee overrules a DLT proposal: the caller passes its decision (dlt_decision code).
    proposal = screen(ae("CRS", 3, onset=2), as_of=30)
    assert proposal.verdict is DltVerdict.DLT
    assert state(30, proposal.verdict).state is WindowState.DLT
    assert state(30, DltVerdict("NOT_DLT")).state is WindowState.CLOSED_NO_DLT


def test_relmacel_three_month_window() -> None:
    assert state(90, window=90).state is WindowState.OPEN
    assert state(91, window=90).state is WindowState.CLOSED_NO_DLT


@pytest.mark.parametrize(("as_of", "window"), [(-1, 28), (5, 0)], ids=["before-infusion", "no-window"])
def test_window_refuses_impossible_input(as_of: int, window: int) -> None:
    with pytest.raises(ValueError):
        state(as_of, window=window)


# --- invariants -----------------------------------------------------------------------------------------------

RANK = {DltVerdict.NOT_CANDIDATE: 0, DltVerdict.NOT_DLT: 1, DltVerdict.PENDING: 2, DltVerdict.DLT: 3}
CLASSES = st.sampled_from(list(EventClass))
DAYS = st.integers(min_value=0, max_value=60)


@st.composite
def events(draw: st.DrawFn, grade: int | None = None) -> AdverseEvent:
    onset = draw(st.integers(min_value=0, max_value=28))
    worst = onset + draw(st.integers(min_value=0, max_value=5))
    improved = draw(st.none() | st.integers(min_value=worst, max_value=worst + 40))
    baseline = draw(st.none() | st.integers(min_value=improved if improved is not None else worst,
                                            max_value=worst + 50))
    return ae(draw(CLASSES), grade or draw(st.integers(min_value=1, max_value=5)), onset=onset, worst=worst,
              improved=improved, baseline=baseline)


@given(event=events(grade=1), as_of=st.integers(min_value=30, max_value=100))
def test_unexcepted_event_verdict_is_monotone_in_grade(event: AdverseEvent, as_of: int) -> None:
    other = replace(event, event_class=EventClass.OTHER)
    ranks = [RANK[screen(replace(other, grade=grade), as_of=as_of).verdict] for grade in range(1, 6)]
    assert ranks == sorted(ranks)


@given(event=events(), as_of=st.integers(min_value=30, max_value=100), delay=st.integers(min_value=1, max_value=30))
def test_improving_later_never_makes_an_event_less_of_a_dlt(event: AdverseEvent, as_of: int, delay: int) -> None:
    before = screen(event, as_of=as_of).verdict
    later = None if event.improved_date is None else event.improved_date + timedelta(days=delay)
    slower = replace(event, improved_date=later,
                     baseline_date=None if event.baseline_date is None else max(event.baseline_date, later or date.min))
    never = replace(event, improved_date=None, baseline_date=None)
    assert RANK[before] <= RANK[screen(slower, as_of=as_of).verdict] <= RANK[screen(never, as_of=as_of).verdict]


@given(event=events(), as_of=DAYS, wait=st.integers(min_value=1, max_value=60))
def test_a_decided_verdict_stays_and_a_pending_one_is_dlt_by_its_date_without_news(
        event: AdverseEvent, as_of: int, wait: int) -> None:
    as_of = max(as_of, (event.start_date - INFUSION).days)
    proposal = screen(event, as_of=as_of)
    if proposal.verdict is DltVerdict.PENDING:
        assert proposal.decided_by is not None
        unknown_later = {name: None for name in ("improved_date", "baseline_date")
                         if (getattr(event, name) or date.max) > day(as_of)}
        no_news = replace(event, **unknown_later)
        verdict = screen_adverse_event(no_news, IC19, IC19_WINDOW, [INFUSION], proposal.decided_by).verdict
        assert verdict is DltVerdict.DLT
    else:
        assert proposal.decided_by is None
        assert screen(event, as_of=as_of + wait).verdict is proposal.verdict
