"""The tables of data monitoring: queries and their threads, source data verification marks, locks and electronic
signatures.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from edc.db.core import Base, UtcDateTime


class Query(Base):
    """A data query on an item, a record or a visit of one subject.

    `origin` is `edit_check` for a query the system opened from a finding
    (`check_id` says which; it closes itself when a correction resolves the
    finding) or `manual` for one a monitor or data manager raised. Status:
    open -> answered (site) -> closed (opener) or back to open (re-opened).
    Every step is a `query_messages` row and an audit event.
    """

    __tablename__ = "queries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))
    record_id: Mapped[int | None] = mapped_column(ForeignKey("form_records.id"), index=True)
    item: Mapped[str | None] = mapped_column(String(30))
    origin: Mapped[str] = mapped_column(String(12))
    check_id: Mapped[str | None] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class QueryMessage(Base):
    """One step of a query's thread: opened, answered, closed, re-opened, closed by a correction."""

    __tablename__ = "query_messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    query_id: Mapped[int] = mapped_column(ForeignKey("queries.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(16))  # the query's status after this step
    text: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the system
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SdvMark(Base):
    """A monitor's source data verification of one item of a record, at the record version seen.

    Current while `cleared_at` is null; a correction that changes the item clears it.
    """

    __tablename__ = "sdv_marks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    record_id: Mapped[int] = mapped_column(ForeignKey("form_records.id"), index=True)
    item: Mapped[str] = mapped_column(String(30))
    record_version: Mapped[int] = mapped_column(Integer)
    verified_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime] = mapped_column(UtcDateTime)
    cleared_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cleared_reason: Mapped[str | None] = mapped_column(Text)


class Lock(Base):
    """A data manager's freeze or lock of a record, a visit, a subject or the whole study.

    Active while `released_at` is null. Frozen data take no changes; locked
    data take no query steps either. Releasing needs a reason.
    """

    __tablename__ = "locks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id"), index=True)
    scope: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(8))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))
    record_id: Mapped[int | None] = mapped_column(ForeignKey("form_records.id"))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    released_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    released_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    release_reason: Mapped[str | None] = mapped_column(Text)


class Signature(Base):
    """An investigator's electronic signature of a record, a visit or a subject's casebook (21 CFR Part 11).

    `content_sha256` is the hash of what was signed (every record covered, at
    its version, with its values). A later change to anything covered
    invalidates the signature (`invalidated_at`, with the reason); a new
    signature is then needed.
    """

    __tablename__ = "signatures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    scope: Mapped[str] = mapped_column(String(8))
    record_id: Mapped[int | None] = mapped_column(ForeignKey("form_records.id"))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    meaning: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    invalidated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    invalidated_reason: Mapped[str | None] = mapped_column(Text)
