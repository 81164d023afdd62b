"""Forms and items reserved to a role (`entered_by`): the investigator's judgements are not a coordinator's to enter.

The library reserves `dlt_assessment` (and the generated `ie_confirm`) and the
adverse events' causality (`aerel`, `aerel_ld`) to investigators: a coordinator
at the same site is refused with 403 and field errors, and nothing is stored;
an investigator enters and corrects them. A required item reserved to another
role is not required of the coordinator: they log the event, the investigator
completes its causality. Item-level reservations are checked on the same path
(`ensure_entry_allowed`).
"""

from __future__ import annotations

import pytest
from api_env import Api, adverse_event, records_path, screen

from edc.app.kernel.actor import Actor
from edc.app.kernel.errors import EntryNotPermitted
from edc.app.records.service import ensure_entry_allowed
from edc.definitions.catalog import Catalog
from edc.definitions.model import Form, Item

ASSESSMENT = {"dlt_aespid": "1", "dlt": "N", "dlt_dat": "2026-03-20", "dlt_inv": "Dr Investigator",
              "dlt_rule": "protocol exception"}


def test_a_coordinator_cannot_file_the_investigators_dlt_assessment(api: Api) -> None:
    number = screen(api)
    assert api.call("inv01", "POST", records_path(number, "LOGS", "adverse_events"),
                    json=adverse_event("1")).status_code == 201  # the event assessed
    path = records_path(number, "LOGS", "dlt_assessment")
    refused = api.call("coord01", "POST", path, json=ASSESSMENT)
    assert refused.status_code == 403, refused.text
    assert refused.json()["type"].endswith("/entry-not-permitted")
    assert "investigator" in refused.json()["detail"]
    assert api.call("inv01", "GET", path).json() == []  # nothing stored

    created = api.call("inv01", "POST", path, json=ASSESSMENT)
    assert created.status_code == 201, created.text
    record = path + "/1"
    corrected = api.call("coord01", "PATCH", record, json={"reason": "overrule", "changes": {"dlt": "Y"}},
                         headers={"If-Match": created.headers["etag"]})
    assert corrected.status_code == 403, corrected.text
    assert api.call("inv01", "GET", record).json()["values"]["dlt"] == "N"
    assert api.call("inv01", "PATCH", record, json={"reason": "re-assessed", "changes": {"dlt": "Y"}},
                    headers={"If-Match": created.headers["etag"]}).status_code == 200


def test_a_coordinator_logs_an_adverse_event_and_the_investigator_assesses_its_causality(api: Api) -> None:
    number = screen(api)
    events = records_path(number, "LOGS", "adverse_events")
    causality = {"aerel": "POSSIBLY", "aerel_ld": "NOT_RELATED"}
    logged = {name: value for name, value in adverse_event("1").items() if name not in causality}
    refused = api.call("coord01", "POST", events, json={**logged, **causality})
    assert refused.status_code == 403, refused.text
    assert sorted(e["item"] for e in refused.json()["errors"]) == ["aerel", "aerel_ld"]
    assert api.call("inv01", "GET", events).json() == []  # nothing stored
    created = api.call("coord01", "POST", events, json=logged)
    assert created.status_code == 201, created.text
    assert created.json()["values"]["aerel"] is None
    # the investigator must complete it: the causality is required of them, whatever else they correct
    incomplete = api.call("inv01", "PATCH", events + "/1", json={"reason": "term", "changes": {"aeterm": "Migraine"}},
                          headers={"If-Match": created.headers["etag"]})
    assert incomplete.status_code == 422 and {e["item"] for e in incomplete.json()["errors"]} == set(causality)
    assessed = api.call("inv01", "PATCH", events + "/1", json={"reason": "causality assessed", "changes": causality},
                        headers={"If-Match": created.headers["etag"]})
    assert assessed.status_code == 200, assessed.text
    overruled = api.call("coord01", "PATCH", events + "/1", json={"reason": "x", "changes": {"aerel": "UNLIKELY"}},
                         headers={"If-Match": assessed.headers["etag"]})
    assert overruled.status_code == 403, overruled.text
    resolved = {"reason": "resolved", "changes": {"aeterm": "Migraine"}}
    outcome = api.call("coord01", "PATCH", events + "/1", json=resolved,
                       headers={"If-Match": assessed.headers["etag"]})
    assert outcome.status_code == 200 and outcome.json()["values"]["aerel"] == "POSSIBLY", outcome.text


def test_the_generated_confirmation_form_is_reserved_to_investigators(catalog: Catalog) -> None:
    for study in catalog.studies.values():
        confirm = study.forms.get("ie_confirm")
        assert confirm is None or confirm.entered_by == ("investigator",)
        assert study.forms["dlt_assessment"].entered_by == ("investigator",)
        assert {i.name for i in study.forms["adverse_events"].items if i.entered_by == ("investigator",)} >= {
            "aerel", "aerel_ld"}


def _form() -> Form:
    return Form(id="ae", title="AE", items=(
        Item(name="aeterm", label="Term", type="text", max_length=200),
        Item(name="aerel", label="Causality", type="text", max_length=20, entered_by=("investigator",)),
    ))


@pytest.mark.parametrize(("role", "items", "refused"), [
    ("coordinator", ["aeterm"], []),
    ("coordinator", ["aeterm", "aerel"], ["aerel"]),
    ("investigator", ["aeterm", "aerel"], []),
])
def test_an_item_reserved_to_investigators(role: str, items: list[str], refused: list[str]) -> None:
    actor = Actor(user_id=1, role=role, site_ids=frozenset({1}))
    if not refused:
        ensure_entry_allowed(_form(), actor, items)
        return
    with pytest.raises(EntryNotPermitted) as raised:
        ensure_entry_allowed(_form(), actor, items)
    assert [e.item for e in raised.value.errors] == refused
    assert "investigator" in raised.value.errors[0].message
