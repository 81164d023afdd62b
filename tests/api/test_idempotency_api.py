"""Idempotency-Key on the creating requests besides form records: screening, queries and locks.

A retry with the same key returns what the first request created and stores nothing twice; the same key
with a different request is refused.
"""

from __future__ import annotations

from typing import Any

import pytest
from api_env import STUDY, Api, screen

BASE = f"/api/v1/studies/{STUDY}"


def post(api: Api, user: str, path: str, body: dict[str, Any], key: str) -> Any:
    return api.call(user, "POST", BASE + path, json=body, headers={"Idempotency-Key": key})


@pytest.mark.parametrize("case", ["screening", "query", "lock"])
def test_a_retry_returns_the_first_result_and_stores_nothing_twice(api: Api, case: str) -> None:
    number = screen(api)
    user, path, body, listing, ident = {
        "screening": ("inv01", "/subjects", {"site": "01", "cohort": "SLE", "screened_on": "2026-03-03"},
                      "/subjects", "subject_number"),
        "query": ("monitor", "/queries", {"subject": number, "visit": "SCR", "text": "date?"}, "/queries", "id"),
        "lock": ("dm", "/locks", {"scope": "subject", "state": "frozen", "subject": number}, "/locks", "id"),
    }[case]
    before = api.call(user, "GET", BASE + listing).json()
    count = len(before["items"] if isinstance(before, dict) else before)
    first = post(api, user, path, body, "retry-1")
    again = post(api, user, path, body, "retry-1")
    assert first.status_code == 201, first.text
    assert again.status_code == 201 and again.json()[ident] == first.json()[ident]
    after = api.call(user, "GET", BASE + listing).json()
    assert len(after["items"] if isinstance(after, dict) else after) == count + 1
    changed = post(api, user, path, {**body, **({"text": "other"} if case == "query" else {"state": "locked"}
                                                if case == "lock" else {"screened_on": "2026-03-04"})}, "retry-1")
    assert changed.status_code == 422 and changed.json()["type"].endswith("/idempotency-key-reused")
    assert post(api, user, path, body, "x" * 101).status_code == 422
