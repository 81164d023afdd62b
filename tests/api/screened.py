"""A subject screened through the API with data meeting every criterion of their trial (`screening_data`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from api_env import NOW, PASSWORD, Api, records_path, subject_path

from edc.app.access.service import GrantSpec, create_user
from edc.definitions.catalog import StudyDefinition

SCREENED_ON = "2026-01-05"


def json_value(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def payload(study: StudyDefinition, form_id: str, values: Mapping[str, Any]) -> dict[str, object]:
    """`values` as a request body: only the form's items (a shared data set may carry other trials' items)."""
    names = {item.name for item in study.forms[form_id].items}
    return {name: json_value(value) for name, value in values.items() if name in names}


class Subject:
    """A subject screened through the API by the study's investigator, with the ETag of each screening record."""

    def __init__(self, api: Api, study: StudyDefinition, cohort: str | None, screened_on: str = SCREENED_ON) -> None:
        self.api, self.study, self.user = api, study, f"pi_{study.id}"
        if self.user not in api.tokens:
            with api.engine.begin() as conn:
                create_user(conn, username=self.user, full_name="Principal Investigator", password=PASSWORD,
                            grants=[GrantSpec("investigator", study.id, "01")], now=NOW)
            api.tokens[self.user] = api.login(self.user).json()["token"]
        self.cohort = cohort or study.spec.cohorts[0].id  # a one-cohort trial screens into its only cohort
        body = {"site": "01", "screened_on": screened_on, "cohort": self.cohort}
        created = api.call(self.user, "POST", f"/api/v1/studies/{study.id}/subjects", json=body)
        assert created.status_code == 201, created.text
        self.number = created.json()["subject_number"]
        self.etags: dict[str, str] = {}

    def submit(self, records: Mapping[str, Any]) -> None:
        for form_id, captured in records.items():
            for values in captured if isinstance(captured, list) else [captured]:
                response = self.api.call(self.user, "POST", self._records(form_id),
                                         json=payload(self.study, form_id, values))
                assert response.status_code == 201, (form_id, response.text)
                self.etags.setdefault(form_id, response.headers["etag"])

    def correct(self, form_id: str, changes: Mapping[str, Any], reason: str) -> dict[str, Any]:
        """PATCH the record; items the change puts out of the form's skip logic are cleared, as a site would.

        Returns the changes made (those asked for and the items cleared).
        """
        made = dict(changes)
        response = self._patch(form_id, made, reason)
        if response.status_code == 422:
            errors = response.json().get("errors", [])
            if errors and all(e["message"].startswith("not asked here") for e in errors):
                made.update({e["item"]: None for e in errors})
                response = self._patch(form_id, made, reason)
        assert response.status_code == 200, (form_id, response.text)
        self.etags[form_id] = response.headers["etag"]
        return made

    def _patch(self, form_id: str, changes: Mapping[str, Any], reason: str) -> Any:
        body = {"reason": reason, "changes": payload(self.study, form_id, changes)}
        return self.api.call(self.user, "PATCH", self._records(form_id) + "/1", json=body,
                             headers={"If-Match": self.etags[form_id]})

    def eligibility(self, user: str | None = None) -> dict[str, Any]:
        response = self.api.call(user or self.user, "GET", self.path("/eligibility"))
        assert response.status_code == 200, response.text
        return dict(response.json())

    def path(self, tail: str = "") -> str:
        return subject_path(self.number, self.study.id) + tail

    def _records(self, form_id: str) -> str:
        return records_path(self.number, self.study.spec.eligibility.visit, form_id, study=self.study.id)
