"""Keys and references of log forms over HTTP: the AE number unique per subject (409 naming the item, also
under concurrency), and the DLT assessment, medication and death records naming an existing AE of the
same subject (422 otherwise, another subject's AE exactly like a missing one), the link in the record JSON."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from api_env import STUDY, Api, adverse_event, records_path, screen, start_api
from backends import BACKENDS, scratch_database
from sqlalchemy import func, select

from edc.app.records import store
from edc.db.core import FormRecord, Subject
from edc.db.engine import WRITE
from edc.definitions.catalog import Catalog

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module", params=BACKENDS)
def api(request: pytest.FixtureRequest, catalog: Catalog, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EDC_ARGON2_PROFILE", "test")
        for db_url in scratch_database(request.param, tmp_path_factory.mktemp("links")):
            yield from start_api(db_url, catalog)


def dlt_assessment(aespid: str) -> dict[str, object]:
    return {"dlt_aespid": aespid, "dlt": "N", "dlt_dat": "2026-02-20", "dlt_rule": "grade 1: below every criterion",
            "dlt_inv": "Dr Investigator"}


def medication(aespid: str | None) -> dict[str, object]:
    return {"cmtrt": "Paracetamol", "cmgc": "N", "cmindc": "Headache", "cmstdat": "2026-02-10", "cmongo": "N",
            "cmendat": "2026-02-12", "cmaeno": aespid}


def post(api: Api, number: str, form_id: str, body: dict[str, object], user: str = "inv01") -> Any:
    return api.call(user, "POST", records_path(number, "LOGS", form_id), json=body)


def rows(api: Api, number: str, form_id: str) -> int:
    with api.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(FormRecord).join(Subject).where(
            Subject.subject_number == number, FormRecord.form_id == form_id)).scalar_one())


def test_a_second_record_with_an_ae_number_is_refused_naming_the_item(api: Api) -> None:
    number, other = screen(api), screen(api)
    assert post(api, number, "adverse_events", adverse_event("1")).status_code == 201
    refused = post(api, number, "adverse_events", adverse_event("1", aeterm="Nausea"))
    assert refused.status_code == 409 and refused.headers["content-type"].startswith(PROBLEM)
    problem = refused.json()
    assert problem["type"].endswith("/duplicate-key")
    assert [(e["item"], e["value"]) for e in problem["errors"]] == [("aespid", "1")]
    assert "record 1" in problem["errors"][0]["message"]
    assert rows(api, number, "adverse_events") == 1
    assert post(api, other, "adverse_events", adverse_event("1")).status_code == 201  # per subject


def test_a_correction_onto_another_records_ae_number_is_refused(api: Api) -> None:
    number = screen(api)
    for aespid in ("1", "2"):
        assert post(api, number, "adverse_events", adverse_event(aespid)).status_code == 201
    second = records_path(number, "LOGS", "adverse_events") + "/2"

    def renumber(to: str, version: int) -> Any:
        return api.call("inv01", "PATCH", second, json={"reason": "numbering", "changes": {"aespid": to}},
                        headers={"If-Match": f'"{version}"'})

    collided = renumber("1", 1)
    assert collided.status_code == 409 and collided.json()["type"].endswith("/duplicate-key")
    assert [e["item"] for e in collided.json()["errors"]] == ["aespid"]
    assert api.call("inv01", "GET", second).json()["values"]["aespid"] == "2"
    assert renumber("3", 1).status_code == 200
    assert renumber("3", 2).status_code == 200  # its own key is no collision (nothing changes)
    unrelated = api.call("inv01", "PATCH", second, json={"reason": "term", "changes": {"aeterm": "Migraine"}},
                         headers={"If-Match": '"2"'})
    assert unrelated.status_code == 200, unrelated.text


def test_a_dlt_assessment_refers_to_an_existing_ae_of_the_same_subject(api: Api) -> None:
    number, elsewhere = screen(api), screen(api, "inv02", "02")
    assert post(api, number, "adverse_events", adverse_event("1")).status_code == 201
    assert post(api, elsewhere, "adverse_events", adverse_event("7"), user="inv02").status_code == 201
    missing = post(api, number, "dlt_assessment", dlt_assessment("99"))
    assert missing.status_code == 422 and missing.json()["type"].endswith("/validation")
    [error] = missing.json()["errors"]
    assert error["item"] == "dlt_aespid" and "no adverse events record of this subject" in error["message"]
    other_subjects = post(api, number, "dlt_assessment", dlt_assessment("7"))
    assert other_subjects.status_code == 422
    assert other_subjects.json() == {**missing.json(), "detail": missing.json()["detail"].replace("99", "7"),
                                     "errors": [{**error, "message": error["message"].replace("99", "7"),
                                                 "value": "7"}]}
    assert rows(api, number, "dlt_assessment") == 0

    created = post(api, number, "dlt_assessment", dlt_assessment("1"))
    assert created.status_code == 201, created.text
    link = created.json()["references"]["dlt_aespid"]
    assert (link["form_id"], link["visit_code"], link["seq"]) == ("adverse_events", "LOGS", 1)
    assert api.call("monitor", "GET", link["href"]).json()["values"]["aespid"] == "1"
    assert api.call("monitor", "GET", created.headers["location"]).json()["references"] == {"dlt_aespid": link}
    again = post(api, number, "dlt_assessment", dlt_assessment("1"))  # one assessment per event
    assert again.status_code == 409 and [e["item"] for e in again.json()["errors"]] == ["dlt_aespid"]


def test_a_referenced_ae_number_is_not_renumbered(api: Api) -> None:
    number = screen(api)
    assert post(api, number, "adverse_events", adverse_event("1")).status_code == 201
    assert post(api, number, "dlt_assessment", dlt_assessment("1")).status_code == 201
    renumbered = api.call("inv01", "PATCH", records_path(number, "LOGS", "adverse_events") + "/1",
                          json={"reason": "numbering", "changes": {"aespid": "5"}}, headers={"If-Match": '"1"'})
    assert renumbered.status_code == 409 and renumbered.json()["type"].endswith("/key-referenced")
    assert "dlt_assessment record 1" in renumbered.json()["detail"]
    pointed_elsewhere = api.call("inv01", "PATCH", records_path(number, "LOGS", "dlt_assessment") + "/1",
                                 json={"reason": "wrong event", "changes": {"dlt_aespid": "5"}},
                                 headers={"If-Match": '"1"'})
    assert pointed_elsewhere.status_code == 422
    assert [e["item"] for e in pointed_elsewhere.json()["errors"]] == ["dlt_aespid"]


def test_a_medication_given_for_an_ae_names_an_existing_one(api: Api) -> None:
    number = screen(api)
    assert post(api, number, "adverse_events", adverse_event("2")).status_code == 201
    refused = post(api, number, "concomitant_medications", medication("3"))
    assert refused.status_code == 422 and [e["item"] for e in refused.json()["errors"]] == ["cmaeno"]
    given = post(api, number, "concomitant_medications", medication("2"))
    assert given.status_code == 201 and given.json()["references"]["cmaeno"]["seq"] == 1
    unrelated = post(api, number, "concomitant_medications", medication(None))
    assert unrelated.status_code == 201 and unrelated.json()["references"] == {}


def test_two_concurrent_creates_of_one_ae_number_store_one(api: Api) -> None:
    number = screen(api)
    assert post(api, number, "adverse_events", adverse_event("1")).status_code == 201
    outcomes: list[int] = []

    def create() -> None:
        outcomes.append(post(api, number, "adverse_events", adverse_event("5")).status_code)

    with api.engine.connect() as conn:
        subject_id = conn.execute(select(Subject.id).where(Subject.subject_number == number)).scalar_one()
    # hold the log's counter (and on SQLite the write lock) so that both requests are in flight together
    with api.engine.execution_options(**WRITE).connect() as gate, gate.begin():
        store.lock_counters(gate, subject_id, "adverse_events")
        threads = [threading.Thread(target=create) for _ in range(2)]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        assert not outcomes  # both wait on the counter
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == [201, 409]
    assert rows(api, number, "adverse_events") == 2


def test_the_openapi_document_says_which_items_are_keys_and_references(api: Api) -> None:
    document = api.client.get("/schema/openapi.json").json()
    schemas = document["components"]["schemas"]
    found = [s for name, s in schemas.items() if name.startswith(f"{STUDY}.dlt_assessment")]
    text = str(found)
    assert "unique per subject" in text and "Names a record of form adverse_events" in text
