"""The library's standard date checks over HTTP: dates after today, study events before consent, treatment out of
order, assessments outside their visit window and a death before the last visit are findings that open queries.

The checks read the subject's context (`subject.*`, `visit.*`, `today`), filled by the records service from the
database. Dates in the future are computed from the real clock (the service's `today`); the others are fixed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from api_env import STUDY, Api, records_path, screen, vitals
from trial_run import TrialRun

from edc.app.kernel.clock import latest_calendar_date

QUERIES = f"/api/v1/studies/{STUDY}/queries"
TODAY = date.today()
NEXT_YEAR = TODAY.replace(year=TODAY.year + 1, day=1)


def adverse_event(aespid: str, onset: str) -> dict[str, object]:
    """A grade 1 adverse event, ongoing since `onset`."""
    return {"aespid": aespid, "aeterm": "Headache", "aecat": "OTHER", "aestdat": onset, "aeongo": "Y",
            "aetoxgr": "1", "aeser": "N", "aerel": "UNLIKELY", "aerel_ld": "NOT_RELATED",
            "aeacn": "NOT APPLICABLE", "aecontrt": "N", "aeout": "NOT RECOVERED/NOT RESOLVED"}


def checks(record: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(check id, severity, item) of a record's findings."""
    return {(f["check_id"], f["severity"], f["item"]) for f in record["findings"]}


