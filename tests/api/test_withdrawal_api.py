"""Withdrawing a record entered in error over HTTP (`POST .../forms/{form}/{seq}/withdrawal`): the record is kept
and shown withdrawn, and everything derived leaves it out (the AE log's counting view, DLT proposals and the
escalation, lupus responses, eligibility, status counts, the SDTM export reader); signatures covering it are
invalidated, its queries closed, its marks cleared; the trail holds the withdrawal with its reason and still
verifies and replays. Who may withdraw, and every refusal."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from api_env import NOW, PASSWORD, STUDY, Api, adverse_event, records_path, screen, subject_path, vitals
from screened import Subject
from screening_data import screening
from test_responses_api import assess, responses, scheduled_subject, sledai
from trial_run import TrialRun, cohort, level

from edc.app.access.service import GrantSpec, create_user
from edc.app.exports.store import read_subjects

REASON = "entered in error: the same event entered twice"


def withdraw(api: Api, user: str, path: str, version: int | None, reason: str = REASON,
             key: str | None = None) -> Any:
    headers = ({} if version is None else {"If-Match": f'"{version}"'}) | ({"Idempotency-Key": key} if key else {})
    return api.call(user, "POST", path + "/withdrawal", json={"reason": reason}, headers=headers)


def withdrawn(api: Api, user: str, path: str, version: int, reason: str = REASON) -> dict[str, Any]:
    response = withdraw(api, user, path, version, reason)
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == f'"{version + 1}"'
    return dict(response.json())


def entered(api: Api, site: str = "01") -> int:
    """The site's records in the status counts: expected forms entered plus the additional (log) records."""
    response = api.call("monitor", "GET", f"/api/v1/studies/{STUDY}/status")
    assert response.status_code == 200, response.text
    return int(next(row["entered"] + row["additional"] for row in response.json() if row["site"] == site))


def trail(api: Api, number: str, action: str) -> list[tuple[object, ...]]:
    events = api.call("monitor", "GET", f"/api/v1/studies/{STUDY}/audit",
                      params={"subject": number, "action": action, "limit": 1000}).json()["items"]
    return [(e["form_id"], e["username"], e["item"], e["old_value"], e["new_value"], e["reason"]) for e in events]


def aes_of(trial: TrialRun, state: dict[str, Any], name: str) -> list[str]:
    subjects = {s["subject_number"]: s for s in level(state, "DL1")["subjects"]}
    return [e["aespid"] for e in subjects[trial.subjects[name].number]["events"]]


def exported(api: Api, number: str, form_id: str) -> list[dict[str, object]]:
    with api.engine.connect() as conn:
        subjects = read_subjects(conn, api.catalog.studies[STUDY], [form_id])
    subject = next(s for s in subjects if s.subject_number == number)
    return [dict(record.values) for record in subject.records.get(form_id, ())]


