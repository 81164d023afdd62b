"""Screening subjects on real databases: per-site gapless numbering, refusals, first visits, the audit trail.

The concurrency test runs only on PostgreSQL (generated when
EDC_TEST_POSTGRES_URL is set): separate processes, each with its own engine,
screen subjects at one site at the same time.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from migrated import migrated
from sqlalchemy import Engine, func, insert, select

from edc import audit
from edc.app.kernel.actor import Actor
from edc.app.kernel.errors import InvalidInput, NotFound, NotPermitted
from edc.app.subjects.service import screen_subject
from edc.db.core import Subject, SubjectCounter, User, Visit
from edc.db.engine import make_engine
from edc.db.registry import register_catalog
from edc.db.trail import AuditEvent
from edc.definitions.catalog import Catalog

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
DAY = date(2026, 3, 2)
CONCURRENT_WORKERS = 2
PER_WORKER = 20


def prepare(url: str, catalog: Catalog) -> int:
    """Migrate `url`, register the four trials and add a coordinator; return the user's id."""
    migrated(url)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            register_catalog(conn, catalog, NOW)
            key = conn.execute(insert(User).values(
                username="coord", full_name="Coordinator", password_hash="x", is_active=True,
                created_at=NOW)).inserted_primary_key
            assert key is not None
            return int(key[0])
    finally:
        engine.dispose()


@pytest.fixture
def user_id(db_url: str, catalog: Catalog) -> int:
    return prepare(db_url, catalog)


@pytest.fixture
def engine(db_url: str, user_id: int) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def actor(user_id: int) -> Actor:
    return Actor(user_id=user_id, role="coordinator")


def screen(engine: Engine, catalog: Catalog, actor: Actor, study: str = "ic19", site: str = "01",
           cohort: str | None = "SLE") -> str:
    """Screen one subject in its own transaction; return its number."""
    with engine.begin() as conn:
        return screen_subject(conn, study=catalog.study(study), site_code=site, cohort=cohort, screened_on=DAY,
                              actor=actor, now=NOW).subject_number


def test_numbers_follow_each_other_per_site(engine: Engine, catalog: Catalog, actor: Actor) -> None:
    assert [screen(engine, catalog, actor) for _ in range(3)] == ["01-001", "01-002", "01-003"]
    numbers = [screen(engine, catalog, actor, "relmacel", site) for site in ("02", "01", "02", "03")]
    assert numbers == ["02-001", "01-001", "02-002", "03-001"]
    assert screen(engine, catalog, actor, "cnct19", cohort="ITP") == "01-001"
    with engine.connect() as conn:
        assert audit.verify(conn).ok


def test_screening_writes_subject_visits_and_audit(engine: Engine, catalog: Catalog, actor: Actor) -> None:
    with engine.begin() as conn:
        screened = screen_subject(conn, study=catalog.study("ic19"), site_code="01", cohort="SLE",
                                  screened_on=DAY, actor=actor, now=NOW)
    with engine.connect() as conn:
        subject = conn.execute(select(Subject).where(Subject.id == screened.subject_id)).one()
        assert (subject.subject_number, subject.status, subject.cohort) == ("01-001", "screening", "SLE")
        visits = conn.execute(select(Visit.id, Visit.visit_code, Visit.planned_date)
                              .where(Visit.subject_id == screened.subject_id).order_by(Visit.id)).all()
        assert [(v.id, v.visit_code) for v in visits] == [(screened.logs_visit_id, "LOGS"),
                                                           (screened.screening_visit_id, "SCR")]
        events = conn.execute(select(AuditEvent.action, AuditEvent.item, AuditEvent.new_value, AuditEvent.user_id)
                              .where(AuditEvent.subject_id == screened.subject_id)).all()
        assert ("subject.screen", "subject_number", '"01-001"', actor.user_id) in events
        assert {e.action for e in events} == {"subject.screen", "visit.create"}
        assert audit.verify(conn).ok


@pytest.mark.parametrize(("site", "cohort", "error"), [
    ("09", "SLE", NotFound), ("01", "XYZ", InvalidInput), ("01", None, InvalidInput)])
def test_unknown_site_or_cohort_is_refused_and_nothing_written(
        engine: Engine, catalog: Catalog, actor: Actor, site: str, cohort: str | None,
        error: type[Exception]) -> None:
    with pytest.raises(error), engine.begin() as conn:
        screen_subject(conn, study=catalog.study("ic19"), site_code=site, cohort=cohort, screened_on=DAY,
                       actor=actor, now=NOW)
    with engine.connect() as conn:
        for table in (Subject, Visit, AuditEvent, SubjectCounter):
            assert conn.execute(select(func.count()).select_from(table)).scalar_one() == 0


def test_actor_of_another_site_is_refused(engine: Engine, catalog: Catalog, user_id: int) -> None:
    restricted = Actor(user_id=user_id, role="coordinator", site_ids=frozenset({-1}))
    with pytest.raises(NotPermitted):
        screen(engine, catalog, restricted)
    assert screen(engine, catalog, Actor(user_id=user_id, role="coordinator")) == "01-001"


def test_rolled_back_screening_leaves_no_gap(engine: Engine, catalog: Catalog, actor: Actor) -> None:
    with engine.connect() as conn, conn.begin() as tx:
        screen_subject(conn, study=catalog.study("ic19"), site_code="01", cohort="SLE", screened_on=DAY,
                       actor=actor, now=NOW)
        tx.rollback()
    assert screen(engine, catalog, actor) == "01-001"


def _screen_many(url: str, study: str, user_id: int, count: int) -> list[str]:
    """Worker process body: its own engine, `count` screenings each in its own transaction."""
    from edc.config import forms_dir
    from edc.definitions.loader import load_catalog

    catalog = load_catalog(forms_dir())
    engine = make_engine(url)
    try:
        actor = Actor(user_id=user_id, role="coordinator")
        return [screen(engine, catalog, actor, study) for _ in range(count)]
    finally:
        engine.dispose()


def _concurrent_screening(db_url: str, catalog: Catalog, user_id: int) -> None:
    """Several processes screen at site 01 at once: 01-001..01-NNN exactly, and the audit chain holds."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(CONCURRENT_WORKERS) as pool:
        results = pool.starmap(_screen_many, [(db_url, "ic19", user_id, PER_WORKER)] * CONCURRENT_WORKERS)
    total = CONCURRENT_WORKERS * PER_WORKER
    assert sorted(n for r in results for n in r) == [f"01-{i:03d}" for i in range(1, total + 1)]
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(select(Subject.subject_number).order_by(Subject.subject_number)).scalars().all()
            assert stored == [f"01-{i:03d}" for i in range(1, total + 1)]
            assert conn.execute(select(SubjectCounter.last_number)).scalar_one() == total
            assert audit.verify(conn).ok
    finally:
        engine.dispose()


if os.environ.get("EDC_TEST_POSTGRES_URL"):
    @pytest.mark.postgresql
    @pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
    def test_concurrent_screening_is_gapless(db_url: str, catalog: Catalog) -> None:
        _concurrent_screening(db_url, catalog, prepare(db_url, catalog))
