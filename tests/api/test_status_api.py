"""The study's status at a glance over HTTP: per site and in total, and only the sites the caller sees."""

from __future__ import annotations

from typing import Any

from api_env import PASSWORD, STUDY, Api, records_path, subject_path, vitals

STATUS = f"/api/v1/studies/{STUDY}/status"


def status(api: Api, user: str = "monitor") -> dict[str, dict[str, Any]]:
    response = api.call(user, "GET", STATUS)
    assert response.status_code == 200, response.text
    return {row["site"]: row for row in response.json()}


def test_counts_follow_entry_verification_signature_locks_and_queries(api: Api) -> None:
    screening_forms = len(api.catalog.studies[STUDY].spec.schedule.visits[0].forms)
    numbers = []
    for user, site in (("inv01", "01"), ("inv02", "02")):
        created = api.call(user, "POST", f"/api/v1/studies/{STUDY}/subjects",
                           json={"site": site, "cohort": "SLE", "screened_on": "2026-03-02"})
        numbers.append(created.json()["subject_number"])
    first = numbers[0]
    before = status(api)
    assert before["01"] | {"open_queries": None} == {
        "site": "01", "subjects": 1, "expected": screening_forms, "entered": 0, "additional": 0,
        "verified": 0, "signed": 0, "locked": 0, "open_queries": None, "answered_queries": 0,
        "overdue_visits": 1}  # screening window closed
    assert before["all"]["expected"] == 2 * screening_forms and before["all"]["overdue_visits"] == 2

    assert api.call("inv01", "POST", records_path(first, "SCR", "vital_signs"), json=vitals()).status_code == 201
    assert api.call("inv01", "PUT", subject_path(first) + "/visits/SCR/1/date",
                    json={"visit_date": "2026-03-02"}).status_code == 200
    assert api.call("monitor", "POST", f"/api/v1/studies/{STUDY}/sdv",
                    json={"subject": first, "visit": "SCR"}).status_code == 201
    assert api.call("inv01", "POST", subject_path(first) + "/signatures",
                    json={"scope": "casebook", "password": PASSWORD, "meaning": "I approve"}).status_code == 201
    assert api.call("dm", "POST", f"/api/v1/studies/{STUDY}/locks",
                    json={"scope": "record", "state": "frozen", "subject": first, "visit": "SCR",
                          "form": "vital_signs"}).status_code == 201
    for text in ("weight?", "height?"):
        api.call("monitor", "POST", f"/api/v1/studies/{STUDY}/queries",
                 json={"subject": first, "visit": "SCR", "text": text})
    query_id = api.call("monitor", "GET", f"/api/v1/studies/{STUDY}/queries").json()["items"][0]["id"]
    assert api.call("inv01", "POST", f"/api/v1/studies/{STUDY}/queries/{query_id}/answers",
                    json={"text": "checked"}).status_code == 201

    after = status(api)["01"]
    assert (after["entered"], after["verified"], after["signed"], after["locked"]) == (1, 1, 1, 1)
    assert after["open_queries"] == {"0-7": 1, "8-30": 0, ">30": 0} and after["answered_queries"] == 1
    assert after["overdue_visits"] == 0  # the screening visit is dated now
    assert [site for site in status(api, "inv02")] == ["02", "all"]  # site staff: their sites only
    assert status(api, "inv02")["all"]["entered"] == 0
    assert api.call("admin", "GET", STATUS).status_code == 403


def test_log_entries_and_repeats_are_additional_and_entered_never_exceeds_expected(api: Api) -> None:
    from api_env import adverse_event, screen

    number = screen(api)
    assert api.call("inv01", "POST", records_path(number, "SCR", "vital_signs"), json=vitals()).status_code == 201
    for aespid in ("1", "2", "3"):
        assert api.call("inv01", "POST", records_path(number, "LOGS", "adverse_events"),
                        json=adverse_event(aespid)).status_code == 201
    row = status(api)["01"]
    assert row["entered"] == 1 and row["additional"] == 3  # three log entries: no expected slot of their own
    assert row["entered"] <= row["expected"]
