"""Eligibility through the API for the four trials: a subject meeting every criterion, then each criterion
failed one at a time by correcting a screening form, the investigator's decision and enrolment.

The screening data are those of the eligibility engine's tests (`screening_data`): entered through the
API as form records, corrected through the API, and read back per criterion from
`GET .../subjects/{subject}/eligibility`, which recomputes on the stored data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from api_env import Api
from screened import Subject
from screening_data import CASES, MISSING_LAB, NOT_MET, screening


def _statuses(eligibility: Mapping[str, Any], status: str) -> set[str]:
    return {c["id"] for c in eligibility["criteria"] if c["status"] == status}


@pytest.mark.parametrize(("study_id", "cohort"), CASES)
def test_each_criterion_fails_alone_and_is_recomputed_on_correction(api: Api, study_id: str,
                                                                   cohort: str | None) -> None:
    study = api.catalog.studies[study_id]
    records = screening(study, cohort)
    subject = Subject(api, study, cohort)
    subject.submit(records)

    good = subject.eligibility()
    assert good["status"] == "eligible" and good["cohort"] == subject.cohort and good["decision"] is None
    applicable = [c.id for c in study.spec.eligibility.criteria if c.cohorts is None or cohort in c.cohorts]
    assert [c["id"] for c in good["criteria"]] == applicable
    assert _statuses(good, "met") == set(applicable)
    assert all(c["values"] and c["text"] for c in good["criteria"])  # what decided each, and its wording
    assert {c["excluding_condition"] for c in good["criteria"] if c["kind"] == "exclusion"} <= {"absent"}
    assert {c["excluding_condition"] for c in good["criteria"] if c["kind"] == "inclusion"} <= {None}

    kinds = {c.id: c.kind for c in study.spec.eligibility.criteria}
    for criterion_id, change in NOT_MET[(study_id, cohort)].items():
        made = {form_id: subject.correct(form_id, items, f"test: fail {criterion_id}")
                for form_id, items in change.changes.items()}
        failed = subject.eligibility()
        assert failed["status"] == "not_eligible", criterion_id
        assert _statuses(failed, "not_met") == {criterion_id} | change.also_not_met, criterion_id
        assert _statuses(failed, "undecidable") == set()
        excluded = {c["id"] for c in failed["criteria"] if c["excluding_condition"] == "present"}
        assert excluded == {c for c in _statuses(failed, "not_met") if kinds[c] == "exclusion"}, criterion_id
        for form_id, items in made.items():  # put back what was there
            original = records.get(form_id, {})
            subject.correct(form_id, {name: original.get(name) for name in items}, f"test: restore {criterion_id}")
        assert subject.eligibility()["status"] == "eligible", criterion_id

    confirmed = [c for c in study.spec.eligibility.criteria if c.confirm and c.id in applicable]
    for criterion in confirmed:  # the investigator's answer decides these
        answer = criterion.id.lower()
        subject.correct("ie_confirm", {answer: criterion.kind == "exclusion"}, f"test: {criterion.id} judged")
        judged = subject.eligibility()
        assert _statuses(judged, "not_met") == {criterion.id}
        subject.correct("ie_confirm", {answer: criterion.kind == "inclusion"}, f"test: {criterion.id} restored")


def test_a_form_not_yet_entered_leaves_its_criteria_undecidable(api: Api) -> None:
    study = api.catalog.studies["relmacel"]
    removed, undecidable = MISSING_LAB[("relmacel", None)]  # a required lab: missing means its form is not entered
    records = screening(study, None)
    for form_id in removed:
        records.pop(form_id)
    subject = Subject(api, study, None)
    subject.submit(records)
    pending = subject.eligibility(user="monitor")
    assert pending["status"] == "pending" and set(undecidable) <= _statuses(pending, "undecidable")
    assert _statuses(pending, "not_met") == set()
    for criterion in pending["criteria"]:
        if criterion["status"] == "undecidable":
            assert criterion["missing"] and all(path.split(".")[0] in removed for path in criterion["missing"])


def test_decision_and_enrolment_follow_the_computed_eligibility(api: Api) -> None:
    study = api.catalog.studies["relmacel"]
    records = screening(study, None)
    subject = Subject(api, study, None)
    subject.submit(records)
    decide, enrol = subject.path("/eligibility/decision"), subject.path("/enrolment")

    assert api.call(subject.user, "POST", enrol, json={"enrolled_on": "2026-01-20"}).status_code == 409
    subject.correct("immunology", {"iga": 5.0}, "test: IgA deficiency")  # EXC09
    refused = api.call(subject.user, "POST", decide, json={"decision": "eligible", "reason": "all criteria met"})
    assert refused.status_code == 409 and "EXC09" in refused.json()["detail"]
    assert api.call(subject.user, "POST", decide, json={"decision": "eligible", "reason": " "}).status_code == 422
    assert api.call(subject.user, "POST", decide, json={"decision": "maybe", "reason": "x"}).status_code == 422

    subject.correct("immunology", {"iga": records["immunology"]["iga"]}, "test: repeat IgA normal")
    decided = api.call(subject.user, "POST", decide, json={"decision": "eligible", "reason": "all criteria met"})
    assert decided.status_code == 201, decided.text
    assert decided.json()["subject_status"] == "eligible"
    assert decided.json()["decision"]["decided_by"] == subject.user

    subject.correct("immunology", {"iga": 5.0}, "test: IgA deficiency after the decision")
    stale = api.call(subject.user, "POST", enrol, json={"enrolled_on": "2026-01-20"})
    assert stale.status_code == 409 and "EXC09" in stale.json()["detail"]
    subject.correct("immunology", {"iga": records["immunology"]["iga"]}, "test: IgA normal again")
    assert api.call(subject.user, "POST", enrol, json={"enrolled_on": "2026-01-01"}).status_code == 422  # < screening
    enrolled = api.call(subject.user, "POST", enrol, json={"enrolled_on": "2026-01-20"})
    assert enrolled.status_code == 200, enrolled.text
    assert (enrolled.json()["status"], enrolled.json()["enrolled_on"]) == ("enrolled", "2026-01-20")
    again = api.call(subject.user, "POST", decide, json={"decision": "not_eligible", "reason": "second thoughts"})
    assert again.status_code == 409

    events = api.call("monitor", "GET", f"/api/v1/studies/{study.id}/audit",
                      params={"subject": subject.number, "limit": 1000}).json()["items"]
    decisions = [(e["item"], e["new_value"], e["reason"]) for e in events if e["action"] == "eligibility.decide"]
    assert decisions == [("decision", '"eligible"', "all criteria met"), ("status", '"eligible"', "all criteria met")]
    enrolment = {e["item"]: (e["old_value"], e["new_value"]) for e in events if e["action"] == "subject.enrol"}
    assert enrolment == {"status": ('"eligible"', '"enrolled"'), "enrolled_on": (None, '"2026-01-20"'),
                         "dose_level": (None, '"DL1"'), "dlt_evaluable": (None, "true")}


def test_a_screen_failure_is_recorded_with_its_reason(api: Api) -> None:
    study = api.catalog.studies["ic19"]
    subject = Subject(api, study, None)
    subject.submit(screening(study, None))
    failed = api.call(subject.user, "POST", subject.path("/eligibility/decision"),
                      json={"decision": "not_eligible", "reason": "withdrew consent before enrolment"})
    assert failed.status_code == 201
    assert failed.json()["subject_status"] == "screen_failed" and failed.json()["status"] == "eligible"
    assert failed.json()["decision"]["computed_status"] == "eligible"
    refused = api.call(subject.user, "POST", subject.path("/enrolment"), json={"enrolled_on": "2026-01-20"})
    assert refused.status_code == 409
