"""`import_odm`: the ODM export of the demo imported into an empty database of the same definitions exports the same
ClinicalData; a re-import stores nothing; a bad file is refused whole with every problem and its line; a
site-restricted data manager imports only into their sites; a foreign system's OIDs through a mapping file.

The source is the session's shared SQLite demo (tests/demo/demo_env.py); the target is a fresh database of each
backend (SQLite and PostgreSQL), its subjects screened and scheduled through the services (the import creates
neither, see `edc.app.interchange.service`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from edc.app.interchange.service import ImportSummary, import_odm
from edc.db.core import FormRecord
from edc.db.trail import AuditEvent
from edc.definitions.catalog import Catalog

sys.path.insert(0, str(Path(__file__).parents[1] / "demo"))
sys.path.insert(0, str(Path(__file__).parent))
from demo_env import DemoEnv, demo_env, shared_sqlite_demo
from odm_import_env import IMPORTED_AT, clinical_data, copy_subjects, data_manager, odm_bytes

STUDY = "ic19"


@pytest.fixture(scope="module")
def source(catalog: Catalog) -> DemoEnv:
    env, _ = shared_sqlite_demo(catalog)
    return env


@pytest.fixture(scope="module")
def exported(source: DemoEnv, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return odm_bytes(source, source.catalog.studies[STUDY], tmp_path_factory.mktemp("odm"), "ic19.xml")


@pytest.fixture
def target(db_url: str, catalog: Catalog, source: DemoEnv) -> DemoEnv:
    env = demo_env(db_url, catalog)
    assert copy_subjects(source, env, catalog.studies[STUDY]) > 0
    yield env
    env.engine.dispose()


def run_import(env: DemoEnv, data: bytes, name: str = "ic19.xml") -> ImportSummary:
    with env.engine.begin() as conn:
        return import_odm(conn, env.catalog.studies[STUDY], data_manager(env), data, file_name=name,
                          now=IMPORTED_AT)


def counts(env: DemoEnv) -> tuple[int, int]:
    with env.engine.connect() as conn:
        return (int(conn.scalar(select(func.count()).select_from(FormRecord)) or 0),
                int(conn.scalar(select(func.count()).select_from(AuditEvent)) or 0))


def test_round_trip_exports_the_same_clinical_data(source: DemoEnv, target: DemoEnv, exported: bytes,
                                                   tmp_path: Path) -> None:
    summary = run_import(target, exported)
    assert summary.created > 0 and summary.corrected == summary.unchanged == 0
    again = odm_bytes(target, target.catalog.studies[STUDY], tmp_path, "again.xml")
    assert clinical_data(again) == clinical_data(exported)
    stored = counts(target)
    repeated = run_import(target, exported)
    assert repeated.created == repeated.corrected == 0 and repeated.unchanged == summary.created
    assert counts(target) == stored, "a re-import stores nothing, not even an audit event"
