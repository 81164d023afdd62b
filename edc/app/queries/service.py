"""Data queries: opened by edit checks or by monitors and data managers, answered by the site, closed or re-opened.

Life-cycle (each step a thread message and an audit event, in the caller's
transaction):

    open --answer (site)--> answered --close--> closed
      ^                         |                  |
      +------- re-open ---------+------------------+

- An edit-check finding on a record opens a query on its item (origin
  `edit_check`), once per record and check while the finding stands; a
  correction that makes the finding go away closes the query with a system
  message naming the new record version.
- Monitors and data managers (`query.open`) raise manual queries on an item,
  a record or a visit, and close or re-open any query; site staff
  (`query.answer`) answer. A closed query takes no answer.
- Site staff see only their sites' queries; another site's query looks missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, Select, insert, select, update
from sqlalchemy.orm import aliased

from edc import audit
from edc.app.kernel import lookups
from edc.app.kernel.actor import Actor
from edc.app.kernel.errors import Conflict, InvalidInput, NotFound, ReasonRequired
from edc.app.kernel.places import RecordPlace
from edc.app.locks import service as locks
from edc.app.records.store import stored_utc
from edc.db.core import FormRecord, Query, QueryMessage, Site, Subject, User, Visit
from edc.definitions.catalog import StudyDefinition
from edc.domain.findings import Finding

OPEN, ANSWERED, CLOSED = "open", "answered", "closed"
STATUSES = (OPEN, ANSWERED, CLOSED)
EDIT_CHECK, MANUAL = "edit_check", "manual"
_LIVE = (OPEN, ANSWERED)


@dataclass(frozen=True)
class Message:
    """One step of a query's thread."""

    kind: str
    status: str
    text: str
    user: str | None  # None: the system
    created_at: datetime


@dataclass(frozen=True)
class QueryView:
    """A query with where it points and, when read alone, its thread."""

    query_id: int
    site: str
    subject_number: str
    visit_code: str | None
    occurrence: int | None
    form_id: str | None
    seq: int | None
    item: str | None
    origin: str
    check_id: str | None
    status: str
    text: str
    opened_by: str | None
    opened_at: datetime
    closed_at: datetime | None
    messages: tuple[Message, ...] = ()


@dataclass(frozen=True)
class QueryPage:
    """One page of queries and the cursor of the next (None on the last)."""

    queries: tuple[QueryView, ...]
    next_cursor: str | None


@dataclass(frozen=True)
class Target:
    """Where a manual query points: a visit, optionally a record of it, optionally an item of that record."""

    subject_number: str
    visit_code: str
    occurrence: int = 1
    form_id: str | None = None
    seq: int = 1
    item: str | None = None


# --- edit-check queries -------------------------------------------------------------------------

def sync_edit_check_queries(conn: Connection, *, place: RecordPlace, record_version: int,
                            findings: Sequence[Finding], now: datetime) -> None:
    """Open a query per finding not yet queried; close the record's edit-check queries whose finding is gone."""
    study_id, site_id, subject_id = place.study_id, place.site_id, place.subject_id
    visit_id, record_id = place.visit_id, place.record_id
    live = conn.execute(select(Query.id, Query.check_id, Query.item, Query.status).where(
        Query.record_id == record_id, Query.origin == EDIT_CHECK, Query.status.in_(_LIVE))).all()
    standing = {(f.check_id, f.item) for f in findings}
    for row in live:
        if (row.check_id, row.item) not in standing:
            text = f"Resolved by the correction to version {record_version}: the check no longer fires"
            _step(conn, row.id, "resolved", CLOSED, text, None, now, study_id=study_id, site_id=site_id,
                  subject_id=subject_id, record_id=record_id, item=row.item, old_status=row.status)
    queried = {(row.check_id, row.item) for row in live}
    for finding in findings:
        if (finding.check_id, finding.item) in queried:
            continue
        query_id = _insert(conn, study_id=study_id, site_id=site_id, subject_id=subject_id, visit_id=visit_id,
                           record_id=record_id, item=finding.item, origin=EDIT_CHECK, check_id=finding.check_id,
                           text=finding.message, opened_by=None, now=now)
        _audit(conn, "query.open", None, now, study_id, site_id, subject_id, record_id, finding.item, None, OPEN,
               f"query {query_id} ({finding.severity}, {finding.check_id}): {finding.message}")


# --- manual queries and the life-cycle ----------------------------------------------------------

