"""`edc audit verify --replay`: the tables are what the trail says, and every way they can differ is named.

One database per backend holds a realistic mix written through the services:
the CNCT19 demo (screening, eligibility, enrolment, infusion, visits, every
form, corrections) and then SDV, signatures, a correction that invalidates
and clears them, a record withdrawn, locks placed and released, a DLT adjudication, an
escalation decision and a query. Each tampering runs in a transaction that is
rolled back, so the database stays clean for the next.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from audit_helpers import tamper
from backends import BACKENDS, scratch_database
from migrated import migrated
from sqlalchemy import Connection, Engine, func, select, text

from edc.app.access.service import GrantSpec, create_user
from edc.app.escalation import service as escalation
from edc.app.kernel.actor import Actor
from edc.app.locks.service import LockTarget, place_lock, release_lock
from edc.app.queries.service import Target, open_query
from edc.app.records.service import correct_record, read_record
from edc.app.records.withdrawal import withdraw_record
from edc.app.sdv.service import SdvTarget
from edc.app.sdv.service import verify as verify_sdv
from edc.app.signatures.service import SignTarget, sign
from edc.audit.replay import ReplayResult, replay
from edc.db.core import FormRecord, Site, Subject
from edc.db.decisions import DltAdjudication, EscalationDecision
from edc.db.engine import make_engine
from edc.db.monitoring import Lock, SdvMark, Signature
from edc.db.registry import register_catalog
from edc.definitions.catalog import Catalog
from edc.demo import populate

STUDY = "cnct19"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TODAY = date(2026, 3, 1)
PASSWORD = "correct horse battery staple"
VITALS = f"crf_{STUDY}_vital_signs"


@dataclass(frozen=True)
class Mixed:
    """The database and the ids the tamperings aim at."""

    url: str
    engine: Engine
    catalog: Catalog
    subject_id: int
    subject_number: str
    record_id: int  # the screening vital signs, signed, verified and corrected
    withdrawn_id: int  # a later vital signs record of the subject, withdrawn (entered in error)


@pytest.fixture(scope="module", params=BACKENDS)
def mixed(request: pytest.FixtureRequest, catalog: Catalog,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mixed]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EDC_ARGON2_PROFILE", "test")
        for url in scratch_database(request.param, tmp_path_factory.mktemp("replay")):
            migrated(url)
            engine = make_engine(url)
            try:
                yield _build(url, engine, Catalog.of([catalog.study(STUDY)]))
            finally:
                engine.dispose()


def _build(url: str, engine: Engine, catalog: Catalog) -> Mixed:
    with engine.begin() as conn:
        register_catalog(conn, catalog, NOW)
        user_id = create_user(conn, username="dm", full_name="Data Manager", password=PASSWORD,
                              grants=[GrantSpec("data_manager", STUDY, None)], now=NOW)
        sites = {str(r.code): int(r.id) for r in conn.execute(select(Site).where(Site.study_id == STUDY))}
    populate(engine, catalog, actor_for=lambda _s, code: Actor(user_id, "investigator", frozenset({sites[code]})),
             today=TODAY)
    study, actor = catalog.study(STUDY), Actor(user_id, "investigator", None)
    with engine.begin() as conn:
        subject = conn.execute(select(Subject.id, Subject.subject_number).where(Subject.status == "enrolled")
                               .order_by(Subject.id)).first()
        assert subject is not None
        number = str(subject.subject_number)
        record_id = int(conn.execute(select(func.min(FormRecord.id)).where(
            FormRecord.subject_id == subject.id, FormRecord.form_id == "vital_signs")).scalar_one())
        verify_sdv(conn, study=study, target=SdvTarget(number, "SCR"), actor=actor, now=NOW)
        signed = sign(conn, study=study, target=SignTarget(number, "record", "SCR", form_id="vital_signs"),
                      password=PASSWORD, meaning="I reviewed these values", actor=actor, now=NOW)
        assert signed.signature is not None, signed.refused
        sign(conn, study=study, target=SignTarget(number, "casebook"), password=PASSWORD, meaning="casebook",
             actor=actor, now=NOW)
        current = read_record(conn, study=study, record_id=record_id, actor=actor)
        pulse = current.values["pulse"]
        assert isinstance(pulse, int)
        correct_record(conn, study=study, record_id=record_id, changes={"pulse": pulse + 1},
                       expected_version=current.version, reason="transcription error", actor=actor, now=NOW)
        withdrawn_id = int(conn.execute(select(func.max(FormRecord.id)).where(
            FormRecord.subject_id == subject.id, FormRecord.form_id == "vital_signs")).scalar_one())
        assert withdrawn_id != record_id
        withdraw_record(conn, study=study, record_id=withdrawn_id, expected_version=1, reason="another subject's",
                        actor=actor, now=NOW)
        lock = place_lock(conn, study=study, target=LockTarget("visit", number, "SCR"), state="frozen",
                          actor=actor, now=NOW)
        release_lock(conn, study=study, lock_id=lock.lock_id, reason="frozen by mistake", actor=actor, now=NOW)
        place_lock(conn, study=study, target=LockTarget("record", number, "SCR", form_id="ecg"), state="locked",
                   actor=actor, now=NOW)
        open_query(conn, study=study, target=Target(number, "SCR", form_id="ecg", item=None), text="please check",
                   actor=actor, now=NOW)
        _committee(conn, catalog, user_id)
    return Mixed(url, engine, catalog, int(subject.id), number, record_id, withdrawn_id)


def _committee(conn: Connection, catalog: Catalog, user_id: int) -> None:
    """A DLT adjudication of the first adverse event in a DLT evaluation, and the escalation decision."""
    study, committee = catalog.study(STUDY), Actor(user_id, "safety_reviewer", None)
    state = escalation.study_escalation(conn, study, NOW.date())
    found = next((s.subject.subject_number, e.aespid) for level in state.state.levels for s in level.subjects
                 for e in s.events)
    escalation.adjudicate_event(conn, study=study, subject_number=found[0], aespid=found[1], verdict="NOT_DLT",
                                reason="unrelated to the cells", actor=committee, now=NOW)
    recommended = escalation.study_escalation(conn, study, NOW.date()).state.recommendation
    escalation.decide_escalation(conn, study=study, action=recommended.action.value, level=recommended.level,
                                 reason="as the 3+3 recommends", actor=committee, now=NOW)


def _replayed(conn: Connection, mixed: Mixed) -> ReplayResult:
    return replay(conn, mixed.catalog)


def test_the_untampered_mix_replays_clean(mixed: Mixed) -> None:
    with mixed.engine.connect() as conn:
        for model in (Signature, SdvMark, Lock, DltAdjudication, EscalationDecision):  # every pass has work
            assert conn.execute(select(func.count()).select_from(model)).scalar_one() > 0, model
        assert conn.execute(select(func.count()).select_from(Signature)
                            .where(Signature.invalidated_at.is_not(None))).scalar_one() > 0
        result = _replayed(conn, mixed)
    assert result.ok, "\n".join(map(str, result.discrepancies))
    assert result.rows > 500 and result.events > 5000


def _found(mixed: Mixed, *statements: str, audit: str | None = None) -> list[tuple[str, str, str | None, str]]:
    """Run the tampering statements, replay in the same transaction, roll back; the discrepancies found."""
    with mixed.engine.connect() as conn:
        for statement in statements:
            conn.execute(text(statement))
        if audit is not None:
            tamper(conn, audit)
        result = _replayed(conn, mixed)
        conn.rollback()
    return [(d.table, d.row, d.item, d.problem) for d in result.discrepancies]


def test_a_form_value_changed_without_its_event(mixed: Mixed) -> None:
    found = _found(mixed, f"UPDATE {VITALS} SET sysbp = sysbp + 1 WHERE record_id = {mixed.record_id}")
    assert len(found) == 1
    table, row, item, problem = found[0]
    assert (table, item) == (VITALS, "sysbp") and row == f"record {mixed.record_id} (subject {mixed.subject_number})"
    assert problem.startswith("the table holds ") and ", the trail says " in problem


def test_a_subject_status_changed(mixed: Mixed) -> None:
    found = _found(mixed, f"UPDATE subjects SET status = 'withdrawn' WHERE id = {mixed.subject_id}")
    assert found == [("subjects", f"subject {mixed.subject_id} ({mixed.subject_number})", "status",
                      'the table holds "withdrawn", the trail says "enrolled"')]


def test_a_withdrawal_undone_or_changed_without_its_event(mixed: Mixed) -> None:
    where = f"record {mixed.withdrawn_id} (subject {mixed.subject_number})"
    undone = _found(mixed, "UPDATE form_records SET status = 'entered', withdrawn_at = NULL, withdrawn_by = NULL, "
                           f"withdrawal_reason = NULL WHERE id = {mixed.withdrawn_id}")
    assert {(t, r, i) for t, r, i, _p in undone} == {("form_records", where, item) for item in (
        "status", "withdrawn_at", "withdrawn_by", "withdrawal_reason")}, undone
    reworded = _found(mixed, f"UPDATE form_records SET withdrawal_reason = 'typo' WHERE id = {mixed.withdrawn_id}")
    assert reworded == [("form_records", where, "withdrawal_reason",
                         'the table holds "typo", the trail says "another subject\'s"')]


def test_a_record_withdrawn_without_its_event(mixed: Mixed) -> None:
    found = _found(mixed, "UPDATE form_records SET status = 'withdrawn', withdrawn_at = created_at, "
                          f"withdrawn_by = created_by, withdrawal_reason = 'x' WHERE id = {mixed.record_id}")
    assert {(t, i) for t, _r, i, _p in found} == {("form_records", item) for item in (
        "status", "withdrawn_at", "withdrawn_by", "withdrawal_reason")}, found


def test_a_change_after_the_withdrawal_is_named(mixed: Mixed) -> None:
    """The corrected record's last creating event made a withdrawal: the correction after it gives it away."""
    with mixed.engine.connect() as conn:
        said = conn.execute(text("SELECT max(id) FROM audit_events WHERE record_id = :r "
                                 "AND action = 'record.create'"), {"r": mixed.record_id}).scalar_one()
    found = _found(mixed, audit=f"UPDATE audit_events SET action = 'record.withdraw', item = 'status', "
                                f"old_value = '\"entered\"' WHERE id = {said}")
    assert any(f"after its withdrawal (event {said})" in p for _t, _r, _i, p in found), found


