"""Storage of freezes and locks: the `locks` rows, placing, releasing and finding the ones that cover data.

Every function works inside the caller's transaction and never commits.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, Select, and_, bindparam, insert, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute

from edc.db.core import FormRecord, Subject, User, Visit
from edc.db.monitoring import Lock

AnyRow = Row[*tuple[Any, ...]]


def active_same(conn: Connection, *, study_id: str, scope: str, subject_id: int | None, visit_id: int | None,
                record_id: int | None) -> AnyRow | None:
    """(id, state) of an active lock of `scope` on exactly these ids, if there is one."""
    return conn.execute(select(Lock.id, Lock.state).where(
        Lock.study_id == study_id, Lock.scope == scope, Lock.released_at.is_(None),
        _same(Lock.subject_id, subject_id), _same(Lock.visit_id, visit_id), _same(Lock.record_id, record_id))).first()


def insert_lock(conn: Connection, *, study_id: str, scope: str, state: str, site_id: int | None,
                subject_id: int | None, visit_id: int | None, record_id: int | None, user_id: int,
                now: datetime) -> int:
    """Store an active lock and return its id."""
    return int(conn.execute(insert(Lock).values(
        study_id=study_id, scope=scope, state=state, site_id=site_id, subject_id=subject_id,
        visit_id=visit_id, record_id=record_id, created_by=user_id, created_at=now,
    ).returning(Lock.id)).scalar_one())


def active_lock(conn: Connection, study_id: str, lock_id: int) -> AnyRow | None:
    """(scope, state, site_id, subject_id, record_id) of the study's active lock `lock_id`, or None."""
    return conn.execute(select(Lock.scope, Lock.state, Lock.site_id, Lock.subject_id, Lock.record_id).where(
        Lock.id == lock_id, Lock.study_id == study_id, Lock.released_at.is_(None))).one_or_none()


def release(conn: Connection, lock_id: int, *, user_id: int, reason: str, now: datetime) -> None:
    """Mark the lock released by `user_id`, with the reason."""
    conn.execute(update(Lock).where(Lock.id == lock_id).values(released_by=user_id, released_at=now,
                                                               release_reason=reason))


def active_lock_ids(conn: Connection, study_id: str, site_ids: Collection[int] | None) -> list[int]:
    """The ids of the study's active locks, oldest first: study locks and, with `site_ids`, only the locks
    of those sites' data (None: every site)."""
    statement = select(Lock.id).where(Lock.study_id == study_id, Lock.released_at.is_(None))
    if site_ids is not None:
        statement = statement.where(or_(Lock.site_id.is_(None), Lock.site_id.in_(sorted(site_ids))))
    return [int(i) for i in conn.execute(statement.order_by(Lock.id)).scalars().all()]


def first_covering(conn: Connection, *, study_id: str, subject_id: int | None, visit_id: int | None,
                   record_id: int | None, state: str | None) -> AnyRow | None:
    """(id, scope, state, created_at) of the oldest active lock covering the data (only `state` ones if given)."""
    given = {"subject_id": subject_id, "visit_id": visit_id, "record_id": record_id, "state": state}
    shape = tuple(value is not None for value in given.values())
    statement = _COVERING.get(shape)
    if statement is None:
        statement = _COVERING[shape] = _covering_statement(*shape)
    params = {name: value for name, value in given.items() if value is not None}
    return conn.execute(statement, {"study_id": study_id, **params}).first()


def _covering_statement(subject: bool, visit: bool, record: bool, state: bool) -> Select[*tuple[Any, ...]]:
    """`first_covering`'s query for the data given, with their ids as parameters: built once per shape (every
    write asks it, and building it anew cost more than running it)."""
    covering: list[ColumnElement[bool]] = [Lock.scope == "study"]
    if subject:
        covering.append(and_(Lock.scope == "subject", Lock.subject_id == bindparam("subject_id")))
    if visit:
        covering.append(and_(Lock.scope == "visit", Lock.visit_id == bindparam("visit_id")))
    if record:
        covering.append(and_(Lock.scope == "record", Lock.record_id == bindparam("record_id")))
    statement = select(Lock.id, Lock.scope, Lock.state, Lock.created_at).where(
        Lock.study_id == bindparam("study_id"), Lock.released_at.is_(None), or_(*covering))
    if state:
        statement = statement.where(Lock.state == bindparam("state"))
    return statement.order_by(Lock.id).limit(1)


_COVERING: dict[tuple[bool, ...], Select[*tuple[Any, ...]]] = {}


def lock_row(conn: Connection, lock_id: int) -> AnyRow:
    """One lock, active or released, with its subject number, visit, record and creator's username."""
    return conn.execute(
        select(Lock.id, Lock.scope, Lock.state, Subject.subject_number, Visit.visit_code, Visit.occurrence,
               FormRecord.form_id, FormRecord.seq, User.username, Lock.created_at)
        .join(User, User.id == Lock.created_by).outerjoin(Subject, Subject.id == Lock.subject_id)
        .outerjoin(Visit, Visit.id == Lock.visit_id).outerjoin(FormRecord, FormRecord.id == Lock.record_id)
        .where(Lock.id == lock_id)).one()


def _same(column: InstrumentedAttribute[int | None], value: int | None) -> ColumnElement[bool]:
    """`column IS NULL` for None, `column = value` otherwise."""
    return column.is_(None) if value is None else column == value