def open_query(conn: Connection, *, study: StudyDefinition, target: Target, text: str, actor: Actor,
               now: datetime) -> QueryView:
    """Raise a manual query on a visit, a record or an item the actor sees."""
    _require_text(text, "a query needs its question")
    subject = lookups.find_subject(conn, study_id=study.id, subject_number=target.subject_number, actor=actor)
    locks.ensure_writable(conn, study_id=study.id, subject_id=subject.subject_id, query_step=True)
    visit_id = lookups.find_visit_id(conn, subject_id=subject.subject_id, visit_code=target.visit_code,
                                     occurrence=target.occurrence)
    record_id = None
    if target.form_id is not None:
        record_id = lookups.find_record_id(conn, visit_id=visit_id, form_id=target.form_id, seq=target.seq)
        form = study.forms[target.form_id]
        if target.item is not None and form.item(target.item) is None:
            raise InvalidInput(f"form '{form.id}' has no item '{target.item}'")
    elif target.item is not None:
        raise InvalidInput("an item needs its form")
    query_id = _insert(conn, study_id=study.id, site_id=subject.site_id, subject_id=subject.subject_id,
                       visit_id=visit_id, record_id=record_id, item=target.item, origin=MANUAL, check_id=None,
                       text=text, opened_by=actor.user_id, now=now)
    _audit(conn, "query.open", actor, now, study.id, subject.site_id, subject.subject_id, record_id, target.item,
           None, OPEN, f"query {query_id}: {text}")
    return read_query(conn, study=study, query_id=query_id, actor=actor)


def answer_query(conn: Connection, *, study: StudyDefinition, query_id: int, text: str, actor: Actor,
                 now: datetime) -> QueryView:
    """The site's answer; Conflict on a closed query."""
    return _transition(conn, study, query_id, actor, now, "answer", ANSWERED, text, allowed_from=_LIVE)


def close_query(conn: Connection, *, study: StudyDefinition, query_id: int, text: str, actor: Actor,
                now: datetime) -> QueryView:
    """Close an open or answered query with a closing note."""
    return _transition(conn, study, query_id, actor, now, "close", CLOSED, text, allowed_from=_LIVE)


def reopen_query(conn: Connection, *, study: StudyDefinition, query_id: int, text: str, actor: Actor,
                 now: datetime) -> QueryView:
    """Re-open an answered or closed query, saying what is still wrong."""
    return _transition(conn, study, query_id, actor, now, "reopen", OPEN, text, allowed_from=(ANSWERED, CLOSED))


def read_query(conn: Connection, *, study: StudyDefinition, query_id: int, actor: Actor) -> QueryView:
    """A query with its thread; NotFound for another study's or another site's."""
    rows = conn.execute(_select().where(Query.id == query_id, Query.study_id == study.id)).all()
    if not rows or not actor.sees(int(rows[0].site_id)):
        raise NotFound(f"study '{study.id}' has no query {query_id}")
    return _view(rows[0], _messages(conn, query_id))


def list_queries(conn: Connection, *, study: StudyDefinition, actor: Actor, now: datetime,
                 site_code: str | None = None, subject_number: str | None = None, status: str | None = None,
                 min_age_days: int | None = None, limit: int = 100, cursor: str | None = None) -> QueryPage:
    """The queries the actor sees, oldest first, filtered by site, subject, status and age in days."""
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)}")
    statement = _select().where(Query.study_id == study.id, Query.id > lookups.decode_cursor(cursor))
    if actor.site_ids is not None:
        statement = statement.where(Query.site_id.in_(actor.site_ids))
    if site_code is not None:
        statement = statement.where(Site.code == site_code)
    if subject_number is not None:
        statement = statement.where(Subject.subject_number == subject_number)
    if status is not None:
        statement = statement.where(Query.status == status)
    if min_age_days is not None:
        statement = statement.where(Query.opened_at <= now - timedelta(days=min_age_days))
    rows = conn.execute(statement.order_by(Query.id).limit(limit + 1)).all()
    views = tuple(_view(row, ()) for row in rows[:limit])
    more = len(rows) > limit
    return QueryPage(views, lookups.encode_cursor(views[-1].query_id) if more else None)


# --- storage ------------------------------------------------------------------------------------