def test_a_record_inserted_without_events(mixed: Mixed) -> None:
    columns = ("subject_id, visit_id, form_id, definition_version_id, form_sha256, status, version, created_at, "
               "created_by, updated_at, updated_by")
    found = _found(mixed, f"INSERT INTO form_records (seq, {columns}) SELECT 99, {columns} FROM form_records "
                          f"WHERE id = {mixed.record_id}",
                   f"INSERT INTO {VITALS} (record_id, sysbp) SELECT max(id), 120 FROM form_records")
    assert len(found) == 1
    assert found[0][0] == "form_records" and found[0][3] == "no creating event (record.create) in the trail"


def test_a_row_deleted(mixed: Mixed) -> None:
    found = _found(mixed, f"DELETE FROM {VITALS} WHERE record_id = {mixed.record_id}")
    assert found == [(VITALS, f"record {mixed.record_id} (subject {mixed.subject_number})", None,
                      "missing: the trail has its values, the table has no row")]


def test_a_correction_event_deleted_past_the_triggers(mixed: Mixed) -> None:
    found = _found(mixed, audit=f"DELETE FROM audit_events WHERE record_id = {mixed.record_id} "
                                "AND action = 'record.correct'")
    items = {(table, item) for table, _row, item, _problem in found}
    assert items == {(VITALS, "pulse"), ("form_records", "updated_at"), ("form_records", "version")}, found


