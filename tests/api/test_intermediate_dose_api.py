"""An intermediate dose opened through the API (RD06-04 allows one, issue 18): the committee states a dose between
DL1 and DL2, it becomes a level of its own that enrolment assigns, the 3+3 counts and the SDTM export carries as an
arm with its dose; every refusal, an idempotent retry, and two openings at once."""

from __future__ import annotations

import csv
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from api_env import NOW, PASSWORD, Api
from sqlalchemy import func, select, update
from trial_run import TrialRun, cohort, level

from edc.app.access.service import GrantSpec, create_user
from edc.app.escalation.opening import open_intermediate_level
from edc.app.exports.submission import export_study
from edc.app.kernel.actor import Actor
from edc.app.kernel.errors import Conflict
from edc.audit.replay import replay
from edc.db.core import User
from edc.db.decisions import EscalationDecision, IntermediateDoseLevel
from edc.db.engine import WRITE, make_engine
from edc.definitions.model import Dose

PER_KG = "cells/kg"


def login_as(api: Api, username: str, role: str, study: str, site: str | None) -> str:
    with api.engine.begin() as conn:
        create_user(conn, username=username, full_name=role.title(), password=PASSWORD,
                    grants=[GrantSpec(role, study, site)], now=NOW)
    api.tokens[username] = api.login(username).json()["token"]
    return username


