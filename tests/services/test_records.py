"""Capturing and correcting form records on real trial forms, on every database backend."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal

import pytest
from backends import POSTGRES_ONLY
from record_fixtures import LATER, NOW, RecordEnv, adverse_event, record_env, vitals
from sqlalchemy import Connection, func, select

from edc import audit
from edc.app.kernel.actor import Actor
from edc.app.kernel.errors import (
    Conflict,
    FormNotInVisit,
    IdempotencyMismatch,
    NotFound,
    ReasonRequired,
    ValidationFailed,
    VersionMismatch,
    VersionRequired,
)
from edc.app.kernel.lookups import VisitContext, visit_by_id
from edc.app.records.service import RecordResult, correct_record, forms_at_visit, read_record, submit_record
from edc.db.core import FormRecord, IdempotencyKey, RecordFinding
from edc.db.trail import AuditEvent
from edc.definitions.catalog import Catalog


@pytest.fixture
def env(db_url: str, catalog: Catalog) -> Iterator[RecordEnv]:
    made = record_env(db_url, catalog)
    yield made
    made.engine.dispose()


def _submit(env: RecordEnv, form_id: str, payload: dict[str, object], visit: str = "SCR",
            key: str | None = None) -> RecordResult:
    with env.engine.begin() as conn:
        return submit_record(conn, study=env.study, visit=_visit(conn, env, env.visits[visit]), form_id=form_id,
                             payload=payload, actor=env.actor, now=NOW, idempotency_key=key)


def _visit(conn: Connection, env: RecordEnv, visit_id: int, actor: Actor | None = None) -> VisitContext:
    return visit_by_id(conn, study_id=env.study.id, visit_id=visit_id, actor=actor or env.actor)


def _count(env: RecordEnv, model: type[FormRecord] | type[AuditEvent] | type[RecordFinding]) -> int:
    with env.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(model)).scalar_one())


def _events(env: RecordEnv, action: str) -> dict[str, tuple[str | None, str | None, str | None]]:
    with env.engine.connect() as conn:
        rows = conn.execute(select(AuditEvent.item, AuditEvent.old_value, AuditEvent.new_value, AuditEvent.reason)
                            .where(AuditEvent.action == action)).all()
    return {str(r.item): (r.old_value, r.new_value, r.reason) for r in rows}


def test_create_stores_typed_values_calculations_findings_and_audit(env: RecordEnv) -> None:
    result = _submit(env, "vital_signs", vitals(diabp=130))
    assert result.version == 1
    assert result.values["bmi"] == Decimal("22.9")
    assert [f.check_id for f in result.findings] == ["bp_order"]
    with env.engine.connect() as conn:
        stored = read_record(conn, study=env.study, record_id=result.record_id, actor=env.actor)
        record = conn.execute(select(FormRecord.seq, FormRecord.version, FormRecord.form_sha256)
                              .where(FormRecord.id == result.record_id)).one()
        assert audit.verify(conn).ok
    assert stored.values["vsdat"] == date(2026, 1, 5)
    assert stored.values["sysbp"] == 120 and stored.values["temp"] == Decimal("36.8")
    assert stored.values["bmi"] == Decimal("22.9") and stored.values["resp"] is None
    assert stored.findings == result.findings
    assert (record.seq, record.version, record.form_sha256) == (1, 1, env.study.form_hash("vital_signs"))
    events = _events(env, "record.create")
    assert set(events) == {"vsdat", "sysbp", "diabp", "pulse", "temp", "weight", "height", "bmi"}
    assert events["bmi"] == (None, "22.9", None)


def test_every_item_error_is_reported_at_once_and_nothing_is_stored(env: RecordEnv) -> None:
    payload = vitals(sysbp=999, pulse="fast", bmi="20.0", colour="blue")
    del payload["temp"]
    with pytest.raises(ValidationFailed) as caught:
        _submit(env, "vital_signs", payload)
    assert {e.item for e in caught.value.errors} == {"sysbp", "pulse", "bmi", "colour", "temp"}
    assert _count(env, FormRecord) == 0 and _count(env, AuditEvent) == 0


def test_a_form_not_collected_at_the_visit_is_refused(env: RecordEnv) -> None:
    with pytest.raises(FormNotInVisit):
        _submit(env, "adverse_events", adverse_event())
    with pytest.raises(FormNotInVisit):
        _submit(env, "vital_signs", vitals(), visit="LOGS")
    with pytest.raises(NotFound), env.engine.connect() as conn:
        submit_record(conn, study=env.study, visit=_visit(conn, env, 999), form_id="vital_signs", payload=vitals(),
                      actor=env.actor, now=NOW)
    with pytest.raises(NotFound), env.engine.connect() as conn:
        read_record(conn, study=env.study, record_id=999, actor=env.actor)
    assert _count(env, FormRecord) == 0


def test_another_sites_visits_and_records_look_missing(env: RecordEnv) -> None:
    created = _submit(env, "vital_signs", vitals())
    elsewhere = Actor(user_id=env.actor.user_id, role=env.actor.role, site_ids=frozenset({-1}))
    with pytest.raises(NotFound), env.engine.connect() as conn:
        read_record(conn, study=env.study, record_id=created.record_id, actor=elsewhere)
    with pytest.raises(NotFound), env.engine.connect() as conn:
        submit_record(conn, study=env.study, visit=_visit(conn, env, env.visits["SCR"], elsewhere),
                      form_id="vital_signs", payload=vitals(), actor=elsewhere, now=NOW)
    with pytest.raises(NotFound), env.engine.connect() as conn:
        correct_record(conn, study=env.study, record_id=created.record_id, changes={"pulse": 70},
                       expected_version=1, reason="typo", actor=elsewhere, now=LATER)
    assert _count(env, FormRecord) == 1


def test_forms_of_logs_unscheduled_and_eligibility_visits(catalog: Catalog) -> None:
    ic19 = catalog.study("ic19")
    assert "adverse_events" in forms_at_visit(ic19, "LOGS") and "vital_signs" not in forms_at_visit(ic19, "LOGS")
    assert "vital_signs" in forms_at_visit(ic19, "UNS") and "adverse_events" not in forms_at_visit(ic19, "UNS")
    assert "ie_confirm" in forms_at_visit(ic19, "SCR") and "ie_confirm" not in forms_at_visit(ic19, "BL")
    assert forms_at_visit(ic19, "NOPE") == ()


def test_non_repeating_forms_take_one_record_repeating_forms_many(env: RecordEnv) -> None:
    _submit(env, "vital_signs", vitals())
    with pytest.raises(Conflict):
        _submit(env, "vital_signs", vitals())
    first = _submit(env, "adverse_events", adverse_event(), visit="LOGS")
    second = _submit(env, "adverse_events", adverse_event(aespid="2"), visit="LOGS")
    with env.engine.connect() as conn:
        seqs = conn.execute(select(FormRecord.seq).where(FormRecord.id.in_([first.record_id, second.record_id]))
                            .order_by(FormRecord.id)).scalars().all()
    assert seqs == [1, 2]
    assert _count(env, FormRecord) == 3


def test_a_retry_with_an_idempotency_key_stores_once(env: RecordEnv) -> None:
    first = _submit(env, "vital_signs", vitals(), key="k-1")
    events = _count(env, AuditEvent)
    again = _submit(env, "vital_signs", vitals(), key="k-1")
    assert again == first
    assert _count(env, FormRecord) == 1 and _count(env, AuditEvent) == events
    with env.engine.connect() as conn:
        assert conn.execute(select(IdempotencyKey.resource_id)).scalar_one() == first.record_id
    with pytest.raises(IdempotencyMismatch):
        _submit(env, "vital_signs", vitals(pulse=71), key="k-1")
    assert _count(env, FormRecord) == 1


def test_a_correction_needs_a_version_a_current_version_and_a_reason(env: RecordEnv) -> None:
    created = _submit(env, "vital_signs", vitals())
    attempts: list[tuple[int | None, str, type[Exception]]] = [
        (None, "typo", VersionRequired), (2, "typo", VersionMismatch), (1, " ", ReasonRequired)]
    for version, reason, error in attempts:
        with pytest.raises(error), env.engine.begin() as conn:
            correct_record(conn, study=env.study, record_id=created.record_id, changes={"pulse": 72},
                           expected_version=version, reason=reason, actor=env.actor, now=LATER)
    with env.engine.connect() as conn:
        assert read_record(conn, study=env.study, record_id=created.record_id, actor=env.actor) == created
    assert _events(env, "record.correct") == {}


def test_a_correction_audits_changed_items_and_recomputes_calculations(env: RecordEnv) -> None:
    created = _submit(env, "vital_signs", vitals())
    with env.engine.begin() as conn:
        corrected = correct_record(conn, study=env.study, record_id=created.record_id,
                                   changes={"weight": "80.0", "diabp": 130, "pulse": 70},
                                   expected_version=1, reason="transcription error", actor=env.actor, now=LATER)
    assert corrected.version == 2 and corrected.values["bmi"] == Decimal("26.1")
    assert _events(env, "record.correct") == {
        "weight": ("70.0", "80.0", "transcription error"),
        "diabp": ("80", "130", "transcription error"),
        "bmi": ("22.9", "26.1", "transcription error"),
    }
    with env.engine.connect() as conn:
        assert read_record(conn, study=env.study, record_id=created.record_id, actor=env.actor) == corrected
        findings = conn.execute(select(RecordFinding.check_id, RecordFinding.record_version)).all()
        assert audit.verify(conn).ok
    assert [tuple(f) for f in findings] == [("bp_order", 2)]
    with pytest.raises(VersionMismatch), env.engine.begin() as conn:
        correct_record(conn, study=env.study, record_id=created.record_id, changes={"pulse": 60},
                       expected_version=1, reason="stale", actor=env.actor, now=LATER)


def test_a_correction_that_changes_no_value_writes_nothing(env: RecordEnv) -> None:
    created = _submit(env, "vital_signs", vitals())
    events = _count(env, AuditEvent)
    with env.engine.begin() as conn:
        unchanged = correct_record(conn, study=env.study, record_id=created.record_id,
                                   changes={"weight": "70.0", "pulse": created.values["pulse"]},
                                   expected_version=1, reason="re-saved", actor=env.actor, now=LATER)
    assert unchanged == created and unchanged.version == 1
    assert _count(env, AuditEvent) == events


def test_a_correction_is_fully_revalidated_and_replaces_findings(env: RecordEnv) -> None:
    created = _submit(env, "vital_signs", vitals(diabp=130))
    with pytest.raises(ValidationFailed) as caught, env.engine.begin() as conn:
        correct_record(conn, study=env.study, record_id=created.record_id, changes={"bmi": "30.0", "sysbp": None},
                       expected_version=1, reason="r", actor=env.actor, now=LATER)
    assert {e.item for e in caught.value.errors} == {"bmi", "sysbp"}
    with env.engine.begin() as conn:
        fixed = correct_record(conn, study=env.study, record_id=created.record_id, changes={"diabp": 85},
                               expected_version=1, reason="r", actor=env.actor, now=LATER)
    assert fixed.findings == () and _count(env, RecordFinding) == 0


def test_skip_logic_and_calculated_scores_on_a_log_form(env: RecordEnv) -> None:
    with pytest.raises(ValidationFailed) as caught:
        _submit(env, "adverse_events", adverse_event(aeongo="N", crs_tmax="38.5"), visit="LOGS")
    assert {e.item for e in caught.value.errors} == {"aeendat", "crs_tmax"}
    created = _submit(env, "adverse_events", adverse_event(aeongo="N", aeendat="2026-01-04",
                                                            aeout="RECOVERED/RESOLVED"), visit="LOGS")
    assert created.values["aeendat"] == date(2026, 1, 4) and created.values["crs_grade_calc"] is None
    assert created.findings == ()



def _in_thread(work: Callable[[], object]) -> tuple[threading.Thread, list[object]]:
    """Start `work` in a thread; its result (or error) lands in the returned list."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(work())
        except Exception as exc:  # the outcome under test may be an error
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(0.5)  # by now the thread waits on the first transaction's locks
    return thread, outcome


