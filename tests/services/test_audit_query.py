"""The monitor's view of the audit trail on real databases: filters, keyset pages, site restriction, CSV export.

The trail is written by the real services: users and their grants
(`create_user`), two relmacel subjects screened at sites 01 and 02, a
vital-signs record submitted and corrected three times (reasons with commas,
quotes, line breaks and formula starts), and an ic19 subject that the
relmacel view must never show.
"""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from migrated import migrated
from record_fixtures import vitals
from sqlalchemy import Engine, select

from edc import audit
from edc.app.access.service import GrantSpec, create_user
from edc.app.kernel.actor import Actor
from edc.app.kernel.errors import InvalidInput
from edc.app.kernel.lookups import visit_by_id
from edc.app.records.service import correct_record, submit_record
from edc.app.subjects.service import screen_subject
from edc.app.trail.service import CSV_HEADER, AuditEntry, AuditFilter, AuditPage, iter_csv, list_events, neutralise
from edc.db.core import Site
from edc.db.engine import make_engine
from edc.db.registry import register_catalog
from edc.db.trail import AuditEvent
from edc.definitions.catalog import Catalog

STUDY = "relmacel"
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
T_SCREEN_1, T_SCREEN_2 = T0 + timedelta(hours=1), T0 + timedelta(hours=2)
T_SUBMIT, T_CORRECT = T0 + timedelta(hours=3), T0 + timedelta(hours=4)
REASON_TEXT = 'transcription error, see "source" p. 2\nsecond line'
FORMULA_REASONS = ('=HYPERLINK("http://evil.example","x")', "@SUM(A1:A2)")


@dataclass(frozen=True)
class Trail:
    engine: Engine
    monitor: Actor
    site_ids: dict[str, int]
    record_id: int


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDC_ARGON2_PROFILE", "test")


@pytest.fixture
def trail(db_url: str, catalog: Catalog) -> Iterator[Trail]:
    migrated(db_url)
    engine = make_engine(db_url)
    with engine.begin() as conn:
        register_catalog(conn, catalog, T0)
        sites = {str(s.code): int(s.id) for s in conn.execute(select(Site.code, Site.id).where(Site.study_id == STUDY))}
        users = {name: create_user(conn, username=name, full_name=name.title(), password="a long enough password",
                                   grants=[grant], now=T0)
                 for name, grant in (("coord1", GrantSpec("coordinator", STUDY, "01")),
                                     ("coord2", GrantSpec("coordinator", STUDY, "02")),
                                     ("mon", GrantSpec("monitor", STUDY)))}
    coord1 = Actor(users["coord1"], "coordinator", frozenset({sites["01"]}))
    coord2 = Actor(users["coord2"], "coordinator", frozenset({sites["02"]}))
    with engine.begin() as conn:
        first = screen_subject(conn, study=catalog.study(STUDY), site_code="01", cohort="SLE",
                               screened_on=date(2026, 3, 2), actor=coord1, now=T_SCREEN_1)
        screen_subject(conn, study=catalog.study(STUDY), site_code="02", cohort="SLE",
                       screened_on=date(2026, 3, 2), actor=coord2, now=T_SCREEN_2)
        screen_subject(conn, study=catalog.study("ic19"), site_code="01", cohort="SLE",
                       screened_on=date(2026, 3, 2), actor=Actor(users["mon"], "coordinator"), now=T_SCREEN_2)
    with engine.begin() as conn:
        visit = visit_by_id(conn, study_id=STUDY, visit_id=first.screening_visit_id, actor=coord1)
        record = submit_record(conn, study=catalog.study(STUDY), visit=visit,
                               form_id="vital_signs", payload=vitals(vsdat="2026-03-02"), actor=coord1, now=T_SUBMIT)
    changes: list[tuple[dict[str, object], str]] = [
        ({"sysbp": 125}, REASON_TEXT), ({"pulse": 72}, FORMULA_REASONS[0]), ({"diabp": 82}, FORMULA_REASONS[1])]
    for version, (change, reason) in enumerate(changes, start=1):
        with engine.begin() as conn:
            correct_record(conn, study=catalog.study(STUDY), record_id=record.record_id, changes=change,
                           expected_version=version, reason=reason, actor=coord1,
                           now=T_CORRECT + timedelta(minutes=version))
    yield Trail(engine, Actor(users["mon"], "monitor"), sites, record.record_id)
    engine.dispose()


