"""Source data verification over HTTP: items, records and visits marked, a correction clearing what it
changed, progress per subject, and who may verify."""

from __future__ import annotations

from typing import Any

from api_env import STUDY, Api, records_path, screen, subject_path, vitals

SDV = f"/api/v1/studies/{STUDY}/sdv"
ENTERED_VITALS = 7  # vsdat, sysbp, diabp, pulse, temp, weight, height; bmi is calculated


def screened(api: Api, user: str = "inv01", site: str = "01") -> str:
    number = screen(api, user, site)
    assert api.call(user, "POST", records_path(number, "SCR", "vital_signs"), json=vitals()).status_code == 201
    return number


def mark(api: Api, number: str, user: str = "monitor", **target: Any) -> Any:
    return api.call(user, "POST", SDV, json={"subject": number, "visit": "SCR", **target})


def progress(api: Api, number: str, user: str = "monitor") -> dict[str, Any]:
    rows = api.call(user, "GET", SDV + "/progress").json()
    return next(row for row in rows if row["subject_number"] == number)


def test_verification_is_cleared_by_the_correction_of_what_it_covered(api: Api) -> None:
    number = screened(api)
    partial = mark(api, number, form="vital_signs", items=["sysbp", "diabp"])
    assert partial.status_code == 201 and partial.json() == {"marked": 2}
    assert progress(api, number) == {"site": "01", "subject_number": number, "records": 1, "records_verified": 0,
                                     "items": ENTERED_VITALS, "items_verified": 2}
    whole = mark(api, number, form="vital_signs")
    assert whole.json() == {"marked": ENTERED_VITALS - 2}  # what was verified stays verified
    assert progress(api, number)["records_verified"] == 1

    corrected = api.call("inv01", "PATCH", records_path(number, "SCR", "vital_signs") + "/1",
                         json={"reason": "transcription error", "changes": {"sysbp": 130}}, headers={"If-Match": '"1"'})
    assert corrected.status_code == 200
    after = progress(api, number)
    assert (after["records_verified"], after["items_verified"]) == (0, ENTERED_VITALS - 1)
    cleared = api.call("monitor", "GET", f"/api/v1/studies/{STUDY}/audit",
                       params={"subject": number, "action": "sdv.clear"}).json()["items"]
    assert [(e["item"], e["old_value"], e["reason"]) for e in cleared] == [
        ("sysbp", '"verified"', "changed by the correction to version 2")]
    assert mark(api, number, visit="SCR").json() == {"marked": 1}  # the visit: only the changed item is left
    assert progress(api, number)["records_verified"] == 1


def test_what_cannot_be_verified_and_who_may_verify(api: Api) -> None:
    number = screened(api)
    assert mark(api, number, user="inv01").status_code == 403
    assert mark(api, number, user="dm").status_code == 403
    bad = mark(api, number, form="vital_signs", items=["bmi", "colour", "oxysat"])
    assert bad.status_code == 422
    assert all(word in bad.json()["detail"] for word in ("calculated", "not an item", "no value"))
    assert mark(api, number, items=["sysbp"]).status_code == 422  # items need their form
    assert mark(api, number, visit="BL").status_code == 404  # not planned
    assert mark(api, number, user="monitor", subject="01-999").status_code == 404
    other = screened(api, "inv02", "02")
    assert api.call("inv01", "GET", SDV + "/progress").json()[0]["subject_number"] == number  # own site only
    assert {row["subject_number"] for row in api.call("monitor", "GET", SDV + "/progress").json()} == {number, other}
    assert api.call("monitor", "GET", subject_path(number)).status_code == 200
