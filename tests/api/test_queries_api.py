"""Data queries over HTTP: opened by an edit check and closed by the correction that resolves it; manual
queries raised by monitors, answered by the site, closed and re-opened; lists by site, subject, status, age."""

from __future__ import annotations

from typing import Any

from api_env import STUDY, Api, records_path, screen, vitals

QUERIES = f"/api/v1/studies/{STUDY}/queries"


def listed(api: Api, user: str = "monitor", **params: Any) -> list[dict[str, Any]]:
    response = api.call(user, "GET", QUERIES, params=params)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def step(api: Api, user: str, query_id: int, action: str, text: str) -> Any:
    return api.call(user, "POST", f"{QUERIES}/{query_id}/{action}", json={"text": text})


def trail(api: Api, action: str) -> list[tuple[Any, ...]]:
    found = api.call("monitor", "GET", f"/api/v1/studies/{STUDY}/audit", params={"action": action}).json()["items"]
    return [(e["item"], e["old_value"], e["new_value"]) for e in found]


def test_an_edit_check_opens_a_query_and_the_correction_that_resolves_it_closes_it(api: Api) -> None:
    number = screen(api)
    created = api.call("inv01", "POST", records_path(number, "SCR", "vital_signs"), json=vitals(diabp=125))
    assert created.status_code == 201, created.text
    [query] = listed(api, subject=number)
    assert (query["origin"], query["check_id"], query["status"], query["form"]) == (
        "edit_check", "bp_order", "open", "vital_signs")
    assert query["opened_by"] is None and "Diastolic" in query["text"]

    again = api.call("inv01", "PATCH", records_path(number, "SCR", "vital_signs") + "/1",
                     json={"reason": "typo", "changes": {"pulse": 71}}, headers={"If-Match": '"1"'})
    assert again.status_code == 200
    assert len(listed(api, subject=number)) == 1  # the finding still stands: the same query, not a second

    fixed = api.call("inv01", "PATCH", records_path(number, "SCR", "vital_signs") + "/1",
                     json={"reason": "diastolic was 75", "changes": {"diabp": 75}}, headers={"If-Match": '"2"'})
    assert fixed.status_code == 200, fixed.text
    thread = api.call("monitor", "GET", f"{QUERIES}/{query['id']}").json()
    assert thread["status"] == "closed" and thread["closed_at"] is not None
    assert [(m["kind"], m["status"], m["user"]) for m in thread["messages"]] == [
        ("open", "open", None), ("resolved", "closed", None)]
    assert "version 3" in thread["messages"][-1]["text"]
    assert [t[1:] for t in trail(api, "query.resolved")] == [('"open"', '"closed"')]


def test_a_manual_query_is_answered_closed_and_reopened(api: Api) -> None:
    number = screen(api)
    assert api.call("inv01", "POST", records_path(number, "SCR", "vital_signs"), json=vitals()).status_code == 201
    body = {"subject": number, "visit": "SCR", "form": "vital_signs", "item": "weight",
            "text": "Weight 70.0 kg; source says 60.0 kg?"}
    assert api.call("inv01", "POST", QUERIES, json=body).status_code == 403  # site staff do not raise queries
    raised = api.call("monitor", "POST", QUERIES, json=body)
    assert raised.status_code == 201, raised.text
    query = raised.json()
    assert (query["origin"], query["item"], query["status"], query["opened_by"]) == ("manual", "weight", "open",
                                                                                      "monitor")
    query_id = query["id"]

    assert step(api, "monitor", query_id, "answers", "it is").status_code == 403  # monitors do not answer
    answered = step(api, "coord01", query_id, "answers", "Source re-checked: 70.0 kg is right")
    assert answered.status_code == 201 and answered.json()["status"] == "answered"
    reopened = step(api, "monitor", query_id, "reopen", "Please attach the scale printout")
    assert reopened.status_code == 200 and reopened.json()["status"] == "open"
    step(api, "inv01", query_id, "answers", "Printout filed in the ISF")
    assert step(api, "inv01", query_id, "close", "done").status_code == 403  # the site does not close
    closed = step(api, "dm", query_id, "close", "Answer accepted")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    late = step(api, "inv01", query_id, "answers", "one more thing")
    assert late.status_code == 409 and late.headers["content-type"].startswith("application/problem+json")
    assert step(api, "monitor", query_id, "close", "again").status_code == 409
    assert step(api, "monitor", query_id, "close", " ").status_code == 422  # a step needs its text

    thread = api.call("inv01", "GET", f"{QUERIES}/{query_id}").json()
    assert [(m["kind"], m["user"]) for m in thread["messages"]] == [
        ("open", "monitor"), ("answer", "coord01"), ("reopen", "monitor"), ("answer", "inv01"), ("close", "dm")]
    assert [t[2] for t in trail(api, "query.answer")] == ['"answered"', '"answered"']
    assert trail(api, "query.close") == [("weight", '"answered"', '"closed"')]


def test_queries_point_at_what_exists(api: Api) -> None:
    number = screen(api)
    for body in ({"subject": number, "visit": "M3", "text": "x"},  # not planned yet
                 {"subject": number, "visit": "SCR", "form": "vital_signs", "text": "x"},  # no record
                 {"subject": "01-999", "visit": "SCR", "text": "x"}):
        assert api.call("monitor", "POST", QUERIES, json=body).status_code == 404
    assert api.call("inv01", "POST", records_path(number, "SCR", "vital_signs"), json=vitals()).status_code == 201
    unknown_item = {"subject": number, "visit": "SCR", "form": "vital_signs", "item": "colour", "text": "x"}
    assert api.call("monitor", "POST", QUERIES, json=unknown_item).status_code == 422
    visit_query = api.call("monitor", "POST", QUERIES, json={"subject": number, "visit": "SCR", "text": "Date?"})
    assert visit_query.status_code == 201 and visit_query.json()["form"] is None


def test_lists_by_site_subject_status_and_age_with_site_isolation(api: Api) -> None:
    first, other = screen(api), screen(api, "inv02", "02")
    for number in (first, other):
        api.call("monitor", "POST", QUERIES, json={"subject": number, "visit": "SCR", "text": f"check {number}"})
    assert {q["subject_number"] for q in listed(api)} == {first, other}
    assert [q["subject_number"] for q in listed(api, site="02")] == [other]
    assert [q["subject_number"] for q in listed(api, "inv02")] == [other]  # site staff: their sites only
    other_id = listed(api, site="02")[0]["id"]
    assert api.call("inv01", "GET", f"{QUERIES}/{other_id}").status_code == 404
    assert step(api, "inv01", other_id, "answers", "not mine").status_code == 404
    assert listed(api, status="closed") == [] and len(listed(api, status="open")) == 2
    assert listed(api, min_age_days=1) == []  # opened just now
    assert len(listed(api, min_age_days=0)) == 2
    assert api.call("monitor", "GET", QUERIES, params={"status": "pending"}).status_code == 422
    for age in (-1, 36_501, 6_762_421_651):  # a 500 once (the date arithmetic overflowed): refused now
        assert api.call("monitor", "GET", QUERIES, params={"min_age_days": age}).status_code == 422
    page = api.call("monitor", "GET", QUERIES, params={"limit": 1}).json()
    assert len(page["items"]) == 1 and page["next"]
    rest = api.call("monitor", "GET", QUERIES, params={"limit": 1, "cursor": page["next"]}).json()
    assert rest["items"][0]["id"] != page["items"][0]["id"] and rest["next"] is None
