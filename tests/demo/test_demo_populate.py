"""`edc.demo.populate` on real databases: every trial filled through the services, realistic and repeatable.

Populating takes some seconds, so one test per database checks everything a
populated database must show; determinism is checked on two SQLite databases
with one trial (the multi-cohort CNCT19), which is enough to compare runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from demo_env import TODAY, DemoEnv, StoredRecord, demo_env, shared_sqlite_demo, snapshot, stored_records
from sqlalchemy import Connection, func, select

from edc import audit
from edc.app.escalation.service import study_escalation
from edc.app.visits.service import subject_visits
from edc.db.core import FormRecord, RecordFinding, Subject
from edc.db.trail import AuditEvent
from edc.definitions.catalog import Catalog, StudyDefinition
from edc.definitions.vocabulary import IE_CONFIRM_FORM, LOGS_VISIT
from edc.demo import DemoSummary, populate
from edc.demo.plan import DESIGNS, plan_trial

#: Forms the schedule collects that the demo leaves empty on purpose, and why.
NOT_COLLECTED = {
    "death": "no demo subject dies: the events planned for CAR-T in autoimmune disease are not fatal",
}


@pytest.fixture
def populated(db_url: str, catalog: Catalog) -> Iterator[tuple[DemoEnv, DemoSummary]]:
    """Every trial populated: on SQLite the session's shared demo database (the export tests read it too)."""
    if db_url.startswith("sqlite"):
        yield shared_sqlite_demo(catalog)
        return
    env = demo_env(db_url, catalog)
    yield env, populate(env.engine, catalog, actor_for=env.actor_for, today=TODAY)
    env.engine.dispose()


def test_populate_fills_every_trial_through_the_services(populated: tuple[DemoEnv, DemoSummary],
                                                        catalog: Catalog) -> None:
    env, summary = populated
    check_summary(summary, catalog)
    with env.engine.connect() as conn:
        assert audit.verify(conn).ok
        assert conn.execute(select(func.count()).select_from(RecordFinding)
                            .where(RecordFinding.severity == "error")).scalar_one() == 0
        for study in catalog.studies.values():
            records = list(stored_records(conn, env, study.id))
            check_form_coverage(study, records)
            check_screen_failures(study, records, summary)
            check_subject_statuses(conn, study, records)
            check_crs_and_icans(study, records)
            check_disease_activity_declines(study, records)
            check_corrections(conn, study.id, summary.study(study.id).corrections)
            check_visits(conn, study)
            check_dlt_decisions(conn, study)
        counts = _counts(conn)
    again = populate(env.engine, catalog, actor_for=env.actor_for, today=TODAY)
    assert again.populated == ()
    assert all("already has" in (s.skipped or "") for s in again.studies)
    with env.engine.connect() as conn:
        assert _counts(conn) == counts


def check_dlt_decisions(conn: Connection, study: StudyDefinition) -> None:
    """Every DLT candidate counts by the decision the trial declares (the SRC's verdict in IC19, the signed
    assessment elsewhere), so the escalation reaches the levels the demo treats; only a late event referred to
    the committee still awaits it."""
    found = study_escalation(conn, study, TODAY)
    decided_by = study.spec.escalation.dlt_outcome.decided_by
    candidates = [e for level in found.state.levels for s in level.subjects for e in s.events
                  if e.proposal.verdict.value not in ("NOT_CANDIDATE", "REFER_TO_COMMITTEE")]
    assert candidates, study.id
    for event in candidates:
        assert event.awaiting is None and event.outcome.value == "NOT_DLT", (study.id, event)
        assert (event.committee is not None) if decided_by == "committee" else event.signed, (study.id, event)
    assert {lv.level.id for lv in found.state.levels if lv.subjects} == set(DESIGNS[study.id].doses)


