"""The tables of the audit trail: the append-only, hash-chained events and the chain's head."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from edc.db.core import Base, BigId, UtcDateTime


class AuditEvent(Base):
    """One append-only, hash-chained entry of the audit trail."""

    __tablename__ = "audit_events"
    # Monitors page through one study's, one subject's or one record's trail in chain order: each filter's
    # equalities, then the id, so a page is one range of its index however long the rest of the trail. The
    # study is in the subject's and record's indexes because the filter always names it: two equalities beat
    # the study's index, which SQLite (no statistics) would otherwise pick by creation order (migration 0028).
    __table_args__ = (Index("ix_audit_events_study_id_id", "study_id", "id"),
                      Index("ix_audit_events_subject_id_study_id_id", "subject_id", "study_id", "id"),
                      Index("ix_audit_events_record_id_study_id_id", "record_id", "study_id", "id"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    action: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str | None] = mapped_column(String(32))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    study_id: Mapped[str | None] = mapped_column(ForeignKey("studies.id"), index=True)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"))
    record_id: Mapped[int | None] = mapped_column(ForeignKey("form_records.id"))
    form_id: Mapped[str | None] = mapped_column(String(24))
    item: Mapped[str | None] = mapped_column(String(30))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


#: The single row of `audit_chain_head`.
AUDIT_HEAD_ID = 1


class AuditChainHead(Base):
    """The head of the audit hash chain: the last event's id and hash (0 and 64 zeros before the first).

    Its single row is the serialisation point of the chain: an append locks
    it, links to it and moves it forward in the appending transaction, so
    concurrent writers (several API processes) form one linear chain.
    """

    __tablename__ = "audit_chain_head"
    __table_args__ = (CheckConstraint("id = 1", name="audit_chain_head_single_row"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(BigId)
    last_hash: Mapped[str] = mapped_column(String(64))


class AuditPending(Base):
    """One committed transaction's audit events, waiting to be chained (PostgreSQL; `edc.audit.sequencer`).

    A request's transaction writes its events here, as one row, instead of locking the chain head; its
    process's sequencer moves every pending row into `audit_events` under the head's lock right after, so the
    head is held once per pass over many transactions, not once per transaction. `batch` orders them: it is
    taken by the transaction's last statement before its commit, so a transaction that saw another's changes
    has the higher batch. Rows are inserted and deleted (by the sequencer that chains them), never updated.
    """

    __tablename__ = "audit_pending"
    batch: Mapped[int] = mapped_column(BigId, primary_key=True)
    events: Mapped[str] = mapped_column(Text)  # JSON: the staged events' fields, in order
