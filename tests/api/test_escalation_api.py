"""Dose escalation through the API, one scenario per trial: enrol at the open level, infuse, report adverse
events, see the DLT proposals, adjudicate, and reach each trial's 3+3 decision; every refused assignment."""

from __future__ import annotations

import subprocess
import sys

from api_env import Api
from trial_run import TrialRun, cohort, events_of, level


def test_ic19_interval_proposals_adjudication_and_stop_for_review(api: Api) -> None:
    trial = TrialRun(api, "ic19")
    assert trial.enrolled("A", "2026-01-10") == "DL1"
    trial.infuse("A", "2026-01-20", "DL1")
    assert trial.enrolled("B", "2026-01-12") == "DL1"
    # the first two subjects' first infusions of a dose group at least 14 days apart (the YAML's 14): planning
    # refuses a closer date; an infusion given closer all the same is recorded, with a finding (and its query)
    too_close = trial.schedule("B", "2026-02-02")
    assert too_close.status_code == 409 and "14 days" in too_close.json()["detail"]
    early = trial.infuse("B", "2026-02-03", "DL1", given="2026-02-02")
    [finding] = [f for f in early["findings"] if f["check_id"] == "first_infusions_apart"]
    assert finding["item"] == "exdat" and "13 days" in finding["message"]
    assert trial.subjects["A"].number in finding["message"]
    assert trial.enrolled("C", "2026-01-14") == "DL1"
    third = trial.infuse("C", "2026-02-05", "DL1")  # the third subject is not staggered
    assert not [f for f in third["findings"] if f["check_id"] == "first_infusions_apart"]
    full = trial.enrol("D", "2026-01-16")
    assert full.status_code == 409 and "no dose level is open" in full.json()["detail"]

    # CRS grade 3 back to grade 2 within 72 h: proposed not a DLT; grade 4 neutropenia of 13 days: proposed not a
    # DLT; a grade 3 event improving only after 13 days: proposed a DLT. IC19's SRC decides them all (dlt_outcome)
    trial.adverse_event("A", "1", grade=3, onset="2026-01-22", event_class="CRS", improved="2026-01-24",
                        ended="2026-01-26")
    trial.adverse_event("B", "1", grade=4, onset="2026-02-05", event_class="NEUTROPENIA", improved="2026-02-18",
                        ended="2026-02-20")
    trial.adverse_event("C", "1", grade=3, onset="2026-02-20", improved="2026-03-05", ended="2026-03-08")
    state = trial.state("2026-03-20")
    crs, neutropenia, other = events_of(trial, state, "DL1", "ABC")
    assert (crs["proposal"]["verdict"], crs["proposal"]["rule"]) == ("NOT_DLT", "crs_g3")
    assert neutropenia["proposal"]["verdict"] == "NOT_DLT"
    assert other["proposal"]["verdict"] == "DLT"
    assert other["proposal"]["data"]["days_to_improvement"] == 13
    for event in (crs, neutropenia, other):
        assert (event["outcome"], event["awaiting"], event["awaiting_from"]) == (
            "PENDING", "committee verdict", "Safety Review Committee (SRC)")
    assert cohort(state, "DL1") == (3, 0, 3) and state["recommendation"]["action"] == "wait"

    # the investigator's assessments, "not DLT" as well as "DLT", inform the SRC but do not count by themselves
    trial.assess("A", "1", dlt=False, on="2026-03-10", signed=True)
    trial.assess("C", "1", dlt=True, on="2026-03-10")
    state = trial.state("2026-03-20")
    crs, _, other = events_of(trial, state, "DL1", "ABC")
    assert (crs["investigator"], crs["signed"], crs["outcome"], crs["awaiting"]) == (
        "NOT_DLT", True, "PENDING", "committee verdict")
    assert (other["investigator"], other["outcome"]) == ("DLT", "PENDING")
    assert cohort(state, "DL1") == (3, 0, 3) and state["recommendation"]["action"] == "wait"

    # the SRC's verdicts count: C a DLT -> 1 of 3, the level is expanded
    investigator = trial.subjects["A"].user
    assert trial.adjudicate("C", "1", "NOT_DLT", "attributed to a concurrent infection",
                            user=investigator).status_code == 403
    for name, verdict in (("A", "NOT_DLT"), ("B", "NOT_DLT"), ("C", "DLT")):
        assert trial.adjudicate(name, "1", verdict, "SRC review").status_code == 201
    state = trial.state("2026-03-20")
    assert [e["awaiting"] for e in events_of(trial, state, "DL1", "ABC")] == [None, None, None]
    assert cohort(state, "DL1") == (3, 1, 0)
    assert (state["recommendation"]["action"], state["open_level"], state["slots"]) == ("expand_cohort", "DL1", 3)
    not_open = trial.enrol("D", "2026-03-21", dose_level="DL2")
    assert not_open.status_code == 409 and "DL2 is not open" in not_open.json()["detail"]

    # the committee reviews C again and judges it not a DLT (its latest verdict counts): 0 of 3, DL2 opens
    adjudicated = trial.adjudicate("C", "1", "NOT_DLT", "attributed to a concurrent infection")
    assert adjudicated.status_code == 201, adjudicated.text
    assert (adjudicated.json()["committee"], adjudicated.json()["outcome"]) == ("NOT_DLT", "NOT_DLT")
    assert trial.adjudicate("C", "9", "DLT", "no such event").status_code == 404
    assert trial.enrolled("D", "2026-03-21") == "DL2"
    trial.infuse("D", "2026-04-01", "DL2")
    assert trial.enrolled("E", "2026-03-22") == "DL2"
    trial.infuse("E", "2026-04-15", "DL2")
    assert trial.enrolled("F", "2026-03-23") == "DL2"
    trial.infuse("F", "2026-04-29", "DL2")

    # two DLTs at DL2: more than 1 of 6, escalation stops and the committee decides
    trial.adverse_event("D", "1", grade=4, onset="2026-04-05", ended="2026-04-20")
    trial.adverse_event("E", "1", grade=4, onset="2026-04-18", ended="2026-05-01")
    for name in "DE":
        trial.assess(name, "1", dlt=True, on="2026-05-02")
    assert cohort(trial.state("2026-05-03"), "DL2") == (3, 0, 3)  # awaiting the SRC
    for name in "DE":
        assert trial.adjudicate(name, "1", "DLT", "SRC review").status_code == 201
    state = trial.state("2026-05-03")
    assert cohort(state, "DL2")[:2] == (3, 2) and state["recommendation"]["action"] == "stop_for_review"
    assert state["open_level"] is None
    stopped = trial.enrol("G", "2026-05-03")
    assert stopped.status_code == 409 and "no dose level is open" in stopped.json()["detail"]

    assert trial.decide("step_back", "DL1", "", user=trial.committee).status_code == 422  # a reason is required
    for action, wrong in (("step_back", "DL2"), ("escalate", "DL1"), ("escalate", "DL2")):  # not coherent
        incoherent = trial.decide(action, wrong, "SRC decision")
        assert incoherent.status_code == 422 and "highest level treated" in incoherent.json()["detail"], wrong
    decided = trial.decide("step_back", "DL1", "SRC: treat three more subjects at DL1")
    assert decided.status_code == 201, decided.text
    body = decided.json()
    assert body["decision"]["overrides"] and body["decision"]["recommended_action"] == "stop_for_review"
    assert (body["open_level"], body["steered_by_committee"]) == ("DL1", True)
    assert trial.enrolled("G", "2026-05-04") == "DL1"

    def trail(action: str) -> list[tuple[object, object, object]]:
        found = api.call(trial.monitor, "GET", "/api/v1/studies/ic19/audit", params={"action": action}).json()
        return [(e["item"], e["new_value"], e["reason"]) for e in found["items"]]

    adjudications = trail("dlt.adjudicate")
    assert len(adjudications) == 6 and ("AE 1", '"NOT_DLT"', "attributed to a concurrent infection") in adjudications
    assert trail("escalation.decide") == [("decision", '"step_back DL1"', "SRC: treat three more subjects at DL1")]


