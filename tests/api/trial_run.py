"""A dose-escalation trial driven through the API: enrol, infuse, report adverse events, assess, sign, adjudicate.

Every step is an HTTP request of the real application, by the study's
investigator (site 01) or its safety reviewer; dates are explicit, so a
scenario runs in the past and reads the escalation `as_of` a chosen day.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from api_env import NOW, PASSWORD, Api, records_path, subject_path
from screened import SCREENED_ON, Subject
from screening_data import screening, shifted

from edc.app.access.service import GrantSpec, create_user
from edc.definitions.model import Dose, DoseLevel
from edc.domain.dosing import planned_million_cells

#: An adverse event's class for the DLT rules; CRS and ICANS are categories of their own.
SYNDROMES = ("CRS", "ICANS")


class TrialRun:
    """One study's escalation scenario: subjects by letter, each screened eligible through the API."""

    def __init__(self, api: Api, study_id: str) -> None:
        self.api, self.study = api, api.catalog.studies[study_id]
        self.committee, self.monitor = f"src_{study_id}", f"mon_{study_id}"
        for username, role in ((self.committee, "safety_reviewer"), (self.monitor, "monitor")):
            if username not in api.tokens:
                with api.engine.begin() as conn:
                    create_user(conn, username=username, full_name=role.title(), password=PASSWORD,
                                grants=[GrantSpec(role, study_id, None)], now=NOW)
                api.tokens[username] = api.login(username).json()["token"]
        self.subjects: dict[str, Subject] = {}
        self.levels = {level.id: level for level in self.study.spec.dose_levels}  # with the levels opened

    def screened(self, name: str, cohort: str | None = None, on: str = SCREENED_ON) -> Subject:
        """Subject `name`, screened on `on` (into `cohort`, else the first) and decided eligible on first use."""
        if name not in self.subjects:
            subject = Subject(self.api, self.study, cohort, on)
            one_cohort = len(self.study.spec.cohorts) <= 1  # screening data name a one-cohort trial's cohort None
            days = (date.fromisoformat(on) - date.fromisoformat(SCREENED_ON)).days
            subject.submit(shifted(screening(self.study, None if one_cohort else subject.cohort), days))
            decided = self.api.call(subject.user, "POST", subject.path("/eligibility/decision"),
                                    json={"decision": "eligible", "reason": "all criteria met"})
            assert decided.status_code == 201, decided.text
            self.subjects[name] = subject
        return self.subjects[name]

    def enrol(self, name: str, on: str, dose_level: str | None = None, cohort: str | None = None) -> Any:
        """The enrolment response for subject `name` on `on` (screened into `cohort` first if new)."""
        subject = self.screened(name, cohort)
        body: dict[str, Any] = {"enrolled_on": on} | ({"dose_level": dose_level} if dose_level else {})
        return self.api.call(subject.user, "POST", subject.path("/enrolment"), json=body)

    def enrolled(self, name: str, on: str, cohort: str | None = None) -> str:
        """Enrol `name` (screened into `cohort` if new) and return the dose level assigned."""
        response = self.enrol(name, on, cohort=cohort)
        assert response.status_code == 200, response.text
        return str(response.json()["dose_level"])

    def schedule(self, name: str, infusion: str) -> Any:
        subject = self.subjects[name]
        return self.api.call(subject.user, "POST", subject.path("/schedule"), json={"infusion_date": infusion})

    def infuse(self, name: str, on: str, dose_level: str, *, infused: float | None = None,
               given: str | None = None) -> dict[str, Any]:
        """Plan the visits from `on` and record the infusion at D0 (given on `on` unless `given` says otherwise):
        the level's dose for 60 kg, as planned unless `infused` (10^6 cells) says otherwise; returns the record."""
        planned = self.schedule(name, on)
        assert planned.status_code == 200, planned.text
        dose = planned_million_cells(self.levels[dose_level], 60.0)
        assert dose is not None
        return self._post(name, "D0", "cart_infusion", {
            "exdat": given or on, "exsttim": "10:00", "exentim": "10:30", "dose_level": dose_level,
            "dose_planned": f"{dose:.2f}", "weight_kg": "60.0", "cells_infused": f"{infused or dose:.2f}",
            "infusion_complete": "Y", "premed": "Y", "infusion_reaction": "N"})

    def adverse_event(self, name: str, aespid: str, *, grade: int, onset: str, event_class: str = "OTHER",
                      related: str = "PROBABLY", improved: str | None = None, ended: str | None = None,
                      times: dict[str, str] | None = None, crs: dict[str, Any] | None = None) -> dict[str, Any]:
        """Log an adverse event; grade 3-4 with the worst grade at onset and the improvement date when given;
        `times` gives times of day by item (aewrstim, aeimptim...), `crs` a CRS's raw values (default: fever
        and one vasopressor, grade 3 by ASTCT). Returns the record."""
        values: dict[str, Any] = {
            "aespid": aespid, "aeterm": f"{event_class.title()} event {aespid}", "aestdat": onset,
            "aetoxgr": str(grade), "aeser": "N", "aerel": related, "aerel_ld": "NOT_RELATED", "aeacn": "NOT APPLICABLE",
            "aecontrt": "N", "aeongo": "N" if ended else "Y", "aeendat": ended,
            "aeout": "RECOVERED/RESOLVED" if ended else "RECOVERING/RESOLVING"}
        if event_class in SYNDROMES:
            values["aecat"] = event_class
            values |= ((crs or {"crs_tmax": "38.9", "crs_fever_masked": False, "crs_hypotension": "ONE_VASOPRESSOR",
                                "crs_o2_device": "NONE", "crs_death": False}) if event_class == "CRS" else {})
        else:
            values |= {"aecat": "OTHER"} | ({"aedltcls": event_class} if grade >= 3 else {})
        if grade >= 3:
            values |= {"aewrsdat": onset, "aeimpdat": improved, "aebasdat": ended}
        return self._post(name, "LOGS", "adverse_events", values | (times or {}))

    def assess(self, name: str, aespid: str, *, dlt: bool, on: str, signed: bool = False) -> int:
        """The investigator's DLT assessment of one event, signed when `signed`; returns the record's seq."""
        record = self._post(name, "LOGS", "dlt_assessment", {
            "dlt_aespid": aespid, "dlt": "Y" if dlt else "N", "dlt_dat": on, "dlt_inv": "Dr Investigator",
            "dlt_rule": "grade 3 not improved within 7 days" if dlt else "protocol exception"})
        seq = int(record["seq"])
        if signed:
            self.sign(name, "record", form="dlt_assessment", seq=seq)
        return seq

    def sign(self, name: str, scope: str, *, visit: str = "LOGS", **target: Any) -> dict[str, Any]:
        """The investigator's signature (password given again) of a record or visit of subject `name`."""
        subject = self.subjects[name]
        body = {"scope": scope, "visit": visit, "password": PASSWORD, "meaning": "I confirm my DLT assessment",
                **target}
        response = self.api.call(subject.user, "POST", subject_path(subject.number, self.study.id) + "/signatures",
                                 json=body)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def adjudicate(self, name: str, aespid: str, verdict: str, reason: str, user: str | None = None) -> Any:
        path = subject_path(self.subjects[name].number, self.study.id) + f"/adverse-events/{aespid}/adjudication"
        return self.api.call(user or self.committee, "POST", path, json={"verdict": verdict, "reason": reason})

    def decide(self, action: str, level: str | None, reason: str, user: str | None = None) -> Any:
        body: dict[str, Any] = {"action": action, "reason": reason} | ({"level": level} if level else {})
        return self.api.call(user or self.committee, "POST", f"/api/v1/studies/{self.study.id}/escalation/decisions",
                             json=body)

    def open_intermediate(self, value: float, unit: str, reason: str, user: str | None = None,
                          key: str | None = None) -> Any:
        """The committee opens an intermediate level at `value` `unit`; once opened, `infuse` knows its dose."""
        response = self.api.call(user or self.committee, "POST",
                                 f"/api/v1/studies/{self.study.id}/escalation/intermediate-levels",
                                 json={"dose": {"value": value, "unit": unit}, "reason": reason},
                                 headers={"Idempotency-Key": key} if key else None)
        if response.status_code == 201:
            body = response.json()
            self.levels[body["id"]] = DoseLevel(id=body["id"], label=body["label"], dose=Dose(**body["dose"]),
                                                role="intermediate", order=0)
        return response

    def state(self, as_of: str, user: str | None = None) -> dict[str, Any]:
        response = self.api.call(user or self.committee, "GET", f"/api/v1/studies/{self.study.id}/escalation",
                                 params={"as_of": as_of})
        assert response.status_code == 200, response.text
        return dict(response.json())

    def correct(self, name: str, visit: str, form_id: str, changes: dict[str, Any], version: int,
                seq: int = 1) -> dict[str, Any]:
        """Correct the subject's record `seq` of `form_id` at `visit`; returns the corrected record."""
        subject = self.subjects[name]
        path = records_path(subject.number, visit, form_id, study=self.study.id) + f"/{seq}"
        response = self.api.call(subject.user, "PATCH", path, json={"reason": "test correction", "changes": changes},
                                 headers={"If-Match": f'"{version}"'})
        assert response.status_code == 200, (form_id, response.text)
        return dict(response.json())

    def _post(self, name: str, visit: str, form_id: str, values: dict[str, Any]) -> dict[str, Any]:
        subject = self.subjects[name]
        response = self.api.call(subject.user, "POST", records_path(subject.number, visit, form_id,
                                                                     study=self.study.id), json=values)
        assert response.status_code == 201, (form_id, response.text)
        return dict(response.json())


def level(state: dict[str, Any], level_id: str) -> dict[str, Any]:
    """One level of an escalation state."""
    return next(item for item in state["levels"] if item["id"] == level_id)


def cohort(state: dict[str, Any], level_id: str) -> tuple[int, int, int]:
    """(evaluable, DLTs, pending) at one level."""
    counts = level(state, level_id)["cohort"]
    return counts["evaluable"], counts["dlts"], counts["pending"]


def events_of(trial: TrialRun, state: dict[str, Any], level_id: str, names: str) -> list[dict[str, Any]]:
    """The first adverse event of each subject named in `names`, as the escalation view shows it at `level_id`."""
    events = {s["subject_number"]: s["events"] for s in level(state, level_id)["subjects"]}
    return [events[trial.subjects[name].number][0] for name in names]