def events(trail: Trail, actor: Actor | None = None, limit: int = 1000, **criteria: object) -> list[AuditEntry]:
    """Every event the filter matches, in one page (the trail is far shorter than 1000)."""
    with trail.engine.connect() as conn:
        page = list_events(conn, criteria=AuditFilter(STUDY, **criteria),  # type: ignore[arg-type]
                           actor=actor or trail.monitor, limit=limit)
    assert page.next_cursor is None
    return list(page.events)


def walk(trail: Trail, criteria: AuditFilter, actor: Actor, limit: int) -> list[AuditPage]:
    """Every page from the first to the one without a cursor (failing, not hanging, if paging never ends)."""
    pages, cursor = [], None
    with trail.engine.connect() as conn:
        for _ in range(200):
            page = list_events(conn, criteria=criteria, actor=actor, limit=limit, cursor=cursor)
            pages.append(page)
            if page.next_cursor is None:
                return pages
            cursor = page.next_cursor
    raise AssertionError("paging did not end")


def test_the_whole_study_trail_in_chain_order_with_names(trail: Trail) -> None:
    listed = events(trail)
    with trail.engine.connect() as conn:
        stored = conn.execute(select(AuditEvent.id, AuditEvent.hash, AuditEvent.occurred_at)
                              .where(AuditEvent.study_id == STUDY).order_by(AuditEvent.id)).all()
        assert audit.verify(conn).ok
    assert [(e.id, e.hash) for e in listed] == [(r.id, r.hash) for r in stored]
    assert all(e.occurred_at.tzinfo is not None and e.occurred_at.utcoffset() == timedelta(0) for e in listed)
    assert {e.action for e in listed} == {"user.grant", "subject.screen", "visit.create", "record.create",
                                          "record.correct"}
    grants = [e for e in listed if e.action == "user.grant"]
    assert [(e.username, e.site_code, e.item) for e in grants] == [
        (None, "01", "coord1"), (None, "02", "coord2"), (None, None, "mon")]
    screened = next(e for e in listed if e.action == "subject.screen" and e.item == "subject_number")
    assert (screened.username, screened.role, screened.site_code, screened.subject_number,
            screened.new_value, screened.occurred_at) == ("coord1", "coordinator", "01", "01-001", '"01-001"',
                                                          T_SCREEN_1)
    corrected = next(e for e in listed if e.action == "record.correct" and e.item == "sysbp")
    assert (corrected.old_value, corrected.new_value, corrected.reason, corrected.record_id,
            corrected.form_id) == ("120", "125", REASON_TEXT, trail.record_id, "vital_signs")


def test_each_filter_narrows_to_exactly_its_events(trail: Trail) -> None:
    everything = events(trail)
    checks: dict[str, tuple[object, str]] = {
        "site_code": ("02", "site_code"), "subject_number": ("01-001", "subject_number"),
        "record_id": (trail.record_id, "record_id"), "form_id": ("vital_signs", "form_id"),
        "item": ("sysbp", "item"), "username": ("coord2", "username"), "action": ("record.correct", "action")}
    for field, (value, attribute) in checks.items():
        expected = [e for e in everything if getattr(e, attribute) == value]
        assert 0 < len(expected) < len(everything), field
        assert events(trail, **{field: value}) == expected, field
    assert events(trail, site_code="01", item="sysbp", action="record.create") == [
        e for e in everything if (e.site_code, e.item, e.action) == ("01", "sysbp", "record.create")]


def test_time_range_is_inclusive_then_exclusive_in_any_offset(trail: Trail) -> None:
    everything = events(trail)
    beijing = timezone(timedelta(hours=8))
    window = events(trail, since=T_SUBMIT.astimezone(beijing), until=T_CORRECT.astimezone(beijing))
    assert window == [e for e in everything if T_SUBMIT <= e.occurred_at < T_CORRECT]
    assert window and {e.action for e in window} == {"record.create"}
    assert events(trail, since=T_SCREEN_2) == [e for e in everything if e.occurred_at >= T_SCREEN_2]
    assert events(trail, until=T_SCREEN_1) == [e for e in everything if e.action == "user.grant"]
    assert events(trail, since=T_CORRECT, until=T_CORRECT) == []


@pytest.mark.parametrize("criteria", [
    {"site_code": "09"}, {"subject_number": "99-999"}, {"username": "nobody"}, {"record_id": 999_999},
    {"action": "no.such"}, {"subject_number": "01-001", "site_code": "02"}])
def test_unknown_names_match_nothing(trail: Trail, criteria: dict[str, object]) -> None:
    assert events(trail, **criteria) == []


