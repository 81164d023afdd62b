"""The SQL of the audit trail's reads: one keyset page of a study's events, filtered, as the actor may see them.

Names (site, subject, user) are resolved by subqueries, so an unknown one
matches nothing (the subject's to its one id, so its page is one range of
the (subject_id, study_id, id) index); an actor restricted to some sites sees
only events recorded at those sites. Reads only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, RowMapping, Select, select

from edc.app.kernel.actor import Actor
from edc.db.core import Site, Subject, User
from edc.db.trail import AuditEvent


@dataclass(frozen=True)
class AuditFilter:
    """Which events of `study_id` to show; each field left None does not filter.

    `since` is inclusive, `until` exclusive; both must be timezone-aware.
    """

    study_id: str
    site_code: str | None = None
    subject_number: str | None = None
    record_id: int | None = None
    form_id: str | None = None
    item: str | None = None
    username: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class AuditEntry:
    """One audit event as the monitor reads it: ids resolved to names, values as their stored JSON text."""

    id: int
    occurred_at: datetime
    action: str
    username: str | None
    role: str | None
    site_code: str | None
    subject_number: str | None
    record_id: int | None
    form_id: str | None
    item: str | None
    old_value: str | None
    new_value: str | None
    reason: str | None
    hash: str


_COLUMNS = (AuditEvent.id, AuditEvent.occurred_at, AuditEvent.action, User.username, AuditEvent.role,
            Site.code.label("site_code"), Subject.subject_number, AuditEvent.record_id, AuditEvent.form_id,
            AuditEvent.item, AuditEvent.old_value, AuditEvent.new_value, AuditEvent.reason, AuditEvent.hash)


def fetch_events(conn: Connection, criteria: AuditFilter, actor: Actor, after: int,
           limit: int) -> tuple[tuple[AuditEntry, ...], bool]:
    """Up to `limit` visible events after id `after`, and whether more follow: one query, one extra row."""
    entries = tuple(_entry(row) for row in conn.execute(events_query(criteria, actor, after, limit)).mappings())
    return entries[:limit], len(entries) > limit


def events_query(criteria: AuditFilter, actor: Actor, after: int, limit: int) -> Select[*tuple[Any, ...]]:
    """The statement `fetch_events` sends (apart, so the benchmark can show its plan): `limit` + 1 rows.

    Outer joins fetch the user, site and subject names, any of which an event may lack.
    """
    return (select(*_COLUMNS).select_from(AuditEvent)
            .outerjoin(User, User.id == AuditEvent.user_id)
            .outerjoin(Site, Site.id == AuditEvent.site_id)
            .outerjoin(Subject, Subject.id == AuditEvent.subject_id)
            .where(AuditEvent.id > after, *_conditions(criteria, actor))
            .order_by(AuditEvent.id).limit(limit + 1))


def _conditions(criteria: AuditFilter, actor: Actor) -> list[ColumnElement[bool]]:
    """The WHERE terms; names are resolved to ids by subqueries, so an unknown name matches nothing."""
    study = criteria.study_id
    terms: list[ColumnElement[bool]] = [AuditEvent.study_id == study]
    if actor.site_ids is not None:
        terms.append(AuditEvent.site_id.in_(sorted(actor.site_ids)))
    if criteria.site_code is not None:
        sites = select(Site.id).where(Site.study_id == study, Site.code == criteria.site_code)
        terms.append(AuditEvent.site_id.in_(sites))
    if criteria.subject_number is not None:
        # A scalar, not IN: the number is unique in the study, and only a single known id lets the planner read
        # the page as one range of (subject_id, study_id, id) in chain order; with IN PostgreSQL sorts the
        # subject's whole trail.
        subject = select(Subject.id).where(Subject.study_id == study,
                                           Subject.subject_number == criteria.subject_number)
        terms.append(AuditEvent.subject_id == subject.scalar_subquery())
    if criteria.username is not None:
        users = select(User.id).where(User.username == criteria.username)
        terms.append(AuditEvent.user_id.in_(users))
    for column, value in ((AuditEvent.record_id, criteria.record_id), (AuditEvent.form_id, criteria.form_id),
                          (AuditEvent.item, criteria.item), (AuditEvent.action, criteria.action)):
        if value is not None:
            terms.append(column == value)
    if criteria.since is not None:
        terms.append(AuditEvent.occurred_at >= criteria.since.astimezone(UTC))
    if criteria.until is not None:  # in UTC: SQLite compares the stored UTC text, dropping any offset
        terms.append(AuditEvent.occurred_at < criteria.until.astimezone(UTC))
    return terms


def _entry(row: RowMapping) -> AuditEntry:
    moment: datetime = row["occurred_at"]
    occurred_at = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return AuditEntry(
        id=int(row["id"]), occurred_at=occurred_at, action=str(row["action"]), username=row["username"],
        role=row["role"], site_code=row["site_code"], subject_number=row["subject_number"],
        record_id=row["record_id"], form_id=row["form_id"], item=row["item"], old_value=row["old_value"],
        new_value=row["new_value"], reason=row["reason"], hash=str(row["hash"]))


def visible_event(conn: Connection, study_id: str, actor: Actor, event_id: int) -> bool:
    """True when event `event_id` is of the study and the actor may see it: the list's own scoping, so an event
    of another study or site is exactly as absent as one that does not exist."""
    query = select(AuditEvent.id).where(AuditEvent.id == event_id,
                                        *_conditions(AuditFilter(study_id=study_id), actor))
    return conn.execute(query).first() is not None
