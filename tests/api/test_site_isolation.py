"""No leak across sites, generated from the served OpenAPI document: every operation × every role × grant.

The operations are those of the document for study `relmacel` (the per-form copies of the record paths
collapsed to two representative forms, `vital_signs` and `adverse_events`; `DELETE /auth/token`, which
would log the caller out, and `POST /auth/token`, which has no caller, are left out). Each is called by
each of the six roles with a grant restricted to site 01 and, for the four roles that may be study-wide,
with a study-wide grant: 10 grants. The matrix is 70 operations (65 once the two forms are collapsed)
× 10 grants = 700 cells per backend; `test_the_matrix_covers_the_document` checks and prints the count.
A cell of a site-01 grant naming an object makes two requests (the other site's, a missing one).

Fixture data, created once per module and backend through the API: at each of sites 01 and 02 a subject
with a vital-signs record and an adverse event, a query, an SDV mark, a signature and a record lock;
an export job of the whole study and one of a site-01 data manager.

For a site-01 grant, every operation naming another site's object (path or body) is answered exactly like
one naming an object that does not exist (same status, same problem type), and no response body names
another site's subject. A study-wide grant reads the other site's objects (its read operations only:
the matrix does not write across sites for real); that positive control shows the comparison can fail.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from api_env import PASSWORD, STUDY, Api, records_path, start_api, vitals
from backends import BACKENDS, scratch_database
from screened import payload
from screening_data import screening

from edc.app.access.service import GrantSpec, create_user
from edc.definitions.catalog import Catalog

METHODS = ("get", "put", "post", "delete", "patch")
FORMS = {"vital_signs": "SCR", "adverse_events": "LOGS"}  # representative forms and the visit they are at
LEFT_OUT = {("post", "/api/v1/auth/token"), ("delete", "/api/v1/auth/token")}
ROLES = ("investigator", "coordinator", "data_manager", "monitor", "safety_reviewer", "administrator")
STUDY_WIDE = ("data_manager", "monitor", "safety_reviewer", "administrator")
#: username -> (role, site code or None for study-wide)
GRANTS: dict[str, tuple[str, str | None]] = {
    **{f"{role}.01": (role, "01") for role in ROLES},
    **{f"{role}.all": (role, None) for role in STUDY_WIDE},
}
OTHER, MISSING, MISSING_ID = "02-001", "09-999", 999_999
EXPORT_KEY = "site-isolation-export-01"
#: Listings that, read by a study-wide grant, must name the other site's subject (the positive control).
REPORTS = ("/reports/open-queries.csv", "/reports/sdv-progress.csv")
NAMING_SUBJECTS = ("/subjects", "/queries", "/sdv/progress", "/status", "/audit", "/audit/csv", *REPORTS)

@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # the document's template, form paths with the study and form filled in

    @property
    def key(self) -> tuple[str, str]:
        return self.method, re.sub(r"/forms/\w+", "/forms/{form}", self.path)


@dataclass
class World:
    """The shared fixture data of one backend."""

    api: Api
    operations: list[Operation]
    queries: dict[str, int] = field(default_factory=dict)  # site -> a query id
    locks: dict[str, int] = field(default_factory=dict)  # site -> a lock id
    jobs: dict[str, int] = field(default_factory=dict)  # "all" / "01" -> an export job id
    events: dict[str, int] = field(default_factory=dict)  # site -> an audit event id
    terms: dict[str, int] = field(default_factory=dict)  # site -> a verbatim term's id in the coding queue


def operations_of(document: dict[str, Any]) -> list[Operation]:
    """The matrix's operations: the study's, with the record paths of the representative forms only."""
    found = []
    for path, item in document["paths"].items():
        forms = re.search(r"/forms/(\w+)", path)
        if "/studies/" in path and not path.startswith((f"/api/v1/studies/{STUDY}", "/api/v1/studies/{study_id}")):
            continue
        if forms and forms.group(1) not in FORMS:
            continue
        found += [Operation(m, path) for m in METHODS if m in item and (m, path) not in LEFT_OUT]
    return found


def ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


@pytest.fixture(scope="module", params=BACKENDS)
def world(request: pytest.FixtureRequest, catalog: Catalog,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("isolation")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EDC_ARGON2_PROFILE", "test")
        patch.setenv("EDC_EXPORT_DIR", str(tmp / "exports"))
        for db_url in scratch_database(request.param, tmp):
            for api in start_api(db_url, catalog):
                yield _populate(api)


def _populate(api: Api) -> World:
    with api.engine.begin() as conn:
        for username, (role, site) in GRANTS.items():
            create_user(conn, username=username, full_name=username, password=PASSWORD,
                        grants=[GrantSpec(role, STUDY, site)], now=datetime.now(UTC))
    for username in GRANTS:
        api.tokens[username] = ok(api.login(username))["token"]
    world = World(api, operations_of(ok(api.client.get("/schema/openapi.json"), 200)))
    study = f"/api/v1/studies/{STUDY}"
    definition = api.catalog.studies[STUDY]
    demographics = payload(definition, "demographics", screening(definition, None)["demographics"])
    for site in ("01", "02"):
        user, number = f"inv{site}", f"{site}-001"
        ok(api.call(user, "POST", f"{study}/subjects", json={"site": site, "cohort": "SLE",
                                                             "screened_on": "2026-03-02"}))
        ok(api.call(user, "POST", records_path(number, "SCR", "vital_signs"), json=vitals()))
        ok(api.call(user, "POST", records_path(number, "SCR", "demographics"), json=demographics))
        ok(api.call(user, "POST", records_path(number, "LOGS", "adverse_events"), json=adverse_event()))
        ok(api.call("monitor", "POST", f"{study}/sdv", json={"subject": number, "visit": "SCR",
                                                               "form": "vital_signs"}))
        ok(api.call(user, "POST", f"{study}/subjects/{number}/signatures",
                    json={"scope": "casebook", "password": PASSWORD, "meaning": "I approve"}))
        world.queries[site] = ok(api.call("monitor", "POST", f"{study}/queries", json={
            "subject": number, "visit": "SCR", "form": "vital_signs", "item": "pulse", "text": "pulse?"}))["id"]
        world.locks[site] = ok(api.call("dm", "POST", f"{study}/locks", json={
            "scope": "record", "state": "frozen", "subject": number, "visit": "LOGS", "form": "adverse_events"}))["id"]
    export = {"formats": ["csv"], "allow_uncoded": True}
    world.jobs["all"] = ok(api.call("dm", "POST", f"{study}/exports", json=export), 202)["id"]
    world.jobs["01"] = ok(api.call("data_manager.01", "POST", f"{study}/exports", json=export,
                                   headers={"Idempotency-Key": EXPORT_KEY}), 202)["id"]
    for job in world.jobs.values():
        _finished(api, job)
    for site in ("01", "02"):
        world.events[site] = ok(api.call("dm", "GET", f"{study}/audit", params={"site": site, "limit": 1}),
                                200)["items"][0]["id"]
        world.terms[site] = ok(api.call("dm", "GET", f"{study}/coding/terms", params={"site": site}),
                               200)["items"][0]["id"]
    return world


def _finished(api: Api, job_id: int, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job: dict[str, Any] = ok(api.call("dm", "GET", f"/api/v1/studies/{STUDY}/exports/{job_id}"), 200)
        if job["status"] in ("succeeded", "failed"):
            assert job["status"] == "succeeded", (job["error"], job["failures"][:3])
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.05)


def adverse_event() -> dict[str, object]:
    return {"aespid": "1", "aeterm": "Headache", "aecat": "OTHER", "aestdat": "2026-03-10", "aeongo": "Y",
            "aetoxgr": "1", "aeser": "N", "aerel": "UNLIKELY", "aerel_ld": "NOT_RELATED",
            "aeacn": "NOT APPLICABLE", "aecontrt": "N", "aeout": "NOT RECOVERED/NOT RESOLVED"}


def _body(op: Operation, subject: str) -> object:
    """A valid body for the operation, naming `subject` where it names one."""
    if "/forms/" in op.path:
        form = re.search(r"/forms/(\w+)", op.path)
        assert form is not None
        values = vitals() if form.group(1) == "vital_signs" else adverse_event()
        if op.path.endswith("/withdrawal"):
            return {"reason": "entered in error"}
        return {"reason": "typo", "changes": {"pulse": 72}} if op.method == "patch" else values
    if "/coding/terms/" in op.path:
        return {"code": "10019211", "reason": "coded"} if op.path.endswith("/decision") else {"text": "which?"}
    bodies: dict[str, object] = {
        "/coding/dictionaries/{dictionary}": {"version": "27.1"},
        "/subjects": {"site": "02", "cohort": "SLE", "screened_on": "2026-03-03"},
        "/schedule": {"infusion_date": "2026-04-20"},
        "/visits": {},
        "/date": {"visit_date": "2026-03-02", "reason": "corrected"},
        "/missed": {"reason": "lost"},
        "/eligibility/decision": {"decision": "not_eligible", "reason": "consent withdrawn"},
        "/enrolment": {"enrolled_on": "2026-03-05"},
        "/signatures": {"scope": "casebook", "password": PASSWORD, "meaning": "I approve"},
        "/adjudication": {"verdict": "NOT_DLT", "reason": "grade 1"},
        "/escalation/decisions": {"action": "stop", "reason": "safety signal"},
        "/escalation/intermediate-levels": {"dose": {"value": 20, "unit": "10^6 cells"}, "reason": "SRC decision"},
        "/queries": {"subject": subject, "visit": "SCR", "text": "date?"},
        "/answers": {"text": "checked"},
        "/close": {"text": "accepted"},
        "/reopen": {"text": "still wrong"},
        "/sdv": {"subject": subject, "visit": "SCR"},
        "/locks": {"scope": "subject", "state": "frozen", "subject": subject},
        "/release": {"reason": "re-opened"},
        "/exports": {"formats": ["csv"], "allow_uncoded": True},
    }
    return next((body for end, body in bodies.items() if op.path.endswith(end)), None)


def _request(world: World, op: Operation, which: str) -> tuple[str, object, dict[str, str], dict[str, str]]:
    """(path, body, headers, query) of `op` aimed at the other site's objects (`which` "other") or at missing
    ones ("missing")."""
    other = which == "other"
    subject = OTHER if other else MISSING
    form = re.search(r"/forms/(\w+)", op.path)
    values = {"study_id": STUDY, "subject_number": subject, "occurrence": "1", "seq": "1", "aespid": "1",
              "visit_code": FORMS[form.group(1)] if form else ("M3" if op.path.endswith("/missed") else "SCR"),
              "query_id": str(world.queries["02"] if other else MISSING_ID),
              "lock_id": str(world.locks["02"] if other else MISSING_ID),
              "job_id": str(world.jobs["all"] if other else MISSING_ID), "name": "dm.csv",
              "event_id": str(world.events["02"] if other else MISSING_ID),
              "term_id": str(world.terms["02"] if other else MISSING_ID), "dictionary": "meddra",
              "site_code": "02" if other else "99"}
    path = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], op.path)
    headers = {"If-Match": '"1"'} if op.method == "patch" or op.path.endswith(
        ("/withdrawal", "/terms/{term_id}/decision")) else {}
    if op.path.endswith("/exports") and op.method == "post":
        headers["Idempotency-Key"] = EXPORT_KEY
    query = {"site": "02", "subject": subject} if op.method == "get" and path.endswith(
        ("/subjects", "/queries", "/audit", "/audit/csv", "/sdv/progress", "/status", *REPORTS)) else {}
    if op.method == "get" and path.endswith("/subjects"):
        query.pop("subject")
    if path.endswith("/proof"):  # a tree that holds the other site's event
        query = {"tree_size": str(world.events["02"])}
    if path.endswith("/consistency"):
        query = {"first": "1", "second": "2"}
    return path, None if op.method == "get" else _body(op, subject), headers, query


def names_object(op: Operation, body: object) -> bool:
    """True when the request names an object of one site (path or body): answered like a missing one."""
    return any(p in op.path for p in ("{subject_number}", "{query_id}", "{lock_id}", "{job_id}", "{event_id}",
                                        "{term_id}", "{site_code}")) or (
        isinstance(body, dict) and "subject" in body)


def _problem_type(response: Any) -> str | None:
    if response.headers.get("content-type", "").startswith("application/problem+json"):
        return str(response.json().get("type"))
    return None


def leaks(text: str) -> bool:
    """True when a response body names site 02's subject or site."""
    return OTHER in text or re.search(r'"site(_code)?"\s*:\s*"02"', text) is not None


