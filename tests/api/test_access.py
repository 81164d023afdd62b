"""Who may do what: every route checked for every role, and site staff confined to their own sites."""

from __future__ import annotations

import csv
import io

import pytest
from api_env import PASSWORD, STUDY, USERS, Api, records_path, subject_path, vitals

from edc.app.kernel.permissions import ROLE_PERMISSIONS, Permission

SUBJECTS = f"/api/v1/studies/{STUDY}/subjects"
SUBJECT = subject_path("01-001")
RECORD = records_path("01-001", "SCR", "vital_signs") + "/1"

#: Every route of a study: method, path, body, the permission it needs.
ROUTES: list[tuple[str, str, object, str]] = [
    ("GET", f"/api/v1/studies/{STUDY}", None, "study.read"),
    ("GET", SUBJECTS, None, "subject.read"),
    ("POST", SUBJECTS, {"site": "01", "cohort": "SLE", "screened_on": "2026-03-03"}, "subject.screen"),
    ("GET", SUBJECT, None, "subject.read"),
    ("GET", SUBJECT + "/visits", None, "subject.read"),
    ("POST", SUBJECT + "/schedule", {"infusion_date": "2026-04-20"}, "visit.write"),
    ("POST", SUBJECT + "/visits", {}, "visit.write"),
    ("PUT", SUBJECT + "/visits/SCR/1/date", {"visit_date": "2026-03-02"}, "visit.write"),
    ("POST", SUBJECT + "/visits/M3/1/missed", {"reason": "lost"}, "visit.write"),
    ("POST", records_path("01-001", "SCR", "vital_signs"), vitals(), "record.write"),
    ("GET", records_path("01-001", "SCR", "vital_signs"), None, "record.read"),
    ("GET", RECORD, None, "record.read"),
    ("PATCH", RECORD, {"reason": "typo", "changes": {"pulse": 72}}, "record.write"),
    ("GET", SUBJECT + "/eligibility", None, "eligibility.read"),
    ("POST", SUBJECT + "/eligibility/decision", {"decision": "not_eligible", "reason": "consent withdrawn"},
     "eligibility.decide"),
    ("POST", SUBJECT + "/enrolment", {"enrolled_on": "2026-03-05"}, "subject.enrol"),
    ("GET", SUBJECT + "/responses", None, "record.read"),
    ("GET", SUBJECT + "/signatures", None, "record.read"),
    ("POST", SUBJECT + "/signatures", {"scope": "casebook", "password": PASSWORD, "meaning": "I approve"},
     "record.sign"),
    ("GET", f"/api/v1/studies/{STUDY}/audit", None, "audit.read"),
    ("GET", f"/api/v1/studies/{STUDY}/audit/csv", None, "audit.read"),
    ("GET", f"/api/v1/studies/{STUDY}/audit/checkpoints", None, "audit.read"),
    ("GET", f"/api/v1/studies/{STUDY}/audit/events/1/proof?tree_size=1", None, "audit.read"),
    ("GET", f"/api/v1/studies/{STUDY}/audit/consistency?first=1&second=1", None, "audit.read"),
    ("GET", f"/api/v1/studies/{STUDY}/escalation", None, "escalation.read"),
    ("POST", f"/api/v1/studies/{STUDY}/escalation/decisions", {"action": "stop", "reason": "safety signal"},
     "committee.decide"),
    ("POST", f"/api/v1/studies/{STUDY}/escalation/intermediate-levels",
     {"dose": {"value": 20, "unit": "10^6 cells"}, "reason": "SRC decision"}, "committee.decide"),
    ("POST", SUBJECT + "/adverse-events/1/adjudication", {"verdict": "DLT", "reason": "grade 4"}, "dlt.adjudicate"),
    ("GET", f"/api/v1/studies/{STUDY}/queries", None, "record.read"),
    ("POST", f"/api/v1/studies/{STUDY}/queries", {"subject": "01-001", "visit": "SCR", "text": "date?"}, "query.open"),
    ("GET", f"/api/v1/studies/{STUDY}/queries/1", None, "record.read"),
    ("POST", f"/api/v1/studies/{STUDY}/queries/1/answers", {"text": "checked"}, "query.answer"),
    ("POST", f"/api/v1/studies/{STUDY}/queries/1/close", {"text": "accepted"}, "query.open"),
    ("POST", f"/api/v1/studies/{STUDY}/queries/1/reopen", {"text": "still wrong"}, "query.open"),
    ("POST", f"/api/v1/studies/{STUDY}/sdv", {"subject": "01-001", "visit": "SCR"}, "sdv.mark"),
    ("GET", f"/api/v1/studies/{STUDY}/sdv/progress", None, "record.read"),
    ("GET", f"/api/v1/studies/{STUDY}/status", None, "subject.read"),
    ("GET", f"/api/v1/studies/{STUDY}/locks", None, "lock.manage"),
    ("POST", f"/api/v1/studies/{STUDY}/locks", {"scope": "study", "state": "frozen"}, "lock.manage"),
    ("POST", f"/api/v1/studies/{STUDY}/locks/1/release", {"reason": "re-opened"}, "lock.manage"),
    # an unknown format: refused (422) before a job is queued, so no export runs behind the test
    ("POST", f"/api/v1/studies/{STUDY}/exports", {"formats": ["pdf"]}, "export.run"),
    ("GET", f"/api/v1/studies/{STUDY}/exports", None, "export.run"),
    ("GET", f"/api/v1/studies/{STUDY}/exports/1", None, "export.run"),
    ("GET", f"/api/v1/studies/{STUDY}/exports/1/files/dm.xpt", None, "export.run"),
]


