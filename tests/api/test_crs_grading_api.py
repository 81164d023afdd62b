"""CRS graded from the raw values over HTTP (ASTCT 2019): the highest temperature and the oxygen support give the
fever and hypoxia components and the grade, stored as server-owned items; a site grade that differs is a warning
naming both grades, which opens a query on the site's grade and leaves it as entered; bounds are 422 naming the item;
the DLT screening reads the site's grade."""

from __future__ import annotations

from typing import Any

from api_env import STUDY, Api, adverse_event, records_path, screen
from trial_run import TrialRun, events_of

QUERIES = f"/api/v1/studies/{STUDY}/queries"


def crs_event(aespid: str, grade: str, **raw: object) -> dict[str, object]:
    """A CRS ended after two days, graded `grade` by the site, with fever and no vasopressor unless `raw` says."""
    return adverse_event(aespid, aeterm="Cytokine release syndrome", aecat="CRS", aetoxgr=grade,
                         aerel="DEFINITELY", **({"crs_tmax": "38.0", "crs_fever_masked": False,
                                                 "crs_hypotension": "NONE", "crs_o2_device": "NONE",
                                                 "crs_death": False} | raw))


def crs_values(record: dict[str, Any]) -> tuple[object, ...]:
    values = record["values"]
    return values["crs_fever"], values["crs_hypoxia"], values["crs_grade_calc"], values["aetoxgr"]


def open_grade_queries(api: Api, number: str) -> list[dict[str, Any]]:
    found = api.call("monitor", "GET", QUERIES, params={"subject": number, "status": "open"})
    assert found.status_code == 200, found.text
    return [q for q in found.json()["items"] if q["check_id"] == "crs_grade_agrees"]


def test_raw_values_give_the_stored_astct_grade(api: Api) -> None:
    number = screen(api)
    path = records_path(number, "LOGS", "adverse_events")
    low = api.call("inv01", "POST", path, json=crs_event("1", "2", crs_o2_device="NASAL_CANNULA_LOW_FLOW",
                                                         crs_o2_flow="6.0"))
    assert low.status_code == 201, low.text
    assert crs_values(low.json()) == (True, "LOW_FLOW", 2, "2") and low.json()["findings"] == []
    read = api.call("monitor", "GET", f"{path}/1")
    assert read.status_code == 200 and crs_values(read.json()) == (True, "LOW_FLOW", 2, "2")
    # masked by tocilizumab: no fever recorded, the grade still follows hypotension (one vasopressor: 3)
    masked = api.call("inv01", "POST", path, json=crs_event("2", "3", crs_tmax="37.2", crs_fever_masked=True,
                                                            crs_hypotension="ONE_VASOPRESSOR", aewrsdat="2026-02-10"))
    assert masked.status_code == 201, masked.text
    assert crs_values(masked.json()) == (True, "NONE", 3, "3") and masked.json()["findings"] == []
    # the components and the grade are the server's: a client sending them is refused, naming each
    sent = api.call("inv01", "POST", path, json=crs_event("3", "1", crs_hypoxia="NONE", crs_grade_calc=1))
    assert sent.status_code == 422
    assert {(e["item"], e["message"]) for e in sent.json()["errors"]} == {
        ("crs_hypoxia", "calculated by the server; do not send it"),
        ("crs_grade_calc", "calculated by the server; do not send it")}