def cell(world: World, username: str, op: Operation) -> list[str]:
    """The violations of one cell of the matrix (empty when the cell holds)."""
    api, (_, site) = world.api, GRANTS[username]
    path, body, headers, query = _request(world, op, "other")
    if site is None and op.method != "get":
        return []  # study-wide grants do not write across sites for real
    answer = api.call(username, op.method.upper(), path, json=body, headers=headers, params=query)
    _undo(world, op, answer)
    found = []
    if answer.status_code >= 500:
        found.append(f"{answer.status_code} on {path}: {answer.text[:200]}")
    if site is None:
        if names_object(op, body) and answer.status_code == 404:
            found.append(f"study-wide grant does not see {path}")
        if answer.status_code == 200 and path.endswith(NAMING_SUBJECTS) and not leaks(api.call(
                username, "GET", path).text):
            found.append(f"study-wide grant's listing {path} does not name site 02")
        return found
    if _problem_type(answer) is None and leaks(answer.text):  # a problem's detail echoes the id asked for
        found.append(f"{answer.status_code} on {path} names site 02: {answer.text[:300]}")
    if path.endswith("/locks") and op.method == "post":  # a lock of the whole study covers the other site too
        study_lock = api.call(username, "POST", path, json={"scope": "study", "state": "frozen"})
        _undo(world, op, study_lock)
        if study_lock.status_code < 400:
            found.append(f"a site-restricted grant placed a study-wide lock: {study_lock.status_code}")
    if path.endswith(("/escalation/decisions", "/escalation/intermediate-levels")) and answer.status_code < 400:
        found.append(f"a site-restricted grant decided the study's dose escalation: {answer.status_code}")
    if path.endswith("/subjects") and op.method == "post":
        if answer.status_code < 400:
            found.append(f"screened at site 02: {answer.status_code}")
    elif names_object(op, body):
        m_path, m_body, m_headers, m_query = _request(world, op, "missing")
        missing = api.call(username, op.method.upper(), m_path, json=m_body, headers=m_headers, params=m_query)
        if (answer.status_code, _problem_type(answer)) != (missing.status_code, _problem_type(missing)):
            found.append(f"{path}: {answer.status_code} {_problem_type(answer)} but missing one "
                         f"{missing.status_code} {_problem_type(missing)}")
    return found


