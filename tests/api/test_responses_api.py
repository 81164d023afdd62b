"""Lupus responses over HTTP: SRI-4, LLDAS and DORIS from stored visits, recomputed when the data change."""

from __future__ import annotations

from typing import Any

from api_env import STUDY, Api, records_path, subject_path

INFUSION = "2026-03-01"
DESCRIPTORS = ("seizure", "psychosis", "organic_brain_syndrome", "visual_disturbance", "cranial_nerve_disorder",
               "lupus_headache", "cva", "vasculitis", "arthritis", "myositis", "urinary_casts", "haematuria",
               "pyuria", "pleurisy", "pericarditis", "low_complement", "increased_dna_binding", "fever",
               "thrombocytopenia", "leukopenia")
SYSTEMS = ("constitutional", "mucocutaneous", "neuropsychiatric", "musculoskeletal", "cardiorespiratory",
           "gastrointestinal", "ophthalmic", "renal", "haematological")


def sledai(on: str, *active: str, **onsets: str) -> dict[str, Any]:
    values: dict[str, Any] = {name: name in active for name in DESCRIPTORS}
    values.update({name: onsets.get(name, "ABSENT") for name in ("rash", "alopecia", "mucosal_ulcers", "proteinuria")})
    return {"sledai_dat": on, **values}


def bilag(on: str, **grades: str) -> dict[str, Any]:
    return {"bilag_dat": on, **{system: grades.get(system, "E") for system in SYSTEMS}}


def prednisone(mg: str, start: str, end: str | None = None) -> dict[str, Any]:
    ended = {"cmongo": "N", "cmendat": end} if end else {"cmongo": "Y"}
    return {"cmtrt": "Prednisone", "cmgc": "Y", "cmgcdrug": "prednisone", "cmindc": "SLE", "cmdose": mg,
            "cmdosu": "mg", "cmdosfrq": "QD", "cmroute": "ORAL", "cmstdat": start, **ended}


def post(api: Api, number: str, visit: str, form: str, values: dict[str, Any]) -> dict[str, Any]:
    response = api.call("inv01", "POST", records_path(number, visit, form), json=values)
    assert response.status_code == 201, (form, response.text)
    return dict(response.json())


def assess(api: Api, number: str, visit: str, on: str, values: dict[str, Any], pga: str, **grades: str) -> None:
    post(api, number, visit, "sledai", values)
    post(api, number, visit, "bilag", bilag(on, **grades))
    post(api, number, visit, "pga", {"pga_dat": on, "pga": pga})


def responses(api: Api, number: str, user: str = "monitor") -> dict[str, Any]:
    response = api.call(user, "GET", subject_path(number) + "/responses")
    assert response.status_code == 200, response.text
    return dict(response.json())


def scheduled_subject(api: Api) -> str:
    screened = api.call("inv01", "POST", f"/api/v1/studies/{STUDY}/subjects",
                        json={"site": "01", "cohort": "SLE", "screened_on": "2026-01-05"})
    assert screened.status_code == 201, screened.text
    number = str(screened.json()["subject_number"])
    planned = api.call("inv01", "POST", subject_path(number) + "/schedule", json={"infusion_date": INFUSION})
    assert planned.status_code == 200, planned.text
    return number


