"""The tables of clinical decisions: investigators' eligibility decisions, the committee's DLT adjudications,
escalation decisions and the intermediate dose levels it opened.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Double,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
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


class IntermediateDoseLevel(Base):
    """A dose level the committee opened between two adjacent declared levels (`allow_intermediate_dose`).

    Written with the committee decision that steers enrolment to it (`decision_id`: who, when, why). One per
    study and level id, and one per interval (its lower level), so two openings at once cannot both place a
    level there. Kept, never changed: the level exists for the rest of the study, as the subjects at it do.
    """

    __tablename__ = "intermediate_dose_levels"
    __table_args__ = (UniqueConstraint("study_id", "level_id"), UniqueConstraint("study_id", "lower_level"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id"))  # the unique constraints lead with it
    level_id: Mapped[str] = mapped_column(String(8))
    label: Mapped[str] = mapped_column(String(100))
    dose_value: Mapped[float] = mapped_column(Double)
    dose_unit: Mapped[str] = mapped_column(String(16))
    lower_level: Mapped[str] = mapped_column(String(8))
    upper_level: Mapped[str] = mapped_column(String(8))
    decision_id: Mapped[int] = mapped_column(ForeignKey("escalation_decisions.id"), unique=True)