def test_another_study_is_neither_shown_nor_mixed_in(trail: Trail) -> None:
    with trail.engine.connect() as conn:
        ic19 = list_events(conn, criteria=AuditFilter("ic19"), actor=trail.monitor, limit=1000).events
        assert list_events(conn, criteria=AuditFilter("nostudy"), actor=trail.monitor).events == ()
    assert ic19 and {e.subject_number for e in ic19 if e.subject_number} == {"01-001"}
    assert not {e.id for e in ic19} & {e.id for e in events(trail)}


@pytest.mark.parametrize("limit", [1, 2, 3, 7, 13])
def test_pages_concatenate_to_the_whole_list(trail: Trail, limit: int) -> None:
    # A subject's and a record's pages are ranges of their own indexes after the cursor (migration 0028); the
    # subject number 01-001 is ic19's too, whose events must not join any page.
    for criteria, actor in ((AuditFilter(STUDY), trail.monitor),
                            (AuditFilter(STUDY, action="visit.create"), trail.monitor),
                            (AuditFilter(STUDY, subject_number="01-001"), trail.monitor),
                            (AuditFilter(STUDY, record_id=trail.record_id), trail.monitor),
                            (AuditFilter(STUDY), Actor(trail.monitor.user_id, "monitor",
                                                       frozenset({trail.site_ids["01"]})))):
        with trail.engine.connect() as conn:
            whole = list_events(conn, criteria=criteria, actor=actor, limit=1000).events
        pages = walk(trail, criteria, actor, limit)
        joined = [e for page in pages for e in page.events]
        assert joined == list(whole)
        assert all(len(page.events) == limit for page in pages[:-1])
        assert 1 <= len(pages[-1].events) <= limit
        assert len(pages) == -(-len(whole) // limit)


def test_page_of_exactly_the_rest_has_no_next_cursor(trail: Trail) -> None:
    total = len(events(trail))
    assert walk(trail, AuditFilter(STUDY), trail.monitor, total)[0].next_cursor is None
    first = walk(trail, AuditFilter(STUDY), trail.monitor, total - 1)
    assert [len(p.events) for p in first] == [total - 1, 1]


def test_events_appended_while_paging_come_once_at_the_end(trail: Trail) -> None:
    with trail.engine.connect() as conn:
        first = list_events(conn, criteria=AuditFilter(STUDY), actor=trail.monitor, limit=5)
    with trail.engine.begin() as conn:
        audit.append(conn, action="study.note", occurred_at=T0 + timedelta(days=1), study_id=STUDY, reason="late")
    assert first.next_cursor is not None
    with trail.engine.connect() as conn:
        rest = list_events(conn, criteria=AuditFilter(STUDY), actor=trail.monitor, limit=1000,
                           cursor=first.next_cursor).events
    assert [*first.events, *rest] == events(trail)
    assert rest[-1].action == "study.note"


def test_bad_cursors_are_refused(trail: Trail) -> None:
    criteria = AuditFilter(STUDY)
    cursor = walk(trail, criteria, trail.monitor, 4)[0].next_cursor
    assert cursor is not None and cursor.replace("-", "").replace("_", "").isalnum()
    text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    version, last_id, check = text.split(".")
    forged = base64.urlsafe_b64encode(f"{version}.{int(last_id) + 1}.{check}".encode()).decode().rstrip("=")
    bad = ["", "garbage", "!!!!", cursor[:-2], cursor + "A", forged, "x" * 5000,
           base64.urlsafe_b64encode(b"after:3").decode()]
    with trail.engine.connect() as conn:
        for value in bad:
            with pytest.raises(InvalidInput, match="cursor"):
                list_events(conn, criteria=criteria, actor=trail.monitor, limit=4, cursor=value)
        with pytest.raises(InvalidInput, match="another listing"):  # a cursor is bound to its filter
            list_events(conn, criteria=replace(criteria, site_code="01"), actor=trail.monitor, cursor=cursor)
        assert list_events(conn, criteria=criteria, actor=trail.monitor, limit=4, cursor=cursor).events


@pytest.mark.parametrize("limit", [0, -1, 1001, 10**9])
def test_bad_limits_and_batches_are_refused(trail: Trail, limit: int) -> None:
    with trail.engine.connect() as conn:
        with pytest.raises(InvalidInput, match="limit"):
            list_events(conn, criteria=AuditFilter(STUDY), actor=trail.monitor, limit=limit)
        with pytest.raises(InvalidInput, match="batch"):  # refused at the call, before any chunk
            iter_csv(conn, criteria=AuditFilter(STUDY), actor=trail.monitor, batch=limit)


def test_naive_times_and_missing_study_are_refused(trail: Trail) -> None:
    with trail.engine.connect() as conn:
        for criteria in (AuditFilter(STUDY, since=datetime(2026, 3, 2)), AuditFilter(STUDY, until=datetime(2026, 3, 2)),
                         AuditFilter("")):
            with pytest.raises(InvalidInput):
                list_events(conn, criteria=criteria, actor=trail.monitor)


def test_site_restricted_actor_sees_only_its_site(trail: Trail) -> None:
    everything = events(trail)
    site1 = Actor(trail.monitor.user_id, "monitor", frozenset({trail.site_ids["01"]}))
    seen = events(trail, site1)
    assert seen == [e for e in everything if e.site_code == "01"]
    assert {e.subject_number for e in seen} == {"01-001", None}  # the site-01 grant has no subject
    assert all(e.site_code is not None for e in seen)  # study-level events are hidden
    for criteria in ({"site_code": "02"}, {"subject_number": "02-001"}, {"username": "coord2"}):
        assert events(trail, site1, **criteria) == []
    assert events(trail, Actor(trail.monitor.user_id, "monitor", frozenset())) == []
    both = Actor(trail.monitor.user_id, "monitor", frozenset(trail.site_ids.values()))
    assert events(trail, both) == [e for e in everything if e.site_code is not None]


def csv_rows(trail: Trail, criteria: AuditFilter, actor: Actor, batch: int = 500) -> tuple[list[str], list[list[str]]]:
    with trail.engine.connect() as conn:
        chunks = list(iter_csv(conn, criteria=criteria, actor=actor, batch=batch))
    rows = list(csv.reader(io.StringIO("".join(chunks), newline="")))
    return chunks, rows


def expected_row(e: AuditEntry) -> list[str]:
    cells = [str(e.id), e.occurred_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), e.action, e.username, e.role,
             e.site_code, e.subject_number, e.record_id, e.form_id, e.item, e.old_value, e.new_value, e.reason,
             e.hash]
    return [neutralise("" if c is None else str(c)) for c in cells]