@pytest.fixture
def seeded(api: Api) -> Api:
    """Subject 01-001 with a screening vital-signs record, and 02-001 at the other site."""
    for user, site in (("inv01", "01"), ("inv02", "02")):
        response = api.call(user, "POST", SUBJECTS, json={"site": site, "cohort": "SLE", "screened_on": "2026-03-02"})
        assert response.status_code == 201, response.text
    created = api.call("inv01", "POST", records_path("01-001", "SCR", "vital_signs"), json=vitals())
    assert created.status_code == 201, created.text
    return api


def test_the_policy_a_trial_team_expects() -> None:
    def may(role: str, permission: str) -> bool:
        return Permission(permission) in ROLE_PERMISSIONS[role]

    assert may("investigator", "record.write") and may("coordinator", "record.write")
    assert may("investigator", "eligibility.decide") and not may("coordinator", "eligibility.decide")
    for role in ("monitor", "data_manager", "safety_reviewer", "administrator"):
        assert not may(role, "record.write") and not may(role, "subject.screen")
    assert may("monitor", "audit.read") and may("data_manager", "audit.read")
    assert not may("administrator", "record.read") or may("administrator", "study.read")


@pytest.mark.parametrize("username", list(USERS))
def test_every_route_allows_exactly_the_roles_that_hold_its_permission(seeded: Api, username: str) -> None:
    role, own_site = USERS[username]
    for method, path, body, permission in ROUTES:
        if path == SUBJECTS and method == "POST":  # screening is tried at a site the user may work at
            body = {**body, "site": own_site or "01"}  # type: ignore[dict-item]
        headers = {"If-Match": '"1"'} if method == "PATCH" else None
        response = seeded.call(username, method, path, json=body, headers=headers)
        allowed = Permission(permission) in ROLE_PERMISSIONS[role]
        if allowed:
            assert response.status_code not in (401, 403), (role, method, path, response.text)
        else:
            assert response.status_code == 403, (role, method, path, response.status_code)
            assert response.headers["content-type"].startswith("application/problem+json")


def test_no_route_answers_without_a_valid_token(seeded: Api) -> None:
    for method, path, body, _ in ROUTES:
        missing = seeded.call("nobody", method, path, json=body)
        assert missing.status_code == 401, (method, path, missing.status_code)
        forged = seeded.client.request(method, path, json=body, headers={"Authorization": "Bearer forged"})
        assert forged.status_code == 401 and "bearer" in forged.headers["www-authenticate"].lower(), (method, path)


def test_site_staff_see_only_their_sites_subjects(seeded: Api) -> None:
    listed = seeded.call("inv02", "GET", SUBJECTS).json()["items"]
    assert [s["subject_number"] for s in listed] == ["02-001"]
    assert seeded.call("inv02", "GET", SUBJECTS, params={"site": "01"}).json()["items"] == []
    missing = seeded.call("inv02", "GET", subject_path("01-999"))
    for method, path, body, _ in ROUTES[3:19]:  # every route naming a subject
        headers = {"If-Match": '"1"'} if method == "PATCH" else None
        response = seeded.call("inv02", method, path, json=body, headers=headers)
        assert response.status_code == 404, (method, path, response.status_code)
        assert response.json()["title"] == missing.json()["title"]
    assert seeded.call("monitor", "GET", SUBJECTS).json()["items"][0]["subject_number"] == "01-001"


def test_site_staff_cannot_screen_at_another_site(seeded: Api) -> None:
    body = {"site": "01", "cohort": "SLE", "screened_on": "2026-03-03"}
    response = seeded.call("inv02", "POST", SUBJECTS, json=body)
    assert response.status_code == 403
    listed = seeded.call("monitor", "GET", SUBJECTS).json()["items"]
    assert [s["subject_number"] for s in listed] == ["01-001", "02-001"]


def test_site_staff_see_only_their_sites_audit_trail(seeded: Api) -> None:
    events = seeded.call("inv02", "GET", f"/api/v1/studies/{STUDY}/audit", params={"limit": 1000}).json()["items"]
    assert events and {e["site"] for e in events} == {"02"}
    assert seeded.call("inv02", "GET", f"/api/v1/studies/{STUDY}/audit",
                       params={"subject": "01-001"}).json()["items"] == []
    exported = seeded.call("inv02", "GET", f"/api/v1/studies/{STUDY}/audit/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert rows and {row["site"] for row in rows} == {"02"}
    everyone = seeded.call("monitor", "GET", f"/api/v1/studies/{STUDY}/audit", params={"limit": 1000}).json()
    assert {"01", "02"} <= {e["site"] for e in everyone["items"]}
