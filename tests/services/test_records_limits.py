"""The attacker's payloads through the record service on every backend: an item error, or the same value stored,
audited and returned."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from record_fixtures import NOW, RecordEnv, record_env
from sqlalchemy import select

from edc import audit
from edc.app.kernel.errors import ValidationFailed
from edc.app.kernel.lookups import visit_by_id
from edc.app.records.service import RecordResult, read_record, submit_record
from edc.app.records.store import table_of
from edc.app.records.values import json_value
from edc.db.trail import AuditEvent
from edc.definitions.catalog import Catalog


@pytest.fixture
def env(db_url: str, catalog: Catalog) -> Iterator[RecordEnv]:
    made = record_env(db_url, catalog)
    yield made
    made.engine.dispose()


def medication(**changes: object) -> dict[str, object]:
    """A valid ic19 concomitant medication: dexamethasone, four times a day (a prednisone equivalent is calculated)."""
    payload: dict[str, object] = {
        "cmtrt": "Dexamethasone", "cmgc": "Y", "cmgcdrug": "dexamethasone", "cmindc": "ICANS",
        "cmdose": "10", "cmdosu": "mg", "cmdosfrq": "QID", "cmstdat": "2026-01", "cmongo": "Y",
    }
    payload.update(changes)
    return payload


def _submit(env: RecordEnv, payload: dict[str, object]) -> RecordResult:
    with env.engine.begin() as conn:
        visit = visit_by_id(conn, study_id=env.study.id, visit_id=env.visits["LOGS"], actor=env.actor)
        return submit_record(conn, study=env.study, visit=visit, form_id="concomitant_medications",
                             payload=payload, actor=env.actor, now=NOW)


def _refusals(env: RecordEnv, payload: dict[str, object]) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as failed:
        _submit(env, payload)
    return {e.item: e.message for e in failed.value.errors}


def test_a_dose_at_the_limit_is_the_same_value_stored_audited_and_returned(env: RecordEnv) -> None:
    at_limit = Decimal("999999999999.999")
    result = _submit(env, medication(cmdosfrq="QD", cmgcdrug="prednisone", cmdose=str(at_limit)))
    assert result.values["cmdose"] == at_limit
    with env.engine.connect() as conn:
        stored = read_record(conn, study=env.study, record_id=result.record_id, actor=env.actor)
        crf = table_of(env.study, "concomitant_medications")
        row = conn.execute(select(crf).where(crf.c.record_id == result.record_id)).one()
        audited = {str(item): value for item, value in conn.execute(
            select(AuditEvent.item, AuditEvent.new_value).where(AuditEvent.action == "record.create"))}
        assert audit.verify(conn).ok
    assert str(row.cmdose) == str(stored.values["cmdose"]) == audited["cmdose"] == "999999999999.999"
    assert str(stored.values["cm_pred_eq"]) == audited["cm_pred_eq"] == "1000000000000.00"  # rounded half up
    assert json_value(stored.values["cmdose"]) == 999999999999.999  # the JSON number keeps every digit


def test_the_attackers_payloads_are_item_errors(env: RecordEnv) -> None:
    refused = _refusals(env, medication(cmdose=1e24, cmstdat="2026-00", cmtrt="Dexa\x00methasone",
                                        cmindc="x\x1b[2J"))
    assert refused["cmdose"].startswith("too large: at most 12 digit(s) before the decimal point")
    assert refused["cmstdat"] == "2026-00 is not a calendar date: the month is 01 to 12"
    assert refused["cmtrt"].startswith("contains a control or invalid character (U+0000) at position 5")
    assert refused["cmindc"].startswith("contains a control or invalid character (U+001B)")
    refused = _refusals(env, medication(cmstdat="0000", cmdose="１０", cmongo="N", cmendat="9999-12-31"))
    assert refused["cmstdat"] == "0000 is not a calendar date: there is no year 0000"
    assert refused["cmdose"] == "must be a number, got '１０'"
    assert refused["cmendat"].startswith("9999-12-31 is not a plausible date")
    assert _refusals(env, medication(cmstdat="２０２６"))["cmstdat"].startswith("must be a date as YYYY")


def test_a_calculation_its_column_cannot_hold_is_an_item_error(env: RecordEnv) -> None:
    """999999999999.999 mg of dexamethasone four times a day is 2.7e13 mg of prednisone: too large for 2 places."""
    refused = _refusals(env, medication(cmdose="999999999999.999"))
    assert refused == {"cm_pred_eq": "cannot be calculated from the values entered: too large: at most 13 digit(s) "
                                     "before the decimal point (from -9999999999999.99 to 9999999999999.99)"}