def treated_at_dl1(api: Api) -> TrialRun:
    """RD06-04 with three subjects infused at DL1 in January 2026, their DLT windows closed without a DLT."""
    trial = TrialRun(api, "rd0604")
    for name, enrolled, infused in zip("ABC", ("2026-01-10", "2026-01-11", "2026-01-12"),
                                       ("2026-01-15", "2026-01-16", "2026-01-17"), strict=True):
        assert trial.enrolled(name, enrolled) == "DL1"
        trial.infuse(name, infused, "DL1")
    return trial


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_rd0604_opens_dl1a_between_dl1_and_dl2_enrols_counts_and_exports_it(api: Api, db_url: str,
                                                                              tmp_path: Path) -> None:
    trial = TrialRun(api, "rd0604")
    untreated = trial.open_intermediate(2.5e5, PER_KG, "SRC: a cautious step")
    assert untreated.status_code == 409 and "no subject has been treated yet" in untreated.json()["detail"]
    trial = treated_at_dl1(api)
    assert trial.state("2026-02-15")["recommendation"]["level"] == "DL2"

    opened = trial.open_intermediate(2.5e5, PER_KG, "SRC: 2.5 x 10^5/kg before DL2", key="open-dl1a")
    assert opened.status_code == 201, opened.text
    body = opened.json()
    assert (body["id"], body["role"], body["lower_level"], body["upper_level"]) == (
        "DL1A", "intermediate", "DL1", "DL2")
    assert body["dose"] == {"value": 250000.0, "unit": PER_KG}
    assert body["label"] == "2.5 x 10^5 cells/kg (intermediate, between DL1 and DL2)"
    decision = body["decision"]
    assert (decision["action"], decision["level"], decision["recommended_action"], decision["recommended_level"],
            decision["overrides"], decision["decided_by"]) == ("escalate", "DL1A", "escalate", "DL2", True,
                                                               trial.committee)
    # a retry with the same key is the same opening; another dose in the same interval is refused
    assert trial.open_intermediate(2.5e5, PER_KG, "SRC: 2.5 x 10^5/kg before DL2", key="open-dl1a").json() == body
    again = trial.open_intermediate(3e5, PER_KG, "SRC: another one")
    assert again.status_code == 409 and "DL1A (2.5 x 10^5 cells/kg) is open between DL1 and DL2" in \
        again.json()["detail"]

    state = trial.state("2026-02-15")
    assert [(lv["id"], lv["role"], lv["dose"]["value"]) for lv in state["levels"]] == [
        ("DL1", "start", 1e5), ("DL1A", "intermediate", 2.5e5), ("DL2", "escalation", 5e5)]
    assert (state["open_level"], state["steered_by_committee"]) == ("DL1A", True)

    # enrolment assigns DL1A; the 3+3 fills it as its own cohort, then reads its DLTs
    refused = trial.enrol("D", "2026-02-16", dose_level="DL2")
    assert refused.status_code == 409 and "the open level is DL1A" in refused.json()["detail"]
    for name, enrolled, infused in zip("DEF", ("2026-02-16", "2026-02-17", "2026-02-18"),
                                       ("2026-02-20", "2026-02-21", "2026-02-22"), strict=True):
        assert trial.enrolled(name, enrolled) == "DL1A"
        assert trial.infuse(name, infused, "DL1A")["findings"] == []  # 15 x 10^6 cells planned for 60 kg
    assert trial.enrol("G", "2026-02-19").status_code == 409  # DL1A's cohort is full, its windows open
    state = trial.state("2026-02-25")
    assert cohort(state, "DL1A") == (3, 0, 3) and cohort(state, "DL1") == (3, 0, 0)
    assert (state["recommendation"]["action"], state["recommendation"]["level"]) == ("wait", "DL1A")
    trial.adverse_event("D", "1", grade=4, onset="2026-02-24", ended="2026-03-05")
    trial.assess("D", "1", dlt=True, on="2026-03-06", signed=True)
    state = trial.state("2026-03-25")  # every window closed: 1 of 3 at DL1A, expanded to 6
    assert cohort(state, "DL1A") == (3, 1, 0)
    assert (state["recommendation"]["action"], state["open_level"], state["slots"]) == ("expand_cohort", "DL1A", 3)
    [subject] = [s for s in level(state, "DL1A")["subjects"] if s["subject_number"] == trial.subjects["D"].number]
    assert subject["window_state"] == "DLT"
    # escalate and step back name levels in the order DL1 < DL1A < DL2
    for action, wrong in (("escalate", "DL1"), ("escalate", "DL1A"), ("step_back", "DL2")):
        incoherent = trial.decide(action, wrong, "SRC decision")
        assert incoherent.status_code == 422 and "DL1A, the highest level treated" in incoherent.json()["detail"]

    trail = api.call(trial.monitor, "GET", "/api/v1/studies/rd0604/audit",
                     params={"action": "escalation.open_level"}).json()["items"]
    assert [(e["item"], e["reason"]) for e in trail] == [("DL1A", "SRC: 2.5 x 10^5/kg before DL2")]
    owner = make_engine(db_url)  # the replay rebuilds the level from its event; a tampered dose is named
    try:
        with owner.connect() as conn:
            assert replay(conn, api.catalog).ok
            conn.execute(update(IntermediateDoseLevel).values(dose_value=3e5))
            found = [(d.table, d.item) for d in replay(conn, api.catalog).discrepancies]
            conn.rollback()
        assert found == [("intermediate_dose_levels", "dose_value")]
    finally:
        owner.dispose()

    out = tmp_path / "sdtm"
    export_study(api.engine, api.catalog.studies["rd0604"], out, formats=("csv",),
                 allow_uncoded=True)  # no dictionary is loaded here: the arms are under test, not the coding
    arms = {r["SUBJID"]: r for r in rows(out / "dm.csv")}
    d = arms[trial.subjects["D"].number]
    assert (d["ARMCD"], d["ARM"], d["ACTARMCD"], d["ACTARM"]) == ("DL1A", body["label"], "DL1A", body["label"])
    assert arms[trial.subjects["A"].number]["ARMCD"] == "DL1"
    assert {r["ARMCD"] for r in rows(out / "ta.csv")} == {"DL1", "DL1A", "DL2"}
    assert [r["TSVAL"] for r in rows(out / "ts.csv") if r["TSPARMCD"] == "NARMS"] == ["3"]
    # EX: the dose as administered in the protocol's unit, per kg here (DL1 1 x 10^5/kg, DL1A 2.5 x 10^5/kg)
    doses = {r["USUBJID"]: (float(r["EXDOSE"]), r["EXDOSU"]) for r in rows(out / "ex.csv") if r["EXCAT"] == "CAR-T"}
    assert sorted(doses.values()) == [(0.1, "10^6 cells/kg")] * 3 + [(0.25, "10^6 cells/kg")] * 3
    # EC: as collected, the total cells infused at 60 kg and the dose planned for the subject
    collected = {(r["ECMOOD"], float(r["ECDOSE"]), r["ECDOSU"]) for r in rows(out / "ec.csv")
                 if r["USUBJID"] == d["USUBJID"] and r["ECCAT"] == "CAR-T"}
    assert collected == {("PERFORMED", 15.0, "10^6 cells"), ("SCHEDULED", 15.0, "10^6 cells")}


