"""Fixtures of the workspace tests: the API test environment (users per role in relmacel) for the pages."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "api"))

from api_env import Api, start_api

from edc.definitions.catalog import Catalog


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2's cheapest parameters: logging in is exercised, not its cost."""
    monkeypatch.setenv("EDC_ARGON2_PROFILE", "test")


@pytest.fixture
def api(db_url: str, catalog: Catalog) -> Iterator[Api]:
    yield from start_api(db_url, catalog)
