"""CNCT19's per-cohort schedule through the API: each indication's instruments are entered, another cohort's
refused, and the visits, the study definition, the status counts and the OpenAPI document say which."""

from __future__ import annotations

from typing import Any

from api_env import Api, records_path
from trial_run import TrialRun

from edc.definitions.functions import BVAS_SYSTEMS

BVAS = "bvas"
NO_VASCULITIS = {"bvas_dat": "2026-01-06", "bvas_first": True, "bvas_persistent": False}


def _bvas(**ticked: bool) -> dict[str, Any]:
    """A first BVAS with every item unticked but those given."""
    items = {name: False for names in BVAS_SYSTEMS.values() for name in names}
    return {**NO_VASCULITIS, **items, **ticked}


def _post(trial: TrialRun, name: str, visit: str, form_id: str, body: dict[str, Any]) -> Any:
    subject = trial.subjects[name]
    return trial.api.call(subject.user, "POST", records_path(subject.number, visit, form_id, study="cnct19"),
                          json=body)


def test_each_cohort_enters_its_instruments_and_another_cohorts_is_refused(api: Api) -> None:
    trial = TrialRun(api, "cnct19")
    trial.screened("V", "AAV")
    trial.screened("L", "LN")
    refused = _post(trial, "V", "SCR", "sledai", {"sledai_dat": "2026-01-06"})
    problem = refused.json()
    assert refused.status_code == 409 and problem["type"].endswith("/form-not-for-cohort")
    assert problem["detail"] == (f"form 'sledai' is collected at visit SCR for cohort LN, ITP only; subject "
                                 f"{trial.subjects['V'].number} is in cohort AAV")
    created = _post(trial, "V", "SCR", BVAS, _bvas(haematuria=True, proteinuria=True, creatinine_125_249=True))
    assert created.status_code == 201, created.text
    values = created.json()["values"]
    assert (values["bvas_renal"], values["bvas_total"]) == (12, 12)  # 6 + 4 + 4 = 14, capped at the renal 12
    assert _post(trial, "L", "SCR", BVAS, _bvas()).status_code == 409
    assert _post(trial, "V", "SCR", "mmt8", {"mmt8_dat": "2026-01-06"}).status_code == 409  # DM's instrument
    never_there = _post(trial, "V", "SCR", "leukapheresis", {})
    assert never_there.status_code == 409 and never_there.json()["type"].endswith("/conflict")


def test_two_bands_and_a_never_persistent_item_under_persistent_disease(api: Api) -> None:
    trial = TrialRun(api, "cnct19")
    trial.screened("V", "AAV")
    two_bands = _post(trial, "V", "SCR", BVAS, _bvas(creatinine_125_249=True, creatinine_500=True))
    assert two_bands.status_code == 201
    assert [f["check_id"] for f in two_bands.json()["findings"]] == ["one_creatinine_band"]
    added = trial.api.call(trial.subjects["V"].user, "POST", trial.subjects["V"].path("/visits"),
                           json={"visit_date": "2026-01-20"})
    assert added.status_code == 201, added.text
    body = {**_bvas(sudden_visual_loss=True), "bvas_dat": "2026-01-20", "bvas_first": False, "bvas_persistent": True}
    for band in ("creatinine_125_249", "creatinine_250_499", "creatinine_500"):
        body.pop(band)  # not asked after the first assessment
    contradiction = _post(trial, "V", "UNS", BVAS, body)
    assert contradiction.status_code == 422
    [error] = contradiction.json()["errors"]
    assert error["item"] in ("bvas_mucous_membranes_eyes", "bvas_total")  # the system of the item, or the total
    assert "sudden_visual_loss is always new or worse" in error["message"]
    assert _post(trial, "V", "UNS", BVAS, {**body, "sudden_visual_loss": False}).status_code == 201
    assert _post(trial, "V", "UNS", "pga", {"pga_dat": "2026-01-20", "pga": "1.0"}).status_code == 409


def test_the_visits_study_status_and_document_follow_the_cohorts(api: Api) -> None:
    trial = TrialRun(api, "cnct19")
    trial.screened("V", "AAV")
    visits = api.call(trial.subjects["V"].user, "GET", trial.subjects["V"].path("/visits")).json()
    screening = next(v for v in visits if v["visit_code"] == "SCR")["forms"]
    assert "bvas" in screening and not {"sledai", "bilag", "pga", "itp_assessment", "mmt8"} & set(screening)
    study = api.call(trial.monitor, "GET", "/api/v1/studies/cnct19").json()
    scr = next(v for v in study["visits"] if v["code"] == "SCR")
    assert scr["form_cohorts"]["sledai"] == ["LN", "ITP"] and scr["form_cohorts"]["itp_assessment"] == ["ITP"]
    assert "vital_signs" not in scr["form_cohorts"] and {"bvas", "mmt8", "sledai"} <= set(scr["forms"])

    def expected() -> int:
        response = api.call(trial.monitor, "GET", "/api/v1/studies/cnct19/status")
        assert response.status_code == 200, response.text
        return int(next(row for row in response.json() if row["site"] == "all")["expected"])

    # the screening visit is due: 15 forms for every subject, BVAS for AAV; SLEDAI, BILAG, PGA for LN
    assert expected() == 16
    trial.screened("L", "LN")
    assert expected() == 16 + 18
    document = api.client.get("/schema/openapi.json").json()
    create = document["paths"]["/api/v1/studies/cnct19/subjects/{subject_number}/visits/{visit_code}/{occurrence}"
                               "/forms/sledai"]["post"]
    assert "for cohort LN, ITP only" in create["description"]
    assert "form-not-for-cohort" in create["description"]
