"""`edc.app.exports.store.read_subjects` on real databases: the export's input as the services stored it.

The demo fills IC19 through the services with a smaller cast than usual (one
treated subject, who carries the CRS corrected from grade 1 to 2 and the
unscheduled visit, and one screen failure), so populating takes a second or
two; the committee then adjudicates one adverse event twice.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Connection, event, select

from edc.app.escalation.service import adjudicate_event
from edc.app.exports import store as export_reader
from edc.app.exports.store import read_subjects, subject_chunks
from edc.app.kernel.actor import Actor
from edc.db.core import Subject, Visit
from edc.db.decisions import EligibilityDecision
from edc.definitions.catalog import Catalog, StudyDefinition
from edc.definitions.vocabulary import DONE, LOGS_VISIT
from edc.demo import populate
from edc.demo.coding import DEMO_VERSION
from edc.demo.plan import DESIGNS, TrialDesign
from edc.export.sdtm.subjectdata import SubjectData

sys.path.insert(0, str(Path(__file__).parents[1] / "demo"))
from demo_env import NOW, TODAY, DemoEnv, demo_env, stored_records

STUDY = "ic19"
FORMS = ("demographics", "adverse_events", "vital_signs")
#: One treated subject (infused about 40 days before TODAY, so the CRS correction is made) and one screen failure.
SMALL_CAST = TrialDesign((40,), ("DL1",), ("SLE",), (("EXC12", "SLE", 10),))


@pytest.fixture
def env(db_url: str, catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> Iterator[DemoEnv]:
    monkeypatch.setitem(DESIGNS, STUDY, SMALL_CAST)
    env = demo_env(db_url, catalog)
    populate(env.engine, Catalog.of([catalog.study(STUDY)]), actor_for=env.actor_for, today=TODAY)
    yield env
    env.engine.dispose()


def test_read_subjects_gives_every_subject_with_the_current_values_of_the_forms_asked(
        env: DemoEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    study = env.catalog.study(STUDY)
    with env.engine.begin() as conn:
        demo_verdicts = _treated_and_failure(read_subjects(conn, study, ()))[0].committee_dlt  # IC19's SRC decides
        crs = _adjudicate_crs_twice(conn, env)
    with env.engine.connect() as conn:
        statements = _counting(conn)
        subjects = read_subjects(conn, study, (*FORMS, "no_such_form"))
        # subjects, visits, eligibility decisions, verdicts; per form its records and their values; for the AE log
        # the coding of its terms, and the release they are coded with and its entries
        assert len(statements) == 4 + 2 * len(FORMS) + 3
        treated, failure = _treated_and_failure(subjects)
        assert [s.subject_number for s in subjects] == sorted(s.subject_number for s in subjects)
        assert {s.site for s in subjects} == {"01"}
        check_screen_failure(conn, failure)
        check_treated(conn, treated)
        check_records_as_stored(conn, env, subjects)
        check_visits(conn, subjects)
        statements.clear()
        bare = read_subjects(conn, study, ())
        assert len(statements) == 4
        check_chunks(conn, study, subjects, statements)
        monkeypatch.setattr(export_reader, "BATCH", 10)
        statements.clear()
        assert read_subjects(conn, study, FORMS) == subjects  # values read ten records at a time
        assert len(statements) > 4 + 2 * len(FORMS)
    assert crs not in demo_verdicts
    assert treated.committee_dlt == {**demo_verdicts, crs: "NOT_DLT"}  # the latest of the committee's two verdicts
    assert failure.committee_dlt == {}
    assert [replace(s, records={}) for s in subjects] == bare  # no form asked: everything but records


# --- checks ---------------------------------------------------------------------------------------

def check_chunks(conn: Connection, study: StudyDefinition, subjects: list[SubjectData],
                 statements: list[str]) -> None:
    """`subject_chunks` gives read_subjects's subjects, reading only the subject list until a chunk is asked for,
    then only that chunk's subjects (by id, one query each as for the whole study)."""
    statements.clear()
    chunks = subject_chunks(conn, study, (*FORMS, "no_such_form"))
    assert len(statements) == 1 and list(chunks.identities) == [(s.subject_number, s.site) for s in subjects]
    statements.clear()
    assert chunks.chunk([1, 0]) == [subjects[1], subjects[0]]
    assert len(statements) == 3 + 2 * len(FORMS) + 3  # the whole read's queries but the subject list's
    by_id = [s for s in statements if s.startswith(("SELECT visits.", "SELECT form_records.", "SELECT eligibility"))]
    assert len(by_id) == 2 + len(FORMS) and all("subject_id IN (" in s and " JOIN " not in s for s in by_id)
    assert list(chunks) == subjects and chunks[-1] == subjects[-1] and chunks[:1] == subjects[:1]

