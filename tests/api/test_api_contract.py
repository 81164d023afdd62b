"""The served OpenAPI document describes the API exactly: problems, strict bodies, headers, JSON only, offline docs.

The document is read over HTTP from the real application; it is validated
with openapi-spec-validator and a client is generated from it with
openapi-python-client (a real subprocess), which must produce every
operation of the document.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from api_env import Api, records_path, screen, vitals
from litestar.testing import TestClient
from openapi_spec_validator import validate

from edc.api.app import create_app
from edc.api.contract import KIND_PROBLEMS, strict_structs
from edc.db.engine import make_engine
from edc.definitions.catalog import Catalog

METHODS = ("get", "put", "post", "delete", "patch")
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def document(catalog: Catalog, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The document as served by the application (it does not depend on the database's contents)."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('doc') / 'edc.sqlite'}")
    try:
        with TestClient(create_app(engine, catalog)) as client:
            response = client.get("/schema/openapi.json")
            assert response.status_code == 200
            yield response.json()
    finally:
        engine.dispose()


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def test_the_document_is_valid_openapi(document: dict[str, Any]) -> None:
    validate(document)


def test_every_operation_documents_its_problem_answers(document: dict[str, Any]) -> None:
    problem = document["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "instance", "errors"} <= set(problem["properties"])
    error = document["components"]["schemas"]["ProblemError"]
    assert set(error["properties"]) == {"item", "message", "value"}
    operations = list(_operations(document))
    assert len(operations) > 400
    for path, method, operation in operations:
        responses = operation["responses"]
        expected = {"401"}
        if path.startswith("/api/v1/studies/") and path != "/api/v1/studies":
            expected |= {"403", "404"}
        if "{" in path:
            expected.add("404")
        if "requestBody" in operation:
            assert set(operation["requestBody"]["content"]) == {"application/json"}
            expected |= {"400", "413", "415", "422"}
        if method in ("post", "put", "patch") and path.startswith("/api/v1/studies/"):
            expected.add("409")
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        if "If-Match" in headers:
            expected |= {"412", "428"}
        if "Idempotency-Key" in headers:
            expected |= {"409", "422"}
        assert expected <= set(responses), (method, path, sorted(responses))
        for status, response in responses.items():
            if status.startswith(("4", "5")):
                schema = response["content"][PROBLEM]["schema"]
                assert schema == {"$ref": "#/components/schemas/Problem"}, (method, path, status)
                assert set(response["content"]) == {PROBLEM}
        assert "Validation Exception" not in str(responses)


def test_every_documented_status_is_one_the_kinds_can_answer(document: dict[str, Any]) -> None:
    known = {str(status) for problems in KIND_PROBLEMS.values() for status in problems}
    for _, _, operation in _operations(document):
        assert {s for s in operation["responses"] if s.startswith("4")} <= known


def test_strict_request_bodies_forbid_unknown_properties(api: Api, document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    structs = strict_structs(api.client.app)
    assert len(structs) >= 15
    for cls in structs:
        assert schemas[cls.__name__]["additionalProperties"] is False, cls
    for path, method, operation in _operations(document):
        body = operation.get("requestBody")
        if body is None:
            continue
        schema = body["content"]["application/json"]["schema"]
        refs = [s["$ref"] for s in [schema, *schema.get("oneOf", [])] if "$ref" in s]  # an optional body: oneOf
        assert len(refs) == 1, (method, path, schema)
        name = refs[0].rsplit("/", 1)[-1]
        assert schemas[name]["additionalProperties"] is False, (method, path)
        if name.endswith(".Correction"):
            assert schemas[name]["properties"]["changes"]["additionalProperties"] is False


def test_refusing_unknown_fields_is_what_the_server_does(api: Api) -> None:
    """The schema says additionalProperties: false because the server refuses them (422)."""
    response = api.call("inv01", "POST", "/api/v1/studies/relmacel/subjects",
                        json={"site": "01", "cohort": "SLE", "screened_on": "2026-03-02", "extra": 1})
    assert response.status_code == 422 and response.headers["content-type"].startswith(PROBLEM)
    struct = next(cls for cls in strict_structs(api.client.app) if cls.__name__ == "ScreenRequest")
    assert struct.__struct_config__.forbid_unknown_fields
    assert msgspec.structs.fields(struct)


def test_headers_are_documented(document: dict[str, Any]) -> None:
    idempotent = 0
    for path, method, operation in _operations(document):
        parameters = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "header"}
        if "Idempotency-Key" in parameters:
            idempotent += 1
            assert method == "post"
            assert parameters["Idempotency-Key"]["schema"] == {"type": "string", "minLength": 1, "maxLength": 100}
        if method == "patch" and "/forms/" in path:
            if_match = parameters["If-Match"]
            assert if_match["required"] is True
            assert re.fullmatch(if_match["schema"]["pattern"], '"12"')
            assert not re.fullmatch(if_match["schema"]["pattern"], 'W/"12"')
            assert "ETag" in operation["responses"]["200"]["headers"]
        if method == "post" and path.endswith("/withdrawal"):
            assert parameters["If-Match"]["required"] is True and "Idempotency-Key" in parameters
            assert "ETag" in operation["responses"]["200"]["headers"]
            assert {"409", "412", "428"} <= set(operation["responses"])
        elif method == "post" and "/forms/" in path:
            assert {"ETag", "Location"} <= set(operation["responses"]["201"]["headers"])
        if method == "get" and re.search(r"/forms/[a-z0-9_]+/\{seq\}$", path):
            assert "ETag" in operation["responses"]["200"]["headers"]
    assert idempotent > 100  # every form's create, screening, queries, locks, exports
    subjects = document["paths"]["/api/v1/studies/{study_id}/subjects"]["post"]
    assert "Location" in subjects["responses"]["201"]["headers"]
    exports = document["paths"]["/api/v1/studies/{study_id}/exports"]["post"]
    assert "Location" in exports["responses"]["202"]["headers"]


def test_documented_response_headers_are_sent(api: Api) -> None:
    number = screen(api)
    created = api.call("inv01", "POST", records_path(number, "SCR", "vital_signs"), json=vitals())
    assert created.status_code == 201 and re.fullmatch(r'^"\d+"$', created.headers["etag"])
    read = api.call("inv01", "GET", created.headers["location"])
    assert read.status_code == 200 and read.headers["etag"] == created.headers["etag"]
    missing = api.call("inv01", "PATCH", created.headers["location"],
                       json={"reason": "typo", "changes": {"pulse": 71}})
    assert missing.status_code == 428


@pytest.mark.parametrize("content_type", ["text/plain", None, "application/x-www-form-urlencoded",
                                          "application/jsonx"])
def test_a_body_that_is_not_json_is_refused_with_415(api: Api, content_type: str | None) -> None:
    headers = api.headers("inv01")
    if content_type is not None:
        headers["Content-Type"] = content_type
    body = b'{"site": "01", "cohort": "SLE", "screened_on": "2026-03-02"}'
    response = api.client.post("/api/v1/studies/relmacel/subjects", content=body, headers=headers)
    assert response.status_code == 415, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["status"] == 415 and problem["type"].endswith("/unsupported-media-type")
    assert problem["title"] and problem["detail"]
    listed = api.call("inv01", "GET", "/api/v1/studies/relmacel/subjects")
    assert listed.status_code == 200 and listed.json()["items"] == []  # nothing was screened


def test_json_with_a_charset_and_bodiless_requests_are_accepted(api: Api) -> None:
    body = b'{"site": "01", "cohort": "SLE", "screened_on": "2026-03-02"}'
    response = api.client.post("/api/v1/studies/relmacel/subjects", content=body,
                               headers=api.headers("inv01", **{"Content-Type": "application/json; charset=utf-8"}))
    assert response.status_code == 201, response.text
    logout = api.client.delete("/api/v1/auth/token", headers=api.headers("dm", **{"Content-Type": "text/plain"}))
    assert logout.status_code == 204


def test_the_docs_load_nothing_from_another_host(api: Api) -> None:
    for page_path in ("/schema", "/schema/swagger"):
        page = api.client.get(page_path)
        assert page.status_code == 200 and "html" in page.headers["content-type"]
        html = page.text.split("const ui = SwaggerUIBundle", 1)[0]  # the embedded document holds example URLs
        sources = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
        assert sources, html
        for source in sources:
            assert not re.match(r"^(https?:)?//", source), source
            asset = api.client.get(source)
            assert asset.status_code == 200 and asset.content, source
        assert "http://" not in html and "https://" not in html


def test_a_generated_client_has_every_operation(document: dict[str, Any], tmp_path: Path) -> None:
    """openapi-python-client generates a module per operation of the document; none is dropped."""
    source = tmp_path / "openapi.json"
    source.write_bytes(msgspec.json.encode(document))
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run([str(bin_dir / "openapi-python-client"), "generate", "--path", str(source),
                             "--meta", "none", "--output-path", str(tmp_path / "client")],
                            capture_output=True, text=True, env=env, timeout=900, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Unable to" not in result.stdout + result.stderr, result.stdout + result.stderr
    assert "Could not" not in result.stdout + result.stderr, result.stdout + result.stderr
    documented = {(method, path) for path, method, _ in _operations(document)}
    generated = set()
    for module in (tmp_path / "client" / "api").rglob("*.py"):
        text = module.read_text()
        method = re.search(r'"method": "(\w+)"', text)
        url = re.search(r'"url": "([^"]+)"', text)
        if method and url:
            generated.add((method.group(1), url.group(1)))
    assert len(documented) > 400
    assert generated == documented, (sorted(documented - generated)[:10], sorted(generated - documented)[:10])

