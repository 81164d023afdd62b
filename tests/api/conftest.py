"""Fixtures of the API tests: the application over each backend with a logged-in user per role."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from api_env import Api, start_api

from edc.definitions.catalog import Catalog


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2's cheapest parameters: the API tests log in many users, hashing cost is not under test."""
    monkeypatch.setenv("EDC_ARGON2_PROFILE", "test")


@pytest.fixture
def api(db_url: str, catalog: Catalog) -> Iterator[Api]:
    yield from start_api(db_url, catalog)
