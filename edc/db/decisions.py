"""The tables of clinical decisions: investigators' eligibility decisions, the committee's DLT adjudications and
escalation decisions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from edc.db.core import Base, UtcDateTime


class EligibilityDecision(Base):
    """An investigator's eligibility decision for a subject, with the engine's result it was made on.

    Decisions are kept, never overwritten: the latest one is the subject's current decision.
    """

    __tablename__ = "eligibility_decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    decision: Mapped[str] = mapped_column(String(12))
    computed_status: Mapped[str] = mapped_column(String(12))
    criteria: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DltAdjudication(Base):
    """The safety review committee's verdict on one adverse event (by AE number), with the engine's proposal.

    Kept, never overwritten: the latest row per subject and AE number is the committee's current verdict.
    """

    __tablename__ = "dlt_adjudications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    aespid: Mapped[str] = mapped_column(String(10))
    verdict: Mapped[str] = mapped_column(String(12))
    proposed_verdict: Mapped[str] = mapped_column(String(24))
    proposed_rule: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime)


class EscalationDecision(Base):
    """The committee's decision on the escalation, next to the engine's recommendation it was made on.

    `overrides` is true when the decision differs from the recommendation; the reason then says why.
    """

    __tablename__ = "escalation_decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    level: Mapped[str | None] = mapped_column(String(8))
    recommended_action: Mapped[str] = mapped_column(String(32))
    recommended_level: Mapped[str | None] = mapped_column(String(8))
    overrides: Mapped[bool] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime)