def post(api: Api, user: str, path: str, body: dict[str, object]) -> dict[str, Any]:
    response = api.call(user, "POST", path, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def edit_check_queries(api: Api, study: str, number: str) -> set[tuple[str, str, str]]:
    """(check id, form, item) of the subject's open edit-check queries, as the study's monitor lists them."""
    monitor = "monitor" if study == STUDY else f"mon_{study}"
    found = api.call(monitor, "GET", f"/api/v1/studies/{study}/queries", params={"subject": number})
    assert found.status_code == 200, found.text
    return {(q["check_id"], q["form"], q["item"]) for q in found.json()["items"]
            if q["origin"] == "edit_check" and q["status"] == "open"}


def test_a_date_after_today_is_a_finding_that_opens_a_query_on_its_item(api: Api) -> None:
    number = screen(api)
    ahead = post(api, "inv01", records_path(number, "SCR", "vital_signs"),
                 vitals(vsdat=(TODAY + timedelta(days=17)).isoformat()))
    # screening is planned on the day the subject was screened (2026-03-02): 17 days ahead is outside its window too
    assert checks(ahead) == {("vsdat_not_future", "error", "vsdat"), ("vsdat_in_window", "warning", "vsdat")}
    event = post(api, "inv01", records_path(number, "LOGS", "adverse_events"),
                 adverse_event("1", NEXT_YEAR.isoformat()))
    assert checks(event) == {("aestdat_not_future", "error", "aestdat")}
    # a partial date is compared by what is known: this year may be today, next year cannot
    medication = {"cmtrt": "Paracetamol", "cmgc": "N", "cmindc": "Headache", "cmongo": "Y"}
    medications = records_path(number, "LOGS", "concomitant_medications")
    later = post(api, "inv01", medications, {**medication, "cmstdat": str(NEXT_YEAR.year)})
    assert checks(later) == {("cmstdat_not_future", "error", "cmstdat")}
    assert checks(post(api, "inv01", medications, {**medication, "cmstdat": str(TODAY.year)})) == set()
    assert edit_check_queries(api, STUDY, number) == {
        ("vsdat_not_future", "vital_signs", "vsdat"), ("vsdat_in_window", "vital_signs", "vsdat"),
        ("aestdat_not_future", "adverse_events", "aestdat"),
        ("cmstdat_not_future", "concomitant_medications", "cmstdat")}
    fixed = api.call("inv01", "PATCH", records_path(number, "SCR", "vital_signs") + "/1",
                     json={"reason": "date typed wrongly", "changes": {"vsdat": TODAY.isoformat()}},
                     headers={"If-Match": '"1"'})
    assert fixed.status_code == 200 and checks(fixed.json()) == {("vsdat_in_window", "warning", "vsdat")}
    assert ("vsdat_not_future", "vital_signs", "vsdat") not in edit_check_queries(api, STUDY, number)


def test_study_events_before_informed_consent_are_findings(api: Api) -> None:
    trial = TrialRun(api, "relmacel")
    subject = trial.screened("A")  # consent signed 2026-01-05
    event = post(api, subject.user, records_path(subject.number, "LOGS", "adverse_events", study="relmacel"),
                 adverse_event("1", "2020-06-01"))
    assert checks(event) == {("aestdat_after_consent", "error", "aestdat")}
    after = post(api, subject.user, records_path(subject.number, "LOGS", "adverse_events", study="relmacel"),
                 adverse_event("2", "2026-01-20"))
    assert checks(after) == set()
    trial.enrolled("A", "2026-01-10")
    assert trial.schedule("A", "2026-02-15").status_code == 200  # leukapheresis planned 2026-01-18 +/- 7 days
    collected = post(api, subject.user, records_path(subject.number, "LEUK", "leukapheresis", study="relmacel"),
                     {"lkdat": "2025-12-20", "lkvol": 10000, "lkcells": 5000, "lkcd3": 3000, "lkadequate": "Y"})
    assert checks(collected) == {("lkdat_after_consent", "error", "lkdat"), ("lkdat_in_window", "warning", "lkdat")}
    assert edit_check_queries(api, "relmacel", subject.number) == {
        ("aestdat_after_consent", "adverse_events", "aestdat"), ("lkdat_after_consent", "leukapheresis", "lkdat"),
        ("lkdat_in_window", "leukapheresis", "lkdat")}


def test_treatment_out_of_order_outside_its_window_and_a_death_before_the_last_visit(api: Api) -> None:
    trial = TrialRun(api, "ic19")
    assert trial.enrolled("A", "2026-09-01") == "DL1"
    early = trial.infuse("A", "2026-02-01", "DL1")  # seven months before enrolment
    assert checks(early) == {("infusion_after_enrolment", "error", "exdat")}
    a = trial.subjects["A"]
    dated = api.call(a.user, "PUT", a.path("/visits/D7/1/date"), json={"visit_date": "2026-02-08"})
    assert dated.status_code == 200, dated.text
    death = post(api, a.user, records_path(a.number, "LOGS", "death", study="ic19"), {
        "dthdat": "2026-02-05", "dthcause": "Sepsis", "autopsy": "N", "dth_crs": "N", "dth_icans": "N",
        "dthrel": "UNLIKELY"})
    assert checks(death) == {("death_after_last_visit", "error", "dthdat")}

    assert trial.enrolled("B", "2026-03-01") == "DL1"
    assert trial.schedule("B", "2026-03-20").status_code == 200  # lymphodepletion from 03-15, window 03-13..15
    b = trial.subjects["B"]
    ld = records_path(b.number, "LD", "lymphodepletion", study="ic19")
    dose = {"extrt": "FLUDARABINE", "exdose": "30.0", "bsa": "1.70", "exadj": "N"}
    assert checks(post(api, b.user, ld, {**dose, "exdat": "2026-03-10"})) == {
        ("exdat_not_before_window", "warning", "exdat")}
    assert checks(post(api, b.user, ld, {**dose, "exdat": "2026-03-17"})) == set()  # day -3 of the regimen
    assert checks(post(api, b.user, ld, {**dose, "exdat": "2026-03-21"})) == set()  # not known yet: no infusion
    infused = trial.infuse("B", "2026-03-20", "DL1")
    assert checks(infused) == {("infusion_after_lymphodepletion", "error", "exdat")}
    late = post(api, b.user, ld, {**dose, "exdat": "2026-03-20"})
    assert checks(late) == {("ld_before_infusion", "error", "exdat")}
    assert edit_check_queries(api, "ic19", b.number) == {
        ("exdat_not_before_window", "lymphodepletion", "exdat"),
        ("infusion_after_lymphodepletion", "cart_infusion", "exdat"),
        ("ld_before_infusion", "lymphodepletion", "exdat")}


def test_a_screening_or_visit_in_the_future_cannot_be_dated_and_nothing_is_stored(api: Api) -> None:
    ahead = (TODAY + timedelta(days=17)).isoformat()
    subjects = f"/api/v1/studies/{STUDY}/subjects"
    before = api.call("inv01", "GET", subjects).json()["items"]
    refused = api.call("inv01", "POST", subjects, json={"site": "01", "cohort": "SLE", "screened_on": ahead})
    assert refused.status_code == 422, refused.text
    assert [e["item"] for e in refused.json()["errors"]] == ["screened_on"]
    assert api.call("inv01", "GET", subjects).json()["items"] == before
    number = screen(api)
    visits = f"{subjects}/{number}/visits"
    for answer in (api.call("inv01", "PUT", f"{visits}/SCR/1/date", json={"visit_date": ahead}),
                   api.call("inv01", "POST", visits, json={"visit_date": ahead})):
        assert answer.status_code == 422, answer.text
        assert [e["item"] for e in answer.json()["errors"]] == ["visit_date"]
        assert "in the future" in answer.json()["errors"][0]["message"]
    listed = api.call("inv01", "GET", visits).json()
    assert all(v["visit_code"] != "UNS" for v in listed) and all(v["visit_date"] != ahead for v in listed)
    latest = latest_calendar_date(datetime.now(UTC))  # a site east of the server may be a day ahead of it
    assert api.call("inv01", "PUT", f"{visits}/SCR/1/date", json={"visit_date": latest.isoformat()}).status_code == 200
