"""Screening, visits and form records over HTTP: validation, calculated items, idempotency, versions, audit."""

from __future__ import annotations

from typing import Any

from api_env import STUDY, Api, records_path, screen, subject_path, vitals
from sqlalchemy import func, select

from edc.db.core import FormRecord, Subject
from edc.db.trail import AuditEvent

PROBLEM = "application/problem+json"


def count(api: Api, table: Any) -> int:
    with api.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_screening_allocates_numbers_and_plans_screening(api: Api) -> None:
    assert [screen(api), screen(api), screen(api, "inv02", "02")] == ["01-001", "01-002", "02-001"]
    response = api.call("inv01", "GET", subject_path("01-001") + "/visits")
    assert response.status_code == 200
    assert [(v["visit_code"], v["status"]) for v in response.json()] == [("SCR", "planned"), ("LOGS", "open")]
    created = api.call("inv01", "GET", subject_path("01-002"))
    assert created.json()["status"] == "screening" and created.json()["site"] == "01"


def test_screening_refuses_unknown_fields_and_bad_cohort(api: Api) -> None:
    sent = {"site": "01", "cohort": "SLE", "screened_on": "2026-03-02", "subject_number": "01-999"}
    response = api.call("inv01", "POST", f"/api/v1/studies/{STUDY}/subjects", json=sent)
    assert response.status_code == 422 and response.headers["content-type"].startswith(PROBLEM)
    response = api.call("inv01", "POST", f"/api/v1/studies/{STUDY}/subjects",
                        json={"site": "01", "cohort": "XX", "screened_on": "2026-03-02"})
    assert response.status_code == 422 and "cohort" in response.json()["detail"]
    assert count(api, Subject) == 0


def test_a_record_is_validated_calculated_checked_and_audited(api: Api) -> None:
    number = screen(api)
    response = api.call("inv01", "POST", records_path(number, "SCR", "vital_signs"), json=vitals())
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["etag"] == '"1"' and body["version"] == 1 and body["seq"] == 1
    assert body["values"]["bmi"] == 22.9 and body["values"]["weight"] == 70.0
    assert response.headers["location"].endswith("/forms/vital_signs/1")
    read = api.call("monitor", "GET", response.headers["location"])
    assert read.status_code == 200 and read.json() == body and read.headers["etag"] == '"1"'
    with api.engine.connect() as conn:
        items = set(conn.execute(select(AuditEvent.item).where(AuditEvent.action == "record.create")).scalars())
    assert {"sysbp", "weight", "bmi"} <= items


def test_every_item_error_is_reported_at_once(api: Api) -> None:
    number = screen(api)
    sent = vitals(sysbp="high", pulse=900, temp="36.85", bmi=23, colour="red")
    del sent["vsdat"]
    response = api.call("inv01", "POST", records_path(number, "SCR", "vital_signs"), json=sent)
    assert response.status_code == 422 and response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["status"] == 422 and problem["type"].endswith("/validation")
    assert {e["item"] for e in problem["errors"]} == {"sysbp", "pulse", "temp", "bmi", "colour", "vsdat"}
    assert count(api, FormRecord) == 0


def test_a_value_a_calculation_cannot_use_is_an_item_error(api: Api) -> None:
    number = screen(api)
    chemistry = {"lbdat": "2026-03-02", "alt": "120", "alt_uln": "40", "ast": "30", "ast_uln": "0", "bili": "10.0",
                 "creat": "70"}
    response = api.call("inv01", "POST", records_path(number, "SCR", "chemistry"), json=chemistry)
    assert response.status_code == 422 and response.headers["content-type"].startswith(PROBLEM)
    [error] = response.json()["errors"]
    assert error["item"] == "ast_xuln" and "greater than 0" in error["message"]
    assert count(api, FormRecord) == 0
    stored = api.call("inv01", "POST", records_path(number, "SCR", "chemistry"), json={**chemistry, "ast_uln": "40"})
    assert stored.status_code == 201, stored.text
    assert (stored.json()["values"]["alt_xuln"], stored.json()["values"]["ast_xuln"]) == (3.0, 0.75)


def test_a_retried_submission_is_stored_once(api: Api) -> None:
    number = screen(api)
    key = {"Idempotency-Key": "visit-SCR-vs-1"}
    first = api.call("inv01", "POST", records_path(number, "SCR", "vital_signs"), json=vitals(), headers=key)
    again = api.call("inv01", "POST", records_path(number, "SCR", "vital_signs"), json=vitals(), headers=key)
    assert first.status_code == 201 and again.status_code == 201 and again.json() == first.json()
    other = api.call("inv01", "POST", records_path(number, "SCR", "vital_signs"), json=vitals(pulse=71),
                     headers=key)
    assert other.status_code == 422
    assert count(api, FormRecord) == 1


