"""The OpenAPI document lists every form of the four trials with typed request and response schemas."""

from __future__ import annotations

from typing import Any

from api_env import Api

from edc.definitions.catalog import Catalog
from edc.definitions.conversions import stored_names


def _schema(api: Api) -> dict[str, Any]:
    response = api.client.get("/schema/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def test_every_form_of_every_study_has_typed_paths_and_schemas(api: Api, catalog: Catalog) -> None:
    document = _schema(api)
    schemas, paths = document["components"]["schemas"], document["paths"]
    assert len(catalog.studies) == 4
    for study in catalog.studies.values():
        for form in study.forms.values():
            entry = schemas[f"{study.id}.{form.id}.Input"]
            assert entry["additionalProperties"] is False
            entered = {i.name for i in form.items if not i.is_calculated}
            assert set(entry["properties"]) == entered
            assert set(schemas[f"{study.id}.{form.id}.Values"]["properties"]) == set(stored_names(form))
            base = f"/api/v1/studies/{study.id}/subjects/{{subject_number}}/visits/{{visit_code}}/{{occurrence}}"
            create = paths[f"{base}/forms/{form.id}"]["post"]
            assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
                f"{study.id}.{form.id}.Input")
            assert create["operationId"] == f"create_{study.id}_{form.id}"
            assert "patch" in paths[f"{base}/forms/{form.id}/{{seq}}"]
            withdraw = paths[f"{base}/forms/{form.id}/{{seq}}/withdrawal"]["post"]
            assert withdraw["operationId"] == f"withdraw_{study.id}_{form.id}"
            assert withdraw["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
                "WithdrawalRequest")
            assert withdraw["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
                f"{study.id}.{form.id}.Record")
    assert not any("{form_id}" in path for path in paths)


def test_items_carry_types_units_ranges_and_codelists(api: Api, catalog: Catalog) -> None:
    schemas = _schema(api)["components"]["schemas"]
    vitals = schemas["relmacel.vital_signs.Input"]["properties"]
    assert vitals["sysbp"]["type"] == "integer" and "Unit: mmHg" in vitals["sysbp"]["description"]
    assert vitals["vsdat"]["format"] == "date"
    assert "minimum" in vitals["pulse"] and "maximum" in vitals["pulse"]
    ae = schemas["relmacel.adverse_events.Input"]["properties"]
    toxgr = catalog.study("relmacel").forms["adverse_events"].item("aetoxgr")
    assert toxgr is not None and toxgr.codelist is not None
    assert ae["aetoxgr"]["enum"] == list(catalog.study("relmacel").codelists[toxgr.codelist].codes())
    values = schemas["relmacel.vital_signs.Values"]["properties"]
    assert values["bmi"]["readOnly"] is True and "null" in values["bmi"]["type"]


def test_the_documentation_page_is_served(api: Api) -> None:
    page = api.client.get("/schema/swagger")
    assert page.status_code == 200 and "html" in page.headers["content-type"]