def test_populate_is_deterministic(tmp_path: Path, catalog: Catalog) -> None:
    only = Catalog.of([catalog.study("cnct19")])
    taken = []
    for name in ("first", "second"):
        env = demo_env(f"sqlite:///{tmp_path / name}.sqlite", catalog)
        try:
            populate(env.engine, only, actor_for=env.actor_for, seed=11, today=TODAY)
            with env.engine.connect() as conn:
                taken.append(snapshot(conn, env, "cnct19"))
        finally:
            env.engine.dispose()
    assert taken[0] == taken[1]
    assert len(taken[0]) > 500


def test_the_seed_changes_the_subjects(catalog: Catalog) -> None:
    study = catalog.study("relmacel")
    first = plan_trial(study, DESIGNS["relmacel"], seed=7, today=TODAY)
    same = plan_trial(study, DESIGNS["relmacel"], seed=7, today=TODAY)
    other = plan_trial(study, DESIGNS["relmacel"], seed=8, today=TODAY)
    assert first == same
    assert [p.patient for p in first] != [p.patient for p in other]


def check_summary(summary: DemoSummary, catalog: Catalog) -> None:
    assert summary.populated == tuple(sorted(catalog.studies))
    for study in summary.studies:
        assert 6 <= study.subjects <= 8, study
        assert 1 <= study.screen_failures <= 2, study
        assert 2 <= study.corrections <= 3, study
        assert study.records > 300, study


def scheduled_forms(study: StudyDefinition) -> set[str]:
    """Every form the study's schedule collects somewhere (visits, unscheduled visits, logs, eligibility)."""
    schedule = study.spec.schedule
    forms = {form for visit in study.visits for form in visit.forms} | {IE_CONFIRM_FORM}
    for extra in (schedule.unscheduled, schedule.logs):
        forms |= set(extra.forms if extra is not None else ())
    return forms & set(study.forms)


def check_form_coverage(study: StudyDefinition, records: list[StoredRecord]) -> None:
    captured = {r.form_id for r in records}
    missing = scheduled_forms(study) - captured
    assert missing == set(NOT_COLLECTED), f"{study.id}: no record of {sorted(missing)}"
    assert {r.visit_code for r in records} >= {"SCR", "D0", "D28", "UNS", LOGS_VISIT}


def check_screen_failures(study: StudyDefinition, records: list[StoredRecord], summary: DemoSummary) -> None:
    """Screen failures have their screening visit and a SCREEN FAILURE disposition, nothing else."""
    failed = {r.subject_number for r in records
              if r.form_id == "disposition" and r.result.values["dsdecod"] == "SCREEN FAILURE"}
    assert len(failed) == summary.study(study.id).screen_failures
    for record in records:
        if record.subject_number in failed:
            assert record.visit_code in ("SCR", LOGS_VISIT)
            assert record.form_id not in ("adverse_events", "cart_infusion", "lymphodepletion")


def check_subject_statuses(conn: Connection, study: StudyDefinition, records: list[StoredRecord]) -> None:
    """Screen failures are decided so, treated subjects were decided eligible and enrolled, the rest wait."""
    failed = {r.subject_number for r in records
              if r.form_id == "disposition" and r.result.values["dsdecod"] == "SCREEN FAILURE"}
    treated = {r.subject_number for r in records if r.form_id == "cart_infusion"}
    statuses = {str(n): str(s) for n, s in conn.execute(select(Subject.subject_number, Subject.status)
                                                        .where(Subject.study_id == study.id))}
    assert {n for n, s in statuses.items() if s == "screen_failed"} == failed
    assert treated and treated <= {n for n, s in statuses.items() if s == "enrolled"}
    # enrolment assigned the level each infusion records, following the trial's 3+3 rules
    assigned = {str(n): level for n, level in conn.execute(select(Subject.subject_number, Subject.dose_level)
                                                           .where(Subject.study_id == study.id))}
    for record in records:
        if record.form_id == "cart_infusion":
            assert record.result.values["dose_level"] == assigned[record.subject_number]
            assert "dose_level_assigned" not in {f.check_id for f in record.result.findings}
    assert set(statuses.values()) <= {"screen_failed", "enrolled", "screening"}