def test_sri4_lldas_and_doris_follow_the_stored_data(api: Api) -> None:
    number = scheduled_subject(api)
    assert responses(api, number) == {"subject_number": number, "baseline": None, "visits": []}
    # baseline: arthritis 4 + proteinuria 4 + serology 4 = 12, PGA 1.5, prednisone 10 mg/day
    assess(api, number, "BL", "2026-02-23",
           sledai("2026-02-23", "arthritis", "low_complement", "increased_dna_binding", proteinuria="NEW"), "1.5",
           renal="B", musculoskeletal="B")
    steroid = post(api, number, "LOGS", "concomitant_medications", prednisone("10", "2025-06"))
    assess(api, number, "M3", "2026-05-30", sledai("2026-05-30", "low_complement", "increased_dna_binding"),
           "0.4", renal="D")
    # until the site confirms the log complete, its single row is not the whole story: no dose, no LLDAS
    [unconfirmed] = responses(api, number)["visits"]
    assert unconfirmed["lldas"] is None and unconfirmed["doris"] is None
    assert "not confirmed complete up to 2026-05-30" in unconfirmed["undecidable"]["lldas"]
    assert unconfirmed["assessment"]["prednisone_mg_day"] is None
    post(api, number, "LOGS", "medication_review", {"cmrevdat": "2026-05-29"})  # a day short still counts for nothing
    assert responses(api, number)["visits"][0]["lldas"] is None
    post(api, number, "LOGS", "medication_review", {"cmrevdat": "2026-05-30"})
    found = responses(api, number)
    assert found["baseline"]["visit_code"] == "BL" and found["baseline"]["sledai_2k"] == 12
    [month3] = found["visits"]
    assessment = month3["assessment"]
    assert (assessment["visit_code"], assessment["assessed_on"]) == ("M3", "2026-05-30")
    assert (assessment["sledai_2k"], assessment["clinical_sledai_2k"], assessment["pga"]) == (4, 0, 0.4)
    assert assessment["prednisone_mg_day"] == 10.0 and assessment["glucocorticoid_lines"] == [1]
    assert month3["sri4"]["met"] and month3["sri4"]["sledai_reduction"] == 8
    # 10 mg/day is above both limits: serology alone is neither LLDAS nor DORIS yet
    assert month3["lldas"]["sledai_met"] and not month3["lldas"]["prednisone_met"] and not month3["lldas"]["met"]
    assert month3["doris"]["clinical_sledai_met"] and not month3["doris"]["met"]

    # the site records the taper: 10 mg stopped at the end of April, 5 mg from May
    tapered = api.call("inv01", "PATCH", records_path(number, "LOGS", "concomitant_medications") + "/1",
                       json={"reason": "taper documented", "changes": {"cmongo": "N", "cmendat": "2026-04-30"}},
                       headers={"If-Match": f'"{steroid["version"]}"'})
    assert tapered.status_code == 200, tapered.text
    post(api, number, "LOGS", "concomitant_medications", prednisone("5", "2026-05-01"))
    [month3] = responses(api, number)["visits"]
    assert month3["assessment"]["prednisone_mg_day"] == 5.0 and month3["assessment"]["glucocorticoid_lines"] == [2]
    assert month3["lldas"]["met"] and month3["doris"]["met"] and month3["undecidable"] == {}


def test_new_bilag_a_and_new_activity_are_reported(api: Api) -> None:
    number = scheduled_subject(api)
    assess(api, number, "BL", "2026-02-23", sledai("2026-02-23", "arthritis", "vasculitis"), "2.0")
    assess(api, number, "D28", "2026-03-29", sledai("2026-03-29", rash="NEW"), "1.0", mucocutaneous="A")
    post(api, number, "LOGS", "medication_review", {"cmrevdat": "2026-03-29"})  # an empty log, confirmed: 0 mg
    [day28] = responses(api, number)["visits"]
    assert day28["sri4"]["sledai_reduction"] == 10 and day28["sri4"]["new_bilag_a"] == ["mucocutaneous"]
    assert not day28["sri4"]["bilag_met"] and not day28["sri4"]["met"]
    assert day28["new_activity"] == ["rash"] and not day28["lldas"]["no_new_activity"]


def test_a_glucocorticoid_without_daily_dose_leaves_lldas_undecidable(api: Api) -> None:
    number = scheduled_subject(api)
    assess(api, number, "BL", "2026-02-23", sledai("2026-02-23", "arthritis"), "1.0")
    pulse = {**prednisone("500", "2026-05-01"), "cmgcdrug": "methylprednisolone", "cmdosfrq": "EVERY 4 WEEKS",
             "cmroute": "INTRAVENOUS"}  # monthly pulses: no fixed daily dose
    post(api, number, "LOGS", "concomitant_medications", pulse)
    assess(api, number, "M3", "2026-05-30", sledai("2026-05-30"), "0.2")
    [month3] = responses(api, number)["visits"]
    assert month3["lldas"] is None and month3["doris"] is None and month3["sri4"] is not None
    assert "lines [1]" in month3["undecidable"]["lldas"]


def test_responses_follow_site_isolation(api: Api) -> None:
    number = scheduled_subject(api)
    assert api.call("inv02", "GET", subject_path(number) + "/responses").status_code == 404
    assert api.call("admin", "GET", subject_path(number) + "/responses").status_code == 403
    assert responses(api, number, "inv01")["subject_number"] == number


def test_the_activity_band_is_stored_audited_and_recomputed_on_correction(api: Api) -> None:
    number = scheduled_subject(api)
    created = post(api, number, "BL", "sledai", sledai("2026-02-23", "arthritis", "fever", rash="NEW"))
    assert (created["values"]["selena_sledai_total"], created["values"]["selena_activity_band"]) == (7, "MILD")
    corrected = api.call("inv01", "PATCH", records_path(number, "BL", "sledai") + "/1",
                         json={"reason": "seizure documented in the notes", "changes": {"seizure": True}},
                         headers={"If-Match": '"1"'})
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["values"]["selena_activity_band"] == "SEVERE"  # 7 + 8 = 15
    trail = api.call("monitor", "GET", f"/api/v1/studies/{STUDY}/audit",
                     params={"subject": number, "item": "selena_activity_band"})
    assert trail.status_code == 200, trail.text
    changes = [(e["old_value"], e["new_value"]) for e in trail.json()["items"]]
    assert changes == [(None, '"MILD"'), ('"MILD"', '"SEVERE"')]