def check_screen_failure(conn: Connection, failure: SubjectData) -> None:
    """Its status, no dose level, and the criteria of its latest eligibility decision (EXC12 not met)."""
    assert failure.status == "screen_failed"
    assert failure.dose_level is None
    assert failure.eligibility == _latest_criteria(conn, failure.subject_number)
    assert failure.eligibility["EXC12"] == "not_met"
    assert set(failure.records) == {"demographics", "vital_signs"}  # no adverse events before a screen failure


def check_treated(conn: Connection, treated: SubjectData) -> None:
    """Enrolled at DL1, eligible on every criterion, and the CRS record with its corrected values."""
    assert (treated.status, treated.dose_level) == ("enrolled", "DL1")
    assert treated.eligibility == _latest_criteria(conn, treated.subject_number)
    assert set(treated.eligibility.values()) <= {"met", "not_applicable"}
    assert set(treated.records) == set(FORMS)
    (demographics,) = treated.records["demographics"]
    brthdat = demographics.values["brthdat"]
    assert isinstance(brthdat, str) and len(brthdat) <= len("1994-06")  # a partial date stays text
    first = treated.first("vital_signs")  # the screening visit's: records are in visit order
    assert first is not None and first.visit == "SCR"
    assert isinstance(first.values["vsdat"], date) and isinstance(first.values["weight"], Decimal)
    assert abs(_number(first.values["bmi"]) - _bmi(first.values["weight"], first.values["height"])) < 0.06
    crs = next(r for r in treated.records["adverse_events"] if r.values["aecat"] == "CRS")
    assert (crs.visit, crs.occurrence) == (LOGS_VISIT, 1)
    assert isinstance(crs.values["aestdat"], date)
    assert (crs.values["aetoxgr"], crs.values["crs_hypoxia"]) == ("2", "LOW_FLOW")  # entered as 1 and NONE
    coded = crs.coded["aeterm"]  # the demo's invented MedDRA release coded it by itself
    assert (coded.dictionary, coded.version, coded.levels["pt"], coded.levels["soc"]) == (
        "meddra", DEMO_VERSION, "Cytokine release syndrome", "Immune system disorders")
    assert all(set(record.coded) == {"aeterm"} for record in treated.records["adverse_events"])


def check_records_as_stored(conn: Connection, env: DemoEnv, subjects: list[SubjectData]) -> None:
    """Each record of the forms asked, as the record service reads it (empty items left out), and no other."""
    expected: dict[tuple[str, str], list[tuple[str, int, dict[str, object]]]] = {}
    for stored in stored_records(conn, env, STUDY):
        if stored.form_id in FORMS:
            values = {k: v for k, v in stored.result.values.items() if v is not None}
            expected.setdefault((stored.subject_number, stored.form_id), []).append(
                (stored.visit_code, stored.occurrence, values))
    read = {(s.subject_number, form_id): [(r.visit, r.occurrence, dict(r.values)) for r in records]
            for s in subjects for form_id, records in s.records.items()}
    assert {k: _sorted(v) for k, v in read.items()} == {k: _sorted(v) for k, v in expected.items()}
    assert any(stored.result.version > 1 for stored in stored_records(conn, env, STUDY)
               if stored.form_id == "adverse_events")