def test_a_duplicate_adverse_event_withdrawn_counts_nowhere_and_what_covered_it_follows(api: Api,
                                                                                      db_url: str) -> None:
    trial = TrialRun(api, STUDY)
    for name, enrolled, infused in (("A", "2026-01-10", "2026-01-20"), ("B", "2026-01-11", "2026-01-22"),
                                    ("C", "2026-01-12", "2026-01-25")):
        assert trial.enrolled(name, enrolled) == "DL1"
        trial.infuse(name, infused, "DL1")
    a = trial.subjects["A"]
    trial.adverse_event("A", "1", grade=4, onset="2026-01-24")
    trial.adverse_event("A", "2", grade=4, onset="2026-01-24")  # the same event, entered again
    assessment = trial.assess("A", "2", dlt=True, on="2026-01-28", signed=True)  # the signed one counts here
    state = trial.state("2026-02-01")
    assert aes_of(trial, state, "A") == ["1", "2"] and cohort(state, "DL1") == (3, 1, 2)
    log = records_path(a.number, "LOGS", "adverse_events")
    query = api.call("monitor", "POST", f"/api/v1/studies/{STUDY}/queries",
                     json={"subject": a.number, "visit": "LOGS", "form": "adverse_events", "seq": 2,
                           "text": "Is this AE 1 again?"})
    assert query.status_code == 201, query.text
    before = entered(api)
    assert [r["aespid"] for r in exported(api, a.number, "adverse_events")] == ["1", "2"]

    # the assessment refers to AE 2: it goes first (an investigator's form, withdrawn by the investigator)
    referenced = withdraw(api, a.user, log + "/2", 1)
    assert referenced.status_code == 409 and referenced.json()["type"].endswith("/key-referenced")
    assert f"dlt_assessment record {assessment}" in referenced.json()["detail"]
    dlt = withdrawn(api, a.user, records_path(a.number, "LOGS", "dlt_assessment") + f"/{assessment}", 1,
                    "assessed the duplicate of AE 1")
    assert (dlt["status"], dlt["withdrawal"]["withdrawn_by"]) == ("withdrawn", a.user)
    record = withdrawn(api, "coord01", log + "/2", 1)
    assert (record["status"], record["version"], record["values"]["aespid"]) == ("withdrawn", 2, "2")
    assert (record["withdrawal"]["withdrawn_by"], record["withdrawal"]["reason"]) == ("coord01", REASON)
    assert record["withdrawal"]["withdrawn_at"].endswith("Z") and record["findings"] == []

    # kept and shown; counted nowhere
    shown = api.call("monitor", "GET", log + "/2")
    assert shown.status_code == 200 and shown.json() == record and shown.headers["etag"] == '"2"'
    assert [(r["seq"], r["status"]) for r in api.call("monitor", "GET", log).json()] == [
        (1, "entered"), (2, "withdrawn")]
    assert [r["seq"] for r in api.call("monitor", "GET", log, params={"status": "entered"}).json()] == [1]
    assert api.call("monitor", "GET", log, params={"status": "deleted"}).status_code == 422
    state = trial.state("2026-02-01")
    assert aes_of(trial, state, "A") == ["1"] and cohort(state, "DL1") == (3, 0, 3)
    assert trial.adjudicate("A", "2", "DLT", "SRC review").status_code == 404
    assert entered(api) == before - 2
    assert [r["aespid"] for r in exported(api, a.number, "adverse_events")] == ["1"]
    assert exported(api, a.number, "dlt_assessment") == []

    # what covered it: the signature of the assessment invalidated, the query closed by the system
    [signature] = api.call("monitor", "GET", subject_path(a.number) + "/signatures").json()
    assert not signature["valid"] and "assessed the duplicate of AE 1" in signature["invalidated_reason"]
    closed = api.call("monitor", "GET", f"/api/v1/studies/{STUDY}/queries/{query.json()['id']}").json()
    assert closed["status"] == "closed" and closed["closed_at"] is not None
    assert (closed["messages"][-1]["user"], closed["messages"][-1]["kind"]) == (None, "close")
    assert REASON in closed["messages"][-1]["text"]

    # the number is free again; a reference to the withdrawn event is refused
    refused = trial.api.call(a.user, "POST", records_path(a.number, "LOGS", "dlt_assessment"), json={
        "dlt_aespid": "2", "dlt": "N", "dlt_dat": "2026-01-28", "dlt_inv": "Dr I", "dlt_rule": "protocol exception"})
    assert refused.status_code == 422 and [e["item"] for e in refused.json()["errors"]] == ["dlt_aespid"]
    trial.adverse_event("A", "2", grade=1, onset="2026-01-30", related="UNLIKELY")  # another event numbered 2
    trial.assess("A", "1", dlt=True, on="2026-01-28", signed=True)
    assert cohort(trial.state("2026-02-01"), "DL1") == (3, 1, 2)

    assert trail(api, a.number, "record.withdraw") == [
        ("dlt_assessment", a.user, "status", '"entered"', '"withdrawn"', "assessed the duplicate of AE 1"),
        ("adverse_events", "coord01", "status", '"entered"', '"withdrawn"', REASON)]
    checked = subprocess.run([sys.executable, "-m", "edc", "audit", "verify", "--replay", "--url", db_url],
                             capture_output=True, text=True, timeout=300)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "replay: the tables are what the trail says" in checked.stdout


def test_a_withdrawn_sledai_leaves_the_response_and_the_visit_takes_a_new_one(api: Api) -> None:
    number = scheduled_subject(api)
    assess(api, number, "BL", "2026-02-23",
           sledai("2026-02-23", "arthritis", "low_complement", "increased_dna_binding", proteinuria="NEW"), "1.5",
           renal="B", musculoskeletal="B")
    assess(api, number, "M3", "2026-05-30", sledai("2026-05-30", "low_complement", "increased_dna_binding"),
           "0.4", renal="D")
    [month3] = responses(api, number)["visits"]
    assert month3["sri4"]["met"] and month3["sri4"]["sledai_reduction"] == 8
    path = records_path(number, "M3", "sledai")
    again = sledai("2026-05-30", "arthritis", "low_complement", "increased_dna_binding", proteinuria="NEW")
    assert api.call("inv01", "POST", path, json=again).status_code == 409  # one SLEDAI per visit

    withdrawn(api, "inv01", path + "/1", 1, "entered for the wrong subject")
    assert [v["assessment"]["visit_code"] for v in responses(api, number)["visits"]
            if v["assessment"]["sledai_2k"] is not None] == []
    second = api.call("coord01", "POST", path, json=again)  # the visit takes its SLEDAI again
    assert second.status_code == 201 and second.json()["seq"] == 2
    [month3] = responses(api, number)["visits"]
    assert month3["assessment"]["sledai_2k"] == 12
    assert not month3["sri4"]["met"] and month3["sri4"]["sledai_reduction"] == 0


