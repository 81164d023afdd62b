"""Freezing and locking over HTTP: every write route refuses locked data, locks cover what lies under them,
query steps continue on frozen data, releasing needs a reason, and all of it is audited."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from api_env import PASSWORD, STUDY, Api, records_path, screen, subject_path, vitals

from edc.app.access.service import GrantSpec, create_user

LOCKS = f"/api/v1/studies/{STUDY}/locks"
QUERIES = f"/api/v1/studies/{STUDY}/queries"


def lock(api: Api, state: str = "locked", **target: Any) -> dict[str, Any]:
    response = api.call("dm", "POST", LOCKS, json={"state": state, **target})
    assert response.status_code == 201, response.text
    return dict(response.json())


def release(api: Api, lock_id: int, reason: str = "database re-opened for a late lab result") -> Any:
    return api.call("dm", "POST", f"{LOCKS}/{lock_id}/release", json={"reason": reason})


def write_routes(number: str, query_id: int) -> list[tuple[str, str, str, object, dict[str, str]]]:
    """(user, method, path, body, headers) of every write a site or the committee may make on `number`."""
    subject = subject_path(number)
    record = records_path(number, "SCR", "vital_signs")
    return [
        ("inv01", "POST", f"/api/v1/studies/{STUDY}/subjects",
         {"site": "01", "cohort": "SLE", "screened_on": "2026-03-03"}, {}),
        ("inv01", "POST", subject + "/schedule", {"infusion_date": "2026-04-20"}, {}),
        ("inv01", "POST", subject + "/visits", {}, {}),
        ("inv01", "PUT", subject + "/visits/SCR/1/date", {"visit_date": "2026-03-02"}, {}),
        ("inv01", "POST", subject + "/visits/M3/1/missed", {"reason": "lost to follow-up"}, {}),
        ("inv01", "POST", records_path(number, "SCR", "chemistry"), {"lbdat": "2026-03-02"}, {}),
        ("inv01", "PATCH", record + "/1", {"reason": "typo", "changes": {"pulse": 72}}, {"If-Match": '"1"'}),
        ("inv01", "POST", subject + "/eligibility/decision", {"decision": "not_eligible", "reason": "withdrew"}, {}),
        ("inv01", "POST", subject + "/enrolment", {"enrolled_on": "2026-03-05"}, {}),
        ("monitor", "POST", QUERIES, {"subject": number, "visit": "SCR", "text": "date?"}, {}),
        ("inv01", "POST", f"{QUERIES}/{query_id}/answers", {"text": "checked"}, {}),
        ("monitor", "POST", f"{QUERIES}/{query_id}/close", {"text": "accepted"}, {}),
        ("safety", "POST", f"/api/v1/studies/{STUDY}/escalation/decisions",
         {"action": "stop", "reason": "safety signal"}, {}),
    ]


def seeded(api: Api) -> tuple[str, int]:
    """Subject 01-001, scheduled, with a screening vital-signs record and a manual query."""
    number = screen(api)
    assert api.call("inv01", "POST", subject_path(number) + "/schedule",
                    json={"infusion_date": "2026-04-20"}).status_code == 200
    assert api.call("inv01", "POST", records_path(number, "SCR", "vital_signs"), json=vitals()).status_code == 201
    query = api.call("monitor", "POST", QUERIES, json={"subject": number, "visit": "SCR", "text": "date?"})
    assert query.status_code == 201, query.text
    return number, int(query.json()["id"])


def test_a_locked_study_refuses_every_write_route_until_released(api: Api) -> None:
    number, query_id = seeded(api)
    placed = lock(api, scope="study")
    assert (placed["scope"], placed["state"], placed["created_by"]) == ("study", "locked", "dm")
    for user, method, path, body, headers in write_routes(number, query_id):
        response = api.call(user, method, path, json=body, headers=headers)
        assert response.status_code == 409, (method, path, response.status_code, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["type"].endswith("/locked")
        assert "locked by data management" in response.json()["detail"]
    assert api.call("monitor", "GET", subject_path(number)).status_code == 200  # reading goes on

    assert release(api, placed["id"], " ").status_code == 422  # a reason is required
    assert release(api, placed["id"]).status_code == 204
    assert release(api, placed["id"]).status_code == 404  # no longer active
    corrected = api.call("inv01", "PATCH", records_path(number, "SCR", "vital_signs") + "/1",
                         json={"reason": "typo", "changes": {"pulse": 72}}, headers={"If-Match": '"1"'})
    assert corrected.status_code == 200, corrected.text
    events = api.call("monitor", "GET", f"/api/v1/studies/{STUDY}/audit",
                      params={"action": "lock.release"}).json()["items"]
    assert [(e["item"], e["old_value"], e["reason"]) for e in events] == [
        ("study", '"locked"', f"lock {placed['id']}: database re-opened for a late lab result")]


def test_frozen_data_take_query_steps_but_no_data_changes(api: Api) -> None:
    number, query_id = seeded(api)
    lock(api, "frozen", scope="subject", subject=number)
    refused = api.call("inv01", "PATCH", records_path(number, "SCR", "vital_signs") + "/1",
                       json={"reason": "typo", "changes": {"pulse": 72}}, headers={"If-Match": '"1"'})
    assert refused.status_code == 409 and "subject is frozen" in refused.json()["detail"]
    answered = api.call("inv01", "POST", f"{QUERIES}/{query_id}/answers", json={"text": "date confirmed"})
    assert answered.status_code == 201, answered.text


def test_a_lock_covers_what_lies_under_it_and_nothing_else(api: Api) -> None:
    number, _ = seeded(api)
    other = screen(api)
    record = lock(api, scope="record", subject=number, visit="SCR", form="vital_signs")
    assert (record["subject_number"], record["visit_code"], record["form"], record["seq"]) == (
        number, "SCR", "vital_signs", 1)
    patch = {"reason": "typo", "changes": {"pulse": 72}}
    assert api.call("inv01", "PATCH", records_path(number, "SCR", "vital_signs") + "/1", json=patch,
                    headers={"If-Match": '"1"'}).status_code == 409
    chemistry = {"lbdat": "2026-03-02", "alt": "20", "ast": "20", "bili": "10.0", "creat": "70"}
    assert api.call("inv01", "POST", records_path(number, "SCR", "chemistry"), json=chemistry).status_code == 201

    visit = lock(api, scope="visit", subject=number, visit="SCR")
    assert api.call("inv01", "POST", records_path(number, "SCR", "haematology"),
                    json={"lbdat": "2026-03-02"}).status_code == 409
    assert api.call("inv01", "POST", records_path(number, "BL", "vital_signs"), json=vitals()).status_code == 201
    assert api.call("inv01", "POST", records_path(other, "SCR", "vital_signs"), json=vitals()).status_code == 201

    again = api.call("dm", "POST", LOCKS, json={"scope": "visit", "state": "frozen", "subject": number, "visit": "SCR"})
    assert again.status_code == 409  # release the visit's lock first
    assert api.call("monitor", "POST", LOCKS, json={"scope": "study", "state": "locked"}).status_code == 403
    assert api.call("dm", "POST", LOCKS, json={"scope": "visit", "state": "locked"}).status_code == 422
    active = api.call("dm", "GET", LOCKS).json()
    assert [(a["scope"], a["id"]) for a in active] == [("record", record["id"]), ("visit", visit["id"])]


def test_a_site_data_manager_locks_and_sees_only_their_sites(api: Api) -> None:
    with api.engine.begin() as conn:
        create_user(conn, username="dm01", full_name="Site DM", password=PASSWORD,
                    grants=[GrantSpec("data_manager", STUDY, "01")], now=datetime.now(UTC))
    api.tokens["dm01"] = api.login("dm01").json()["token"]
    own, other = screen(api, "inv01", "01"), screen(api, "inv02", "02")
    theirs = lock(api, scope="subject", subject=other)
    study_wide = lock(api, state="frozen", scope="study")

    refused = api.call("dm01", "POST", LOCKS, json={"scope": "study", "state": "frozen"})
    assert refused.status_code == 403 and "study-wide grant" in refused.json()["detail"], refused.text
    assert api.call("dm01", "POST", LOCKS, json={"scope": "subject", "subject": other,
                                                   "state": "locked"}).status_code == 404
    mine = api.call("dm01", "POST", LOCKS, json={"scope": "subject", "subject": own, "state": "locked"})
    assert mine.status_code == 201, mine.text

    listed = {item["id"] for item in api.call("dm01", "GET", LOCKS).json()}
    assert listed == {mine.json()["id"], study_wide["id"]}  # the study lock covers their sites too
    missing = api.call("dm01", "POST", f"{LOCKS}/999999/release", json={"reason": "x"})
    hidden = api.call("dm01", "POST", f"{LOCKS}/{theirs['id']}/release", json={"reason": "x"})
    assert (hidden.status_code, hidden.json()["type"]) == (missing.status_code, missing.json()["type"]) == (
        404, missing.json()["type"])
    assert api.call("dm01", "POST", f"{LOCKS}/{study_wide['id']}/release",
                    json={"reason": "x"}).status_code == 403
    assert {item["id"] for item in api.call("dm", "GET", LOCKS).json()} == {
        theirs["id"], study_wide["id"], mine.json()["id"]}  # nothing was released