def check_visits(conn: Connection, subjects: list[SubjectData]) -> None:
    """Every visit but LOGS, in planned (else visit) date order, and the last done visit as last contact."""
    for subject in subjects:
        rows = conn.execute(select(Visit.visit_code, Visit.occurrence, Visit.status, Visit.visit_date)
                            .join(Subject, Subject.id == Visit.subject_id)
                            .where(Subject.subject_number == subject.subject_number,
                                   Subject.study_id == STUDY)).all()
        assert {(v.visit, v.occurrence) for v in subject.visits} == {
            (r.visit_code, r.occurrence) for r in rows if r.visit_code != LOGS_VISIT}
        keys = [(v.planned_date or v.visit_date or date.max, v.visit) for v in subject.visits]
        assert keys == sorted(keys)
        done = [r.visit_date for r in rows if r.status == DONE and r.visit_date is not None]
        assert subject.last_contact == max(done)
    treated, _ = _treated_and_failure(subjects)
    assert "UNS" in [v.visit for v in treated.visits]  # the unscheduled CRS visit, dated, not planned
    assert any(v.status == "planned" and v.visit_date is None for v in treated.visits)


# --- helpers --------------------------------------------------------------------------------------

def _treated_and_failure(subjects: list[SubjectData]) -> tuple[SubjectData, SubjectData]:
    (treated,) = [s for s in subjects if s.status == "enrolled"]
    (failure,) = [s for s in subjects if s.status == "screen_failed"]
    return treated, failure


def _adjudicate_crs_twice(conn: Connection, env: DemoEnv) -> str:
    """The committee calls the treated subject's CRS a DLT, then not; returns its AE number."""
    study = env.catalog.study(STUDY)
    treated, _ = _treated_and_failure(read_subjects(conn, study, ("adverse_events",)))
    aespid = str(next(r.values["aespid"] for r in treated.records["adverse_events"] if r.values["aecat"] == "CRS"))
    reviewer = Actor(env.user_id, "safety_reviewer", None)
    when = datetime.combine(TODAY, NOW.timetz())
    for verdict, later in (("DLT", 0), ("NOT_DLT", 1)):
        adjudicate_event(conn, study=study, subject_number=treated.subject_number, aespid=aespid, verdict=verdict,
                         reason="committee review", actor=reviewer, now=when + timedelta(hours=later))
    return aespid


def _latest_criteria(conn: Connection, subject_number: str) -> dict[str, str]:
    decision = EligibilityDecision
    criteria = conn.execute(select(decision.criteria).join(Subject, Subject.id == decision.subject_id)
                            .where(Subject.subject_number == subject_number, Subject.study_id == STUDY)
                            .order_by(decision.id.desc()).limit(1)).scalar_one()
    assert criteria
    return dict(criteria)


def _sorted(records: list[tuple[str, int, dict[str, object]]]) -> list[tuple[str, int, list[tuple[str, str]]]]:
    return sorted((visit, occurrence, sorted((k, repr(v)) for k, v in values.items()))
                  for visit, occurrence, values in records)


def _number(value: object) -> float:
    assert isinstance(value, (Decimal, float, int))
    return float(value)


def _bmi(weight: object, height: object) -> float:
    """The calculated item as the form computes it (the reader returns it as stored)."""
    return _number(weight) / (_number(height) / 100) ** 2


def _counting(conn: Connection) -> list[str]:
    """The statements `conn` executes from now on (the listener goes with the connection)."""
    statements: list[str] = []

    def executed(conn: Connection, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):  # not the driver's BEGIN
            statements.append(statement)

    event.listen(conn, "before_cursor_execute", executed)
    return statements
