"""Data queries: opened by edit checks or by monitors and data managers, answered by the site, closed or re-opened.

Life-cycle (each step a thread message and an audit event, in the caller's
transaction):

    open --answer (site)--> answered --close--> closed
      ^                         |                  |
      +------- re-open ---------+------------------+

- An edit-check finding on a record opens a query on its item (origin
  `edit_check`), once per record and check while the finding stands; a
  correction that makes the finding go away closes the query with a system
  message naming the new record version. Withdrawing the record closes every
  query on it, with a system message giving the withdrawal's reason.
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

from sqlalchemy import Connection, Row

from edc import audit
from edc.app.kernel import cursors, idempotency, lookups
from edc.app.kernel.actor import Actor
from edc.app.kernel.clock import stored_utc
from edc.app.kernel.errors import Conflict, InvalidInput, NotFound, ReasonRequired
from edc.app.kernel.places import RecordPlace
from edc.app.locks import service as locks
from edc.app.queries import store
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
    # a record just created (version 1) has no queries yet: its id is new
    live = store.record_queries(conn, record_id, origin=EDIT_CHECK, statuses=_LIVE) if record_version > 1 else []
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
        query_id = store.insert_query(
            conn, study_id=study_id, site_id=site_id, subject_id=subject_id, visit_id=visit_id, record_id=record_id,
            item=finding.item, origin=EDIT_CHECK, check_id=finding.check_id, status=OPEN, text=finding.message,
            opened_by=None, now=now)
        _audit(conn, "query.open", None, now, study_id, site_id, subject_id, record_id, finding.item, None, OPEN,
               f"query {query_id} ({finding.severity}, {finding.check_id}): {finding.message}")


def close_record_queries(conn: Connection, *, place: RecordPlace, text: str, now: datetime) -> int:
    """Close every open or answered query on the record (edit-check and manual), the system saying why in `text`
    (the record was withdrawn); returns how many."""
    live = store.record_queries(conn, place.record_id, origin=None, statuses=_LIVE)
    for row in live:
        _step(conn, row.id, "close", CLOSED, text, None, now, study_id=place.study_id, site_id=place.site_id,
              subject_id=place.subject_id, record_id=place.record_id, item=row.item, old_status=row.status)
    return len(live)


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
    query_id = store.insert_query(
        conn, study_id=study.id, site_id=subject.site_id, subject_id=subject.subject_id, visit_id=visit_id,
        record_id=record_id, item=target.item, origin=MANUAL, check_id=None, status=OPEN, text=text,
        opened_by=actor.user_id, now=now)
    _audit(conn, "query.open", actor, now, study.id, subject.site_id, subject.subject_id, record_id, target.item,
           None, OPEN, f"query {query_id}: {text}")
    return read_query(conn, study=study, query_id=query_id, actor=actor)


def raise_query(conn: Connection, *, study: StudyDefinition, target: Target, text: str, actor: Actor,
                now: datetime, idempotency_key: str | None) -> QueryView:
    """Open a manual query as `open_query` does; a retry with the same Idempotency-Key returns the query the first
    request raised."""
    request = {"study": study.id, "subject": target.subject_number, "visit": target.visit_code, "text": text,
               "occurrence": target.occurrence, "form": target.form_id, "seq": target.seq, "item": target.item}
    return idempotency.once(
        conn, actor=actor, key=idempotency_key, resource="query", request=request, now=now,
        create=lambda: open_query(conn, study=study, target=target, text=text, actor=actor, now=now),
        ident=lambda view: view.query_id,
        read=lambda i: read_query(conn, study=study, query_id=i, actor=actor))


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
    row = store.query_row(conn, study.id, query_id)
    if row is None or not actor.sees(int(row.site_id)):
        raise NotFound(f"study '{study.id}' has no query {query_id}")
    return _view(row, _messages(conn, query_id))

#: The oldest age a query listing filters on: a hundred years (a larger one is no date at all).
MAX_AGE_DAYS = 36_500


def list_queries(conn: Connection, *, study: StudyDefinition, actor: Actor, now: datetime,
                 site_code: str | None = None, subject_number: str | None = None, status: str | None = None,
                 min_age_days: int | None = None, limit: int = 100, cursor: str | None = None) -> QueryPage:
    """The queries the actor sees, oldest first, filtered by site, subject, status and age in days."""
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)}")
    if min_age_days is not None and not 0 <= min_age_days <= MAX_AGE_DAYS:  # a larger one overflows the date
        raise InvalidInput(f"min_age_days must be between 0 and {MAX_AGE_DAYS}")
    opened_before = None if min_age_days is None else now - timedelta(days=min_age_days)
    bound = cursors.binding("queries", study=study.id, site=site_code, subject=subject_number, status=status,
                            min_age_days=min_age_days)
    rows = store.query_rows(conn, store.QueryFilter(
        study.id, actor.site_ids, site_code, subject_number, status, opened_before,
        cursors.decode_cursor(conn, cursor, bound), limit))
    views = tuple(_view(row, ()) for row in rows[:limit])
    more = len(rows) > limit
    return QueryPage(views, cursors.encode_cursor(conn, views[-1].query_id, bound) if more else None)


# --- the steps ----------------------------------------------------------------------------------

def _transition(conn: Connection, study: StudyDefinition, query_id: int, actor: Actor, now: datetime, kind: str,
                status: str, text: str, *, allowed_from: Sequence[str]) -> QueryView:
    """Lock the query, check it may take the step (site, lock, status) and take it."""
    _require_text(text, f"to {kind} a query, say why")
    row = store.lock_query(conn, study.id, query_id)
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
    """Move the query to `status` with a thread message, audited as `query.<kind>`."""
    store.insert_step(conn, query_id, kind=kind, status=status, text=text,
                      user_id=None if actor is None else actor.user_id, closed_at=now if status == CLOSED else None,
                      now=now)
    _audit(conn, f"query.{kind}", actor, now, study_id, site_id, subject_id, record_id, item, old_status, status,
           f"query {query_id}: {text}")


def _audit(conn: Connection, action: str, actor: Actor | None, now: datetime, study_id: str, site_id: int,
           subject_id: int, record_id: int | None, item: str | None, old: str | None, new: str, reason: str) -> None:
    """Append one query event (the system acts when `actor` is None)."""
    audit.append(conn, action=action, occurred_at=now, user_id=None if actor is None else actor.user_id,
                 role=None if actor is None else actor.role, site_id=site_id, study_id=study_id,
                 subject_id=subject_id, record_id=record_id, item=item, old_value=old, new_value=new, reason=reason)


def _require_text(text: str, message: str) -> None:
    """ReasonRequired with `message` when `text` is blank."""
    if not text or not text.strip():
        raise ReasonRequired(message)


def _view(r: Row[Any], messages: tuple[Message, ...]) -> QueryView:
    """A stored query row as shown."""
    return QueryView(int(r.id), str(r.site), str(r.subject_number), r.visit_code, r.occurrence, r.form_id, r.seq,
                     r.item, r.origin, r.check_id, r.status, r.text, r.opened_by, stored_utc(r.opened_at),
                     None if r.closed_at is None else stored_utc(r.closed_at), messages)


def _messages(conn: Connection, query_id: int) -> tuple[Message, ...]:
    """The query's thread as shown."""
    return tuple(Message(r.kind, r.status, r.text, r.username, stored_utc(r.created_at))
                 for r in store.message_rows(conn, query_id))

