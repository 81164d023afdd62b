"""Admission before a handler reads anything: 401 comes before any body or precondition check, and a JSON
body nested too deep is refused as a problem, never a server error."""

from __future__ import annotations

import base64

import pytest
from api_env import Api, records_path, screen, subject_path, vitals

from edc.app.kernel.admission import MAX_JSON_DEPTH, json_depth

NESTED = b"[" * 1000 + b"]" * 1000


def test_an_anonymous_caller_learns_401_before_the_body_or_if_match_is_read(api: Api) -> None:
    number = screen(api)
    path = records_path(number, "SCR", "vital_signs")
    created = api.call("inv01", "POST", path, json=vitals())
    assert created.status_code == 201
    for method, target, body, headers in [
        ("POST", path, {"no_such_item": 1}, {}),  # 422 for an authenticated caller
        ("PATCH", path + "/1", {"reason": "x", "changes": {"pulse": 71}}, {}),  # 428 without If-Match
        ("PATCH", path + "/1", {"changes": "not an object"}, {"If-Match": '"9"'}),  # 422 / 412
        ("POST", path, None, {"Content-Type": "application/json"}),
    ]:
        answer = api.client.request(method, target, json=body, headers=headers)
        assert answer.status_code == 401, (method, target, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")


def test_public_routes_need_no_token(api: Api) -> None:
    assert api.client.get("/health").status_code == 200
    assert api.client.get("/schema/openapi.json").status_code == 200
    assert api.login("inv01").status_code == 201


@pytest.mark.parametrize("path", ["/api/v1/auth/token", records_path("01-001", "SCR", "vital_signs")])
def test_a_body_nested_a_thousand_deep_is_refused_as_a_problem(api: Api, path: str) -> None:
    headers = {**api.headers("inv01"), "Content-Type": "application/json"}
    answer = api.client.post(path, content=NESTED, headers=headers)
    assert answer.status_code == 422, answer.text
    assert f"deeper than {MAX_JSON_DEPTH}" in answer.json()["detail"]


@pytest.mark.parametrize(("body", "depth"), [
    (b"", 0), (b"{}", 1), (b'{"a": [1, {"b": []}]}', 4), (b'{"a": "[[[[{{{{"}', 1),
    (b'{"a": "quote \\" [[[", "b": [[]]}', 3), (b'["back\\\\", [[]]]', 3), (NESTED, 1000),
])
def test_json_depth_counts_structure_outside_strings(body: bytes, depth: int) -> None:
    assert json_depth(body) == depth


@pytest.mark.parametrize("path", [
    records_path("01-001", "SCR", "vital_signs", occurrence=2**63) + "/1",
    records_path("01-001", "SCR", "vital_signs") + f"/{10**30}",
    f"/api/v1/studies/relmacel/queries/{2**40}",
])
def test_a_path_number_no_row_can_have_is_not_found(api: Api, path: str) -> None:
    answer = api.call("inv01", "GET", path)
    assert answer.status_code == 404, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_a_cursor_beyond_any_id_is_refused(api: Api) -> None:
    forged = base64.urlsafe_b64encode(f"after:{10**40}".encode()).decode().rstrip("=")
    answer = api.call("monitor", "GET", "/api/v1/studies/relmacel/subjects", params={"cursor": forged})
    assert answer.status_code == 422, answer.text


def test_a_nul_character_anywhere_is_refused_before_the_database_sees_it(api: Api) -> None:
    number = screen(api)
    body = b'{"subject": "' + number.encode() + b'", "visit": "SCR", "text": "date\\u0000?"}'
    posted = api.client.post("/api/v1/studies/relmacel/queries", content=body,
                             headers={**api.headers("monitor"), "Content-Type": "application/json"})
    assert posted.status_code == 422 and "NUL" in posted.json()["detail"], posted.text
    assert api.call("inv01", "GET", subject_path("01-0%0001")).status_code == 404
    listed = api.call("monitor", "GET", "/api/v1/studies/relmacel/queries", params={"subject": "01\x00"})
    assert listed.status_code == 422, listed.text


@pytest.mark.parametrize("params", [{"record_id": str(10**20)}, {"min_age_days": "-" + "9" * 30},
                                    {"limit": "1" + "0" * 40}])
def test_a_query_number_beyond_64_bits_is_refused_not_overflowed(api: Api, params: dict[str, str]) -> None:
    path = "/api/v1/studies/relmacel/audit" if "record_id" in params else "/api/v1/studies/relmacel/queries"
    answer = api.call("monitor", "GET", path, params=params)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