def test_a_site_grade_other_than_the_computed_one_opens_a_query_naming_both(api: Api) -> None:
    number = screen(api)
    path = records_path(number, "LOGS", "adverse_events")
    # 6.1 L/min by nasal cannula is high flow: grade 3, the site entered 1
    created = api.call("inv01", "POST", path, json=crs_event("1", "1", crs_tmax="38.6",
                                                             crs_o2_device="NASAL_CANNULA_LOW_FLOW", crs_o2_flow="6.1"))
    assert created.status_code == 201, created.text
    assert crs_values(created.json()) == (True, "HIGH_FLOW", 3, "1")  # the site's grade stays what it entered
    [finding] = created.json()["findings"]
    assert (finding["check_id"], finding["severity"], finding["item"]) == ("crs_grade_agrees", "warning", "aetoxgr")
    assert "grade entered (1)" in finding["message"] and finding["message"].endswith("(3)")
    [query] = open_grade_queries(api, number)
    assert (query["form"], query["item"], query["text"]) == ("adverse_events", "aetoxgr", finding["message"])

    # the flow was 6 L/min: now grade 2, still not the site's 1; the same query stands
    flow = api.call("inv01", "PATCH", f"{path}/1", json={"reason": "flow chart re-read", "changes": {
        "crs_o2_flow": "6.0"}}, headers={"If-Match": '"1"'})
    assert flow.status_code == 200, flow.text
    assert crs_values(flow.json()) == (True, "LOW_FLOW", 2, "1")
    assert [f["message"][-3:] for f in flow.json()["findings"]] == ["(2)"]
    assert [q["id"] for q in open_grade_queries(api, number)] == [query["id"]]

    # the investigator regrades: the finding goes and its query is closed
    regraded = api.call("inv01", "PATCH", f"{path}/1", json={"reason": "regraded per ASTCT 2019", "changes": {
        "aetoxgr": "2"}}, headers={"If-Match": '"2"'})
    assert regraded.status_code == 200, regraded.text
    assert regraded.json()["findings"] == [] and open_grade_queries(api, number) == []


def test_values_out_of_bounds_are_refused_naming_the_item(api: Api) -> None:
    number = screen(api)
    path = records_path(number, "LOGS", "adverse_events")
    for flow in ("80.1", "0", "-2"):
        response = api.call("inv01", "POST", path, json=crs_event("1", "2", crs_o2_device="NASAL_CANNULA_HIGH_FLOW",
                                                                  crs_o2_flow=flow))
        assert response.status_code == 422, (flow, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert [e["item"] for e in response.json()["errors"]] == ["crs_o2_flow"], flow
    hot = api.call("inv01", "POST", path, json=crs_event("1", "1", crs_tmax="43.5"))
    assert hot.status_code == 422 and [e["item"] for e in hot.json()["errors"]] == ["crs_tmax"]
    # a cannula needs its flow (it decides the grade); an unknown device is no code of the codelist
    no_flow = api.call("inv01", "POST", path, json=crs_event("1", "2", crs_o2_device="NASAL_CANNULA_LOW_FLOW"))
    assert no_flow.status_code == 422 and [e["item"] for e in no_flow.json()["errors"]] == ["crs_o2_flow"]
    device = api.call("inv01", "POST", path, json=crs_event("1", "2", crs_o2_device="HELMET"))
    assert device.status_code == 422 and [e["item"] for e in device.json()["errors"]] == ["crs_o2_device"]
    listed = api.call("monitor", "GET", path)
    assert listed.status_code == 200 and listed.json() == []  # nothing was stored


def test_the_dlt_screening_reads_the_site_grade(api: Api) -> None:
    """IC19's rule for grade 3 CRS applies to the investigator's grade 3 although the raw values compute 2."""
    trial = TrialRun(api, "ic19")
    assert trial.enrolled("A", "2026-01-10") == "DL1"
    trial.infuse("A", "2026-01-20", "DL1")
    event = trial.adverse_event("A", "1", grade=3, onset="2026-01-22", event_class="CRS", improved="2026-01-24",
                                ended="2026-01-26", crs={"crs_tmax": "38.8", "crs_fever_masked": False,
                                                         "crs_hypotension": "NO_VASOPRESSOR",
                                                         "crs_o2_device": "NONE", "crs_death": False})
    assert (event["values"]["crs_grade_calc"], event["values"]["aetoxgr"]) == (2, "3")
    assert [f["check_id"] for f in event["findings"]] == ["crs_grade_agrees"]
    [crs] = events_of(trial, trial.state("2026-03-20"), "DL1", "A")
    assert (crs["proposal"]["verdict"], crs["proposal"]["rule"]) == ("NOT_DLT", "crs_g3")
