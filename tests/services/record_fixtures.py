"""A migrated, registered database with one ic19 subject and its visits, for the record service tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from migrated import migrated
from sqlalchemy import Engine, insert, select

from edc.app.kernel.actor import Actor
from edc.db.core import Site, Subject, User, Visit
from edc.db.engine import make_engine
from edc.db.registry import register_catalog
from edc.definitions.catalog import Catalog, StudyDefinition

NOW = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
LATER = datetime(2026, 1, 6, 10, 0, tzinfo=UTC)
VISIT_CODES = ("SCR", "BL", "LOGS")


@dataclass(frozen=True)
class RecordEnv:
    """The engine, the study, an investigator and the subject's visit ids by code."""

    engine: Engine
    study: StudyDefinition
    actor: Actor
    subject_id: int
    visits: dict[str, int]


def record_env(db_url: str, catalog: Catalog, study_id: str = "ic19") -> RecordEnv:
    """Migrate `db_url`, register the catalog and add a user, a subject and its SCR, BL and LOGS visits."""
    migrated(db_url)
    engine = make_engine(db_url)
    with engine.begin() as conn:
        register_catalog(conn, catalog, NOW)
        site_id = conn.execute(select(Site.id).where(Site.study_id == study_id, Site.code == "01")).scalar_one()
        user = conn.execute(insert(User).values(
            username="inv", full_name="Investigator", password_hash="x", is_active=True,
            created_at=NOW)).inserted_primary_key
        subject = conn.execute(insert(Subject).values(
            study_id=study_id, site_id=site_id, subject_number="01-001", status="screened",
            screened_on=date(2026, 1, 5), version=1, created_at=NOW)).inserted_primary_key
        assert user is not None and subject is not None
        visits = {}
        for code in VISIT_CODES:
            row = conn.execute(insert(Visit).values(subject_id=subject[0], visit_code=code, occurrence=1,
                                                    status="planned")).inserted_primary_key
            assert row is not None
            visits[code] = int(row[0])
    actor = Actor(user_id=int(user[0]), role="investigator", site_ids=frozenset({int(site_id)}))
    return RecordEnv(engine, catalog.study(study_id), actor, int(subject[0]), visits)


def vitals(**changes: object) -> dict[str, object]:
    """A valid ic19 vital_signs payload (BMI 22.9), with `changes` applied."""
    payload: dict[str, object] = {
        "vsdat": "2026-01-05", "sysbp": 120, "diabp": 80, "pulse": 70, "temp": "36.8",
        "weight": "70.0", "height": "175.0",
    }
    payload.update(changes)
    return payload


def adverse_event(**changes: object) -> dict[str, object]:
    """A valid, non-serious, ongoing grade 1 ic19 adverse event, with `changes` applied."""
    payload: dict[str, object] = {
        "aespid": "1", "aeterm": "Headache", "aecat": "OTHER", "aestdat": "2026-01-03", "aeongo": "Y",
        "aetoxgr": "1", "aeser": "N", "aerel": "UNLIKELY", "aerel_ld": "NOT_RELATED",
        "aeacn": "NOT APPLICABLE", "aecontrt": "N", "aeout": "NOT RECOVERED/NOT RESOLVED",
    }
    payload.update(changes)
    return payload