@pytest.mark.parametrize("db_url", POSTGRES_ONLY, indirect=True)
def test_concurrent_requests_with_one_key_store_once(env: RecordEnv) -> None:
    with env.engine.connect() as conn:
        with conn.begin():
            first = submit_record(conn, study=env.study, visit=_visit(conn, env, env.visits["SCR"]),
                                  form_id="vital_signs", payload=vitals(), actor=env.actor, now=NOW,
                                  idempotency_key="k-race")
            thread, outcome = _in_thread(lambda: _submit(env, "vital_signs", vitals(), key="k-race"))
        thread.join(30)
    assert outcome == [first]
    assert _count(env, FormRecord) == 1


@pytest.mark.parametrize("db_url", POSTGRES_ONLY, indirect=True)
def test_concurrent_corrections_of_one_version_let_one_win(env: RecordEnv) -> None:
    created = _submit(env, "vital_signs", vitals())

    def correct(conn_changes: dict[str, object]) -> RecordResult:
        with env.engine.begin() as other:
            return correct_record(other, study=env.study, record_id=created.record_id, changes=conn_changes,
                                  expected_version=1, reason="second", actor=env.actor, now=LATER)

    with env.engine.connect() as conn:
        with conn.begin():
            won = correct_record(conn, study=env.study, record_id=created.record_id, changes={"pulse": 71},
                                 expected_version=1, reason="first", actor=env.actor, now=LATER)
            thread, outcome = _in_thread(lambda: correct({"pulse": 99}))
        thread.join(30)
    assert len(outcome) == 1 and isinstance(outcome[0], VersionMismatch)
    with env.engine.connect() as conn:
        assert read_record(conn, study=env.study, record_id=created.record_id, actor=env.actor) == won