def test_a_later_audited_change_does_not_hide_an_unaudited_one(mixed: Mixed) -> None:
    """The pulse was changed in the table before the correction: the correction's old value gives it away."""
    with mixed.engine.connect() as conn:
        said = conn.execute(text("SELECT id, old_value FROM audit_events WHERE record_id = :r AND item = 'pulse' "
                                 "AND action = 'record.correct'"), {"r": mixed.record_id}).one()
    found = _found(mixed, audit=f"UPDATE audit_events SET old_value = '1' WHERE id = {said.id}")
    assert [(t, i) for t, _r, i, _p in found] == [(VITALS, "pulse")]
    assert f"event {said.id} found 1 where the trail had left" in found[0][3]


@pytest.mark.parametrize(("statement", "table", "item"), [
    ("UPDATE dlt_adjudications SET verdict = 'DLT'", "dlt_adjudications", "verdict"),
    ("UPDATE escalation_decisions SET overrides = NOT overrides", "escalation_decisions", "overrides"),
    ("UPDATE signatures SET meaning = 'forged' WHERE scope = 'record'", "signatures", "meaning"),
    ("UPDATE signatures SET invalidated_at = NULL", "signatures", "invalidated_at"),
    ("UPDATE sdv_marks SET cleared_at = NULL", "sdv_marks", "cleared_at"),
    ("UPDATE locks SET release_reason = 'never frozen' WHERE released_at IS NOT NULL", "locks", "release_reason"),
    ("UPDATE visits SET status = 'missed' WHERE visit_code = 'SCR'", "visits", "status"),
    ("UPDATE eligibility_decisions SET decision = 'eligible' WHERE decision <> 'eligible'",
     "eligibility_decisions", "decision"),
])
def test_a_decision_changed_without_its_event(mixed: Mixed, statement: str, table: str, item: str) -> None:
    found = _found(mixed, statement)
    assert found and {(t, i) for t, _r, i, _p in found} == {(table, item)}, found


def test_the_listing_is_bounded(mixed: Mixed) -> None:
    with mixed.engine.connect() as conn:
        conn.execute(text("UPDATE visits SET planned_date = NULL"))
        result = replay(conn, mixed.catalog, limit=3)
        conn.rollback()
    assert len(result.discrepancies) == 3 and result.unlisted > 10 and not result.ok


def test_the_command_exits_1_naming_each_discrepancy(mixed: Mixed) -> None:
    clean = _run("audit", "verify", "--replay", url=mixed.url)
    assert clean.returncode == 0 and "replay: the tables are what the trail says" in clean.stdout, clean.stderr
    with mixed.engine.begin() as conn:
        conn.execute(text(f"UPDATE {VITALS} SET sysbp = sysbp + 1 WHERE record_id = {mixed.record_id}"))
    try:
        broken = _run("audit", "verify", "--replay", url=mixed.url)
    finally:
        with mixed.engine.begin() as conn:
            conn.execute(text(f"UPDATE {VITALS} SET sysbp = sysbp - 1 WHERE record_id = {mixed.record_id}"))
    assert broken.returncode == 1 and "Traceback" not in broken.stderr
    assert broken.stderr.splitlines()[0].startswith(f"{VITALS} record {mixed.record_id} (subject ")
    assert broken.stderr.splitlines()[-1] == "replay: 1 discrepancies"


def _run(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "edc", *args], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "EDC_DATABASE_URL": url})
