"""What the ODM import tests share: a study's subjects and schedules copied from the demo into an empty database
through the screening and visit services (the import creates neither), the ODM bytes of an export, and its
ClinicalData without what the import ignores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from demo_env import DemoEnv  # tests/demo is on sys.path (the importing test puts it there)
from lxml import etree
from sqlalchemy import select

from edc.app.exports.odm import export_odm
from edc.app.kernel.actor import Actor
from edc.app.subjects.service import screen_subject
from edc.app.visits.service import schedule_visits
from edc.db.core import Site, Subject, Visit
from edc.definitions.catalog import StudyDefinition
from edc.export.odm.oids import ODM_NS

ODM = f"{{{ODM_NS}}}"
IMPORTED_AT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def data_manager(env: DemoEnv, site_ids: frozenset[int] | None = None) -> Actor:
    """The data manager who imports (every site, or `site_ids`)."""
    return Actor(env.user_id, "data_manager", site_ids)


def copy_subjects(source: DemoEnv, target: DemoEnv, study: StudyDefinition) -> int:
    """Screen the study's subjects of `source` into `target` in number order (so they get the same numbers) and
    plan their schedules from the same infusion dates; return how many."""
    with source.engine.connect() as conn:
        subjects = conn.execute(select(Subject.id, Subject.subject_number, Subject.cohort, Subject.screened_on,
                                       Site.code).join(Site, Site.id == Subject.site_id)
                                .where(Subject.study_id == study.id).order_by(Subject.subject_number)).all()
        planned = {(int(r.subject_id), str(r.visit_code)): r.planned_date for r in conn.execute(
            select(Visit.subject_id, Visit.visit_code, Visit.planned_date).join(Subject, Subject.id == Visit.subject_id)
            .where(Subject.study_id == study.id, Visit.planned_date.is_not(None)))}
    for row in subjects:
        with target.engine.begin() as conn:
            actor = target.actor_for(study.id, row.code)
            screened = screen_subject(conn, study=study, site_code=row.code, cohort=row.cohort,
                                      screened_on=row.screened_on, actor=actor, now=IMPORTED_AT)
            assert screened.subject_number == row.subject_number
            infusion = next((planned[(int(row.id), v.id)] - timedelta(days=v.day) for v in study.visits
                             if (int(row.id), v.id) in planned and v.id != study.spec.eligibility.visit), None)
            if infusion is not None:
                schedule_visits(conn, study=study, subject_id=screened.subject_id, infusion_date=infusion,
                                actor=actor, now=IMPORTED_AT)
    return len(subjects)


def odm_bytes(env: DemoEnv, study: StudyDefinition, folder: Path, name: str) -> bytes:
    """The study's ODM export from `env`, as the file's bytes."""
    return export_odm(env.engine, study, folder / name).read_bytes()


def clinical_data(data: bytes) -> bytes:
    """The ClinicalData of an ODM file, canonical, without AuditRecord and Signature elements (the import makes
    its own audit events and signs nothing)."""
    root = etree.fromstring(data)
    clinical = root.find(f"{ODM}ClinicalData")
    assert clinical is not None
    for tag in ("AuditRecord", "Signature"):
        for element in list(clinical.iter(f"{ODM}{tag}")):
            element.getparent().remove(element)  # type: ignore[union-attr]
    return etree.tostring(clinical, method="c14n")
