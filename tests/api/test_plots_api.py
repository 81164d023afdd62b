"""The plots over HTTP: an IC19 scenario entered through the API, read back as SVG from both routes.

The swimmer shows the treated subjects of the caller's sites with one marker per adverse event; the trajectory
shows a subject's SLEDAI-2K / PGA visits and responses. Another site's subject answers like a missing one, a
cohort not assessed with SLEDAI a 409 problem, an unknown study a 404 problem; none of it a 500.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from api_env import Api, records_path
from svg_reading import groups, markers, texts
from test_responses_api import bilag, sledai
from trial_run import TrialRun

SVG = "image/svg+xml"
PROBLEM = "application/problem+json"
ICE_POINTS = ("ice_orient_year", "ice_orient_month", "ice_orient_city", "ice_orient_hospital", "ice_name_object_1",
              "ice_name_object_2", "ice_name_object_3", "ice_follow_commands", "ice_write_sentence",
              "ice_count_backwards")
#: ICE score 8, awakens spontaneously: ICANS grade 1 by ASTCT 2019
ICANS_GRADE_1 = {**{point: n < 8 for n, point in enumerate(ICE_POINTS)}, "icans_consciousness": "AWAKENS_SPONTANEOUSLY",
                 "icans_seizure": "NONE", "icans_motor": "NONE", "icans_icp": "NONE", "icans_death": False}


def svg(api: Api, user: str, path: str) -> ET.Element:
    response = api.call(user, "GET", path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(SVG)
    return ET.fromstring(response.content)


def assess(api: Api, trial: TrialRun, name: str, visit: str, on: str, values: dict[str, Any], pga: str) -> None:
    subject = trial.subjects[name]
    for form, body in (("sledai", values), ("bilag", bilag(on, renal="B") if visit == "BL" else bilag(on)),
                       ("pga", {"pga_dat": on, "pga": pga})):
        response = api.call(subject.user, "POST", records_path(subject.number, visit, form, study="ic19"), json=body)
        assert response.status_code == 201, (form, response.text)


def ic19_scenario(api: Api) -> TrialRun:
    """Subject A infused with three adverse events (CRS grade 3, ICANS grade 1, headache grade 2) and assessed at
    baseline and day 28; subject B enrolled, not yet infused."""
    trial = TrialRun(api, "ic19")
    assert trial.enrolled("A", "2026-01-10") == "DL1"
    trial.infuse("A", "2026-01-20", "DL1")
    trial.adverse_event("A", "1", grade=3, onset="2026-01-22", event_class="CRS", improved="2026-01-24",
                        ended="2026-01-26")
    trial.adverse_event("A", "2", grade=1, onset="2026-01-23", event_class="ICANS", ended="2026-01-24",
                        times=ICANS_GRADE_1)  # `times` adds any items to the record
    trial.adverse_event("A", "3", grade=2, onset="2026-02-05", ended="2026-02-07")
    assess(api, trial, "A", "BL", "2026-01-14",
           sledai("2026-01-14", "arthritis", "low_complement", "increased_dna_binding", proteinuria="NEW"), "1.5")
    assess(api, trial, "A", "D28", "2026-02-17", sledai("2026-02-17", "low_complement"), "0.5")
    assert trial.enrolled("B", "2026-01-12") == "DL1"
    return trial


def test_the_swimmer_and_the_trajectory_of_an_ic19_scenario(api: Api) -> None:
    trial = ic19_scenario(api)
    a, b = trial.subjects["A"].number, trial.subjects["B"].number
    root = svg(api, trial.monitor, "/api/v1/studies/ic19/plots/swimmer.svg")
    shown = texts(root)
    assert f"{a} · site 01 · DL1" in shown and f"{b} · site 01 · DL1" in shown
    events = {gid: g for gid, g in groups(root, f"event-{a}-").items() if not gid.startswith("event-kind")}
    assert len(events) == 3 and all(len(markers(g)) == 1 for g in events.values())
    assert "CRS" in shown and "ICANS" in shown and "Grade 3 (triangle)" in shown
    assert "enrolled, not yet infused" in shown and not groups(root, f"event-{b}-")
    desc = next(e for e in root if e.tag.endswith("desc")).text or ""
    assert "CRS grade 3 on day 2" in desc and "ICANS grade 1 on day 3" in desc and "AE grade 2 on day 16" in desc

    root = svg(api, trial.monitor, f"/api/v1/studies/ic19/subjects/{a}/plots/trajectory.svg")
    shown = texts(root)
    assert {"BL: 12", "D28: 2", "BL: 1.5", "D28: 0.5"} <= set(shown), shown
    assert {"status-SRI-4-D28", "status-LLDAS-D28", "status-DORIS-D28"} == set(groups(root, "status-"))
    desc = next(e for e in root if e.tag.endswith("desc")).text or ""
    assert "BL (day -6) SLEDAI-2K 12" in desc and "D28 (day 28) SLEDAI-2K 2" in desc and "SRI-4 met" in desc
    screened_only = texts(svg(api, trial.monitor, f"/api/v1/studies/ic19/subjects/{b}/plots/trajectory.svg"))
    assert "Days since the first assessment (day 0)" in screened_only  # B is not infused: day 0 is screening
    assert [t for t in screened_only if t.startswith("SCR: ")] and "No follow-up assessment after the baseline" in (
        screened_only)


def test_another_sites_caller_sees_none_of_it(api: Api) -> None:
    trial = TrialRun(api, "relmacel")  # two sites; the trial's subjects are at site 01, inv02 is at site 02
    level = trial.enrolled("A", "2026-01-10")
    trial.infuse("A", "2026-01-20", level)
    trial.adverse_event("A", "1", grade=2, onset="2026-01-25", ended="2026-01-27")
    a = trial.subjects["A"].number
    study_wide = svg(api, "monitor", "/api/v1/studies/relmacel/plots/swimmer.svg")
    assert f"{a} · site 01 · {level}" in texts(study_wide) and groups(study_wide, f"event-{a}-1")  # the control
    swimmer = api.call("inv02", "GET", "/api/v1/studies/relmacel/plots/swimmer.svg")
    assert swimmer.status_code == 200 and a not in swimmer.text and "No treated subject" in swimmer.text
    theirs = api.call("inv02", "GET", f"/api/v1/studies/relmacel/subjects/{a}/plots/trajectory.svg")
    missing = api.call("inv02", "GET", "/api/v1/studies/relmacel/subjects/01-999/plots/trajectory.svg")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.headers["content-type"].startswith(PROBLEM)
    assert theirs.json()["type"] == missing.json()["type"]
    assert api.call("monitor", "GET", f"/api/v1/studies/relmacel/subjects/{a}/plots/trajectory.svg"
                    ).status_code == 200


def test_a_cohort_without_sledai_an_unknown_study_and_a_role_without_the_permission(api: Api) -> None:
    trial = TrialRun(api, "cnct19")
    vasculitis = trial.screened("V", cohort="AAV").number
    answer = api.call(trial.monitor, "GET", f"/api/v1/studies/cnct19/subjects/{vasculitis}/plots/trajectory.svg")
    assert answer.status_code == 409 and answer.headers["content-type"].startswith(PROBLEM)
    assert "not assessed with SLEDAI-2K" in answer.json()["detail"]
    unknown = api.call("monitor", "GET", "/api/v1/studies/nosuch/plots/swimmer.svg")
    assert unknown.status_code == 404 and unknown.headers["content-type"].startswith(PROBLEM)
    assert api.call("admin", "GET", "/api/v1/studies/relmacel/plots/swimmer.svg").status_code == 403
    assert api.call("nobody", "GET", "/api/v1/studies/relmacel/plots/swimmer.svg").status_code == 401
