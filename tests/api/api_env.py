"""A running API over a migrated database of each backend, with one user per role, logged in over HTTP.

The application is the real one (`create_app`), driven through Litestar's
test client (HTTP requests through the ASGI stack, no server socket). Users
are created with the auth service and log in through `POST /api/v1/auth/token`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from backends import runtime_url
from litestar import Litestar
from litestar.testing import TestClient
from migrated import migrated
from sqlalchemy import Engine

from edc.api.app import create_app
from edc.app.access.service import GrantSpec, create_user
from edc.app.kernel.context import STATE_KEY, AppState
from edc.db.engine import make_engine
from edc.db.registry import register_catalog
from edc.definitions.catalog import Catalog

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"
STUDY = "relmacel"

#: username -> (role, site code or None for every site) in STUDY.
USERS: dict[str, tuple[str, str | None]] = {
    "inv01": ("investigator", "01"),
    "coord01": ("coordinator", "01"),
    "inv02": ("investigator", "02"),
    "dm": ("data_manager", None),
    "monitor": ("monitor", None),
    "safety": ("safety_reviewer", None),
    "admin": ("administrator", None),
}


@dataclass
class Api:
    """The test client, the engine behind it (the runtime role's on PostgreSQL) and a token per username."""

    client: TestClient[Any]
    engine: Engine
    catalog: Catalog
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, username: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[username]}", **extra}

    def call(self, username: str, method: str, path: str, *, json: object = None,
             headers: dict[str, str] | None = None, params: dict[str, Any] | None = None) -> Any:
        """One request as `username` (an unknown username sends no token)."""
        sent = self.headers(username) if username in self.tokens else {}
        sent.update(headers or {})
        return self.client.request(method, path, json=json, headers=sent, params=params)

    def login(self, username: str, password: str = PASSWORD) -> Any:
        return self.client.post("/api/v1/auth/token", json={"username": username, "password": password})


def start_api(db_url: str, catalog: Catalog) -> Iterator[Api]:
    """Migrate and register (as the owner), create the users, start the app (as the runtime role on PostgreSQL,
    as `edc serve` would connect), log everyone in; dispose afterwards."""
    migrated(db_url)
    owner = make_engine(db_url)
    try:
        with owner.begin() as conn:
            register_catalog(conn, catalog, NOW)
    finally:
        owner.dispose()
    engine = make_engine(runtime_url(db_url))
    with engine.begin() as conn:
        for username, (role, site) in USERS.items():
            create_user(conn, username=username, full_name=username.title(), password=PASSWORD,
                        grants=[GrantSpec(role, STUDY, site)], now=NOW)
    try:
        with TestClient(_app(engine, catalog)) as client:
            api = Api(client, engine, catalog)
            for username in USERS:
                response = api.login(username)
                assert response.status_code == 201, response.text
                api.tokens[username] = response.json()["token"]
            yield api
    finally:
        engine.dispose()


_APPS: dict[int, Litestar] = {}


def _app(engine: Engine, catalog: Catalog) -> Litestar:
    """The real application over `engine`, built once per catalog and pointed at each test's engine.

    Building it (every route, the per-form OpenAPI document) takes about a second; the engine is the only
    thing that differs between tests, and the application reads it from its state on every request.
    """
    app = _APPS.get(id(catalog))
    if app is None:
        app = _APPS[id(catalog)] = create_app(engine, catalog)
    app.state[STATE_KEY] = AppState(engine=engine, catalog=catalog)
    return app


def subject_path(number: str, study: str = STUDY) -> str:
    return f"/api/v1/studies/{study}/subjects/{number}"


def records_path(number: str, visit: str, form: str, occurrence: int = 1, study: str = STUDY) -> str:
    return f"{subject_path(number, study)}/visits/{visit}/{occurrence}/forms/{form}"


def vitals(**changes: object) -> dict[str, object]:
    """A valid vital_signs payload, with `changes` applied."""
    payload: dict[str, object] = {"vsdat": "2026-03-02", "sysbp": 120, "diabp": 80, "pulse": 70, "temp": "36.8",
                                  "weight": "70.0", "height": "175.0"}
    payload.update(changes)
    return payload


def adverse_event(aespid: str, **changes: object) -> dict[str, object]:
    """A valid grade 1 adverse event (ended) numbered `aespid`, with `changes` applied."""
    return {"aespid": aespid, "aeterm": "Headache", "aecat": "OTHER", "aestdat": "2026-02-10", "aeongo": "N",
            "aeendat": "2026-02-12", "aetoxgr": "1", "aeser": "N", "aerel": "UNLIKELY", "aerel_ld": "NOT_RELATED",
            "aeacn": "NOT APPLICABLE", "aecontrt": "N", "aeout": "RECOVERED/RESOLVED", **changes}


def screen(api: Api, user: str = "inv01", site: str = "01") -> str:
    """Screen a new SLE subject of STUDY at `site` as `user`; returns the subject number."""
    response = api.call(user, "POST", f"/api/v1/studies/{STUDY}/subjects",
                        json={"site": site, "cohort": "SLE", "screened_on": "2026-03-02"})
    assert response.status_code == 201, response.text
    return str(response.json()["subject_number"])
