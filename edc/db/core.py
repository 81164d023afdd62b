"""The core tables every deployment has, whatever the trials: studies, sites, users, subjects,
visits, form records, queries, signatures, export jobs and the audit trail.

Form data itself lives in one typed table per form (see `formtables`); a
`form_records` row is the record's identity, status, version and the
definition version it was captured under.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from edc.definitions.vocabulary import ROLES

MAX_NAME = 63  # PostgreSQL's identifier limit; SQLite has none, so we keep to the stricter one.



def short_name(*parts: str) -> str:
    """Join parts into an identifier of at most 63 characters, hashing the tail when too long."""
    name = "_".join(parts)
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    return f"{name[: MAX_NAME - 9]}_{digest}"


def _columns(constraint: Any, table: Any) -> str:
    return "_".join(c.name for c in constraint.columns)


NAMING: dict[str, Any] = {
    "pk_name": lambda c, t: short_name("pk", t.name),
    "fk_name": lambda c, t: short_name("fk", t.name, _columns(c, t)),
    "uq_name": lambda c, t: short_name("uq", t.name, _columns(c, t)),
    "ix_name": lambda c, t: short_name("ix", t.name, _columns(c, t)),
    "pk": "%(pk_name)s",
    "fk": "%(fk_name)s",
    "uq": "%(uq_name)s",
    "ix": "%(ix_name)s",
    # CHECK constraints are always named explicitly (see formtables), so they need no convention.
}

BigId = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements INTEGER keys only
UtcDateTime = DateTime(timezone=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Study(Base):
    __tablename__ = "studies"
    id: Mapped[str] = mapped_column(String(12), primary_key=True)
    protocol_id: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DefinitionVersion(Base):
    """One loaded version of a study definition, kept whole so any record can be replayed."""

    __tablename__ = "definition_versions"
    __table_args__ = (UniqueConstraint("study_id", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id"))
    version: Mapped[str] = mapped_column(String(20))
    sha256: Mapped[str] = mapped_column(String(64))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Site(Base):
    __tablename__ = "sites"
    __table_args__ = (UniqueConstraint("study_id", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id"))
    code: Mapped[str] = mapped_column(String(4))
    name: Mapped[str] = mapped_column(String(200))


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RoleAssignment(Base):
    """A user's role, for a study and optionally restricted to one site."""

    __tablename__ = "role_assignments"
    __table_args__ = (
        UniqueConstraint("user_id", "role", "study_id", "site_id"),
        CheckConstraint("role IN ('" + "', '".join(ROLES) + "')", name="role"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(32))
    study_id: Mapped[str | None] = mapped_column(ForeignKey("studies.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))


class ApiToken(Base):
    """A bearer token given at login, stored only as its SHA-256; valid until it expires or is revoked."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Subject(Base):
    __tablename__ = "subjects"
    __table_args__ = (UniqueConstraint("study_id", "subject_number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    subject_number: Mapped[str] = mapped_column(String(20))
    cohort: Mapped[str | None] = mapped_column(String(8))
    dose_level: Mapped[str | None] = mapped_column(String(8))
    # True for the DLT-evaluable escalation cohorts, False for expansion subjects; None before assignment.
    dlt_evaluable: Mapped[bool | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(20))
    screened_on: Mapped[date] = mapped_column(Date)
    enrolled_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


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


class Visit(Base):
    """A subject's visit: scheduled (code from the definition), unscheduled, or the subject's logs."""

    __tablename__ = "visits"
    __table_args__ = (UniqueConstraint("subject_id", "visit_code", "occurrence"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    visit_code: Mapped[str] = mapped_column(String(8))
    occurrence: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(12))
    planned_date: Mapped[date | None] = mapped_column(Date)
    visit_date: Mapped[date | None] = mapped_column(Date)


class FormRecord(Base):
    """The identity of one captured form; its values are the row of the form's own table."""

    __tablename__ = "form_records"
    __table_args__ = (
        UniqueConstraint("visit_id", "form_id", "seq"),
        CheckConstraint("seq >= 1", name="seq_positive"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"))
    form_id: Mapped[str] = mapped_column(String(24))
    seq: Mapped[int] = mapped_column(Integer, default=1)
    definition_version_id: Mapped[int] = mapped_column(ForeignKey("definition_versions.id"))
    form_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[int] = mapped_column(ForeignKey("users.id"))


class SubjectCounter(Base):
    """The last subject number given at a site, locked while the next is allocated: none repeats, none is skipped."""

    __tablename__ = "subject_counters"
    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class RecordCounter(Base):
    """The last seq given to a form's records at a visit, locked while the next is allocated.

    Concurrent entries on one log (adverse events, medications) queue on this
    row instead of colliding on the (visit, form, seq) key: all of them are stored.
    """

    __tablename__ = "record_counters"
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), primary_key=True)
    form_id: Mapped[str] = mapped_column(String(24), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)


class RecordFinding(Base):
    """An edit-check finding stored with the record version that raised it."""

    __tablename__ = "record_findings"
    __table_args__ = (CheckConstraint("severity IN ('error', 'warning')", name="severity"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("form_records.id"), index=True)
    record_version: Mapped[int] = mapped_column(Integer)
    check_id: Mapped[str] = mapped_column(String(30))
    severity: Mapped[str] = mapped_column(String(8))
    item: Mapped[str | None] = mapped_column(String(30))
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class IdempotencyKey(Base):
    """A creating request's Idempotency-Key: a retry returns the first result and stores nothing twice."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(100))
    request_sha256: Mapped[str] = mapped_column(String(64))
    resource: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


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


class ExportJob(Base):
    """A data manager's SDTM export, run in the background: its status, progress and outcome.

    Status: queued -> running -> succeeded or failed. `runner` names the
    server process running it and `heartbeat_at` when it last said so, so a
    job whose process died is recognised and shown as failed (interrupted).
    `directory` is the server path of the files, never shown to clients;
    `files` their names in it. `failures` lists the validation failures of a
    refused submission ({domain, variable, usubjid, value, message, row}).
    `site_ids` are the sites a site-restricted data manager's export covers
    (None: the whole study): only their subjects are exported, and only
    data managers who see all of them see the job.
    """

    __tablename__ = "export_jobs"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'succeeded', 'failed')", name="export_job_status"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id"), index=True)
    requested_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_role: Mapped[str] = mapped_column(String(32))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(12))
    formats: Mapped[list[str]] = mapped_column(JSON)
    runner: Mapped[str | None] = mapped_column(String(120))
    heartbeat_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    progress_dataset: Mapped[str | None] = mapped_column(String(40))
    progress_step: Mapped[str | None] = mapped_column(String(40))
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int | None] = mapped_column(Integer)
    rows: Mapped[dict[str, int] | None] = mapped_column(JSON)
    files: Mapped[list[str] | None] = mapped_column(JSON)
    failures: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    directory: Mapped[str | None] = mapped_column(Text)
    site_ids: Mapped[list[int] | None] = mapped_column(JSON)


class AuditEvent(Base):
    """One append-only, hash-chained entry of the audit trail."""

    __tablename__ = "audit_events"
    # Monitors page through one study's trail in chain order, and read one record's history.
    __table_args__ = (Index("ix_audit_events_study_id_id", "study_id", "id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    action: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str | None] = mapped_column(String(32))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    study_id: Mapped[str | None] = mapped_column(ForeignKey("studies.id"), index=True)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"), index=True)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("form_records.id"), index=True)
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
