"""Fixtures of the casebook tests: the API tests' application over each backend (tests/api/api_env.py)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))  # the API tests' environment, shared not copied

from api_env import Api, start_api

from edc.definitions.catalog import Catalog


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2's cheapest parameters: logins are not under test here."""
    monkeypatch.setenv("EDC_ARGON2_PROFILE", "test")


@pytest.fixture
def api(db_url: str, catalog: Catalog) -> Iterator[Api]:
    yield from start_api(db_url, catalog)
