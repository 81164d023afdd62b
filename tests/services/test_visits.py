"""Visits on real databases: the schedule from the infusion date, rescheduling, unscheduled, dates and misses."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, select
from test_subjects import NOW, prepare

from edc import audit
from edc.app.kernel.actor import Actor
from edc.app.kernel.errors import InvalidInput, NotFound, ReasonRequired
from edc.app.subjects.service import ScreenedSubject, screen_subject
from edc.app.visits.service import (
    VisitInfo,
    add_unscheduled_visit,
    mark_visit_missed,
    record_visit_date,
    schedule_visits,
)
from edc.db.core import Visit
from edc.db.engine import make_engine
from edc.db.trail import AuditEvent
from edc.definitions.catalog import Catalog

#: The clock when the visits are dated: after them (a visit cannot be dated before it happens).
VISITED = NOW + timedelta(days=120)

INFUSION = date(2026, 4, 1)
COHORT = {"ic19": "SLE", "cnct19": "LN"}


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
    return Actor(user_id=user_id, role="investigator")


def new_subject(engine: Engine, catalog: Catalog, actor: Actor, study: str = "ic19") -> ScreenedSubject:
    with engine.begin() as conn:
        return screen_subject(conn, study=catalog.study(study), site_code="01", cohort=COHORT[study],
                              screened_on=date(2026, 3, 2), actor=actor, now=NOW)


def plan(engine: Engine, catalog: Catalog, actor: Actor, subject_id: int, infusion: date = INFUSION,
         study: str = "ic19") -> dict[str, VisitInfo]:
    with engine.begin() as conn:
        visits = schedule_visits(conn, study=catalog.study(study), subject_id=subject_id, infusion_date=infusion,
                                 actor=actor, now=NOW)
    return {v.visit_code: v for v in visits}


def events(engine: Engine, subject_id: int, action: str) -> list[tuple[str | None, str | None, str | None]]:
    with engine.connect() as conn:
        assert audit.verify(conn).ok
        rows = conn.execute(select(AuditEvent.item, AuditEvent.old_value, AuditEvent.new_value).where(
            AuditEvent.subject_id == subject_id, AuditEvent.action == action).order_by(AuditEvent.id)).all()
    return [(r.item, r.old_value, r.new_value) for r in rows]


@pytest.mark.parametrize("study", ["ic19", "cnct19"])
def test_schedule_has_every_visit_with_planned_date_and_window(
        engine: Engine, catalog: Catalog, actor: Actor, study: str) -> None:
    subject = new_subject(engine, catalog, actor, study)
    schedule = plan(engine, catalog, actor, subject.subject_id, study=study)
    definition = catalog.study(study)
    assert list(schedule) == [v.id for v in definition.visits]
    for visit in definition.visits:
        planned = INFUSION + timedelta(days=visit.day)
        got = schedule[visit.id]
        assert (got.planned_date, got.status) == (planned, "planned")
        assert got.earliest == planned - timedelta(days=visit.window.before)
        assert got.latest == planned + timedelta(days=visit.window.after)
    assert schedule["D0"].planned_date == INFUSION
    assert (schedule["D7"].earliest, schedule["D7"].latest) == (date(2026, 4, 7), date(2026, 4, 9))
    created = {item for item, _, _ in events(engine, subject.subject_id, "visit.create")}
    assert created == {"LOGS#1"} | {f"{v.id}#1" for v in definition.visits}


def test_expected_ic19_and_cnct19_dates(engine: Engine, catalog: Catalog, actor: Actor) -> None:
    ic19 = plan(engine, catalog, actor, new_subject(engine, catalog, actor, "ic19").subject_id)
    cnct19 = plan(engine, catalog, actor, new_subject(engine, catalog, actor, "cnct19").subject_id, study="cnct19")
    assert (ic19["SCR"].planned_date, ic19["SCR"].earliest, ic19["SCR"].latest) == (
        date(2026, 3, 11), date(2026, 2, 25), date(2026, 3, 18))
    assert ic19["M3"].planned_date == date(2026, 6, 30) and "M12" not in ic19
    assert cnct19["LEUK"].planned_date == date(2026, 3, 4)
    assert (cnct19["M12"].planned_date, cnct19["M12"].latest) == (date(2027, 4, 1), date(2027, 4, 15))


def test_changing_infusion_date_moves_planned_dates_with_audit(engine: Engine, catalog: Catalog,
                                                               actor: Actor) -> None:
    subject = new_subject(engine, catalog, actor)
    plan(engine, catalog, actor, subject.subject_id)
    before = len(events(engine, subject.subject_id, "visit.reschedule"))
    moved = plan(engine, catalog, actor, subject.subject_id, INFUSION + timedelta(days=3))
    assert moved["D0"].planned_date == date(2026, 4, 4)
    assert moved["D28"].planned_date == date(2026, 5, 2)
    reschedules = events(engine, subject.subject_id, "visit.reschedule")[before:]
    assert len(reschedules) == len(catalog.study("ic19").visits)
    assert ("D0#1", '"2026-04-01"', '"2026-04-04"') in reschedules
    with engine.connect() as conn:
        assert len(conn.execute(select(Visit.id).where(Visit.subject_id == subject.subject_id)).all()) == 14
    again = len(events(engine, subject.subject_id, "visit.reschedule"))
    plan(engine, catalog, actor, subject.subject_id, INFUSION + timedelta(days=3))
    assert len(events(engine, subject.subject_id, "visit.reschedule")) == again  # unchanged: nothing written


def test_unscheduled_visits_are_numbered(engine: Engine, catalog: Catalog, actor: Actor) -> None:
    subject = new_subject(engine, catalog, actor)
    study = catalog.study("ic19")
    with engine.begin() as conn:
        first = add_unscheduled_visit(conn, study=study, subject_id=subject.subject_id, visit_date=date(2026, 4, 20),
                                      actor=actor, now=VISITED)
        second = add_unscheduled_visit(conn, study=study, subject_id=subject.subject_id, visit_date=None,
                                       actor=actor, now=VISITED)
    assert (first.visit_code, first.occurrence, first.status) == ("UNS", 1, "done")
    assert (second.occurrence, second.status, second.earliest) == (2, "planned", None)
    assert [e[0] for e in events(engine, subject.subject_id, "visit.create")][-2:] == ["UNS#1", "UNS#2"]


def test_visit_date_in_and_out_of_window(engine: Engine, catalog: Catalog, actor: Actor) -> None:
    subject = new_subject(engine, catalog, actor)
    d7 = plan(engine, catalog, actor, subject.subject_id)["D7"]
    study = catalog.study("ic19")
    with engine.begin() as conn:
        inside = record_visit_date(conn, study=study, visit_id=d7.visit_id, visit_date=date(2026, 4, 9),
                                   actor=actor, now=VISITED)
        outside = record_visit_date(conn, study=study, visit_id=d7.visit_id, visit_date=date(2026, 4, 10),
                                    actor=actor, now=VISITED, reason="transcription error")
    assert (inside.out_of_window, inside.status) == (False, "done")
    assert (outside.out_of_window, outside.visit_date) == (True, date(2026, 4, 10))
    assert events(engine, subject.subject_id, "visit.date") == [
        ("D7#1", None, '"2026-04-09"'), ("D7#1", '"2026-04-09"', '"2026-04-10"')]
    with pytest.raises(InvalidInput), engine.begin() as conn:
        record_visit_date(conn, study=study, visit_id=subject.logs_visit_id, visit_date=date(2026, 4, 9),
                          actor=actor, now=VISITED)


def test_missed_visit_needs_a_reason(engine: Engine, catalog: Catalog, actor: Actor) -> None:
    subject = new_subject(engine, catalog, actor)
    d14 = plan(engine, catalog, actor, subject.subject_id)["D14"]
    study = catalog.study("ic19")
    count = len(events(engine, subject.subject_id, "visit.missed"))
    for reason in ("", "   "):
        with pytest.raises(ReasonRequired), engine.begin() as conn:
            mark_visit_missed(conn, study=study, visit_id=d14.visit_id, reason=reason, actor=actor, now=NOW)
    assert len(events(engine, subject.subject_id, "visit.missed")) == count == 0
    with engine.begin() as conn:
        missed = mark_visit_missed(conn, study=study, visit_id=d14.visit_id, reason="subject hospitalised",
                                   actor=actor, now=NOW)
    assert missed.status == "missed"
    assert events(engine, subject.subject_id, "visit.missed") == [("D14#1", '"planned"', '"missed"')]
    with pytest.raises(InvalidInput), engine.begin() as conn:
        record_visit_date(conn, study=study, visit_id=d14.visit_id, visit_date=date(2026, 4, 15),
                          actor=actor, now=VISITED)


def test_unknown_subject_or_other_site_is_refused(engine: Engine, catalog: Catalog, actor: Actor) -> None:
    subject = new_subject(engine, catalog, actor)
    study = catalog.study("ic19")
    with pytest.raises(NotFound), engine.begin() as conn:
        schedule_visits(conn, study=study, subject_id=subject.subject_id + 100, infusion_date=INFUSION,
                        actor=actor, now=NOW)
    with pytest.raises(NotFound), engine.begin() as conn:  # a subject of another study
        schedule_visits(conn, study=catalog.study("cnct19"), subject_id=subject.subject_id, infusion_date=INFUSION,
                        actor=actor, now=NOW)
    elsewhere = Actor(user_id=actor.user_id, role=actor.role, site_ids=frozenset({subject.site_id + 1}))
    with pytest.raises(NotFound), engine.begin() as conn:  # another site's subject: as if missing
        add_unscheduled_visit(conn, study=study, subject_id=subject.subject_id, visit_date=None, actor=elsewhere,
                              now=VISITED)
    assert events(engine, subject.subject_id, "visit.create") == [("LOGS#1", None, None),
                                                                  ("SCR#1", None, '"2026-03-02"')]
