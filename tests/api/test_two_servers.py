"""Two server processes on one PostgreSQL database, hit concurrently: no lost update, no duplicate number.

Two real `edc serve` processes listen on two ports; client threads alternate
between them.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from api_env import PASSWORD, STUDY, records_path, vitals
from backends import POSTGRES_ONLY
from server_process import edc_serve
from sqlalchemy import func, insert, select

from edc.app.access.service import GrantSpec, create_user
from edc.db.engine import make_engine
from edc.db.jobs import ExportJob
from edc.db.trail import AuditEvent
from edc.definitions.catalog import Catalog
from edc.serve import prepare_database

SCREENINGS = 40
WRITERS = 8
ENTRIES = 20


@pytest.fixture
def servers(db_url: str, catalog: Catalog) -> Iterator[list[str]]:
    prepare_database(db_url)
    engine = make_engine(db_url)
    with engine.begin() as conn:
        create_user(conn, username="inv01", full_name="Inv", password=PASSWORD,
                    grants=[GrantSpec("investigator", STUDY, "01")], now=datetime.now(UTC))
    engine.dispose()
    with edc_serve(url=db_url) as first, edc_serve(url=db_url) as second:
        yield [first, second]


def _token(base: str) -> dict[str, str]:
    response = httpx.post(f"{base}/api/v1/auth/token", json={"username": "inv01", "password": PASSWORD})
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


@pytest.mark.parametrize("db_url", POSTGRES_ONLY, indirect=True)
def test_two_servers_allocate_every_number_once(servers: list[str]) -> None:
    headers = [_token(base) for base in servers]

    def screen(i: int) -> str:
        response = httpx.post(f"{servers[i % 2]}/api/v1/studies/{STUDY}/subjects", headers=headers[i % 2],
                              json={"site": "01", "cohort": "SLE", "screened_on": "2026-03-02"}, timeout=60)
        assert response.status_code == 201, response.text
        return str(response.json()["subject_number"])

    with ThreadPoolExecutor(WRITERS) as pool:
        numbers = list(pool.map(screen, range(SCREENINGS)))
    assert sorted(numbers) == [f"01-{n:03d}" for n in range(1, SCREENINGS + 1)]


@pytest.mark.parametrize("db_url", POSTGRES_ONLY, indirect=True)
def test_two_servers_lose_no_correction(servers: list[str]) -> None:
    headers = [_token(base) for base in servers]
    subject = httpx.post(f"{servers[0]}/api/v1/studies/{STUDY}/subjects", headers=headers[0],
                         json={"site": "01", "cohort": "SLE", "screened_on": "2026-03-02"}).json()["subject_number"]
    created = httpx.post(servers[0] + records_path(subject, "SCR", "vital_signs"), headers=headers[0],
                         json=vitals(pulse=60))
    location = created.headers["location"]

    def bump(i: int) -> int:
        """Add one to the pulse, re-reading and retrying on 412 as a client must; return the attempts."""
        base, auth = servers[i % 2], headers[i % 2]
        for attempt in range(1, 200):
            current = httpx.get(base + location, headers=auth, timeout=60)
            pulse = current.json()["values"]["pulse"]
            response = httpx.patch(base + location, headers={**auth, "If-Match": current.headers["etag"]},
                                   json={"reason": f"client {i}", "changes": {"pulse": pulse + 1}}, timeout=60)
            if response.status_code == 200:
                return attempt
            assert response.status_code == 412, response.text
        raise AssertionError("no correction got through")

    with ThreadPoolExecutor(WRITERS) as pool:
        attempts = list(pool.map(bump, range(2 * WRITERS)))
    final = httpx.get(servers[1] + location, headers=headers[1]).json()
    assert final["values"]["pulse"] == 60 + 2 * WRITERS  # every increment kept: none silently overwritten
    assert final["version"] == 1 + 2 * WRITERS
    assert max(attempts) > 1  # the race really happened: some writers were refused with 412 first


@pytest.mark.parametrize("db_url", POSTGRES_ONLY, indirect=True)
def test_servers_starting_at_once_on_an_empty_database_prepare_it_once(db_url: str) -> None:
    with ThreadPoolExecutor(3) as pool:  # three `edc serve` start-ups racing: migrate and register
        outcomes = list(pool.map(prepare_database, [db_url] * 3))
    registered = [r for outcome in outcomes for r in outcome]
    assert sorted(r.study_id for r in registered if r.new) == ["cnct19", "ic19", "rd0604", "relmacel"]
    assert len(registered) == 12 and len({r.definition_version_id for r in registered}) == 4


def adverse_event(aespid: str) -> dict[str, object]:
    """A valid, non-serious, ongoing grade 1 adverse event numbered `aespid`."""
    return {"aespid": aespid, "aeterm": "Headache", "aecat": "OTHER", "aestdat": "2026-03-10", "aeongo": "Y",
            "aetoxgr": "1", "aeser": "N", "aerel": "UNLIKELY", "aerel_ld": "NOT_RELATED",
            "aeacn": "NOT APPLICABLE", "aecontrt": "N", "aeout": "NOT RECOVERED/NOT RESOLVED"}


@pytest.mark.parametrize("db_url", POSTGRES_ONLY, indirect=True)
def test_concurrent_log_entries_on_two_servers_are_all_stored(db_url: str, servers: list[str]) -> None:
    headers = [_token(base) for base in servers]
    subject = httpx.post(f"{servers[0]}/api/v1/studies/{STUDY}/subjects", headers=headers[0],
                         json={"site": "01", "cohort": "SLE", "screened_on": "2026-03-02"}).json()["subject_number"]
    path = records_path(subject, "LOGS", "adverse_events")

    def enter(i: int) -> httpx.Response:
        return httpx.post(servers[i % 2] + path, headers=headers[i % 2], json=adverse_event(aespid=str(i + 1)),
                          timeout=60)

    with ThreadPoolExecutor(ENTRIES) as pool:  # every entry in flight at once, half on each server
        answers = list(pool.map(enter, range(ENTRIES)))
    assert [a.status_code for a in answers] == [201] * ENTRIES, [a.text for a in answers if a.status_code != 201]
    assert sorted(a.json()["seq"] for a in answers) == list(range(1, ENTRIES + 1))
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            created = conn.execute(select(AuditEvent.record_id, func.count()).where(
                AuditEvent.action == "record.create").group_by(AuditEvent.record_id)).all()
    finally:
        engine.dispose()
    assert len(created) == ENTRIES and all(count > 0 for _, count in created)  # each entry has its audit events


@pytest.mark.parametrize("db_url", POSTGRES_ONLY, indirect=True)
def test_servers_starting_at_once_settle_a_dead_export_once_and_leave_a_live_one(db_url: str) -> None:
    prepare_database(db_url)
    engine = make_engine(db_url)
    now = datetime.now(UTC)
    runners = {"dead": ("db-host-7:4242:0123456789ab", now - timedelta(minutes=10)),  # silent for ten minutes
               "live": (f"{socket.gethostname()}:{os.getpid()}:0123456789ab", now)}  # this host, beating
    with engine.begin() as conn:
        user = create_user(conn, username="dm", full_name="Dm", password=PASSWORD,
                           grants=[GrantSpec("data_manager", STUDY, None)], now=now)
        ids = {name: conn.execute(insert(ExportJob).values(
            study_id=STUDY, requested_by=user, requested_role="data_manager", requested_at=beat, status="running",
            formats=["csv"], runner=runner, heartbeat_at=beat, started_at=beat, progress_done=0)
            .returning(ExportJob.id)).scalar_one() for name, (runner, beat) in runners.items()}
    try:
        starting = [edc_serve(url=db_url, startup_seconds=240) for _ in range(2)]  # two imports at once: slow
        with ExitStack() as stack, ThreadPoolExecutor(2) as pool:  # both start-up sweeps race
            assert len(list(pool.map(stack.enter_context, starting))) == 2
        with engine.connect() as conn:
            stored = {row.id: row.status for row in conn.execute(
                select(ExportJob.id, ExportJob.status).where(ExportJob.id.in_(ids.values())))}
            finished = conn.execute(select(AuditEvent.reason).where(AuditEvent.action == "export.finish")).all()
    finally:
        engine.dispose()
    assert stored == {ids["dead"]: "failed", ids["live"]: "running"}
    assert [reason.startswith(f"export {ids['dead']}: interrupted") for (reason,) in finished] == [True]
