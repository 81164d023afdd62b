"""What every change to a form record also does, in one place: audit, edit-check queries, signatures, SDV,
coding.

Creating and correcting a record differ in what they store; what follows from
the change is the same and is written here once, in the caller's transaction:
one audit event per changed item, the record's edit-check queries opened or
closed to match its findings, the signatures covering it invalidated, the
source data verification of the items it changed cleared (a new record has
none), and its verbatim terms coded or re-opened (`edc.app.coding.sync`). A
withdrawal (entered in error) is audited with its reason and leaves nothing of
the record open, signed or verified: every query on it closed by the system,
the signatures covering it invalidated, every mark cleared.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from edc import audit
from edc.app.coding import sync as coding
from edc.app.kernel.actor import Actor
from edc.app.kernel.places import RecordPlace
from edc.app.queries import service as queries
from edc.app.sdv import service as sdv
from edc.app.signatures import service as signatures
from edc.definitions.catalog import StudyDefinition
from edc.domain.findings import Finding


@dataclass(frozen=True)
class RecordChange:
    """A stored change of a record: the version it made, the items it changed, the findings it stands with.

    `reason` is the user's (a correction's) reason for the audit trail; `summary` says what changed for
    the signatures it invalidates; `source_items` the items whose source data changed, whose verification
    it clears (default: the items changed).
    """

    place: RecordPlace
    action: str
    version: int
    items: Sequence[audit.ItemChange]
    findings: Sequence[Finding]
    summary: str
    reason: str | None = None
    source_items: Sequence[str] | None = None


def record_changed(conn: Connection, study: StudyDefinition, change: RecordChange, *, actor: Actor,
                   now: datetime) -> None:
    """Write everything that follows from `change` (the record and its findings are stored already)."""
    place = change.place
    _audited(conn, change, actor, now)
    queries.sync_edit_check_queries(conn, place=place, record_version=change.version, findings=change.findings,
                                    now=now)
    signatures.invalidate_covering(conn, place=place, now=now, reason=change.summary)
    if change.version > 1:
        items = change.source_items
        if items is None:
            items = [c.item for c in change.items if c.item is not None]
        sdv.clear_verification(conn, place=place, items=items,
                               reason=f"changed by the correction to version {change.version}", now=now)
    coding.record_terms(conn, study, place, change.items, now)


def record_withdrawn(conn: Connection, change: RecordChange, *, actor: Actor, now: datetime) -> None:
    """Write everything that follows from a withdrawal (`change`: its status change, its reason; stored already)."""
    place = change.place
    _audited(conn, change, actor, now)
    why = f"the record was withdrawn at version {change.version}: {change.reason}"
    queries.close_record_queries(conn, place=place, text=f"Closed: {why}", now=now)
    signatures.invalidate_covering(conn, place=place, now=now, reason=change.summary)
    sdv.clear_verification(conn, place=place, items=None, reason=why, now=now)


def _audited(conn: Connection, change: RecordChange, actor: Actor, now: datetime) -> None:
    place = change.place
    audit.append_items(conn, change.items, action=change.action, occurred_at=now, user_id=actor.user_id,
                       role=actor.role, site_id=place.site_id, study_id=place.study_id,
                       subject_id=place.subject_id, record_id=place.record_id, form_id=place.form_id,
                       reason=change.reason)
