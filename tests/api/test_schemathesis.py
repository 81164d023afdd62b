"""Schemathesis against a live `edc serve`: no 5xx, and every answer as the OpenAPI document describes it.

A real server process (tests/server_process.py) on each backend; its document, read over HTTP, drives
schemathesis: for each operation a capped number of generated requests (valid ones and, where the
document allows it, invalid ones), with a fixed seed, sent with the token of an investigator of site 01
(and, on the study-level routes, of a data manager restricted to site 01). Each answer is checked with
schemathesis's `not_a_server_error`, `status_code_conformance`, `content_type_conformance` and
`response_schema_conformance`. The number of requests and of 5xx answers is printed.

Which operations: every operation that is not a per-form record path on both backends; the per-form
record paths (four per form, 216 of the document's 472 operations) of two studies on SQLite
(`relmacel`, `rd0604`) and of the two others on PostgreSQL (`cnct19`, `ic19`): every operation of the
document is fuzzed on at least one backend, and each backend stays near a minute.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
import schemathesis
from api_env import PASSWORD, STUDY, records_path, vitals
from backends import BACKENDS, scratch_database
from hypothesis import HealthCheck, Phase, given, seed, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from server_process import edc_serve

from edc.app.access.service import GrantSpec, create_user
from edc.db.engine import make_engine
from edc.definitions.catalog import Catalog
from edc.serve import prepare_database

SEED = 20260302
EXAMPLES = 3  # per operation and generation mode
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
USERS = {"inv01": ("investigator", "01"), "dm01": ("data_manager", "01")}
#: Left out: logging out would end the token every other request uses.
LEFT_OUT = {("DELETE", "/api/v1/auth/token")}
#: Path parameters fixed to the stored data (the study's subject, its screening visit); the others
#: (query, lock and job ids, record numbers) are generated.
PATH_VALUES: dict[str, object] = {"study_id": STUDY, "visit_code": "SCR", "occurrence": 1}
#: backend -> the studies whose per-form record paths it fuzzes
FORMS_ON = {"sqlite": ("relmacel", "rd0604"), "postgresql": ("cnct19", "ic19")}


@dataclass
class Run:
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: int = 0
    failures: list[str] = field(default_factory=list)


@pytest.fixture(scope="module", params=BACKENDS)
def server(request: pytest.FixtureRequest, catalog: Catalog,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(backend, base URL) of a live server over a prepared database with the two users.

    The investigator holds site 01 of every study (so the per-form paths of each are fuzzed past the
    permission check); the data manager site 01 of `relmacel`.
    """
    tmp = tmp_path_factory.mktemp("fuzz")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EDC_ARGON2_PROFILE", "test")
        patch.setenv("EDC_EXPORT_DIR", str(tmp / "exports"))
        for db_url in scratch_database(request.param, tmp):
            prepare_database(db_url)
            engine = make_engine(db_url)
            with engine.begin() as conn:
                for username, (role, site) in USERS.items():
                    studies = list(catalog.studies) if role == "investigator" else [STUDY]
                    create_user(conn, username=username, full_name=username, password=PASSWORD,
                                grants=[GrantSpec(role, study, site) for study in studies], now=datetime.now(UTC))
            engine.dispose()
            with edc_serve(url=db_url, cwd=tmp) as base:
                yield request.param, base


def _token(base: str, username: str) -> str:
    response = requests.post(f"{base}/api/v1/auth/token", json={"username": username, "password": PASSWORD},
                             timeout=30)
    assert response.status_code == 201, response.text
    return str(response.json()["token"])


def _seed_data(base: str, token: str, catalog: Catalog) -> dict[str, str]:
    """A subject at site 01 of every study (`relmacel`'s with a vital-signs record), so generated requests
    also meet stored data; study -> its subject number."""
    auth, numbers = {"Authorization": f"Bearer {token}"}, {}
    for study in catalog.studies.values():
        screened = requests.post(f"{base}/api/v1/studies/{study.id}/subjects", headers=auth, timeout=30,
                                 json={"site": "01", "cohort": study.spec.cohorts[0].id, "screened_on": "2026-03-02"})
        assert screened.status_code == 201, screened.text
        numbers[study.id] = str(screened.json()["subject_number"])
    created = requests.post(base + records_path(numbers[STUDY], "SCR", "vital_signs"), headers=auth, json=vitals(),
                            timeout=30)
    assert created.status_code == 201, created.text
    return numbers