def _sledai(**present: object) -> dict[str, object]:
    """A SLEDAI form: every descriptor answered absent, then `present` applied."""
    payload: dict[str, object] = {"sledai_dat": "2026-01-06", "proteinuria": "ABSENT", "rash": "ABSENT",
                                  "alopecia": "ABSENT", "mucosal_ulcers": "ABSENT"}
    payload.update({name: False for name in (
        "seizure", "psychosis", "organic_brain_syndrome", "visual_disturbance", "cranial_nerve_disorder",
        "lupus_headache", "cva", "vasculitis", "arthritis", "myositis", "urinary_casts", "haematuria", "pyuria",
        "pleurisy", "pericarditis", "low_complement", "increased_dna_binding", "fever", "thrombocytopenia",
        "leukopenia")})
    payload.update(present)
    return payload


def test_disease_activity_scores_are_stored_audited_and_recomputed_on_correction(env: RecordEnv) -> None:
    # seizure 8 + arthritis 4 + low complement 2 + anti-dsDNA 2, and a persistent rash: SLEDAI-2K counts
    # it (2), SELENA-SLEDAI only when new or recurrent
    created = _submit(env, "sledai", _sledai(seizure=True, arthritis=True, low_complement=True,
                                             increased_dna_binding=True, rash="PERSISTENT"))
    assert (created.values["sledai_2k_total"], created.values["selena_sledai_total"]) == (18, 16)
    assert _events(env, "record.create")["sledai_2k_total"] == (None, "18", None)
    with env.engine.begin() as conn:
        corrected = correct_record(conn, study=env.study, record_id=created.record_id,
                                   changes={"rash": "NEW", "seizure": False}, expected_version=1,
                                   reason="seizure was febrile, not lupus", actor=env.actor, now=LATER)
    assert (corrected.values["sledai_2k_total"], corrected.values["selena_sledai_total"]) == (10, 10)
    changed = _events(env, "record.correct")
    assert changed["sledai_2k_total"] == ("18", "10", "seizure was febrile, not lupus")
    assert changed["selena_sledai_total"] == ("16", "10", "seizure was febrile, not lupus")