def check_crs_and_icans(study: StudyDefinition, records: list[StoredRecord]) -> None:
    """CRS and ICANS events start after the infusion; their stored ASTCT grades equal the grade entered."""
    infusions = {r.subject_number: r.result.values["exdat"] for r in records if r.form_id == "cart_infusion"}
    events = [r.result.values for r in records if r.form_id == "adverse_events"]
    crs = [e for e in events if e["aecat"] == "CRS"]
    icans = [e for e in events if e["aecat"] == "ICANS"]
    assert crs and icans, study.id
    for event in crs:
        assert event["crs_grade_calc"] == int(str(event["aetoxgr"]))
        assert event["crs_fever"] is True
    assert {e["crs_grade_calc"] for e in crs} >= {1, 2}
    for event in icans:
        assert event["icans_grade_calc"] == int(str(event["aetoxgr"]))
        assert event["icans_ice_score"] == event["ice_score_calc"]
    by_number = [(r.subject_number, r.result.values) for r in records if r.form_id == "adverse_events"]
    for subject, event in by_number:
        if event["aecat"] in ("CRS", "ICANS"):
            assert isinstance(event["aestdat"], date) and event["aestdat"] > infusions[subject]


def check_disease_activity_declines(study: StudyDefinition, records: list[StoredRecord]) -> None:
    """For each treated subject followed to month 3, SLEDAI-2K and PGA at month 3 are below screening."""
    sledai = {(r.subject_number, r.visit_code): r.result.values for r in records if r.form_id == "sledai"}
    pga = {(r.subject_number, r.visit_code): r.result.values["pga"] for r in records if r.form_id == "pga"}
    followed = [subject for subject, visit in sledai if visit == "M3"]
    assert followed, study.id
    for subject in followed:
        before, after = sledai[(subject, "SCR")], sledai[(subject, "M3")]
        if before["sledai_2k_total"]:
            assert int(str(after["sledai_2k_total"])) < int(str(before["sledai_2k_total"]))
        assert pga[(subject, "M3")] < pga[(subject, "SCR")]  # type: ignore[operator]


def check_corrections(conn: Connection, study_id: str, corrections: int) -> None:
    """Each correction left `record.correct` events with its reason; records corrected are at version 2."""
    events = conn.execute(select(AuditEvent.record_id, AuditEvent.item, AuditEvent.reason)
                          .where(AuditEvent.study_id == study_id, AuditEvent.action == "record.correct")).all()
    assert {e.record_id for e in events} and all(e.reason and e.reason.strip() for e in events)
    assert len({e.record_id for e in events}) == corrections
    assert {"aetoxgr", "crs_hypoxia", "crs_grade_calc", "weight", "plat"} <= {e.item for e in events}
    versions = conn.execute(select(FormRecord.version).where(FormRecord.id.in_({e.record_id for e in events})))
    assert {v for (v,) in versions} == {2}


def check_visits(conn: Connection, study: StudyDefinition) -> None:
    """Dated visits lie in their windows and not after today; one visit was missed, with its reason audited."""
    missed = 0
    subject_ids = conn.execute(select(Subject.id).where(Subject.study_id == study.id)).scalars().all()
    for subject_id in subject_ids:
        for visit in subject_visits(conn, study=study, subject_id=subject_id):
            assert not visit.out_of_window, visit
            assert visit.visit_date is None or visit.visit_date <= TODAY
            assert visit.status != "planned" or visit.planned_date is None or visit.planned_date > TODAY, visit
            missed += visit.status == "missed"
    assert missed == 1
    reasons = conn.execute(select(AuditEvent.reason).where(AuditEvent.study_id == study.id,
                                                           AuditEvent.action == "visit.missed")).scalars().all()
    assert len(reasons) == 1 and reasons[0]


def _counts(conn: Connection) -> tuple[int, int, int]:
    return (conn.execute(select(func.count()).select_from(Subject)).scalar_one(),
            conn.execute(select(func.count()).select_from(FormRecord)).scalar_one(),
            conn.execute(select(func.count()).select_from(AuditEvent)).scalar_one())