def test_an_opening_is_refused_outside_the_interval_the_design_and_the_committee(api: Api) -> None:
    trial = treated_at_dl1(api)
    for value, unit, item in ((6e5, PER_KG, "dose.value"), (5e5, PER_KG, "dose.value"), (1e5, PER_KG, "dose.value"),
                              (2.5e5, "cells", "dose.unit")):
        outside = trial.open_intermediate(value, unit, "SRC decision")
        assert outside.status_code == 422, outside.text
        [error] = outside.json()["errors"]
        assert error["item"] == item and error["value"] == (value if item == "dose.value" else unit)
    assert "6 x 10^5 cells/kg is not strictly between" in trial.open_intermediate(6e5, PER_KG, "x").json()["detail"]
    for bad in ({"value": 0, "unit": PER_KG}, {"value": 2.5e5, "unit": "mg"}, {"value": "many", "unit": PER_KG},
                {"value": 2.5e5, "unit": PER_KG, "extra": 1}):
        malformed = api.call(trial.committee, "POST", "/api/v1/studies/rd0604/escalation/intermediate-levels",
                             json={"dose": bad, "reason": "SRC decision"})
        assert malformed.status_code == 422, (bad, malformed.text)
    coordinator = login_as(api, "coord_rd0604", "coordinator", "rd0604", "01")
    site_reviewer = login_as(api, "src01_rd0604", "safety_reviewer", "rd0604", "01")
    for user in (coordinator, site_reviewer, trial.subjects["A"].user):
        assert trial.open_intermediate(2.5e5, PER_KG, "SRC decision", user=user).status_code == 403, user
    for study_id, dose in (("ic19", {"value": 1.5e8, "unit": "cells"}), ("relmacel", {"value": 37.5,
                                                                                       "unit": "10^6 cells"})):
        other = TrialRun(api, study_id)
        refused = api.call(other.committee, "POST", f"/api/v1/studies/{study_id}/escalation/intermediate-levels",
                           json={"dose": dose, "reason": "SRC decision"})
        assert refused.status_code == 422 and "allow_intermediate_dose" in refused.json()["detail"], refused.text
    assert [lv["id"] for lv in trial.state("2026-02-15")["levels"]] == ["DL1", "DL2"]  # nothing opened


@pytest.mark.parametrize("second", [3e5, 2.5e5])
def test_two_openings_at_once_one_wins(api: Api, second: float) -> None:
    """Two committee members open a level in the same interval at the same moment: one level, one decision."""
    trial = treated_at_dl1(api)
    study = api.catalog.studies["rd0604"]
    with api.engine.connect() as conn:
        user_id = int(conn.execute(select(User.id).where(User.username == trial.committee)).scalar_one())
    actor = Actor(user_id, "safety_reviewer", None)
    first_open, outcomes = threading.Event(), dict[tuple[float, bool], str]()

    def open_at(value: float, hold: bool) -> None:
        try:
            with api.engine.execution_options(**WRITE).begin() as conn:
                open_intermediate_level(conn, study=study, dose=Dose(value=value, unit=PER_KG), reason="SRC",
                                        actor=actor, now=datetime.now(UTC))
                if hold:  # keep the transaction open while the other one starts
                    first_open.set()
                    threading.Event().wait(0.5)
            outcomes[value, hold] = "opened"
        except Conflict as refused:
            outcomes[value, hold] = str(refused)

    first = threading.Thread(target=open_at, args=(2.5e5, True))
    first.start()
    assert first_open.wait(30)
    other = threading.Thread(target=open_at, args=(second, False))
    other.start()
    first.join(60)
    other.join(60)
    assert outcomes[2.5e5, True] == "opened"
    assert "is open between DL1 and DL2 already" in outcomes[second, False]
    with api.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(IntermediateDoseLevel)).scalar_one() == 1
        assert conn.execute(select(func.count()).select_from(EscalationDecision)).scalar_one() == 1