def _undo(world: World, op: Operation, answer: Any) -> None:
    """Put back what a leaking write changed, so the other cells see the fixture data as it was."""
    study = f"/api/v1/studies/{STUDY}"
    if op.path.endswith("/locks") and op.method == "post" and answer.status_code == 201:
        ok(world.api.call("dm", "POST", f"{study}/locks/{answer.json()['id']}/release",
                          json={"reason": "undo"}), 204)
    if op.path.endswith("/release") and answer.status_code == 204:
        world.locks["02"] = ok(world.api.call("dm", "POST", f"{study}/locks", json={
            "scope": "record", "state": "frozen", "subject": OTHER, "visit": "LOGS", "form": "adverse_events"}))["id"]


def test_the_matrix_covers_the_document(world: World) -> None:
    keys = {op.key for op in world.operations}
    assert len(world.operations) == 70 and len(keys) == 65, sorted(keys)
    cells = len(world.operations) * len(GRANTS)
    print(f"\nsite-isolation matrix: {len(world.operations)} operations x {len(ROLES)} roles, "
          f"{len(GRANTS)} grants (6 site-01, 4 study-wide) = {cells} cells")


@pytest.mark.parametrize("username", list(GRANTS))
def test_no_operation_leaks_another_sites_data(world: World, username: str) -> None:
    violations = {op.key: found for op in world.operations if (found := cell(world, username, op))}
    assert not violations, json.dumps({f"{m} {p}": v for (m, p), v in violations.items()}, indent=1)


def test_a_site_data_managers_export_has_none_of_the_other_sites_subjects(world: World) -> None:
    api, study = world.api, f"/api/v1/studies/{STUDY}"
    own = ok(api.call("data_manager.01", "GET", f"{study}/exports/{world.jobs['01']}"), 200)
    texts = [ok_text(api.call("data_manager.01", "GET", f"{study}/exports/{own['id']}/files/{f['name']}"))
             for f in own["files"]]
    assert texts and any("01-001" in text for text in texts)
    assert not any(OTHER in text for text in texts)
    whole = ok(api.call("dm", "GET", f"{study}/exports/{world.jobs['all']}"), 200)
    dm = next(f["name"] for f in whole["files"] if f["name"] == "dm.csv")
    assert OTHER in ok_text(api.call("dm", "GET", f"{study}/exports/{whole['id']}/files/{dm}"))  # the control


def ok_text(response: Any) -> str:
    assert response.status_code == 200, response.text
    return str(response.text)