def test_crs_grade_is_computed_and_a_differing_site_grade_is_a_finding_not_an_overwrite(env: RecordEnv) -> None:
    crs = adverse_event(aeterm="Cytokine release syndrome", aecat="CRS", aetoxgr="2", crs_tmax="38.5",
                        crs_fever_masked=False, crs_hypotension="ONE_VASOPRESSOR",
                        crs_o2_device="NASAL_CANNULA_LOW_FLOW", crs_o2_flow="2.0", crs_death=False)
    created = _submit(env, "adverse_events", crs, visit="LOGS")
    assert created.values["crs_grade_calc"] == 3 and created.values["aetoxgr"] == "2"  # the site's grade is kept
    assert (created.values["crs_fever"], created.values["crs_hypoxia"]) == (True, "LOW_FLOW")
    assert [(f.check_id, f.severity) for f in created.findings] == [("crs_grade_agrees", "warning")]
    with env.engine.begin() as conn:
        agreed = correct_record(conn, study=env.study, record_id=created.record_id,
                                changes={"aetoxgr": "3", "aewrsdat": "2026-01-04"}, expected_version=1,
                                reason="regraded per ASTCT 2019", actor=env.actor, now=LATER)
    assert agreed.findings == () and agreed.values["crs_grade_calc"] == 3
    with env.engine.begin() as conn:
        worse = correct_record(conn, study=env.study, record_id=created.record_id,
                               changes={"crs_o2_device": "MECHANICAL_VENTILATION", "crs_o2_flow": None},
                               expected_version=2,
                               reason="intubated on day 2", actor=env.actor, now=LATER)
    assert worse.values["crs_grade_calc"] == 4
    assert [f.check_id for f in worse.findings] == ["crs_grade_agrees"]
    assert _events(env, "record.correct")["crs_grade_calc"] == ("3", "4", "intubated on day 2")
