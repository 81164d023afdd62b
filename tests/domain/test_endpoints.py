"""Overall survival and the glucocorticoid-free proportion on fixed data, the expected values worked by hand."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from edc.domain.endpoints import (
    FollowUp,
    SteroidCourse,
    SteroidStatus,
    at_most_low_dose,
    glucocorticoid_free,
    kaplan_meier,
    overall_survival,
    steroid_outcome,
    survival_at,
    survival_time,
)

DAY0 = date(2025, 1, 10)
AS_OF = date(2026, 6, 1)


def day(n: int) -> date:
    return DAY0 + timedelta(days=n)


def follow_up(number: str, *, death: int | None = None, contact: int | None = None) -> FollowUp:
    return FollowUp(number, DAY0, None if death is None else day(death), None if contact is None else day(contact))


# --- overall survival ---------------------------------------------------------------------------

def test_a_death_is_an_event_and_a_subject_alive_is_censored_at_the_last_contact() -> None:
    died = survival_time(follow_up("A", death=40, contact=30), 365, AS_OF)
    assert (died.days, died.death) == (40, True)
    alive = survival_time(follow_up("B", contact=200), 365, AS_OF)
    assert (alive.days, alive.death) == (200, False)


def test_the_horizon_and_as_of_cut_the_follow_up() -> None:
    late_death = survival_time(follow_up("A", death=400, contact=390), 365, AS_OF)
    assert (late_death.days, late_death.death) == (365, False)  # died after 1 year: alive at the horizon
    long_contact = survival_time(follow_up("B", contact=500), 365, AS_OF)
    assert (long_contact.days, long_contact.death) == (365, False)
    unseen = survival_time(follow_up("C", death=100, contact=90), 365, day(60))  # the death is after as_of
    assert (unseen.days, unseen.death) == (60, False)
    never_seen = survival_time(follow_up("D"), 365, AS_OF)
    assert (never_seen.days, never_seen.death) == (0, False)


def test_kaplan_meier_by_hand() -> None:
    # 6 subjects: deaths on days 30 and 90 (two), censored on 30, 60 and 365
    times = [survival_time(f, 365, AS_OF) for f in (
        follow_up("A", death=30), follow_up("B", contact=30), follow_up("C", contact=60),
        follow_up("D", death=90), follow_up("E", death=90), follow_up("F", contact=365))]
    curve = kaplan_meier(times)
    assert [(s.day, s.at_risk, s.deaths, s.censored) for s in curve] == [
        (30, 6, 1, 1), (60, 4, 0, 1), (90, 3, 2, 0), (365, 1, 0, 1)]
    # S(30) = 5/6; S(90) = 5/6 x 1/3 = 5/18: the subject censored on day 30 is at risk on day 30
    assert [s.survival for s in curve] == pytest.approx([5 / 6, 5 / 6, 5 / 18, 5 / 18])
    assert survival_at(curve, 29) == 1.0 and survival_at(curve, 89) == pytest.approx(5 / 6)
    result = overall_survival([follow_up("A", death=30), follow_up("B", contact=30), follow_up("C", contact=60),
                               follow_up("D", death=90), follow_up("E", death=90), follow_up("F", contact=365)],
                              365, AS_OF)
    assert (result.at_horizon, result.median_days) == (pytest.approx(5 / 18), 90)


def test_no_death_leaves_the_median_not_reached() -> None:
    result = overall_survival([follow_up("A", contact=365), follow_up("B", contact=180)], 365, AS_OF)
    assert (result.at_horizon, result.median_days, [s.deaths for s in result.curve]) == (1.0, None, [0, 0])
    assert overall_survival([], 365, AS_OF).at_horizon == 1.0
    with pytest.raises(ValueError, match="horizon_days"):
        overall_survival([], 0, AS_OF)


# --- glucocorticoid-free at the timepoint -------------------------------------------------------

M12 = day(365)
PREDNISONE = {"cmgc": "Y", "cmgcdrug": "prednisone", "cmstdat": "2024-06", "cmongo": "Y"}


def course(*lines: dict[str, object], timepoint: date | None = M12, reviewed: date | None = M12,
           died: date | None = None, left: date | None = None) -> SteroidCourse:
    return SteroidCourse("X", timepoint, died, left, dict(enumerate(lines, start=1)), reviewed)


def status(c: SteroidCourse, as_of: date = AS_OF) -> SteroidStatus:
    return steroid_outcome(c, 7.5, as_of).status


def test_free_when_no_glucocorticoid_runs_on_the_visit_date_and_the_log_is_confirmed() -> None:
    stopped = {**PREDNISONE, "cmongo": "N", "cmendat": "2025-09-30", "cm_pred_eq": 5.0}
    hydroxychloroquine = {"cmgc": "N", "cmstdat": "2024-06", "cmongo": "Y"}
    outcome = steroid_outcome(course(stopped, hydroxychloroquine), 7.5, AS_OF)
    assert (outcome.status, outcome.on, outcome.mg_day) == (SteroidStatus.FREE, M12, 0.0)


def test_the_dose_on_the_visit_date_against_the_low_dose_limit() -> None:
    assert status(course({**PREDNISONE, "cm_pred_eq": 7.5})) is SteroidStatus.LOW_DOSE  # at most 7.5
    assert status(course({**PREDNISONE, "cm_pred_eq": 5.0}, {**PREDNISONE, "cm_pred_eq": 2.5})) is \
        SteroidStatus.LOW_DOSE
    assert status(course({**PREDNISONE, "cm_pred_eq": 7.6})) is SteroidStatus.ABOVE_LOW_DOSE
    pulse = {**PREDNISONE, "cmgcdrug": "methylprednisolone"}  # no daily dose: running, not free
    assert status(course(pulse)) is SteroidStatus.DOSE_UNKNOWN
    ended_month_of_visit = {**PREDNISONE, "cmongo": "N", "cmendat": M12.strftime("%Y-%m"), "cm_pred_eq": 5.0}
    assert status(course(ended_month_of_visit)) is SteroidStatus.LOW_DOSE  # may still run that day


def test_an_unconfirmed_log_is_not_free() -> None:
    assert status(course(reviewed=None)) is SteroidStatus.UNCONFIRMED
    assert status(course(reviewed=M12 - timedelta(days=1))) is SteroidStatus.UNCONFIRMED
    assert status(course(reviewed=M12 + timedelta(days=20))) is SteroidStatus.FREE


def test_before_the_visit_death_and_discontinuation_are_not_achieved_else_not_reached() -> None:
    assert status(course(timepoint=None, died=day(100))) is SteroidStatus.DIED
    assert status(course(timepoint=None, left=day(200))) is SteroidStatus.DISCONTINUED
    assert status(course(timepoint=None)) is SteroidStatus.NOT_REACHED
    assert status(course(), as_of=M12 - timedelta(days=1)) is SteroidStatus.NOT_REACHED  # the visit is later
    assert status(course(timepoint=None, died=day(100)), as_of=day(99)) is SteroidStatus.NOT_REACHED


def test_the_proportions_count_non_responders_and_leave_out_what_is_not_known() -> None:
    outcomes = [steroid_outcome(c, 7.5, AS_OF) for c in (
        course(), course(), course({**PREDNISONE, "cm_pred_eq": 5.0}), course({**PREDNISONE, "cm_pred_eq": 15.0}),
        course({**PREDNISONE, "cmgcdrug": "methylprednisolone"}), course(timepoint=None, died=day(50)),
        course(reviewed=None), course(timepoint=None))]
    # free 2; low dose 1; above 1; dose unknown 1; died 1; unconfirmed and not reached left out
    free = glucocorticoid_free(outcomes)
    assert (free.achieved, free.evaluated, free.value) == (2, 6, pytest.approx(1 / 3))
    low = at_most_low_dose(outcomes)  # the unknown dose is left out: it may or may not be low
    assert (low.achieved, low.evaluated, low.value) == (3, 5, pytest.approx(0.6))
    assert glucocorticoid_free([]).value is None
