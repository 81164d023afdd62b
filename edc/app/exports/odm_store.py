"""What the ODM export reads beside the values: the audit events behind them, the valid signatures, the window.

Every query is scoped by the study (and by the sites, for a site-restricted
export), in the export's one snapshot. An item's audit fact is the last
`record.create` or `record.correct` event that set it; a signature counts
while it is valid (not invalidated by a later change), the latest per target.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, func, select
from sqlalchemy.sql.elements import ColumnElement

from edc.app.kernel.clock import stored_utc
from edc.db import core as db
from edc.db.monitoring import Signature
from edc.db.trail import AuditEvent
from edc.export.odm import oids
from edc.export.odm.provenance import ItemAudit, OdmUser, Provenance, SignatureFact

VALUE_ACTIONS = ("record.create", "record.correct")
"""The audit actions that set an item's value."""


@dataclass(frozen=True)
class Window:
    """Records changed from `since` (inclusive) to `until` (exclusive), timezone-aware; None: unbounded."""

    since: datetime | None = None
    until: datetime | None = None


UNBOUNDED = Window()
"""No window: every record."""


def changed_records(conn: Connection, study_id: str, window: Window,
                    site_ids: Collection[int] | None) -> set[int]:
    """The ids of the study's records with a value set (created or corrected) within the window."""
    e = AuditEvent
    terms = [*_events_of(study_id, site_ids)]
    if window.since is not None:  # in UTC: SQLite compares the stored UTC text
        terms.append(e.occurred_at >= window.since.astimezone(UTC))
    if window.until is not None:
        terms.append(e.occurred_at < window.until.astimezone(UTC))
    return {int(r) for r in conn.scalars(select(e.record_id).where(*terms).distinct()) if r is not None}


def read_provenance(conn: Connection, study_id: str, site_ids: Collection[int] | None) -> Provenance:
    """The audit facts of the study's current values and its valid signatures, with the users they name."""
    names: dict[int, OdmUser] = {}
    items = _item_audits(conn, study_id, site_ids, names)
    record_signed, visit_signed, casebook_signed = _signatures(conn, study_id, site_ids, names)
    return Provenance(items=items, record_signatures=record_signed, visit_signatures=visit_signed,
                      casebook_signatures=casebook_signed, users={u.username: u for u in names.values()})


def _events_of(study_id: str, site_ids: Collection[int] | None) -> list[ColumnElement[bool]]:
    e = AuditEvent
    terms = [e.study_id == study_id, e.record_id.is_not(None), e.action.in_(VALUE_ACTIONS)]
    if site_ids is not None:
        terms.append(e.site_id.in_(sorted(site_ids)))
    return terms


def _item_audits(conn: Connection, study_id: str, site_ids: Collection[int] | None,
                 names: dict[int, OdmUser]) -> dict[tuple[int, str], ItemAudit]:
    e = AuditEvent
    last = (select(func.max(e.id).label("id")).where(*_events_of(study_id, site_ids), e.item.is_not(None))
            .group_by(e.record_id, e.item).subquery())
    rows = conn.execute(
        select(e.id, e.record_id, e.item, e.occurred_at, e.reason, e.user_id, db.User.username, db.User.full_name,
               db.Site.code).join(last, last.c.id == e.id).join(db.User, db.User.id == e.user_id)
        .join(db.Site, db.Site.id == e.site_id))
    found: dict[tuple[int, str], ItemAudit] = {}
    for row in rows:
        names[int(row.user_id)] = OdmUser(row.username, row.full_name)
        found[(int(row.record_id), str(row.item))] = ItemAudit(
            int(row.id), row.username, stored_utc(row.occurred_at), row.code, row.reason)
    return found


def _signatures(conn: Connection, study_id: str, site_ids: Collection[int] | None, names: dict[int, OdmUser]) -> tuple[
        dict[int, SignatureFact], dict[tuple[str, str, int], SignatureFact], dict[str, SignatureFact]]:
    s = Signature
    query = (select(s.scope, s.record_id, s.signed_at, s.meaning, s.user_id, db.User.username, db.User.full_name,
                    db.Site.code, db.Subject.subject_number, db.Visit.visit_code, db.Visit.occurrence)
             .join(db.Subject, db.Subject.id == s.subject_id).join(db.Site, db.Site.id == db.Subject.site_id)
             .join(db.User, db.User.id == s.user_id).outerjoin(db.Visit, db.Visit.id == s.visit_id)
             .where(db.Subject.study_id == study_id, s.invalidated_at.is_(None)).order_by(s.id))
    if site_ids is not None:
        query = query.where(db.Subject.site_id.in_(sorted(site_ids)))
    records: dict[int, SignatureFact] = {}
    visits: dict[tuple[str, str, int], SignatureFact] = {}
    casebooks: dict[str, SignatureFact] = {}
    for row in conn.execute(query):  # in id order: a later valid signature of the same target replaces one
        names[int(row.user_id)] = OdmUser(row.username, row.full_name)
        fact = SignatureFact(row.username, stored_utc(row.signed_at), row.meaning)
        key = oids.subject_key(row.code, row.subject_number)
        if row.scope == "record" and row.record_id is not None:
            records[int(row.record_id)] = fact
        elif row.scope == "visit" and row.visit_code is not None:
            visits[(key, row.visit_code, int(row.occurrence))] = fact
        elif row.scope == "casebook":
            casebooks[key] = fact
    return records, visits, casebooks
