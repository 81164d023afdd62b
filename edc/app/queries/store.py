"""Storage of data queries: the `queries` rows, their thread (`query_messages`) and the read-side selects.

The life-cycle's words (statuses, origins) belong to `edc.app.queries.service`
and are passed in. Every function works inside the caller's transaction and
never commits.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, insert, select, update
from sqlalchemy.orm import aliased

from edc.db.core import FormRecord, Site, Subject, User, Visit
from edc.db.monitoring import Query, QueryMessage

AnyRow = Row[*tuple[Any, ...]]


@dataclass(frozen=True)
class QueryFilter:
    """Which queries of a study a listing wants (None: no filter) and the page after `after_id`."""

    study_id: str
    site_ids: Collection[int] | None
    site_code: str | None
    subject_number: str | None
    status: str | None
    opened_before: datetime | None
    after_id: int
    limit: int


def record_queries(conn: Connection, record_id: int, *, origin: str | None,
                   statuses: Sequence[str]) -> list[AnyRow]:
    """(id, check_id, item, status) of the record's queries of `origin` (None: of any) in one of `statuses`."""
    statement = select(Query.id, Query.check_id, Query.item, Query.status).where(
        Query.record_id == record_id, Query.status.in_(statuses)).order_by(Query.id)
    if origin is not None:
        statement = statement.where(Query.origin == origin)
    return list(conn.execute(statement).all())


def insert_query(conn: Connection, *, study_id: str, site_id: int, subject_id: int, visit_id: int | None,
                 record_id: int | None, item: str | None, origin: str, check_id: str | None, status: str,
                 text: str, opened_by: int | None, now: datetime) -> int:
    """Insert a query and the opening message of its thread; return the query's id."""
    query_id = conn.execute(insert(Query).values(
        study_id=study_id, site_id=site_id, subject_id=subject_id, visit_id=visit_id, record_id=record_id, item=item,
        origin=origin, check_id=check_id, status=status, text=text, opened_by=opened_by, opened_at=now,
    ).returning(Query.id)).scalar_one()
    conn.execute(insert(QueryMessage).values(query_id=query_id, kind="open", status=status, text=text,
                                             user_id=opened_by, created_at=now))
    return int(query_id)


def insert_step(conn: Connection, query_id: int, *, kind: str, status: str, text: str, user_id: int | None,
                closed_at: datetime | None, now: datetime) -> None:
    """Move the query to `status` (with `closed_at`) and add the step to its thread."""
    conn.execute(update(Query).where(Query.id == query_id).values(status=status, closed_at=closed_at))
    conn.execute(insert(QueryMessage).values(query_id=query_id, kind=kind, status=status, text=text,
                                             user_id=user_id, created_at=now))


def lock_query(conn: Connection, study_id: str, query_id: int) -> AnyRow | None:
    """Lock the study's query `query_id` (FOR UPDATE); its (id, status, site, subject, record, item), or None."""
    return conn.execute(select(Query.id, Query.status, Query.site_id, Query.subject_id, Query.record_id, Query.item)
                        .where(Query.id == query_id, Query.study_id == study_id).with_for_update()).one_or_none()


def query_row(conn: Connection, study_id: str, query_id: int) -> AnyRow | None:
    """The study's query `query_id` with where it points (see `_select`), or None."""
    return conn.execute(_select().where(Query.id == query_id, Query.study_id == study_id)).first()


def query_rows(conn: Connection, wanted: QueryFilter) -> list[AnyRow]:
    """Up to `limit + 1` queries matching the filter, by id (the extra one says whether a page follows)."""
    statement = _select().where(Query.study_id == wanted.study_id, Query.id > wanted.after_id)
    if wanted.site_ids is not None:
        statement = statement.where(Query.site_id.in_(wanted.site_ids))
    if wanted.site_code is not None:
        statement = statement.where(Site.code == wanted.site_code)
    if wanted.subject_number is not None:
        statement = statement.where(Subject.subject_number == wanted.subject_number)
    if wanted.status is not None:
        statement = statement.where(Query.status == wanted.status)
    if wanted.opened_before is not None:
        statement = statement.where(Query.opened_at <= wanted.opened_before)
    return list(conn.execute(statement.order_by(Query.id).limit(wanted.limit + 1)).all())


def message_rows(conn: Connection, query_id: int) -> list[AnyRow]:
    """The query's thread in order: (kind, status, text, username or None, created_at)."""
    return list(conn.execute(select(QueryMessage.kind, QueryMessage.status, QueryMessage.text, User.username,
                                    QueryMessage.created_at)
                             .outerjoin(User, User.id == QueryMessage.user_id)
                             .where(QueryMessage.query_id == query_id).order_by(QueryMessage.id)).all())


def _select() -> Select[*tuple[Any, ...]]:
    """Queries with their site code, subject number, visit, record, item and opener's username."""
    opener = aliased(User)
    columns: tuple[Any, ...] = (
        Query.id, Query.site_id, Site.code.label("site"), Subject.subject_number, Visit.visit_code, Visit.occurrence,
        FormRecord.form_id, FormRecord.seq, Query.item, Query.origin, Query.check_id, Query.status, Query.text,
        opener.username.label("opened_by"), Query.opened_at, Query.closed_at)
    return (select(*columns)
            .join(Site, Site.id == Query.site_id).join(Subject, Subject.id == Query.subject_id)
            .outerjoin(Visit, Visit.id == Query.visit_id).outerjoin(FormRecord, FormRecord.id == Query.record_id)
            .outerjoin(opener, opener.id == Query.opened_by))