def test_a_withdrawn_screening_form_leaves_eligibility_until_entered_again(api: Api) -> None:
    study = api.catalog.studies[STUDY]
    records = screening(study, None)
    subject = Subject(api, study, None)
    subject.submit(records)
    assert subject.eligibility()["status"] == "eligible"
    chemistry = records_path(subject.number, study.spec.eligibility.visit, "chemistry", study=study.id)
    withdrawn(api, subject.user, chemistry + "/1", 1, "another patient's labs")
    pending = subject.eligibility()
    assert pending["status"] == "pending"
    assert "EXC01" in {c["id"] for c in pending["criteria"] if c["status"] == "undecidable"}
    decided = api.call(subject.user, "POST", subject.path("/eligibility/decision"),
                       json={"decision": "eligible", "reason": "all criteria met"})
    assert decided.status_code == 409
    subject.submit({"chemistry": records["chemistry"]})
    assert subject.eligibility()["status"] == "eligible"


def test_who_may_withdraw_and_every_refusal(api: Api) -> None:
    with api.engine.begin() as conn:
        create_user(conn, username="coord02", full_name="Coord02", password=PASSWORD,
                    grants=[GrantSpec("coordinator", STUDY, "02")], now=NOW)
    api.tokens["coord02"] = api.login("coord02").json()["token"]
    number = screen(api)
    vitals_path = records_path(number, "SCR", "vital_signs")
    assert api.call("inv01", "POST", vitals_path, json=vitals()).status_code == 201
    path = vitals_path + "/1"

    for user, status in (("monitor", 403), ("dm", 403), ("safety", 403), ("inv02", 404), ("coord02", 404)):
        assert withdraw(api, user, path, 1).status_code == status, user
    assert withdraw(api, "inv01", vitals_path + "/2", 1).status_code == 404
    assert withdraw(api, "inv01", path, None).status_code == 428
    assert withdraw(api, "inv01", path, 2).status_code == 412
    for body in ({"reason": "   "}, {}, {"reason": "x" * 2001}, {"reason": "typo", "status": "withdrawn"}):
        refused = api.call("inv01", "POST", path + "/withdrawal", json=body, headers={"If-Match": '"1"'})
        assert refused.status_code == 422, body
    lock = api.call("dm", "POST", f"/api/v1/studies/{STUDY}/locks",
                    json={"scope": "record", "state": "frozen", "subject": number, "visit": "SCR",
                          "form": "vital_signs"})
    assert lock.status_code == 201, lock.text
    frozen = withdraw(api, "inv01", path, 1)
    assert frozen.status_code == 409 and frozen.json()["type"].endswith("/locked")
    assert api.call("dm", "POST", f"/api/v1/studies/{STUDY}/locks/{lock.json()['id']}/release",
                    json={"reason": "frozen by mistake"}).status_code == 204
    assert api.call("inv01", "GET", path).json()["status"] == "entered"  # nothing refused was stored

    first = withdraw(api, "coord01", path, 1, key="withdraw-vitals-1")
    retried = withdraw(api, "coord01", path, 1, key="withdraw-vitals-1")
    assert first.status_code == retried.status_code == 200 and retried.json() == first.json()
    assert retried.json()["version"] == 2
    assert withdraw(api, "coord01", path, 1, "another reason", key="withdraw-vitals-1").status_code == 422
    assert len(trail(api, number, "record.withdraw")) == 1

    again = withdraw(api, "inv01", path, 2)
    assert again.status_code == 409 and again.json()["type"].endswith("/withdrawn")
    corrected = api.call("inv01", "PATCH", path, json={"reason": "pulse", "changes": {"pulse": 90}},
                         headers={"If-Match": '"2"'})
    assert corrected.status_code == 409 and corrected.json()["type"].endswith("/withdrawn")
    signed = api.call("inv01", "POST", subject_path(number) + "/signatures", json={
        "scope": "record", "visit": "SCR", "form": "vital_signs", "password": PASSWORD, "meaning": "I approve"})
    assert signed.status_code == 409
    verified = api.call("monitor", "POST", f"/api/v1/studies/{STUDY}/sdv",
                        json={"subject": number, "visit": "SCR", "form": "vital_signs"})
    assert verified.status_code == 409
    assert api.call("inv01", "POST", vitals_path, json=vitals(pulse=72)).json()["seq"] == 2

    # a form reserved to investigators is withdrawn by investigators only
    logs = records_path(number, "LOGS", "adverse_events")
    assert api.call("inv01", "POST", logs, json=adverse_event("1")).status_code == 201
    dlt = api.call("inv01", "POST", records_path(number, "LOGS", "dlt_assessment"), json={
        "dlt_aespid": "1", "dlt": "N", "dlt_dat": "2026-02-20", "dlt_rule": "grade 1", "dlt_inv": "Dr I"})
    assert dlt.status_code == 201, dlt.text
    reserved = withdraw(api, "coord01", records_path(number, "LOGS", "dlt_assessment") + "/1", 1)
    assert reserved.status_code == 403 and reserved.json()["type"].endswith("/entry-not-permitted")