def test_a_correction_needs_if_match_and_a_reason_and_a_stale_one_changes_nothing(api: Api) -> None:
    number = screen(api)
    created = api.call("inv01", "POST", records_path(number, "SCR", "vital_signs"), json=vitals())
    location = created.headers["location"]
    change = {"reason": "transcription error", "changes": {"weight": "80.0"}}
    assert api.call("inv01", "PATCH", location, json=change).status_code == 428
    no_reason = api.call("inv01", "PATCH", location, json={"reason": "", "changes": {"weight": "80.0"}},
                         headers={"If-Match": '"1"'})
    assert no_reason.status_code == 422
    done = api.call("inv01", "PATCH", location, json=change, headers={"If-Match": '"1"'})
    assert done.status_code == 200 and done.headers["etag"] == '"2"'
    assert done.json()["values"]["bmi"] == 26.1  # recomputed by the server
    events_before = count(api, AuditEvent)
    stale = api.call("coord01", "PATCH", location, json={"reason": "late", "changes": {"weight": "60.0"}},
                     headers={"If-Match": '"1"'})
    assert stale.status_code == 412 and stale.headers["content-type"].startswith(PROBLEM)
    assert api.call("inv01", "GET", location).json()["values"]["weight"] == 80.0
    assert count(api, AuditEvent) == events_before
    with api.engine.connect() as conn:
        rows = conn.execute(select(AuditEvent.item, AuditEvent.old_value, AuditEvent.new_value, AuditEvent.reason)
                            .where(AuditEvent.action == "record.correct").order_by(AuditEvent.id)).all()
    assert [tuple(r) for r in rows] == [("weight", "70.0", "80.0", "transcription error"),
                                        ("bmi", "22.9", "26.1", "transcription error")]


def test_server_owned_fields_in_a_correction_are_refused(api: Api) -> None:
    number = screen(api)
    location = api.call("inv01", "POST", records_path(number, "SCR", "vital_signs"), json=vitals()).headers["location"]
    response = api.call("inv01", "PATCH", location, json={"reason": "x", "changes": {"bmi": 30}},
                        headers={"If-Match": '"1"'})
    assert response.status_code == 422 and [e["item"] for e in response.json()["errors"]] == ["bmi"]
    extra = api.call("inv01", "PATCH", location, json={"reason": "x", "changes": {}, "version": 3},
                     headers={"If-Match": '"1"'})
    assert extra.status_code == 422


def test_visits_schedule_date_unscheduled_and_missed(api: Api) -> None:
    number = screen(api)
    planned = api.call("inv01", "POST", subject_path(number) + "/schedule", json={"infusion_date": "2026-04-20"})
    assert planned.status_code == 200, planned.text
    days = {v["visit_code"]: v["planned_date"] for v in planned.json()}
    assert list(days)[:5] == ["SCR", "LEUK", "BL", "LD", "D0"] and list(days)[-1] == "M3"
    assert days["D0"] == "2026-04-20" and days["D28"] == "2026-05-18"
    codes = list(days)
    dated = api.call("inv01", "PUT", subject_path(number) + "/visits/SCR/1/date", json={"visit_date": "2026-03-09"})
    assert dated.status_code == 200 and dated.json()["status"] == "done"
    missed = api.call("inv01", "POST", subject_path(number) + f"/visits/{codes[-1]}/1/missed", json={})
    assert missed.status_code == 422
    missed = api.call("inv01", "POST", subject_path(number) + f"/visits/{codes[-1]}/1/missed",
                      json={"reason": "subject moved away"})
    assert missed.status_code == 200 and missed.json()["status"] == "missed"
    extra = api.call("inv01", "POST", subject_path(number) + "/visits", json={"visit_date": "2026-05-01"})
    assert extra.status_code == 201 and (extra.json()["visit_code"], extra.json()["occurrence"]) == ("UNS", 1)
    form = api.call("inv01", "POST", records_path(number, "UNS", "vital_signs"), json=vitals(vsdat="2026-05-01"))
    assert form.status_code == 201, form.text


def test_a_form_not_collected_at_a_visit_and_unknown_things(api: Api) -> None:
    number = screen(api)
    assert api.call("inv01", "POST", records_path(number, "LOGS", "vital_signs"), json=vitals()).status_code == 409
    assert api.call("inv01", "POST", records_path(number, "SCR", "no_such_form"), json={}).status_code == 404
    assert api.call("inv01", "POST", records_path("01-777", "SCR", "vital_signs"), json=vitals()).status_code == 404
    no_visit = api.call("inv01", "POST", records_path(number, "SCR", "vital_signs", occurrence=9), json=vitals())
    assert no_visit.status_code == 404 and "no visit SCR #9" in no_visit.json()["detail"]
    # another site's subject is missing, whatever its visits: the subject is refused before its visit is named
    for occurrence in (1, 9):
        hidden = api.call("inv02", "POST", records_path(number, "SCR", "vital_signs", occurrence), json=vitals())
        assert hidden.status_code == 404 and hidden.json()["detail"] == f"study '{STUDY}' has no subject '{number}'"
    assert api.call("inv01", "GET", "/api/v1/studies/nostudy/subjects").status_code == 404
    assert api.call("inv01", "GET", "/api/v1/nothing").status_code == 404
    malformed = api.client.post(records_path(number, "SCR", "vital_signs"), content=b"{not json",
                                headers=api.headers("inv01", **{"Content-Type": "application/json"}))
    assert malformed.status_code == 400 and malformed.headers["content-type"].startswith(PROBLEM)