def test_relmacel_two_dlts_at_the_start_level_step_back_to_the_backup_level(api: Api, db_url: str) -> None:
    trial = TrialRun(api, "relmacel")
    for name, enrolled, infused in (("A", "2026-01-10", "2026-01-20"), ("B", "2026-01-11", "2026-01-22"),
                                    ("C", "2026-01-12", "2026-01-25")):
        assert trial.enrolled(name, enrolled) == "DL1"
        trial.infuse(name, infused, "DL1")
    trial.adverse_event("A", "1", grade=4, onset="2026-01-24")
    trial.adverse_event("B", "1", grade=3, onset="2026-01-26", related="NOT_RELATED")  # not a candidate
    trial.assess("A", "1", dlt=True, on="2026-01-28", signed=True)  # Relma-cel: the signed assessment counts
    state = trial.state("2026-02-01")
    assert cohort(state, "DL1") == (3, 1, 2) and state["recommendation"]["action"] == "wait"
    trial.adverse_event("C", "1", grade=3, onset="2026-01-30", improved="2026-02-20")
    trial.assess("C", "1", dlt=True, on="2026-02-21", signed=True)
    # 2 of 3 with DLT: DL1 exceeds the MTD at once, whatever the open windows show; step back to DLB
    state = trial.state("2026-02-22")
    assert cohort(state, "DL1")[:2] == (3, 2)
    assert (state["recommendation"]["action"], state["open_level"]) == ("step_back", "DLB")
    refused = trial.enrol("D", "2026-02-22", dose_level="DL2")
    assert refused.status_code == 409 and "DL2 is not open" in refused.json()["detail"]
    assert trial.enrolled("D", "2026-02-22") == "DLB"

    # the same state from the command line
    shown = subprocess.run([sys.executable, "-m", "edc", "escalation", "status", "--study", "relmacel",
                            "--as-of", "2026-02-22", "--url", db_url], capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert "DL1  25 x 10^6 CAR+ T cells: 3 evaluable, 2 DLT, 1 pending" in lines
    assert "  01-004: not infused yet" in lines  # D, at DLB since the step back
    assert any(line.startswith("recommendation: enrol DLB - 1 of 3 treated at DLB") for line in lines)
    assert "open for enrolment: DLB (2 place(s))" in lines


def test_rd0604_escalation_mtd_expansion_not_evaluable_and_the_cap_of_12(api: Api) -> None:
    trial = TrialRun(api, "rd0604")
    day = iter(range(10, 31))
    for name, infused in zip("ABC", ("2026-01-15", "2026-01-16", "2026-01-17"), strict=True):
        assert trial.enrolled(name, f"2026-01-{next(day)}") == "DL1"
        trial.infuse(name, infused, "DL1")
    assert trial.state("2026-02-15")["recommendation"]["action"] == "escalate"
    for name, infused in zip("DEF", ("2026-02-20", "2026-02-21", "2026-02-22"), strict=True):
        assert trial.enrolled(name, f"2026-02-1{6 + 'DEF'.index(name)}") == "DL2"
        trial.infuse(name, infused, "DL2")
    assert trial.enrol("G", "2026-02-19").status_code == 409  # DL2's cohort is full, windows open
    state = trial.state("2026-03-23")
    # the top planned level at 0 of 3 is expanded to 6 before it is the MTD; higher doses are an option
    assert (state["recommendation"]["action"], state["recommendation"]["level"]) == ("expand_cohort", "DL2")
    assert "explore_higher" in {o["action"] for o in state["recommendation"]["options"]}
    for name, infused in zip("GHI", ("2026-03-27", "2026-03-28", "2026-03-29"), strict=True):
        assert trial.enrolled(name, f"2026-03-2{4 + 'GHI'.index(name)}") == "DL2"
        trial.infuse(name, infused, "DL2")
    state = trial.state("2026-04-27")
    assert (state["recommendation"]["action"], state["recommendation"]["mtd"]) == ("open_expansion", "DL2")
    assert state["expansion"] and state["slots"] == 3  # 12 in all, 9 treated in escalation
    for name, enrolled in zip("JKL", ("2026-04-28", "2026-04-29", "2026-04-30"), strict=True):
        assert trial.enrolled(name, enrolled) == "DL2"
    trial.infuse("J", "2026-05-05", "DL2")
    state = trial.state("2026-05-10")
    expansion = {s["subject_number"]: s for s in level(state, "DL2")["subjects"]}[trial.subjects["J"].number]
    assert (expansion["dlt_evaluable"], expansion["window_state"]) == (False, "NOT_EVALUABLE")
    assert cohort(state, "DL2") == (6, 0, 0) and state["enrolled"] == 12
    capped = trial.enrol("M", "2026-05-10")
    assert capped.status_code == 409 and "no dose level is open" in capped.json()["detail"]


def test_cnct19_one_dlt_expands_the_level_and_two_stop_for_review(api: Api) -> None:
    trial = TrialRun(api, "cnct19")
    for name, infused in zip("ABC", ("2026-01-20", "2026-01-21", "2026-01-22"), strict=True):
        assert trial.enrolled(name, f"2026-01-1{'ABC'.index(name)}") == "DL1"
        trial.infuse(name, infused, "DL1")
    trial.adverse_event("A", "1", grade=3, onset="2026-01-25", improved="2026-02-10")
    trial.assess("A", "1", dlt=True, on="2026-02-11", signed=True)
    state = trial.state("2026-02-25")
    assert cohort(state, "DL1") == (3, 1, 0)
    assert (state["recommendation"]["action"], state["slots"]) == ("expand_cohort", 3)
    for name, infused in zip("DEF", ("2026-03-01", "2026-03-02", "2026-03-03"), strict=True):
        assert trial.enrolled(name, f"2026-02-2{6 + 'DEF'.index(name)}") == "DL1"
        trial.infuse(name, infused, "DL1")
    trial.adverse_event("D", "1", grade=4, onset="2026-03-05", ended="2026-03-09")
    trial.assess("D", "1", dlt=True, on="2026-03-10", signed=True)
    state = trial.state("2026-03-10")
    assert cohort(state, "DL1")[:2] == (6, 2) and state["recommendation"]["action"] == "stop_for_review"
    assert trial.enrol("G", "2026-03-11").status_code == 409


def test_cnct19_enrols_past_the_sentinel_cohort_by_design_and_each_indication_up_to_its_cap(api: Api) -> None:
    """The YAML's design, with no committee decision: a sentinel cohort of 3, expansion once its DLT windows
    close without a DLT, at most 6 per indication (cohorts[].max_subjects), 24 in all."""
    trial = TrialRun(api, "cnct19")
    for name, indication, infused in zip("ABC", ("LN", "ITP", "AAV"), ("2026-01-20", "2026-01-21", "2026-01-22"),
                                         strict=True):
        assert trial.enrolled(name, "2026-01-10", indication) == "DL1"
        trial.infuse(name, infused, "DL1")
    early = trial.enrol("D", "2026-02-10", cohort="DM")  # the sentinel's windows are open until 18-20 February
    assert early.status_code == 409 and "every 28-day DLT window has closed" in early.json()["detail"]
    state = trial.state("2026-02-21")
    assert (state["recommendation"]["action"], state["recommendation"]["mtd"]) == ("open_expansion", None)
    assert (state["open_level"], state["slots"], state["expansion"], state["steered_by_committee"]) == (
        "DL1", 21, True, False)
    assert trial.enrolled("D", "2026-02-21", "DM") == "DL1"
    for name in "EFGHI":  # five more with lupus nephritis: six in all, the indication's cap
        assert trial.enrolled(name, "2026-02-22", "LN") == "DL1"
    full = trial.enrol("J", "2026-02-23", cohort="LN")
    assert full.status_code == 409 and full.json()["detail"] == "cohort LN is full: 6 of its 6 subjects are enrolled"
    assert trial.enrolled("K", "2026-02-23", "AAV") == "DL1"  # another indication still enrols
    state = trial.state("2026-02-23")
    assert {i["cohort"]: (i["enrolled"], i["max_subjects"]) for i in state["indications"]} == {
        "LN": (6, 6), "ITP": (1, 6), "AAV": (2, 6), "DM": (1, 6)}
    assert (state["enrolled"], state["slots"]) == (10, 14)
    trial.infuse("D", "2026-03-01", "DL1")
    expansion = {s["subject_number"]: s for s in level(trial.state("2026-03-02"), "DL1")["subjects"]}
    assert expansion[trial.subjects["D"].number]["dlt_evaluable"] is False
    assert cohort(trial.state("2026-03-02"), "DL1") == (3, 0, 0)  # the sentinel, still cleared


def test_rd0604_an_outcome_counts_once_the_assessment_is_signed_and_again_after_a_correction(api: Api) -> None:
    trial = TrialRun(api, "rd0604")
    for name, infused in zip("ABC", ("2026-01-15", "2026-01-16", "2026-01-17"), strict=True):
        assert trial.enrolled(name, f"2026-01-1{'ABC'.index(name)}") == "DL1"
        trial.infuse(name, infused, "DL1")
    trial.adverse_event("A", "1", grade=3, onset="2026-01-20", improved="2026-01-22", ended="2026-01-25")

    def outcome() -> tuple[tuple[str, str | None, str | None], tuple[int, int, int], str]:
        state = trial.state("2026-02-20")  # every DLT window closed
        [event] = events_of(trial, state, "DL1", "A")
        return (event["outcome"], event["awaiting"], event["awaiting_from"]), cohort(state, "DL1"), \
            state["recommendation"]["action"]

    awaited = ("PENDING", "investigator's signed assessment", "investigator")
    assert outcome() == (awaited, (3, 0, 1), "wait")  # a proposed DLT, not assessed
    seq = trial.assess("A", "1", dlt=False, on="2026-01-26")  # the investigator judges it expected: not a DLT
    unsigned = ("PENDING", "investigator's signature", "investigator")
    assert outcome() == (unsigned, (3, 0, 1), "wait")
    trial.sign("A", "record", form="dlt_assessment", seq=seq)
    assert outcome() == (("NOT_DLT", None, None), (3, 0, 0), "escalate")
    # a correction invalidates the signature: pending again until the investigator signs again (here the visit)
    trial.correct("A", "LOGS", "dlt_assessment", {"dlt_rule": "expected cytopenia, protocol exception"}, 1, seq=seq)
    assert outcome() == (unsigned, (3, 0, 1), "wait")
    trial.sign("A", "visit")
    assert outcome() == (("NOT_DLT", None, None), (3, 0, 0), "escalate")


def test_an_infusion_is_checked_against_the_assigned_level(api: Api) -> None:
    trial = TrialRun(api, "ic19")
    assert trial.enrolled("A", "2026-01-10") == "DL1"
    assert trial.infuse("A", "2026-01-20", "DL1")["findings"] == []  # 1 x 10^8 cells as planned

    def corrected(version: int, **changes: object) -> list[tuple[str, str]]:
        record = trial.correct("A", "D0", "cart_infusion", changes, version)
        return [(f["check_id"], f["severity"]) for f in record["findings"]]

    # IC19 allows +/-30 % around 100 x 10^6 cells
    assert corrected(1, cells_infused="69.9") == [("dose_within_level_tolerance", "warning")]
    assert corrected(2, cells_infused="70") == []
    # the form's own check compares infused with planned as entered (+/-50 %); the design check the level
    assert set(corrected(3, dose_planned="150")) == {("dose_vs_plan", "warning"), ("dose_planned_per_level", "warning")}
    assert corrected(4, dose_planned="100", dose_level="DL2") == [("dose_level_assigned", "error")]


def test_a_per_kg_level_plans_the_dose_from_the_weight(api: Api) -> None:
    trial = TrialRun(api, "rd0604")
    assert trial.enrolled("A", "2026-01-10") == "DL1"
    record = trial.infuse("A", "2026-01-20", "DL1")  # 1 x 10^5 cells/kg x 60 kg = 6 x 10^6
    assert (record["values"]["dose_planned"], record["findings"]) == (6.0, [])


def test_ic19_limits_in_hours_read_the_times_of_day(api: Api) -> None:
    """IC19's 72 hours for grade 3 CRS, chills and hypotension (seed 004) through the API, with and without times."""
    trial = TrialRun(api, "ic19")
    assert trial.enrolled("A", "2026-01-10") == "DL1"
    trial.infuse("A", "2026-01-20", "DL1")
    worst_at_10 = {"aesttim": "10:00", "aewrstim": "10:00"}
    trial.adverse_event("A", "1", grade=3, onset="2026-01-22", event_class="CRS", improved="2026-01-24",
                        ended="2026-01-26", times=worst_at_10 | {"aeimptim": "10:00"})  # 48 h
    trial.adverse_event("A", "2", grade=3, onset="2026-01-22", event_class="CHILLS", improved="2026-01-25",
                        ended="2026-01-26", times=worst_at_10 | {"aeimptim": "18:00"})  # 80 h
    trial.adverse_event("A", "3", grade=3, onset="2026-01-22", event_class="HYPOTENSION_ISOLATED",
                        improved="2026-01-25", ended="2026-01-26")  # day 3, no times: 48-96 h
    disordered = trial.adverse_event("A", "4", grade=3, onset="2026-01-23", event_class="CHILLS",
                                     improved="2026-01-23", ended="2026-01-24",
                                     times={"aewrstim": "12:00", "aeimptim": "08:00"})
    assert {(f["check_id"], f["severity"]) for f in disordered["findings"]} >= {("improved_time_after_worst", "error")}
    state = trial.state("2026-02-10")
    crs, chills, hypotension, inconsistent = level(state, "DL1")["subjects"][0]["events"]
    assert (crs["proposal"]["verdict"], crs["proposal"]["rule"]) == ("NOT_DLT", "crs_g3")
    assert crs["proposal"]["data"]["hours_to_improvement"] == 48.0
    assert crs["proposal"]["data"]["max_hours_to_improve"] == 72
    assert (chills["proposal"]["verdict"], chills["proposal"]["rule"]) == ("DLT", "chills_g3")
    assert chills["proposal"]["data"]["hours_to_improvement"] == 80.0
    assert (hypotension["proposal"]["verdict"], hypotension["proposal"]["decided_by"]) == ("PENDING", None)
    data = hypotension["proposal"]["data"]
    assert data["hours_to_improvement"] is None and "record the time" in data["undecidable"]
    assert (data["hours_to_improvement_at_least"], data["hours_to_improvement_at_most"]) == (48.02, 95.98)
    assert (inconsistent["proposal"]["verdict"], inconsistent["proposal"]["rule"]) == ("PENDING", "inconsistent_record")

    # the site records the times: 70 hours, within the limit
    record = trial.correct("A", "LOGS", "adverse_events", {"aewrstim": "14:00", "aeimptim": "12:00"}, 1, seq=3)
    assert not record["findings"]
    hypotension = level(trial.state("2026-02-10"), "DL1")["subjects"][0]["events"][2]
    assert (hypotension["proposal"]["verdict"], hypotension["proposal"]["data"]["hours_to_improvement"]) == (
        "NOT_DLT", 70.0)