def _transition(conn: Connection, study: StudyDefinition, query_id: int, actor: Actor, now: datetime, kind: str,
                status: str, text: str, *, allowed_from: Sequence[str]) -> QueryView:
    _require_text(text, f"to {kind} a query, say why")
    row = conn.execute(select(Query.id, Query.status, Query.site_id, Query.subject_id, Query.record_id, Query.item)
                       .where(Query.id == query_id, Query.study_id == study.id).with_for_update()).one_or_none()
    if row is None or not actor.sees(int(row.site_id)):
        raise NotFound(f"study '{study.id}' has no query {query_id}")
    locks.ensure_writable(conn, study_id=study.id, subject_id=row.subject_id, record_id=row.record_id,
                          query_step=True)
    if row.status not in allowed_from:
        raise Conflict(f"query {query_id} is {row.status}; it cannot be {_PAST[kind]}")
    _step(conn, query_id, kind, status, text, actor, now, study_id=study.id, site_id=row.site_id,
          subject_id=row.subject_id, record_id=row.record_id, item=row.item, old_status=row.status)
    return read_query(conn, study=study, query_id=query_id, actor=actor)


_PAST = {"answer": "answered", "close": "closed", "reopen": "re-opened"}


def _step(conn: Connection, query_id: int, kind: str, status: str, text: str, actor: Actor | None, now: datetime,
          *, study_id: str, site_id: int, subject_id: int, record_id: int | None, item: str | None,
          old_status: str) -> None:
    conn.execute(update(Query).where(Query.id == query_id).values(
        status=status, closed_at=now if status == CLOSED else None))
    conn.execute(insert(QueryMessage).values(query_id=query_id, kind=kind, status=status, text=text,
                                             user_id=None if actor is None else actor.user_id, created_at=now))
    _audit(conn, f"query.{kind}", actor, now, study_id, site_id, subject_id, record_id, item, old_status, status,
           f"query {query_id}: {text}")


def _insert(conn: Connection, *, study_id: str, site_id: int, subject_id: int, visit_id: int | None,
            record_id: int | None, item: str | None, origin: str, check_id: str | None, text: str,
            opened_by: int | None, now: datetime) -> int:
    query_id = conn.execute(insert(Query).values(
        study_id=study_id, site_id=site_id, subject_id=subject_id, visit_id=visit_id, record_id=record_id, item=item,
        origin=origin, check_id=check_id, status=OPEN, text=text, opened_by=opened_by, opened_at=now,
    ).returning(Query.id)).scalar_one()
    conn.execute(insert(QueryMessage).values(query_id=query_id, kind="open", status=OPEN, text=text,
                                             user_id=opened_by, created_at=now))
    return int(query_id)


def _audit(conn: Connection, action: str, actor: Actor | None, now: datetime, study_id: str, site_id: int,
           subject_id: int, record_id: int | None, item: str | None, old: str | None, new: str, reason: str) -> None:
    audit.append(conn, action=action, occurred_at=now, user_id=None if actor is None else actor.user_id,
                 role=None if actor is None else actor.role, site_id=site_id, study_id=study_id,
                 subject_id=subject_id, record_id=record_id, item=item, old_value=old, new_value=new, reason=reason)


def _require_text(text: str, message: str) -> None:
    if not text or not text.strip():
        raise ReasonRequired(message)


def _select() -> Select[*tuple[Any, ...]]:
    opener = aliased(User)
    columns: tuple[Any, ...] = (
        Query.id, Query.site_id, Site.code.label("site"), Subject.subject_number, Visit.visit_code, Visit.occurrence,
        FormRecord.form_id, FormRecord.seq, Query.item, Query.origin, Query.check_id, Query.status, Query.text,
        opener.username.label("opened_by"), Query.opened_at, Query.closed_at)
    return (select(*columns)
            .join(Site, Site.id == Query.site_id).join(Subject, Subject.id == Query.subject_id)
            .outerjoin(Visit, Visit.id == Query.visit_id).outerjoin(FormRecord, FormRecord.id == Query.record_id)
            .outerjoin(opener, opener.id == Query.opened_by))


def _view(r: Row[Any], messages: tuple[Message, ...]) -> QueryView:
    return QueryView(int(r.id), str(r.site), str(r.subject_number), r.visit_code, r.occurrence, r.form_id, r.seq,
                     r.item, r.origin, r.check_id, r.status, r.text, r.opened_by, stored_utc(r.opened_at),
                     None if r.closed_at is None else stored_utc(r.closed_at), messages)


def _messages(conn: Connection, query_id: int) -> tuple[Message, ...]:
    rows = conn.execute(select(QueryMessage.kind, QueryMessage.status, QueryMessage.text, User.username,
                               QueryMessage.created_at)
                        .outerjoin(User, User.id == QueryMessage.user_id)
                        .where(QueryMessage.query_id == query_id).order_by(QueryMessage.id)).all()
    return tuple(Message(r.kind, r.status, r.text, r.username, stored_utc(r.created_at)) for r in rows)

