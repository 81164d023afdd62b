"""DLT limits in hours against the IC19 definition (seed 004: grade 3 chills, hypotension and CRS "within <= 72 hours").

The 72 hours run from the date and time the worst grade was first reached
(aewrsdat + aewrstim) to the improvement to <= grade 2 (aeimpdat + aeimptim, the
end standing in). A missing time of day leaves the hours between bounds: the
proposal decides only when every reading agrees, otherwise it is PENDING with
the reason (never a guess).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import time

import pytest
from test_dlt import IC19, ae, day, screen

from edc.definitions.model import DltExceptionRule, DltPersistence
from edc.domain.dlt import AdverseEvent, DltVerdict

HOURLY = [("CHILLS", "chills_g3"), ("HYPOTENSION_ISOLATED", "hypotension_g3"), ("CRS", "crs_g3")]
WORST = 4  # the worst grade is reached on day 4 at 10:00


def timed(event_class: str, *, improved: int | None, at: time | None = time(10, 0),
          worst_at: time | None = time(10, 0), end: int | None = None, end_at: time | None = None) -> AdverseEvent:
    """A grade 3 event reaching its worst grade on day 4 (at `worst_at`), improved on day `improved` at `at`."""
    event = ae(event_class, 3, onset=WORST, improved=improved, end=end)
    return replace(event, worst_grade_time=worst_at, improved_time=at if improved is not None else None,
                   end_time=end_at)


def test_the_published_definition_states_72_hours_for_chills_hypotension_and_crs() -> None:
    hourly = {rule.id: rule.limits for rule in IC19.exceptions if rule.id in dict(HOURLY).values()}
    assert hourly == {rule: {"max_hours_to_improve": 72} for _, rule in HOURLY}
    icans = next(rule for rule in IC19.exceptions if rule.id == "icans_g3")
    assert icans.limits == {"max_days_to_improve": 7, "max_duration_days": 7, "max_days_to_baseline": 28}


@pytest.mark.parametrize(("event_class", "rule"), HOURLY)
def test_improved_after_80_hours_is_a_dlt(event_class: str, rule: str) -> None:
    proposal = screen(timed(event_class, improved=WORST + 3, at=time(18, 0)))  # 3 days and 8 hours
    assert (proposal.verdict, proposal.rule_id) == (DltVerdict.DLT, rule)
    assert proposal.data["hours_to_improvement"] == 80.0
    assert proposal.data["max_hours_to_improve"] == 72


@pytest.mark.parametrize(("event_class", "rule"), HOURLY)
def test_improved_after_48_hours_is_not_a_dlt(event_class: str, rule: str) -> None:
    proposal = screen(timed(event_class, improved=WORST + 2))
    assert (proposal.verdict, proposal.rule_id) == (DltVerdict.NOT_DLT, rule)
    assert proposal.data["hours_to_improvement"] == 48.0
    assert proposal.data["clock_start"] == f"{day(WORST).isoformat()}T10:00"


@pytest.mark.parametrize(("at", "verdict", "hours"),
                         [(time(10, 0), DltVerdict.NOT_DLT, 72.0), (time(10, 1), DltVerdict.DLT, 72.02),
                          (time(9, 30), DltVerdict.NOT_DLT, 71.5)],
                         ids=["exactly-72h", "72h-and-a-minute", "71.5h"])
def test_72_hours_is_the_last_moment_inside_the_limit(at: time, verdict: DltVerdict, hours: float) -> None:
    proposal = screen(timed("CRS", improved=WORST + 3, at=at))
    assert (proposal.verdict, proposal.data["hours_to_improvement"]) == (verdict, hours)


def test_the_same_dates_decide_differently_by_time_of_day() -> None:
    """Day 4 to day 7 is 3 calendar days: a limit counted in days could not tell these two apart."""
    late_start = screen(timed("CRS", improved=WORST + 3, worst_at=time(22, 0), at=time(8, 0)))
    early_start = screen(timed("CRS", improved=WORST + 3, worst_at=time(6, 0), at=time(20, 0)))
    assert (late_start.verdict, late_start.data["hours_to_improvement"]) == (DltVerdict.NOT_DLT, 58.0)
    assert (early_start.verdict, early_start.data["hours_to_improvement"]) == (DltVerdict.DLT, 86.0)


@pytest.mark.parametrize(("worst_at", "at", "missing"),
                         [(None, None, "record the time the worst grade was reached and the time of the improvement"),
                          (time(10, 0), None, "record the time of the improvement to <= grade 2"),
                          (None, time(10, 0), "record the time the worst grade was reached")],
                         ids=["both-missing", "improvement-time-missing", "worst-time-missing"])
def test_a_missing_time_on_the_third_day_is_pending_with_the_reason(worst_at: time | None, at: time | None,
                                                                     missing: str) -> None:
    proposal = screen(timed("CRS", improved=WORST + 3, worst_at=worst_at, at=at))
    assert (proposal.verdict, proposal.rule_id, proposal.decided_by) == (DltVerdict.PENDING, "crs_g3", None)
    assert proposal.data["hours_to_improvement"] is None
    assert proposal.data["undecidable"].startswith("max_hours_to_improve 72: from the dates alone")
    assert missing in proposal.data["undecidable"]
    assert proposal.data["hours_to_improvement_at_least"] < 72 < proposal.data["hours_to_improvement_at_most"]


@pytest.mark.parametrize(("days", "verdict"), [(2, DltVerdict.NOT_DLT), (4, DltVerdict.DLT)])
def test_without_times_the_dates_decide_when_every_time_of_day_agrees(days: int, verdict: DltVerdict) -> None:
    proposal = screen(timed("CRS", improved=WORST + days, worst_at=None, at=None))
    assert proposal.verdict is verdict
    assert "undecidable" not in proposal.data
    assert "hours_to_improvement_at_least" not in proposal.data  # bounds are shown only while undecided


def test_not_improved_is_pending_until_72_hours_have_surely_passed() -> None:
    event = timed("CRS", improved=None, worst_at=time(10, 0))
    on_third_day = screen(event, as_of=WORST + 3)  # 72 h end today at 10:00; today's improvement may still come
    assert (on_third_day.verdict, on_third_day.decided_by) == (DltVerdict.PENDING, day(WORST + 4))
    assert screen(event, as_of=WORST + 4).verdict is DltVerdict.DLT


def test_the_end_with_its_time_stands_in_for_the_improvement() -> None:
    ended = screen(timed("CRS", improved=None, end=WORST + 3, end_at=time(9, 0)))
    assert (ended.verdict, ended.data["hours_to_improvement"]) == (DltVerdict.NOT_DLT, 71.0)
    earlier = screen(timed("CRS", improved=WORST + 3, at=time(20, 0), end=WORST + 3, end_at=time(9, 0)))
    assert earlier.data["hours_to_improvement"] == 71.0  # the earlier of improvement and end


def test_a_time_before_the_worst_grade_on_the_same_day_is_refused() -> None:
    with pytest.raises(ValueError, match="improved_date"):
        timed("CRS", improved=WORST, at=time(9, 0))
    assert timed("CRS", improved=WORST, at=time(11, 0)).improved_time == time(11, 0)


def test_a_rule_states_one_unit_per_measure() -> None:
    with pytest.raises(ValueError, match="not both"):
        DltExceptionRule(id="crs", event_class="CRS", grades=(3,), max_days_to_improve=3, max_hours_to_improve=72)
    with pytest.raises(ValueError, match="one of them"):
        DltPersistence(id="g3", grade=3)
    seizure = DltPersistence(id="seizure", grade=3, max_hours_to_improve=72, event_class="SEIZURE")
    assert seizure.limits == {"max_hours_to_improve": 72}