@pytest.mark.parametrize("batch", [1, 4, 500])
def test_csv_round_trips_to_the_listed_events(trail: Trail, batch: int) -> None:
    site1 = Actor(trail.monitor.user_id, "monitor", frozenset({trail.site_ids["01"]}))
    for criteria, actor in ((AuditFilter(STUDY), trail.monitor), (AuditFilter(STUDY, form_id="vital_signs"), site1)):
        with trail.engine.connect() as conn:
            listed = list_events(conn, criteria=criteria, actor=actor, limit=1000).events
        chunks, rows = csv_rows(trail, criteria, actor, batch)
        assert rows[0] == list(CSV_HEADER)
        assert rows[1:] == [expected_row(e) for e in listed]
        assert len(chunks) == 1 + -(-len(listed) // batch)  # the header, then one chunk per batch
        assert chunks[0] == ",".join(CSV_HEADER) + "\r\n"


def test_csv_header_is_exact_and_values_are_quoted(trail: Trail) -> None:
    chunks, rows = csv_rows(trail, AuditFilter(STUDY, action="record.correct", item="sysbp"), trail.monitor)
    assert chunks[0] == ("id,occurred_at,action,username,role,site,subject,record_id,form_id,item,"
                         "old_value,new_value,reason,hash\r\n")
    assert len(rows) == 2
    row = dict(zip(CSV_HEADER, rows[1], strict=True))
    assert row["reason"] == REASON_TEXT  # comma, quotes and line break survive
    assert '"transcription error, see ""source"" p. 2\nsecond line"' in chunks[1]
    assert row["occurred_at"] == "2026-03-02T12:01:00.000000Z"
    assert (row["username"], row["site"], row["subject"], row["old_value"], row["new_value"]) == (
        "coord1", "01", "01-001", "120", "125")
    empty_chunks, empty_rows = csv_rows(trail, AuditFilter(STUDY, site_code="09"), trail.monitor)
    assert empty_rows == [list(CSV_HEADER)] and len(empty_chunks) == 1


def test_csv_neutralises_formula_injection(trail: Trail) -> None:
    _, rows = csv_rows(trail, AuditFilter(STUDY, action="record.correct"), trail.monitor)
    reasons = {dict(zip(CSV_HEADER, row, strict=True))["reason"] for row in rows[1:]}
    assert reasons == {REASON_TEXT, *("'" + reason for reason in FORMULA_REASONS)}
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert [neutralise(v) for v in ("=1", "+1", "-1", "@a", "\tx", "\rx", "a=1", "", "'=1")] == [
        "'=1", "'+1", "'-1", "'@a", "'\tx", "'\rx", "a=1", "", "'=1"]
