"""Storage of electronic signatures: the `signatures` rows and the records a signature covers.

Every function works inside the caller's transaction and never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, bindparam, insert, or_, select, update

from edc.app.records.store import COUNTING
from edc.db.core import FormRecord, User, Visit
from edc.db.monitoring import Signature

AnyRow = Row[*tuple[Any, ...]]


def insert_signature(conn: Connection, *, subject_id: int, scope: str, visit_id: int | None, record_id: int | None,
                     user_id: int, meaning: str, content_sha256: str, now: datetime) -> int:
    """Store a signature and return its id."""
    return int(conn.execute(insert(Signature).values(
        subject_id=subject_id, scope=scope, visit_id=visit_id, record_id=record_id, user_id=user_id, meaning=meaning,
        content_sha256=content_sha256, signed_at=now).returning(Signature.id)).scalar_one())


_VALID_COVERING = select(Signature.id, Signature.scope).where(
    Signature.subject_id == bindparam("subject_id"), Signature.invalidated_at.is_(None),
    or_(Signature.scope == "casebook", and_(Signature.scope == "visit", Signature.visit_id == bindparam("visit_id")),
        and_(Signature.scope == "record", Signature.record_id == bindparam("record_id"))))
"""Built once with the ids as parameters: every record change sends it, and building it anew cost more than
running it (SQLAlchemy keys its compiled cache on the whole statement tree, each time)."""


def valid_covering(conn: Connection, *, subject_id: int, visit_id: int, record_id: int) -> list[AnyRow]:
    """(id, scope) of the subject's valid signatures covering the record: its own, its visit's, the casebook's."""
    return list(conn.execute(_VALID_COVERING, {"subject_id": subject_id, "visit_id": visit_id,
                                               "record_id": record_id}).all())


def invalidate(conn: Connection, signature_id: int, *, reason: str, now: datetime) -> None:
    """Mark the signature invalidated, with the reason."""
    conn.execute(update(Signature).where(Signature.id == signature_id).values(invalidated_at=now,
                                                                              invalidated_reason=reason))


def record_versions(conn: Connection, record_ids: Sequence[int]) -> list[AnyRow]:
    """(id, form_id, seq, version) of the records, in record id order."""
    return list(conn.execute(select(FormRecord.id, FormRecord.form_id, FormRecord.seq, FormRecord.version)
                             .where(FormRecord.id.in_(record_ids)).order_by(FormRecord.id)).all())


def subject_record_ids(conn: Connection, subject_id: int) -> list[int]:
    """The ids of every record that counts of the subject (the casebook), in id order."""
    return [int(i) for i in conn.execute(select(FormRecord.id).where(FormRecord.subject_id == subject_id, COUNTING)
                                         .order_by(FormRecord.id)).scalars().all()]


def visit_record_ids(conn: Connection, visit_id: int) -> list[int]:
    """The ids of every record that counts at the visit, in id order."""
    return [int(i) for i in conn.execute(select(FormRecord.id).where(FormRecord.visit_id == visit_id, COUNTING)
                                         .order_by(FormRecord.id)).scalars().all()]


def signature_rows(conn: Connection, subject_id: int, only: int | None) -> list[AnyRow]:
    """The subject's signatures (or only signature `only`), oldest first, with signer, visit and record."""
    statement = (select(Signature.id, Signature.subject_id, Signature.scope, Signature.visit_id, Signature.record_id,
                        Signature.meaning, Signature.signed_at,
                        Signature.content_sha256, Signature.invalidated_at, Signature.invalidated_reason,
                        User.username, User.full_name, Visit.visit_code, Visit.occurrence, FormRecord.form_id,
                        FormRecord.seq)
                 .join(User, User.id == Signature.user_id).outerjoin(Visit, Visit.id == Signature.visit_id)
                 .outerjoin(FormRecord, FormRecord.id == Signature.record_id)
                 .where(Signature.subject_id == subject_id).order_by(Signature.id))
    if only is not None:
        statement = statement.where(Signature.id == only)
    return list(conn.execute(statement).all())


def record_places(conn: Connection, record_ids: Sequence[int]) -> list[AnyRow]:
    """(id, subject_id, visit_id) of the records."""
    if not record_ids:
        return []
    return list(conn.execute(select(FormRecord.id, FormRecord.subject_id, FormRecord.visit_id)
                             .where(FormRecord.id.in_(record_ids))).all())


def valid_signatures(conn: Connection, subject_ids: Sequence[int]) -> list[AnyRow]:
    """(id, subject_id, scope, visit_id, record_id, content_sha256) of the subjects' signatures not invalidated."""
    if not subject_ids:
        return []
    return list(conn.execute(select(Signature.id, Signature.subject_id, Signature.scope, Signature.visit_id,
                                    Signature.record_id, Signature.content_sha256)
                             .where(Signature.subject_id.in_(subject_ids), Signature.invalidated_at.is_(None))
                             .order_by(Signature.id)).all())
