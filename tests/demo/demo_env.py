"""A migrated, registered database with a user who acts as every site's investigator, and readers for demo data."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from backends import runtime_url
from core_rows import insert_core_rows
from migrated import migrated
from sqlalchemy import Connection, Engine, select

from edc.app.kernel.actor import Actor
from edc.app.records.service import RecordResult, read_record
from edc.db.core import FormRecord, Site, Subject, Visit
from edc.db.engine import make_engine
from edc.db.registry import register_catalog
from edc.definitions.catalog import Catalog
from edc.demo import DemoSummary, populate

NOW = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
TODAY = date(2026, 3, 1)


@dataclass(frozen=True)
class DemoEnv:
    """The engine, the catalog, the user the demo acts as and the sites' ids by (study, code)."""

    engine: Engine
    catalog: Catalog
    user_id: int
    sites: dict[tuple[str, str], int]

    def actor_for(self, study_id: str, site_code: str) -> Actor:
        """The investigator of one site: the demo must act within that site only."""
        return Actor(self.user_id, "investigator", frozenset({self.sites[(study_id, site_code)]}))

    @property
    def reader(self) -> Actor:
        return Actor(self.user_id, "data_manager", None)


_SHARED: dict[str, tuple[DemoEnv, DemoSummary]] = {}


def shared_sqlite_demo(catalog: Catalog) -> tuple[DemoEnv, DemoSummary]:
    """One SQLite database with the demo of every trial, populated once per test session.

    Populating all four trials takes about a minute; the demo tests and the
    SDTM export tests read the same database instead of each paying for it.
    Nothing may write to it.
    """
    if "sqlite" not in _SHARED:
        directory = Path(tempfile.mkdtemp(prefix="edc-demo-"))
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        env = demo_env(f"sqlite:///{directory / 'edc.sqlite'}", catalog)
        _SHARED["sqlite"] = env, populate(env.engine, catalog, actor_for=env.actor_for, today=TODAY)
    return _SHARED["sqlite"]


def demo_env(url: str, catalog: Catalog) -> DemoEnv:
    """Migrate `url`, add the core rows (a user, and a study outside the catalog) and register the catalog, as
    the owner; the environment's engine is the application's (the runtime role on PostgreSQL)."""
    migrated(url)
    owner = make_engine(url)
    try:
        with owner.begin() as conn:
            user_id = int(insert_core_rows(conn)["user_id"])
            register_catalog(conn, catalog, NOW)
            sites = {(str(row.study_id), str(row.code)): int(row.id) for row in conn.execute(select(Site))}
    finally:
        owner.dispose()
    return DemoEnv(make_engine(runtime_url(url)), catalog, user_id, sites)


@dataclass(frozen=True)
class StoredRecord:
    """A record as the demo left it, with the visit and subject it belongs to."""

    study_id: str
    subject_number: str
    visit_code: str
    occurrence: int
    form_id: str
    seq: int
    result: RecordResult


def stored_records(conn: Connection, env: DemoEnv, study_id: str) -> Iterator[StoredRecord]:
    """Every record of `study_id`, read back through the record service, in subject, visit and form order."""
    rows = conn.execute(
        select(FormRecord.id, FormRecord.form_id, FormRecord.seq, Visit.visit_code, Visit.occurrence,
               Subject.subject_number)
        .join(Visit, Visit.id == FormRecord.visit_id).join(Subject, Subject.id == FormRecord.subject_id)
        .where(Subject.study_id == study_id)
        .order_by(Subject.subject_number, Visit.visit_code, Visit.occurrence, FormRecord.form_id, FormRecord.seq))
    study = env.catalog.study(study_id)
    for row in rows:
        result = read_record(conn, study=study, record_id=int(row.id), actor=env.reader)
        yield StoredRecord(study_id, str(row.subject_number), str(row.visit_code), int(row.occurrence),
                           str(row.form_id), int(row.seq), result)


def snapshot(conn: Connection, env: DemoEnv, study_id: str) -> list[tuple[object, ...]]:
    """Subjects, visits and every record's values, without database ids: equal for equal demo data."""
    subjects = conn.execute(select(Subject.subject_number, Subject.cohort, Subject.screened_on, Subject.status)
                            .where(Subject.study_id == study_id).order_by(Subject.subject_number)).all()
    visits = conn.execute(select(Subject.subject_number, Visit.visit_code, Visit.occurrence, Visit.status,
                                 Visit.planned_date, Visit.visit_date)
                          .join(Subject, Subject.id == Visit.subject_id).where(Subject.study_id == study_id)
                          .order_by(Subject.subject_number, Visit.visit_code, Visit.occurrence)).all()
    records = [(r.subject_number, r.visit_code, r.occurrence, r.form_id, r.seq, r.result.version,
                tuple(sorted(r.result.values.items()))) for r in stored_records(conn, env, study_id)]
    return [tuple(s) for s in subjects] + [tuple(v) for v in visits] + records
