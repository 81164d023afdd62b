"""CNCT19's endpoints through the API, on fixed data: overall survival to day 365 and the glucocorticoid-free
proportion at the 1-year visit, from the infusions, visits, deaths, end of study and the medication log."""

from __future__ import annotations

from datetime import date
from typing import Any

from api_env import Api
from trial_run import TrialRun

from edc.app.endpoints.service import study_endpoints
from edc.app.kernel.actor import Actor

SCREENED = "2025-01-06"


def _medication(trial: TrialRun, name: str, *, mg: float, stopped: str | None = None) -> None:
    trial._post(name, "LOGS", "concomitant_medications", {
        "cmtrt": "Prednisone", "cmgc": "Y", "cmgcdrug": "prednisone", "cmindc": "Underlying disease",
        "cmdose": str(mg), "cmdosu": "mg", "cmdosfrq": "QD", "cmroute": "ORAL", "cmstdat": "2024-06",
        "cmongo": "N" if stopped else "Y", "cmendat": stopped})


def _visit_on(trial: TrialRun, name: str, code: str, on: str) -> None:
    subject = trial.subjects[name]
    response = trial.api.call(subject.user, "PUT", subject.path(f"/visits/{code}/1/date"), json={"visit_date": on})
    assert response.status_code == 200, response.text


def _cohort_trial(api: Api) -> TrialRun:
    """A (LN) off steroids at 1 year, B (AAV) on 5 mg, C (DM) died on day 100, D (ITP) with the log unconfirmed."""
    trial = TrialRun(api, "cnct19")
    for name, cohort, infused in (("A", "LN", "2025-01-20"), ("B", "AAV", "2025-01-21"), ("C", "DM", "2025-01-22")):
        trial.screened(name, cohort, SCREENED)
        assert trial.enrolled(name, "2025-01-08") == "DL1"
        trial.infuse(name, infused, "DL1")
    trial.screened("D", "ITP", "2025-02-20")
    assert trial.enrolled("D", "2025-02-25") == "DL1"  # expansion: the sentinel's windows closed
    trial.infuse("D", "2025-03-10", "DL1")
    _medication(trial, "A", mg=10, stopped="2025-06-30")
    _medication(trial, "B", mg=5)
    _medication(trial, "C", mg=20)
    _medication(trial, "D", mg=10, stopped="2025-05-31")
    for name, m12 in (("A", "2026-01-20"), ("B", "2026-01-25"), ("D", "2026-03-12")):
        _visit_on(trial, name, "M12", m12)
    for name, m12 in (("A", "2026-01-20"), ("B", "2026-01-25")):
        trial._post(name, "LOGS", "medication_review", {"cmrevdat": m12})
    trial._post("A", "LOGS", "disposition", {"dsdecod": "COMPLETED", "dsstdat": "2026-01-21"})
    trial._post("C", "LOGS", "death", {"dthdat": "2025-05-02", "dthcause": "Pneumonia", "autopsy": "N",
                                       "dth_crs": "N", "dth_icans": "N", "dthrel": "UNLIKELY"})
    return trial


def _endpoints(trial: TrialRun, as_of: str, user: str | None = None) -> Any:
    name = user or trial.subjects["A"].user
    return trial.api.call(name, "GET", f"/api/v1/studies/{trial.study.id}/endpoints", params={"as_of": as_of})


def test_overall_survival_and_the_glucocorticoid_free_proportion(api: Api) -> None:
    trial = _cohort_trial(api)
    response = _endpoints(trial, "2026-06-01")
    assert response.status_code == 200, response.text
    found = response.json()
    survival = found["overall_survival"]
    numbers = {name: trial.subjects[name].number for name in "ABCD"}
    times = {t["subject_number"]: (t["days"], t["death"]) for t in survival["times"]}
    # C died on day 100; A, B and D were seen past day 365: censored at the horizon
    assert times == {numbers["A"]: (365, False), numbers["B"]: (365, False), numbers["C"]: (100, True),
                     numbers["D"]: (365, False)}
    assert [(s["day"], s["at_risk"], s["deaths"], s["censored"], s["survival"]) for s in survival["curve"]] == [
        (100, 4, 1, 0, 0.75), (365, 3, 0, 3, 0.75)]
    assert (survival["subjects"], survival["deaths"], survival["survival_at_horizon"], survival["median_days"]) == (
        4, 1, 0.75, None)
    steroids = found["glucocorticoid_free"]
    status = {s["subject_number"]: (s["status"], s["mg_day"]) for s in steroids["subjects"]}
    assert status == {numbers["A"]: ("free", 0.0), numbers["B"]: ("low_dose", 5.0), numbers["C"]: ("died", None),
                      numbers["D"]: ("unconfirmed", None)}
    # D's log is not confirmed complete through the visit: left out, never taken as free
    assert steroids["free"] == {"achieved": 1, "evaluated": 3, "proportion": round(1 / 3, 9)}
    assert steroids["at_most_low_dose"] == {"achieved": 2, "evaluated": 3, "proportion": round(2 / 3, 9)}
    assert steroids["by_cohort"]["AAV"] == {"free": {"achieved": 0, "evaluated": 1, "proportion": 0.0},
                                            "at_most_low_dose": {"achieved": 1, "evaluated": 1, "proportion": 1.0}}
    assert (steroids["visit"], steroids["low_dose_max_mg_day"]) == ("M12", 7.5)


def test_as_of_sees_only_the_data_dated_by_then(api: Api) -> None:
    trial = _cohort_trial(api)
    found = _endpoints(trial, "2025-04-30").json()  # before C's death and every 1-year visit
    assert found["overall_survival"]["deaths"] == 0
    assert {s["status"] for s in found["glucocorticoid_free"]["subjects"]} == {"not_reached"}
    assert found["glucocorticoid_free"]["free"] == {"achieved": 0, "evaluated": 0, "proportion": None}
    # the subject's site confirms the log of D later: D counts, on glucocorticoids no more
    trial._post("D", "LOGS", "medication_review", {"cmrevdat": "2026-03-12"})
    d = trial.subjects["D"].number
    later = _endpoints(trial, "2026-06-01").json()["glucocorticoid_free"]
    assert next(s for s in later["subjects"] if s["subject_number"] == d)["status"] == "free"
    assert later["free"]["achieved"] == 2


def test_site_scoped_and_refused_where_no_endpoint_is_declared(api: Api) -> None:
    trial = _cohort_trial(api)
    with api.engine.begin() as conn:  # an actor restricted to another site sees none of the subjects
        other_site = Actor(user_id=1, role="investigator", site_ids=frozenset({-1}))
        elsewhere = study_endpoints(conn, study=trial.study, actor=other_site, as_of=date(2026, 6, 1))
    assert elsewhere.subjects == () and elsewhere.survival is not None and elsewhere.survival.times == ()
    study_wide = _endpoints(trial, "2026-06-01", user=trial.monitor)  # the monitor's grant covers every site
    assert study_wide.status_code == 200 and study_wide.json()["infused"] == 4
    ic19 = TrialRun(api, "ic19")
    subject = ic19.screened("A")
    missing = api.call(subject.user, "GET", "/api/v1/studies/ic19/endpoints")
    assert missing.status_code == 404 and missing.json()["detail"] == "study 'ic19' declares no endpoints"
    bad = api.call(trial.subjects["A"].user, "GET", "/api/v1/studies/cnct19/endpoints", params={"as_of": "soon"})
    assert bad.status_code == 400 or bad.status_code == 422