def _wanted(backend: str, method: str, path: str) -> bool:
    if (method, path) in LEFT_OUT:
        return False
    form_of = re.match(r"/api/v1/studies/(\w+)/subjects/.*/forms/", path)
    return form_of is None or form_of.group(1) in FORMS_ON[backend]


def test_generated_requests_get_no_5xx_and_documented_answers(server: tuple[str, str], catalog: Catalog) -> None:
    backend, base = server
    tokens = {username: _token(base, username) for username in USERS}
    subjects = _seed_data(base, tokens["inv01"], catalog)
    schema = schemathesis.openapi.from_url(f"{base}/schema/openapi.json")
    run, started = Run(), time.monotonic()
    session = requests.Session()
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if _wanted(backend, op.method.upper(), op.path)]
    for operation in operations:
        as_dm = operation.path.startswith("/api/v1/studies/{study_id}/") and "/subjects" not in operation.path
        users = ["inv01", "dm01"] if as_dm else ["inv01"]
        for username in users:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                _fuzz(operation, mode, base, session, {"Authorization": f"Bearer {tokens[username]}"}, run,
                      subjects)
    seconds = time.monotonic() - started
    print(f"\nschemathesis on {backend}: {len(operations)} operations, {run.requests} requests, "
          f"{run.server_errors} answered 5xx, {len(run.failures)} failing checks, {seconds:.0f} s; "
          f"statuses {dict(sorted(run.statuses.items()))}")
    assert run.requests > len(operations)
    _checks_can_fail(operations, base, tokens["inv01"])
    assert not run.failures, "\n".join(run.failures[:40])
    assert run.server_errors == 0


def _fuzz(operation: Any, mode: GenerationMode, base: str, session: requests.Session, auth: dict[str, str],
          run: Run, subjects: dict[str, str]) -> None:
    study = re.match(r"/api/v1/studies/(\w+)/", operation.path)
    values = {**PATH_VALUES, "subject_number": subjects.get(study.group(1) if study else STUDY, subjects[STUDY])}
    fixed = {name: value for name, value in values.items() if "{" + name + "}" in operation.path}
    if mode is GenerationMode.NEGATIVE:
        fixed = {"study_id": STUDY} if "{study_id}" in operation.path else {}
    try:
        strategy = operation.as_strategy(generation_mode=mode, path_parameters=fixed or None)
    except Exception as exc:  # an operation with nothing to make invalid has no negative strategy
        if mode is GenerationMode.NEGATIVE:
            return
        raise exc

    @seed(SEED)
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=False,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def probe(case: Any) -> None:
        response = case.call(base_url=base, session=session, headers=auth, timeout=30)
        run.requests += 1
        run.statuses[response.status_code] += 1
        if response.status_code >= 500:
            run.server_errors += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=auth)
        except (Exception, BaseExceptionGroup) as failure:  # schemathesis raises a group of its failures
            run.failures.append(f"{operation.method.upper()} {operation.path} ({mode}) -> {response.status_code}: "
                                f"{str(failure)[:600]}")

    probe()


def _checks_can_fail(operations: list[Any], base: str, token: str) -> None:
    """The checks are live: `GET /auth/me`'s case judged against the answer of another route fails them."""
    me = next(op for op in operations if op.method.upper() == "GET" and op.path == "/api/v1/auth/me")
    case = me.Case()
    studies = requests.get(f"{base}/api/v1/studies", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert studies.status_code == 200
    try:
        case.validate_response(studies, checks=CHECKS)
    except BaseExceptionGroup as failures:  # schemathesis raises the group of its failures
        assert "violates schema" in str(failures)
    else:
        raise AssertionError("the response schema check passed an answer of another route")
